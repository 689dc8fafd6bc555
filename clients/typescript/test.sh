#!/usr/bin/env bash
# Runs every test of the TypeScript client: first installs it as a user does — `npm install
# <this directory>` from a scratch project outside the repository — and runs a consumer that imports
# it by name against a live kcid started here (API keys required); then click-signing vectors,
# retry/service config, codegen freshness, and every service against the same kcid.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR="$ROOT/cli/target/kcid.jar"
cd "$HERE"

[[ -f "$JAR" ]] || { echo "missing $JAR: cd $ROOT && ./mvnw -B -q -o -pl cli -am package -DskipTests" >&2; exit 1; }

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

KCID_TMP="$(mktemp -d)"
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  [[ -z "$SERVER_PID" ]] || wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$KCID_TMP"
}
start_server() {
  GRPC_PORT="$(free_port)"
  EDGE_PORT="$(free_port)"
  while [[ "$EDGE_PORT" == "$GRPC_PORT" ]]; do EDGE_PORT="$(free_port)"; done
  rm -rf "$KCID_TMP/home"
  env -i PATH="$PATH" HOME="${HOME:-/root}" ${JAVA_HOME:+JAVA_HOME="$JAVA_HOME"} \
    KCID_HOME="$KCID_TMP/home" KCID_GRPC_PORT="$GRPC_PORT" KCID_EDGE_PORT="$EDGE_PORT" KCID_DRAIN_DELAY_MS=100 \
    KCID_EDGE_ADMIN_PORT=0 KCID_METRICS_PORT=0 KCID_AUTH=required \
    KCID_DELIVERY_ALLOWED_NETWORKS=127.0.0.0/8,::1/128 \
    java -jar "$JAR" up >"$KCID_TMP/kcid.log" 2>&1 &
  SERVER_PID=$!
}
# 0 when up, 1 when it exited or did not come up within 60 s
wait_server() {
  for _ in $(seq 1 600); do
    grep -q "kcid is up" "$KCID_TMP/kcid.log" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "kcid is up" "$KCID_TMP/kcid.log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start kcid first: it boots while dependencies install and the package compiles.
start_server

# As a user installs it: from a clean checkout (no node_modules, no dist), `npm install <path>` in
# a project outside the repository; the package's `prepare` script builds dist/.
rm -rf node_modules dist
CONSUMER="$KCID_TMP/consumer"
mkdir -p "$CONSUMER"
cp "$HERE/test/consumer/"* "$CONSUMER/"
(cd "$CONSUMER" && npm install --no-audit --no-fund --loglevel=error "$HERE")
[[ -x "$ROOT/tools/node_modules/.bin/buf" ]] || (cd "$ROOT/tools" && npm ci --no-audit --no-fund --loglevel=error)
# The consumer is TypeScript: compiling it checks the package's `types` and `exports`.
node "$HERE/node_modules/typescript/bin/tsc" -p "$CONSUMER/tsconfig.json"
# The package's own tests (prepare built only src/ and gen/).
npx --no-install tsc -p tsconfig.json

# A startup can lose a port race (free ports are picked before they are bound, also for the
# embedded Redis): try a fresh start twice more before giving up.
for attempt in 1 2 3; do
  wait_server && break
  echo "kcid did not start (attempt $attempt):" >&2
  tail -20 "$KCID_TMP/kcid.log" >&2
  stop_server
  [[ $attempt -lt 3 ]] || exit 1
  start_server
done

KCID_TEST_API_KEY="$(cat "$KCID_TMP/home/api-keys/local-admin")"   # every role
export KCID_TEST_API_KEY
(cd "$CONSUMER" && KCID_TARGET="127.0.0.1:$GRPC_PORT" KCID_API_KEY="$KCID_TEST_API_KEY" node consumer.js)

KCID_TEST_GRPC_PORT="$GRPC_PORT" KCID_TEST_EDGE_PORT="$EDGE_PORT" \
  node --test --test-reporter=spec dist/test/*.test.js
