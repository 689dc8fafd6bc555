#!/usr/bin/env bash
# Builds consumer-example/ as a user's project would consume the Java client: by its Maven
# coordinates only, from a local repository that holds nothing of kcid but what this script
# installed there. Then runs it against a live kcid that requires API keys.
#
#   1. `mvn install -pl clients/java -am -DskipTests` into a TEMPORARY local repository
#      (-Dmaven.repo.local); third-party artifacts are read from ~/.m2 as a read-only tail
#      (-Dmaven.repo.local.tail), so nothing is written to ~/.m2.
#   2. consumer-example/ is copied outside the repository and compiled against that repository;
#      every io.kcid jar on its class path must come from it.
#   3. `java -jar cli/target/kcid.jar up` (built by `./mvnw verify` / `package`) with
#      KCID_AUTH=required; the consumer runs with the local admin key (clicks=1 conversions=1)
#      and without a key (refused: API_KEY_INVALID).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="${KCID_JAR:-$root/cli/target/kcid.jar}"
tail_repo="${KCID_M2_TAIL:-$HOME/.m2/repository}"
[[ -f "$jar" ]] || { echo "consumer-test: $jar is missing: build it with ./mvnw -B -q -pl cli -am package -DskipTests" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/kcid-java-consumer.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
repo="$work/m2"
maven=(-B -q -ntp -Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$tail_repo")

echo "consumer-test: installing the client into a temporary local repository"
(cd "$root" && ./mvnw "${maven[@]}" -DskipTests install -pl clients/java -am)
grep -q '<name>Apache-2.0</name>' "$repo/io/kcid/kcid-parent/0.1.0-SNAPSHOT/kcid-parent-0.1.0-SNAPSHOT.pom" \
  || { echo "consumer-test: the installed kcid-parent pom declares no Apache-2.0 licence" >&2; exit 1; }

echo "consumer-test: building consumer-example outside the repository"
cp -r "$here/consumer-example" "$work/consumer"
rm -rf "$work/consumer/target"
"$root/mvnw" "${maven[@]}" -f "$work/consumer/pom.xml" compile dependency:build-classpath \
  -Dmdep.outputFile="$work/classpath.txt" -Dmdep.includeScope=runtime
classpath="$(cat "$work/classpath.txt")"
kcid_jars="$(tr ':' '\n' <<<"$classpath" | grep '/io/kcid/' || true)"
grep -q '/kcid-client-0.1.0-SNAPSHOT.jar$' <<<"$kcid_jars" \
  || { echo "consumer-test: kcid-client is not on the consumer's class path: $classpath" >&2; exit 1; }
if grep -v "^$repo/" <<<"$kcid_jars"; then
  echo "consumer-test: the kcid jars above did not come from the temporary repository" >&2
  exit 1
fi

echo "consumer-test: starting kcid (API keys required)"
home="$work/home"
mkdir -p "$home"
env -u KCID_API_KEY KCID_HOME="$home" KCID_AUTH=required KCID_GRPC_PORT=0 KCID_EDGE_PORT=0 \
  KCID_EDGE_ADMIN_PORT=0 KCID_METRICS_PORT=0 KCID_DRAIN_DELAY_MS=100 java -jar "$jar" up >"$work/kcid.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 180); do
  grep -q 'kcid is up' "$work/kcid.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/kcid.log" >&2; echo "consumer-test: kcid exited" >&2; exit 1; }
  sleep 0.5
done
grep -q 'kcid is up' "$work/kcid.log" || { cat "$work/kcid.log" >&2; echo "consumer-test: kcid not up after 90 s" >&2; exit 1; }
grpc="$(sed -n 's/^  gRPC   \(localhost:[0-9]*\) .*/\1/p' "$work/kcid.log" | head -n 1)"
[[ -n "$grpc" ]] || { cat "$work/kcid.log" >&2; echo "consumer-test: no gRPC address in kcid's output" >&2; exit 1; }

run_consumer() {
  java -cp "$work/consumer/target/classes:$classpath" example.KcidConsumer "$grpc" "consumer-$RANDOM$RANDOM"
}
out="$(KCID_API_KEY="$(cat "$home/api-keys/local-admin")" run_consumer)"
[[ "$out" =~ ^kcid=[0-9a-z]{32}\ clicks=1\ conversions=1$ ]] \
  || { echo "consumer-test: the consumer printed '$out', want kcid=<32 chars> clicks=1 conversions=1" >&2; exit 1; }
if refused="$(KCID_API_KEY= run_consumer 2>&1)"; then
  echo "consumer-test: without an API key the consumer succeeded: $refused" >&2
  exit 1
fi
grep -q 'reason API_KEY_INVALID' <<<"$refused" \
  || { echo "consumer-test: without an API key: '$refused', want reason API_KEY_INVALID" >&2; exit 1; }
echo "clients/java consumer: passed ($out; without a key: API_KEY_INVALID)"
