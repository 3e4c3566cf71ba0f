#!/usr/bin/env bash
# Finds or builds the official Temporal CLI (dev server + Web UI) and prints its path on stdout.
# Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, the project cache, else `go build` into the cache: the official CLI
# release pinned in scripts/temporal-cli/go.mod, with its SQLite driver raised past a bug that wedged the dev server.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pinned() { awk -v module="$1" '$1 == module { print $2; exit }' "$root/scripts/temporal-cli/go.mod"; }
TEMPORAL_CLI_VERSION="$(pinned github.com/temporalio/cli)" # newest release whose go.mod has no replace directive
BUILD="$TEMPORAL_CLI_VERSION-sqlite-$(pinned modernc.org/sqlite)" # the cache folder names the build: a stock build is not reused
cache_dir="${TEMPORAL_CLI_CACHE_DIR:-$root/.cache/temporal-cli}/$BUILD"
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
      github.com/temporalio/cli/cmd/temporal $TEMPORAL_CLI_VERSION (scripts/temporal-cli/go.mod)
  - install the CLI another way (brew install temporal, or https://temporal.download/cli.sh)
    and put it on PATH, or set TEMPORAL_CLI_PATH=/path/to/temporal
  - or point the platform at an existing server with TEMPORAL_ADDRESS=host:7233
MSG
  exit 1
fi

echo "Building the Temporal CLI $BUILD into $cache_dir (several minutes the first time)..." >&2
mkdir -p "$cache_dir"
start=$(date +%s)
(cd "$root/scripts/temporal-cli" && GOFLAGS="${GOFLAGS:-} -trimpath -mod=readonly" go build \
  -ldflags "-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION#v}" -o "$cache_dir/temporal.partial" \
  github.com/temporalio/cli/cmd/temporal) >&2
mv "$cache_dir/temporal.partial" "$cached" # a build cut short leaves no half-written binary behind
echo "Built the Temporal CLI in $(( $(date +%s) - start ))s." >&2
echo "$cached"
