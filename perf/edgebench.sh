#!/usr/bin/env bash
# Dev probe for issue #6: one or more `kcid up`-like stacks (one JVM each: embedded Redis +
# tracking-server + edge, click spool on, as `./kcid up` runs them) on free ports, against nginx
# `return 302` (worker_processes ${NGINX_WORKERS:-1}); wrk -c64 -t2, every target interleaved in each round.
# Usage: perf/edgebench.sh [rounds] [seconds]
#   STACKS="name=jar[:ENV=V,ENV=V] ..."  (default: "edge=cli/target/kcid.jar")
#   JFR_<name>=/path.jfr  profile that stack's JVM over the measured rounds
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${1:-3}"; SECS="${2:-10}"
STACKS="${STACKS:-edge=$ROOT/cli/target/kcid.jar}"
T="$(mktemp -d /tmp/edgebench.XXXXXX)"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
NAMES=()
start_stack() { # name jar extra-env
  local name=$1 jar=$2 extra=$3 d="$T/$1"; mkdir -p "$d"
  local edge grpc admin; edge=$(free_port); grpc=$(free_port); admin=$(free_port)
  local envs=(KCID_HOME="$d/home" KCID_GRPC_ADDR="localhost:$grpc" KCID_EDGE_URL="http://localhost:$edge")
  # Rate limits off: wrk is one client address hammering one account.
  env "${envs[@]}" KCID_EDGE_PORT=$edge KCID_EDGE_ADMIN_PORT=$admin KCID_GRPC_PORT=$grpc KCID_EDGE_RATE_PER_IP=0 KCID_EDGE_RATE_PER_ACCOUNT=0 KCID_EDGE_CLICK_LIMIT_RATE=0 \
    ${extra//,/ } java ${KCID_JAVA_OPTS:-} -jar "$jar" up >"$d/up.log" 2>&1 &
  PIDS+=($!); echo $! >"$d/pid"
  for i in $(seq 240); do grep -q "kcid is up" "$d/up.log" && break; sleep 0.5; done
  grep -q "kcid is up" "$d/up.log" || { cat "$d/up.log"; exit 1; }
  env "${envs[@]}" java -jar "$jar" account create --name Bench --id bench >/dev/null
  env "${envs[@]}" java -jar "$jar" goal create --account bench --key purchase --window 7d >/dev/null
  local url token; url=$(env "${envs[@]}" java -jar "$jar" click-url --account bench --campaign c1 --sub s1=pub42 --url 'https://shop.example/landing?ref=ad')
  token=$(sed -n 's/.*"postback_token":"\([^"]*\)".*/\1/p' "$d/home/accounts/bench.json")
  # 200 valid kcids; the postback script cycles through them (first pass accepted, then duplicates).
  : >"$d/kcids"
  for i in $(seq 200); do curl -s -o /dev/null -w '%{redirect_url}\n' "$url" | sed 's/.*kcid=//' >>"$d/kcids"; done
  sed -i "/^$/d" "$d/kcids" # a click refused while the stack warms up yields no kcid
  cat >"$d/postback.lua" <<LUA
local k = {}
for line in io.lines("$d/kcids") do k[#k+1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/postback?kcid=" .. k[(i % #k) + 1] .. "&goal=purchase&value=49.90&currency=EUR&token=$token")
end
LUA
  echo "http://localhost:$edge" >"$d/base"; echo "http://127.0.0.1:$admin" >"$d/admin"; echo "/${url#http://localhost:$edge/}" >"$d/click"
  echo "$name: click $(curl -s -o /dev/null -w '%{http_code}' "$url") postback $(curl -s "http://localhost:$edge/postback?kcid=$(head -1 "$d/kcids")&goal=purchase&token=$token")"
  NAMES+=("$name")
}
for s in $STACKS; do
  name=${s%%=*}; rest=${s#*=}; jar=${rest%%:*}; extra=""; [[ "$rest" == *:* ]] && extra=${rest#*:}
  start_stack "$name" "$jar" "$extra"
done
mkdir -p "$T/nginx"
NGX=$(free_port)
cat >"$T/nginx/nginx.conf" <<NGX
worker_processes ${NGINX_WORKERS:-1};
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $T/nginx; proxy_temp_path $T/nginx; fastcgi_temp_path $T/nginx; uwsgi_temp_path $T/nginx; scgi_temp_path $T/nginx;
  server { listen 127.0.0.1:$NGX; location / { return 302 https://example.com/; } }
}
NGX
/usr/sbin/nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" &
PIDS+=($!); NGX_PID=$!
sleep 1
# CPU ticks (1/100 s) used so far by these processes and their children (the embedded redis-server).
ticks() { local t=0 p; for p in "$@" $(for q in "$@"; do pgrep -P "$q"; done); do
  [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
# Requests/sec, the server side's CPU microseconds per request (robust to other load on the machine),
# and the count of answers other than 2xx/3xx (wrk's "Non-2xx or 3xx" line) when any.
rps() { local pids=$1; shift; local t0 out t1; t0=$(ticks $pids)
  out=$(wrk -c64 -t2 -d"${SECS}s" "$@"); t1=$(ticks $pids)
  echo "$out" | awk -v dt=$((t1 - t0)) '/requests in/{n=$1} /Requests\/sec/{r=$2} /Non-2xx/{e=" err=" $5} END{printf "%s cpu=%.0fus%s", r, dt*10000/n, e}'; }
for n in "${NAMES[@]}"; do # warm-up
  wrk -c64 -t2 -d5s "$(cat $T/$n/base)$(cat $T/$n/click)" >/dev/null; wrk -c64 -t2 -d5s -s "$T/$n/postback.lua" "$(cat $T/$n/base)" >/dev/null
  v="JFR_$n"; [[ -n "${!v:-}" ]] && jcmd "$(cat $T/$n/pid)" JFR.start settings=profile filename="${!v}" >/dev/null
done
for r in $(seq "$ROUNDS"); do
  n1=$(rps $NGX_PID "http://127.0.0.1:$NGX/"); line=""
  for n in "${NAMES[@]}"; do line+=" $n click $(rps "$(cat $T/$n/pid)" "$(cat $T/$n/base)$(cat $T/$n/click)")"; done
  n2=$(rps $NGX_PID "http://127.0.0.1:$NGX/")
  for n in "${NAMES[@]}"; do line+=" $n postback $(rps "$(cat $T/$n/pid)" -s "$T/$n/postback.lua" "$(cat $T/$n/base)")"; done
  echo "round $r nginx $n1 $n2 |$line" | awk '{n=($4+$6)/2; printf "%s", $1" "$2" nginx "$4"/"$6" "$5"/"$7; for(i=9;i<=NF;i++){ if ($i ~ /^[0-9.]+$/ && $(i-1) ~ /click|postback/) printf " %s %.0f (%.3fx)", $(i-1), $i, $i/n; else if ($i ~ /^(err|cpu)=/) printf " %s", $i; else if ($(i+1) ~ /click|postback/) printf " | %s", $i } print ""}'
done
for n in "${NAMES[@]}"; do curl -s "$(cat $T/$n/admin)/metrics" | grep -E '^kcid_edge_(requests|postbacks|backend_errors)_total' >"$T/$n/metrics.txt" || true; done
echo "metrics: $T/*/metrics.txt"
for n in "${NAMES[@]}"; do v="JFR_$n"; [[ -n "${!v:-}" ]] && jcmd "$(cat $T/$n/pid)" JFR.stop filename="${!v}" >/dev/null; done
true
