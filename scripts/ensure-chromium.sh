#!/usr/bin/env bash
# The UI test drives Debian's headless Chromium at /usr/bin/chromium (playwright-core's own
# browser download cannot reach the network here). Installs the package when it is missing;
# refreshes the package lists first only when apt does not know the package yet.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "ensure-chromium: /usr/bin/chromium is missing and this user cannot run apt-get" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show chromium >/dev/null 2>&1; then
  "${sudo[@]}" apt-get update -qq
fi
install_chromium() { "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; }
# Stale package lists can name a version the mirror no longer has: refresh once and retry.
install_chromium || { "${sudo[@]}" apt-get update -qq && install_chromium; }
echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
