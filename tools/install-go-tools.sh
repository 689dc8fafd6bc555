#!/usr/bin/env bash
# Builds the command-line tools the tests drive kcid with — written by other people, so they
# check what kcid promises rather than what kcid's own code believes — into tools/bin:
#   grpcurl (reflection, error details), ghz (the bench's independent gRPC load generator),
#   grpc_health_probe (Kubernetes probes), promtool (metric names and exposition format).
# Each is `go install`ed at a pinned version with its own go.mod (one shared module would force
# ghz onto a grpc-go it does not build with); the Go checksum database verifies every module.
# Already-built tools of the right version are kept, so a second run takes a second.
# Usage: tools/install-go-tools.sh [name…]   (no names: all of them)
set -euo pipefail
cd "$(dirname "$0")"
BIN="$PWD/bin"
mkdir -p "$BIN"

TOOLS=(
  "grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4"
  "ghz github.com/bojand/ghz/cmd/ghz@v0.93.0"
  "grpc-health-probe github.com/grpc-ecosystem/grpc-health-probe@v0.4.63"
  "promtool github.com/prometheus/prometheus/cmd/promtool@v0.316.0"
)

for entry in "${TOOLS[@]}"; do
  read -r name pkg <<<"$entry"
  if (($#)) && [[ " $* " != *" $name "* ]]; then
    continue
  fi
  stamp="$BIN/.$name.version"
  if [[ -x "$BIN/$name" && -f "$stamp" && "$(cat "$stamp")" == "$pkg" ]]; then
    continue
  fi
  echo "==> go install $pkg" >&2
  GOBIN="$BIN" go install "$pkg"
  echo "$pkg" >"$stamp"
done
