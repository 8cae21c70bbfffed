#!/usr/bin/env bash
# The test command (README, CI): installs what is missing (npm dependencies, the Temporal CLI,
# built once into ~/.cache), then runs every jest test against a real Temporal dev server and the
# provider simulators. Extra arguments go to jest, e.g. `npm test -- test/unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
TEMPORAL_CLI="$(bash scripts/temporal-cli.sh)"
export TEMPORAL_CLI
mkdir -p test-output
rm -f test-output/jest-results.json
npx jest --ci --json --outputFile=test-output/jest-results.json "$@"
