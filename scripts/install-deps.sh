#!/usr/bin/env bash
# Installs exactly what package-lock.json records, with `npm ci`: it never rewrites the lockfile
# and fails if package.json and the lockfile disagree. The lockfile is complete (it lists every
# platform's optional native packages, as npm writes them), so the install does not depend on
# which optional packages the registry happens to serve on the day.
#
# Install scripts of dependencies are denied in package.json's `allowScripts` (npm 11 advises,
# npm 12 enforces): none is needed here, since native code comes as prebuilt optional packages.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! npm ci --no-audit --no-fund; then
  cat >&2 <<'MSG'

npm ci failed. If it said package.json and package-lock.json are out of sync:
  - you did not change package.json: your checkout is not as committed; restore both files with
      git checkout -- package.json package-lock.json
    and run the command again;
  - you changed package.json on purpose: run `npm install` once to update the lockfile and commit
    package.json and package-lock.json together.
Otherwise the lines above say what npm could not fetch or build.
MSG
  exit 1
fi
