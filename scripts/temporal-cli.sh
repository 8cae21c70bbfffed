#!/usr/bin/env bash
# Prints the path of the Temporal CLI v1.5.1 (which bundles the dev server), building it once;
# see scripts/go-tool.sh. Kept as the name the README and the test harness use.
exec bash "$(dirname "$0")/go-tool.sh" cli
