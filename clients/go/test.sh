#!/usr/bin/env bash
# Runs every test of the Go client: click-signing vectors, error mapping, retries and
# API key (fake server), codegen freshness (generate.sh into a temp dir), the
# integration tests against a live kcid (`java -jar cli/target/kcid.jar up`, started
# and stopped by the tests themselves), and a consumer module outside the repository
# (examples/consumer, built with the Go of go.mod's go directive).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# Dependencies go into a module cache inside this directory (gitignored).
export GOMODCACHE="$here/.cache/mod"
export GOFLAGS="-modcacherw"
out="$here/.test-output"
rm -rf "$out"
mkdir -p "$out/tmp"
# The consumer module is built outside the repository, in the system temp directory.
KCID_OUTSIDE_TMP="$(mktemp -d "${TMPDIR:-/tmp}/kcid-go-consumer.XXXXXX")"
export KCID_OUTSIDE_TMP
# t.TempDir() (and so every test server's KCID_HOME) lives under here.
export TMPDIR="$out/tmp"

# The test stops its server itself (t.Cleanup, plus a parent-death signal); should
# the test process be killed, stop any kcid it started: found by its KCID_HOME.
stop_servers() {
  local pid
  for pid in $(pgrep -f 'kcid\.jar up' || true); do
    if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -q "^KCID_HOME=$TMPDIR/"; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
}
trap 'stop_servers; rm -rf "$KCID_OUTSIDE_TMP"' EXIT

go mod download
go vet ./...
# The consumer builds with the oldest Go this module claims to work with (fetched once into
# the module cache as the golang.org/toolchain module).
KCID_CONSUMER_GOTOOLCHAIN="go$(go list -m -f '{{.GoVersion}}')"
export KCID_CONSUMER_GOTOOLCHAIN
GOTOOLCHAIN="$KCID_CONSUMER_GOTOOLCHAIN" go version

set +e
go test -count=1 -v ./... 2>&1 | tee "$out/go-test.log"
rc=${PIPESTATUS[0]}
set -e

passed=$(grep -cE '^\s*--- PASS' "$out/go-test.log" || true)
failed=$(grep -cE '^\s*--- FAIL' "$out/go-test.log" || true)
echo "clients/go: ${passed} passed, ${failed} failed (tests and subtests; go test exit ${rc})"
exit "$rc"
