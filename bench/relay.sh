#!/usr/bin/env bash
# Relay benchmarks (issue 3), each with its baseline in the same run, on loopback only:
#   1. bulk throughput: guest/host pairs pushing 64 KiB file frames through tetherd's relay (TLS on
#      both legs) vs nginx `stream` forwarding TLS-in/TLS-out — bytes per CPU-second of the relay
#      process vs of the nginx worker (utime+stime from /proc/PID/stat around the window);
#   2. cost at a realistic rate: 1,000 sessions x 30 msg/s x 4 KiB for 10 s — CPU microseconds
#      per relayed message, relay vs nginx;
#   3. latency: 64 B and 4 KiB ping-pong round trips through the relay, through nginx, and
#      direct to a TLS echo server — p50/p99/p99.9.
# The server under test runs on CPU 0 and the load generator (bench/relay_bench.cc, which is
# also the TLS sink/echo server behind nginx) on CPU 1. Every leg is TLS 1.3 with
# TLS_AES_128_GCM_SHA256. Finishes in about 2 minutes.
# Usage: bench/relay.sh   (TETHER_BUILD_DIR picks the build, default build/; use a Release build.
#                          RELAY_BENCH_RAW=FILE appends the raw RESULT lines there.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TETHER_BUILD_DIR:-$root/build}
tetherd="$build/bin/tetherd"
tether="$build/bin/tether"
bench="$build/bin/relay_bench"
for b in "$tetherd" "$tether" "$bench"; do
  [[ -x $b ]] || { echo "relay.sh: $b is missing; build tetherd, tether and relay_bench" >&2; exit 1; }
done
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
[[ $build_type == Release ]] || echo "relay.sh: note: $build is a '${build_type:-?}' build, not Release" >&2
if [[ ! -e /usr/lib/nginx/modules/ngx_stream_module.so ]] || ! command -v nginx >/dev/null; then
  apt-get install -y -qq nginx-light libnginx-mod-stream >/dev/null 2>&1 ||
    apt-get install -y -qq nginx libnginx-mod-stream >/dev/null
fi
stream_module=/usr/lib/nginx/modules/ngx_stream_module.so
[[ -e $stream_module ]] || { echo "relay.sh: the nginx stream module is missing" >&2; exit 1; }

# Enough descriptors for 2,000 connections on each side (tetherd and nginx inherit it).
hard=$(ulimit -Hn)
if [[ $hard == unlimited || $hard -ge 16384 ]]; then ulimit -n 16384; else ulimit -n "$hard"; fi

if (( $(nproc) >= 2 )) && command -v taskset >/dev/null; then
  on_server() { taskset -c 0 "$@"; }
  on_bench() { taskset -c 1 "$@"; }
else
  on_server() { "$@"; }
  on_bench() { "$@"; }
fi

work=$(mktemp -d)
tetherd_pid= nginx_pid=
cleanup() {
  for p in $nginx_pid $tetherd_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# get LINE KEY: the value of key=value in a RESULT line.
get() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<< "$1"; }
calc() { awk "BEGIN {printf \"$1\", ($2)}"; }
run_bench() {  # label args...: runs relay_bench (at most 150 s), returns its RESULT lines
  local out
  out=$(on_bench timeout 150 "$bench" "$@") || { echo "relay.sh: relay_bench $* failed" >&2; exit 1; }
  [[ -n ${RELAY_BENCH_RAW:-} ]] && grep '^RESULT' <<< "$out" >> "$RELAY_BENCH_RAW"
  grep '^RESULT' <<< "$out"
}

# --- tetherd with an administrator and 1,000 support sessions.
password=Correct-Horse-9-Battery
data="$work/tether"
on_server "$tetherd" --data-dir "$data" --web-listen 127.0.0.1:0 --relay-listen 127.0.0.1:0 \
  > "$work/tetherd.out" 2> "$work/tetherd.err" &
tetherd_pid=$!
for _ in $(seq 400); do grep -q '^tetherd ready:' "$work/tetherd.out" && break; sleep 0.05; done
ready=$(grep '^tetherd ready:' "$work/tetherd.out") || { echo "relay.sh: tetherd did not start" >&2; cat "$work/tetherd.err" >&2; exit 1; }
web_port=$(sed -n 's|.*ready: web https://[^ ]*:\([0-9]*\) relay.*|\1|p' <<< "$ready")
relay_port=$(sed -n 's|.* relay [^ ]*:\([0-9]*\) pin.*|\1|p' <<< "$ready")
"$tether" --data-dir "$data" setup --username admin --password-stdin <<< "$password" >/dev/null
creds() { node "$root/bench/relay_creds.mjs" "$web_port" "$data/tls/server.crt" "$password" "$@"; }
creds sessions 1000 "$work/sessions"
tokens() { creds tokens "$work/sessions" "$1" "$work/creds"; }  # host tokens live 60 s

# --- nginx: TLS in, TLS out to relay_bench's echo server on $echo_port.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/echo.key" \
  -out "$work/echo.crt" -days 2 -subj /CN=localhost 2>/dev/null
mkdir -p "$work/nginx"
nginx_port=$(free_port)
echo_port=$(free_port)
cat > "$work/nginx.conf" <<CONF
load_module $stream_module;
worker_processes 1;
worker_rlimit_nofile 16384;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 8192; }
stream {
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/echo.crt;
    ssl_certificate_key $work/echo.key;
    ssl_protocols TLSv1.3;
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
    proxy_pass 127.0.0.1:$echo_port;
    proxy_ssl on;
    proxy_ssl_verify off;
    proxy_ssl_protocols TLSv1.3;
    proxy_ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
  }
}
CONF
on_server nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx.conf" &
nginx_pid=$!
worker=
for _ in $(seq 200); do worker=$(pgrep -P "$nginx_pid" | head -1 || true); [[ -n $worker ]] && break; sleep 0.05; done
[[ -n $worker ]] || { echo "relay.sh: nginx did not start" >&2; cat "$work/nginx/error.log" >&2; exit 1; }
echo_args=(--echo-listen "$echo_port" --cert "$work/echo.crt" --key "$work/echo.key")

echo "relay benchmarks: tetherd ($build_type) and nginx $(nginx -v 2>&1 | sed 's|.*/||') on CPU 0, load on CPU 1, TLS 1.3 AES-128-GCM on every leg"

# --- 1. bulk throughput.
tp=(--test throughput --pairs 16 --size 65536 --inflight 8 --warmup 1 --duration 6)
tokens 16
r=$(run_bench --mode relay --port "$relay_port" --creds "$work/creds" --cpu-pid "$tetherd_pid" "${tp[@]}")
n=$(run_bench --mode nginx --port "$nginx_port" "${echo_args[@]}" --cpu-pid "$worker" "${tp[@]}")
rb=$(get "$r" bytes_per_cpu_s); nb=$(get "$n" bytes_per_cpu_s)
echo "bulk throughput (16 pairs, 64 KiB file frames, 8 in flight): relay $(calc %.0f "$rb/1e6") MB/CPU-s ($(get "$r" mbyte_per_s) MB/s at $(get "$r" server_cpu_pct)% CPU), nginx $(calc %.0f "$nb/1e6") MB/CPU-s ($(get "$n" mbyte_per_s) MB/s at $(get "$n" server_cpu_pct)% CPU); relay/nginx $(calc %.2f "$rb/$nb") (target >= 1.00: $(calc %s "$rb>=$nb ? \"met\" : \"MISSED\""))"

# --- 2. cost at 30,000 messages per second.
rt=(--test rate --pairs 1000 --size 4096 --rate 30 --warmup 1 --duration 10)
tokens 1000
r=$(run_bench --mode relay --port "$relay_port" --creds "$work/creds" --cpu-pid "$tetherd_pid" "${rt[@]}")
n=$(run_bench --mode nginx --port "$nginx_port" "${echo_args[@]}" --cpu-pid "$worker" "${rt[@]}")
ru=$(get "$r" cpu_us_per_msg); nu=$(get "$n" cpu_us_per_msg)
echo "cost per message (1000 sessions x 30/s x 4 KiB, 10 s): relay $(calc %.2f "$ru") us/msg ($(get "$r" msg_per_s) msg/s at $(get "$r" server_cpu_pct)% CPU), nginx $(calc %.2f "$nu") us/msg ($(get "$n" msg_per_s) msg/s); relay/nginx $(calc %.2f "$ru/$nu") (target <= 15 us: $(calc %s "$ru<=15 ? \"met\" : \"MISSED\""))"

# --- 3. latency.
lt=(--test latency --sizes 64,4096 --warmup 0.5 --duration 3)
tokens 1
r=$(run_bench --mode relay --port "$relay_port" --creds "$work/creds" --cpu-pid "$tetherd_pid" "${lt[@]}")
n=$(run_bench --mode nginx --port "$nginx_port" "${echo_args[@]}" --cpu-pid "$worker" "${lt[@]}")
d=$(run_bench --mode direct --port "$echo_port" "${echo_args[@]}" "${lt[@]}")
for size in 64 4096; do
  rl=$(grep " size=$size " <<< "$r"); nl=$(grep " size=$size " <<< "$n"); dl=$(grep " size=$size " <<< "$d")
  for p in p50 p99 p999; do
    rv=$(get "$rl" ${p}_us); nv=$(get "$nl" ${p}_us); dv=$(get "$dl" ${p}_us)
    label=${p/p999/p99.9}
    echo "latency $size B $label: relay $rv us, nginx $nv us, direct $dv us; added over direct: relay $(calc %.1f "$rv-$dv") us, nginx $(calc %.1f "$nv-$dv") us, relay/nginx $(calc %.2f "($rv-$dv)/(($nv-$dv)>0?($nv-$dv):1e-9)") (target <= 1.00: $(calc %s "$rv<=$nv ? \"met\" : \"MISSED\""))"
  done
done
