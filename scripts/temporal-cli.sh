#!/usr/bin/env bash
# Prints the path of the Temporal CLI (v1.5.1, which bundles the dev server), building it once
# from the Go module proxy into a cache outside the clone. Order: $TEMPORAL_CLI, the cache, a build.
set -euo pipefail

VERSION=1.5.1
CACHE_ROOT="${KYC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kyc-temporal}"
TARGET_DIR="$CACHE_ROOT/temporal-$VERSION"
TARGET="$TARGET_DIR/temporal"

if [ -n "${TEMPORAL_CLI:-}" ]; then
  if [ ! -x "$TEMPORAL_CLI" ]; then
    echo "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file" >&2
    exit 1
  fi
  echo "$TEMPORAL_CLI"
  exit 0
fi

if [ -x "$TARGET" ]; then
  echo "$TARGET"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "The Temporal CLI is not cached at $TARGET and Go is not installed to build it." >&2
  echo "Install Go (https://go.dev/doc/install) or set TEMPORAL_CLI to an existing temporal binary." >&2
  exit 1
fi

mkdir -p "$CACHE_ROOT"
# One build at a time: a second caller waits for the first and then reuses its binary.
exec 9>"$CACHE_ROOT/.temporal-$VERSION.lock"
flock 9
if [ -x "$TARGET" ]; then
  echo "$TARGET"
  exit 0
fi

BUILD_DIR="$(mktemp -d "$CACHE_ROOT/build-XXXXXX")"
trap 'rm -rf "$BUILD_DIR"' EXIT
echo "Building the Temporal CLI v$VERSION into $TARGET_DIR (one time; takes about 6 minutes on 2 cores)..." >&2
started=$(date +%s)
LOG="$CACHE_ROOT/temporal-$VERSION-build.log"
# -v prints each package as it compiles; a count every 50 shows the long build progressing.
set +e
GOBIN="$BUILD_DIR" go install -v "github.com/temporalio/cli/cmd/temporal@v$VERSION" 2>&1 | tee "$LOG" |
  awk '{ n++; if (n % 50 == 0) { printf "  ... %d packages compiled\n", n > "/dev/stderr"; fflush("/dev/stderr") } }'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ] || [ ! -x "$BUILD_DIR/temporal" ]; then
  echo "Building the Temporal CLI v$VERSION failed; the last lines of $LOG:" >&2
  tail -n 30 "$LOG" >&2
  exit 1
fi
mkdir -p "$TARGET_DIR"
mv "$BUILD_DIR/temporal" "$TARGET"
echo "Temporal CLI v$VERSION built in $(($(date +%s) - started))s: $TARGET" >&2
echo "$TARGET"
