#!/usr/bin/env bash
# Finds or builds the official Temporal CLI (dev server + Web UI) and prints its path on stdout.
# Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, the project cache, else `go install` into the cache.
set -euo pipefail

TEMPORAL_CLI_VERSION="v1.5.1" # newest release whose go.mod has no replace directive (server 1.29.1, UI 2.42.1)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${TEMPORAL_CLI_CACHE_DIR:-$root/.cache/temporal-cli}/$TEMPORAL_CLI_VERSION"
cached="$cache_dir/temporal"

if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  if [[ -x "$TEMPORAL_CLI_PATH" ]]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
  echo "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file." >&2
  exit 1
fi
if on_path="$(command -v temporal 2>/dev/null)"; then echo "$on_path"; exit 0; fi
if [[ -x "$cached" ]]; then echo "$cached"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
The Temporal CLI was not found and Go is not installed to build it. Do one of:
  - install Go >= 1.25 (https://go.dev/doc/install), then re-run this command: it builds
      go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION
  - install the CLI another way (brew install temporal, or https://temporal.download/cli.sh)
    and put it on PATH, or set TEMPORAL_CLI_PATH=/path/to/temporal
  - or point the platform at an existing server with TEMPORAL_ADDRESS=host:7233
MSG
  exit 1
fi

echo "Building the Temporal CLI $TEMPORAL_CLI_VERSION into $cache_dir (several minutes the first time)..." >&2
mkdir -p "$cache_dir"
start=$(date +%s)
GOBIN="$cache_dir" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" >&2
echo "Built the Temporal CLI in $(( $(date +%s) - start ))s." >&2
echo "$cached"
