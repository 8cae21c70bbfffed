#!/usr/bin/env bash
# Installs the npm dependencies (scripts/install-deps.sh, `npm ci`) when node_modules is missing,
# or was installed from a different lockfile than the one checked out.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.kyc-lock-sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing npm dependencies from package-lock.json (npm ci)..." >&2
  bash scripts/install-deps.sh >&2
  echo "$want" >"$stamp"
fi
