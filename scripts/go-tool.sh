#!/usr/bin/env bash
# Prints the path of a Temporal Go binary, building it once from the Go module proxy into a cache
# outside the clone (~/.cache/kyc-temporal, or $KYC_CACHE_DIR). Order: the override variable, the
# cache, a build. Usage: scripts/go-tool.sh cli | server | sql-tool
#
#   cli       temporal CLI v1.5.1 (bundles the dev server)      override: TEMPORAL_CLI
#   server    Temporal server v1.29.1 (cluster mode)            override: TEMPORAL_SERVER_BIN
#   sql-tool  temporal-sql-tool v1.29.1 (schema setup, cluster)  override: TEMPORAL_SQL_TOOL
#
# Builds take a file lock, so parallel callers share one build; progress goes to stderr as
# "compiled N of M packages (P%)" where M is the count of non-standard packages from `go list -deps`
# (the standard library is usually in Go's build cache already).
set -euo pipefail

tool="${1:-}"
case "$tool" in
  cli)
    VERSION=1.5.1
    MODULE=github.com/temporalio/cli
    PKG=github.com/temporalio/cli/cmd/temporal
    BIN=temporal
    OVERRIDE_VAR=TEMPORAL_CLI
    # The CLI prints this variable for `temporal --version`; go install alone leaves 0.0.0-DEV.
    LDFLAGS="-X github.com/temporalio/cli/temporalcli.Version=$VERSION"
    VERSION_ARGS=(--version)
    ;;
  server)
    VERSION=1.29.1
    MODULE=go.temporal.io/server
    PKG=go.temporal.io/server/cmd/server
    BIN=temporal-server
    OVERRIDE_VAR=TEMPORAL_SERVER_BIN
    LDFLAGS=""
    VERSION_ARGS=(--version)
    ;;
  sql-tool)
    VERSION=1.29.1
    MODULE=go.temporal.io/server
    PKG=go.temporal.io/server/cmd/tools/sql
    BIN=temporal-sql-tool
    OVERRIDE_VAR=TEMPORAL_SQL_TOOL
    LDFLAGS=""
    VERSION_ARGS=(--version)
    ;;
  *)
    echo "usage: scripts/go-tool.sh cli | server | sql-tool" >&2
    exit 2
    ;;
esac

override="${!OVERRIDE_VAR:-}"
if [ -n "$override" ]; then
  if [ ! -x "$override" ]; then
    echo "$OVERRIDE_VAR=$override is not an executable file" >&2
    exit 1
  fi
  echo "$override"
  exit 0
fi

CACHE_ROOT="${KYC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kyc-temporal}"
TARGET_DIR="$CACHE_ROOT/$BIN-$VERSION"
TARGET="$TARGET_DIR/$BIN"

# A cached binary counts only if it reports the version we pin (older caches of the CLI say
# 0.0.0-DEV and are rebuilt once, which takes seconds with Go's build cache warm).
cached_ok() {
  [ -x "$TARGET" ] && "$TARGET" "${VERSION_ARGS[@]}" 2>/dev/null | grep -qF "$VERSION"
}

if cached_ok; then
  echo "$TARGET"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "$BIN v$VERSION is not cached at $TARGET and Go is not installed to build it." >&2
  echo "Install Go (https://go.dev/doc/install) or set $OVERRIDE_VAR to an existing binary." >&2
  exit 1
fi

mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.$BIN-$VERSION.lock"
flock 9
if cached_ok; then
  echo "$TARGET"
  exit 0
fi

BUILD_DIR="$(mktemp -d "$CACHE_ROOT/build-XXXXXX")"
trap 'rm -rf "$BUILD_DIR"' EXIT
LOG="$CACHE_ROOT/$BIN-$VERSION-build.log"
started=$(date +%s)
echo "Building $BIN v$VERSION into $TARGET_DIR (one time; several minutes on 2 cores with no Go caches)..." >&2

# The package count for the progress line: the same module graph as `go install pkg@version`,
# resolved in a scratch module (this also downloads the modules the build needs).
total=0
if (cd "$BUILD_DIR" && go mod init kyc-count >/dev/null 2>&1 &&
  go get "$PKG@v$VERSION" >"$LOG" 2>&1 &&
  go list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' "$PKG" | grep . >"$BUILD_DIR/deps.txt" 2>>"$LOG"); then
  total=$(wc -l <"$BUILD_DIR/deps.txt")
fi

set +e
GOBIN="$BUILD_DIR" go install -v -ldflags "$LDFLAGS" "$PKG@v$VERSION" 2>&1 | tee -a "$LOG" |
  awk -v total="$total" '
  # Count what the total counts: module packages (first path element has a dot), not the standard
  # library, which a cold build also compiles and lists.
  $0 ~ /^[^\/ ]*\./ {
    n++
    if (n % 25 == 0) {
      if (total > 0) printf "  ... compiled %d of %d packages (%d%%)\n", n, total, (n >= total ? 99 : (n * 100) / total) > "/dev/stderr"
      else printf "  ... compiled %d packages\n", n > "/dev/stderr"
      fflush("/dev/stderr")
    }
  }'
status=${PIPESTATUS[0]}
set -e
built="$BUILD_DIR/$(basename "$PKG")"
if [ "$status" -ne 0 ] || [ ! -x "$built" ]; then
  echo "Building $BIN v$VERSION failed; the last lines of $LOG:" >&2
  tail -n 30 "$LOG" >&2
  exit 1
fi
mkdir -p "$TARGET_DIR"
mv "$built" "$TARGET"
echo "$BIN v$VERSION built in $(($(date +%s) - started))s (100%): $TARGET" >&2
echo "$TARGET"
