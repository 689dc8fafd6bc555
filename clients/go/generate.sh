#!/usr/bin/env bash
# Regenerates kcidpb/ from /proto with buf and the protoc plugins pinned in go.mod.
# Usage: ./generate.sh [OUT_DIR]   (default: this directory; kcidpb/ is written under it)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

buf="$root/tools/node_modules/.bin/buf"
if [[ ! -x "$buf" ]]; then
  (cd "$root/tools" && npm ci --silent)
fi

# protoc-gen-go and protoc-gen-go-grpc at the versions go.mod pins (tool directives).
(cd "$here" && GOBIN="$here/.bin" go install tool)
export PATH="$here/.bin:$PATH"

if [[ "$out" == "$here" ]]; then
  rm -rf "$here/kcidpb"
fi
cd "$here"
"$buf" generate --template buf.gen.yaml -o "$out"
