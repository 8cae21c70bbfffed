#!/usr/bin/env bash
# Static check of docker-compose.yml (no Docker engine here): the file must parse and resolve with
# Debian's docker-compose, and the Temporal server image must match the dev server's version.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "Installing Debian's docker-compose for the static check..." >&2
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get install -y -qq docker-compose >/dev/null 2>&1) || (apt-get update -qq && apt-get install -y -qq docker-compose >/dev/null)
  else
    echo "docker-compose is not installed and this user cannot apt-get it; skipping the compose check" >&2
    exit 0
  fi
fi
docker-compose -f docker-compose.yml config -q
grep -q 'image: temporalio/auto-setup:1.29.1' docker-compose.yml || { echo "docker-compose.yml: the Temporal server image must be 1.29.1 (the dev server's version)" >&2; exit 1; }
for file in $(grep -o 'lib/[a-z/-]*\.js' docker-compose.yml Dockerfile | cut -d: -f2 | sort -u); do
  source="${file#lib/}"
  [ -f "${source%.js}.ts" ] || { echo "docker-compose.yml runs $file but ${source%.js}.ts does not exist" >&2; exit 1; }
done
echo "docker-compose.yml: ok"
