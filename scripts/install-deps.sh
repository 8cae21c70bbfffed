#!/usr/bin/env bash
# Installs exactly what package-lock.json records, and fails if the lockfile would change.
#
# Why not `npm ci`: the registry this project is built against does not serve the other
# platforms' optional native packages (e.g. @swc/core-darwin-arm64@1.16.22 answers 404), so no
# lockfile made here can list them, and `npm ci` refuses such a lockfile as "out of sync".
# `npm install` installs the locked versions; the check below keeps the lockfile authoritative.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund
if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- package-lock.json; then
  echo "package-lock.json does not match package.json: run 'npm install' and commit the lockfile." >&2
  git --no-pager diff --stat -- package-lock.json >&2
  exit 1
fi
