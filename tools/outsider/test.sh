#!/usr/bin/env bash
# kcid as a stranger meets it: a fresh venv with grpcio-tools and grpcio-reflection from PyPI,
# Python code generated from proto/*.proto (nobody's code but the proto), a real `kcid up` with
# KCID_AUTH=required, then outsider.py: click, conversion, a refusal's ErrorInfo, v1alpha
# reflection. `./kcid test` runs it after the Maven build, which made the kcid jar it starts.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
jar="$repo/cli/target/kcid.jar"
work="$(mktemp -d)"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -f "$jar" ]] || { echo "outsider: $jar missing: build it first (./mvnw -B package -DskipTests)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
grpc_port="$(free_port)"
(
  for v in $(compgen -e | grep '^KCID_' || true); do unset "$v"; done
  export KCID_HOME="$work/home" KCID_AUTH=required KCID_GRPC_PORT="$grpc_port" \
    KCID_EDGE_PORT="$(free_port)" KCID_EDGE_ADMIN_PORT="$(free_port)" KCID_METRICS_PORT=0 KCID_DRAIN_DELAY_MS=100
  exec java -jar "$jar" up
) >"$work/server.log" 2>&1 &
server_pid=$!

# The venv and the generated code, while kcid starts.
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check \
  grpcio-tools==1.85.1 grpcio-reflection==1.85.1 grpcio-status==1.85.1
mkdir -p "$work/gen"
(cd "$repo/proto/src/main/proto" && "$work/venv/bin/python" -m grpc_tools.protoc -I. \
  --python_out="$work/gen" --grpc_python_out="$work/gen" kcid/tracking/v1/*.proto)

for _ in $(seq 1 900); do
  grep -q 'Press Ctrl-C to stop.' "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { echo "outsider: kcid up exited:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
grep -q 'Press Ctrl-C to stop.' "$work/server.log" || { echo "outsider: kcid up did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

"$work/venv/bin/python" "$here/outsider.py" "$work/gen" "127.0.0.1:$grpc_port" \
  "$(cat "$work/home/api-keys/local-admin")"
