#!/usr/bin/env bash
# Tests of the kcid Python client as a user installs it: a fresh venv, `pip install` of this
# directory (not editable, no PYTHONPATH), then pytest against the installed package: click-signing
# vectors, generated-code freshness, the hand-written layer against an in-process fake, and every
# service against a live kcid that this script starts with API keys required (and always stops).
# Runnable from any directory.
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

if [[ ! -f "$jar" ]]; then
  echo "test.sh: $jar missing, building it" >&2
  (cd "$repo" && ./mvnw -B -q -o -pl cli -am package -DskipTests)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() {
  grpc_port="$(free_port)"
  edge_port="$(free_port)"
  while [[ "$edge_port" == "$grpc_port" ]]; do edge_port="$(free_port)"; done
  rm -rf "$work/home" && mkdir -p "$work/home"
  (
    for v in $(compgen -e | grep '^KCID_' || true); do unset "$v"; done
    export KCID_HOME="$work/home" KCID_GRPC_PORT="$grpc_port" KCID_EDGE_PORT="$edge_port" KCID_DRAIN_DELAY_MS=100
    export KCID_EDGE_ADMIN_PORT=0 KCID_METRICS_PORT=0  # any free port: another kcid on this machine may hold 8081/9091
    # As in production: every call needs an API key with its role (up makes one, see below).
    export KCID_AUTH=required
    # The delivery tests' webhook receivers listen on loopback, which destinations may not
    # reach unless the operator's allowlist says so.
    export KCID_DELIVERY_ALLOWED_NETWORKS=127.0.0.0/8,::1/128
    exec java -jar "$jar" up
  ) >"$work/server.log" 2>&1 &
  server_pid=$!
}

# Waits for "kcid is up"; returns 1 if the server exited first, 2 after 90 s.
await_server() {
  for _ in $(seq 1 900); do
    grep -q 'kcid is up' "$work/server.log" && return 0
    kill -0 "$server_pid" 2>/dev/null || { wait "$server_pid" 2>/dev/null || true; return 1; }
    sleep 0.1
  done
  return 2
}

# Start kcid first: it boots while the dependencies install.
start_server
# A fresh venv and a regular install of this directory, as a user does it (`pip install
# clients/python`); the extra "test" adds pytest and the pinned code generator. The tests import
# the installed package: the source is under src/, which nothing puts on sys.path.
# KCID_TEST_PYTHON: the interpreter to test with (default python3; the package needs 3.10+).
"${KCID_TEST_PYTHON:-python3}" -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install -q --disable-pip-version-check "$here[test]"

# `kcid up` occasionally exits at start on a busy machine (its embedded Redis not reachable
# yet, or a port taken between picking and binding): try a fresh start up to twice more.
attempt=1
while true; do
  rc=0; await_server || rc=$?
  [[ $rc == 0 ]] && break
  if [[ $rc == 1 && $attempt -lt 3 ]]; then
    echo "test.sh: kcid exited before it was up (attempt $attempt), starting it again:" >&2
    sed 's/^/  | /' "$work/server.log" >&2
    attempt=$((attempt + 1)); start_server; continue
  fi
  echo "test.sh: kcid did not come up:" >&2; cat "$work/server.log" >&2; exit 1
done
export KCID_TEST_GRPC_TARGET="localhost:$grpc_port"
export KCID_TEST_EDGE_URL="http://localhost:$edge_port"
KCID_TEST_API_KEY="$(cat "$work/home/api-keys/local-admin")"   # every role
export KCID_TEST_API_KEY
export KCID_TEST_SOURCE_DIR="$here/src"                          # what the package must NOT be imported from
cd "$here"
"$py" -m pytest -p no:cacheprovider -v "$@"
