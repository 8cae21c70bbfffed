#!/usr/bin/env bash
# The main job on the embedded default: installs what is missing, then starts the Temporal dev
# server (with UI), the provider simulators and the worker, and runs a demo of all three flows.
# The stack stays up for the Temporal UI until Ctrl-C; `npm run demo -- --once` stops after the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
TEMPORAL_CLI="$(bash scripts/temporal-cli.sh)"
export TEMPORAL_CLI
exec npx --no-install tsx scripts/demo.ts "$@"
