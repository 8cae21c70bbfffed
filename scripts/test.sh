#!/usr/bin/env bash
# The test command (README, CI): installs what is missing (npm dependencies, the Temporal CLI,
# server and SQL schema tool, built once into ~/.cache), then runs every jest test against a real
# Temporal dev server (and, for cluster mode, a Temporal server on PostgreSQL) and the provider
# simulators. Extra arguments go to jest, e.g. `npm test -- test/unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
TEMPORAL_CLI="$(bash scripts/temporal-cli.sh)"
export TEMPORAL_CLI
# The cluster-mode test (test/integration/cluster-mode.test.ts) runs the Temporal server and its
# schema tool on PostgreSQL: built once into the same cache, before jest so its timeouts do not count it.
TEMPORAL_SERVER_BIN="$(bash scripts/go-tool.sh server)"
TEMPORAL_SQL_TOOL="$(bash scripts/go-tool.sh sql-tool)"
export TEMPORAL_SERVER_BIN TEMPORAL_SQL_TOOL
mkdir -p test-output
rm -f test-output/jest-results.json
npx jest --ci --json --outputFile=test-output/jest-results.json "$@"
