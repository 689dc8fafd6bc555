#!/usr/bin/env bash
# Regenerates gen/ (protoc-gen-es, pinned in package.json) and copies the shared
# gRPC service config. Usage: ./generate.sh [OUT_DIR]   (default: this directory)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$HERE}"
BUF="$ROOT/tools/node_modules/.bin/buf"
if [[ ! -x "$BUF" ]]; then
  (cd "$ROOT/tools" && npm ci --no-audit --no-fund >/dev/null)
fi
if [[ ! -x "$HERE/node_modules/.bin/protoc-gen-es" ]]; then
  (cd "$HERE" && npm ci --no-audit --no-fund >/dev/null)
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
rm -rf "$OUT/gen"
cd "$HERE"
PATH="$HERE/node_modules/.bin:$PATH" "$BUF" generate --template buf.gen.yaml -o "$OUT"
cp "$ROOT/clients/service_config.json" "$OUT/service_config.json"
