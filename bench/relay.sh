#!/usr/bin/env bash
# Relay benchmarks (issue 3), each with its baseline in the same run, on loopback only:
#   1. bulk throughput: guest/host pairs pushing 64 KiB file frames through tetherd's relay (TLS on
#      both legs) vs nginx `stream` forwarding TLS-in/TLS-out — bytes per CPU-second of the relay
#      process vs of the nginx worker (utime+stime from /proc/PID/stat around the window);
#   2. cost at a realistic rate: 1,000 sessions x 30 msg/s x 4 KiB (30,000 msg/s) — CPU
#      microseconds per relayed message, relay vs nginx;
#   3. latency: 64 B and 4 KiB ping-pong round trips through the relay, through nginx, and
#      direct to a TLS echo server — p50/p99/p99.9.
# The server under test runs on CPU 0 and the load generator (bench/relay_bench.cc, which is
# also the TLS sink/echo server behind nginx) on CPU 1. Every leg is TLS 1.3 with
# TLS_AES_128_GCM_SHA256. One relay_bench run per benchmark connects the relay's and the
# baselines' connections at once and measures them in alternating windows (3 each: 4 s for
# throughput, 5 s for the rate test, 1.5 s per size for latency); the lines give the medians
# (latency: percentiles of the pooled samples). Finishes in about 2.5 minutes.
# Usage: bench/relay.sh   TETHER_BUILD_DIR picks the build (default build/; use a Release build);
#                         RELAY_BENCH_RAW=FILE appends the raw RESULT lines there;
#                         RELAY_BENCH_BASELINE=BUILD_DIR also runs that build's tetherd in the
#                         same alternating windows and prints this build against it;
#                         RELAY_BENCH_REPS=N measures N windows per group (default 3);
#                         RELAY_BENCH_TESTS=bulk,rate,latency picks the benchmarks (default all);
#                         RELAY_BENCH_RT=1 runs servers and load under SCHED_FIFO (root; for a
#                         machine busy with other work, which otherwise dominates the latencies).
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

# Command prefixes that exec (so $! is the server's own PID): CPU pinning and, with
# RELAY_BENCH_RT=1, SCHED_FIFO for the servers and the load generator, so that other work on a
# busy machine does not add scheduling delays to the latency figures.
server_run=() bench_run=()
if (( $(nproc) >= 2 )) && command -v taskset >/dev/null; then
  server_run=(taskset -c 0) bench_run=(taskset -c 1)
fi
if [[ ${RELAY_BENCH_RT:-0} == 1 ]]; then server_run+=(chrt -f 10) bench_run+=(chrt -f 10); fi

work=$(mktemp -d)
tetherd_pid= base_pid= nginx_pid=
cleanup() {  # SIGTERM, up to 20 s to exit, then SIGKILL: a stuck server must not hang the run
  local p
  for p in $nginx_pid $tetherd_pid $base_pid; do kill "$p" 2>/dev/null || true; done
  for p in $nginx_pid $tetherd_pid $base_pid; do
    for _ in $(seq 200); do [[ $(ps -o stat= -p "$p" 2>/dev/null) == [^Z]* ]] || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
calc() { awk "BEGIN {printf \"$1\", ($2)}"; }
run_bench() {  # args...: runs relay_bench (at most 150 s) on the load CPU, prints its RESULT lines
  local out
  out=$(timeout 150 "${bench_run[@]}" "$bench" "$@") || { echo "relay.sh: relay_bench $* failed" >&2; exit 1; }
  [[ -n ${RELAY_BENCH_RAW:-} ]] && grep '^RESULT' <<< "$out" >> "$RELAY_BENCH_RAW"
  grep '^RESULT' <<< "$out"
}

# --- tetherd with an administrator and 1,000 support sessions; with RELAY_BENCH_BASELINE=BUILD_DIR
# a second one from that build (group relay2), measured in the same alternating windows.
password=Correct-Horse-9-Battery
# start_tetherd NAME BUILD: sets NAME_pid, NAME_web (port), NAME_relay (port), NAME_data.
start_tetherd() {
  local name=$1 build=$2 data="$work/$1" ready
  "${server_run[@]}" "$build/bin/tetherd" --data-dir "$data" --web-listen 127.0.0.1:0 --relay-listen 127.0.0.1:0 \
    > "$work/$name.out" 2> "$work/$name.err" &
  printf -v "${name}_pid" %s $!
  for _ in $(seq 400); do grep -q '^tetherd ready:' "$work/$name.out" && break; sleep 0.05; done
  ready=$(grep '^tetherd ready:' "$work/$name.out") || { echo "relay.sh: tetherd ($build) did not start" >&2; cat "$work/$name.err" >&2; exit 1; }
  printf -v "${name}_web" %s "$(sed -n 's|.*ready: web https://[^ ]*:\([0-9]*\) relay.*|\1|p' <<< "$ready")"
  printf -v "${name}_relay" %s "$(sed -n 's|.* relay [^ ]*:\([0-9]*\) pin.*|\1|p' <<< "$ready")"
  printf -v "${name}_data" %s "$data"
  "$build/bin/tether" --data-dir "$data" setup --username admin --password-stdin <<< "$password" >/dev/null
  creds "$name" sessions 1000 "$work/$name.sessions"
}
creds() { local web=${1}_web data=${1}_data; shift; node "$root/bench/relay_creds.mjs" "${!web}" "${!data}/tls/server.crt" "$password" "$@"; }
baseline=${RELAY_BENCH_BASELINE:-}
start_tetherd tetherd "$build"
[[ -n $baseline ]] && start_tetherd base "$baseline"
tokens() {  # host tokens live 60 s
  creds tetherd tokens "$work/tetherd.sessions" "$1" "$work/creds"
  [[ -z $baseline ]] || creds base tokens "$work/base.sessions" "$1" "$work/creds2"
}
relay_port=$tetherd_relay

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
"${server_run[@]}" nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx.conf" &
nginx_pid=$!
worker=
for _ in $(seq 200); do worker=$(pgrep -P "$nginx_pid" | head -1 || true); [[ -n $worker ]] && break; sleep 0.05; done
[[ -n $worker ]] || { echo "relay.sh: nginx did not start" >&2; cat "$work/nginx/error.log" >&2; exit 1; }
groups=relay,nginx
common=(--relay-port "$relay_port" --relay-pid "$tetherd_pid" --creds "$work/creds"
        --nginx-port "$nginx_port" --nginx-pid "$worker"
        --echo-listen "$echo_port" --cert "$work/echo.crt" --key "$work/echo.key")
if [[ -n $baseline ]]; then
  groups=relay,relay2,nginx
  common+=(--relay2-port "$base_relay" --relay2-pid "$base_pid" --creds2 "$work/creds2")
fi
# vs_base RESULTS KEY: with a baseline build, its median of KEY and the ratio of this build's.
vs_base() {
  [[ -n $baseline ]] || return 0
  local b; b=$(med "$1" relay2 "$2")
  echo "  against the baseline build ($baseline): $(calc %.4g "$b") -> $(calc %.4g "$(med "$1" relay "$2")"), ratio $(calc %.3f "$(med "$1" relay "$2")/$b")"
}

echo "relay benchmarks: tetherd ($build_type) and nginx $(nginx -v 2>&1 | sed 's|.*/||')${server_run[*]:+ under '${server_run[*]}'}, load${bench_run[*]:+ under '${bench_run[*]}'}; TLS 1.3 AES-128-GCM on every leg; windows alternate between relay and baselines, medians of ${RELAY_BENCH_REPS:-3}"

# med RESULTS MODE KEY: the median of KEY over MODE's lines; reps RESULTS MODE KEY SCALE FMT: all of them.
med() { grep " mode=$2 " <<< "$1" | sed -n "s/.* $3=\([^ ]*\).*/\1/p" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
reps() { grep " mode=$2 " <<< "$1" | sed -n "s/.* $3=\([^ ]*\).*/\1/p" | awk -v s="$4" -v f="$5" '{printf (NR>1?"/":"") f, $1/s}'; }
verdict() { calc %s "($1) ? \"met\" : \"MISSED\""; }

wanted() { [[ ,${RELAY_BENCH_TESTS:-bulk,rate,latency}, == *,$1,* ]]; }

# --- 1. bulk throughput: 16 pairs, 64 KiB file frames, 8 in flight per pair.
if wanted bulk; then
tokens 16
r=$(run_bench --groups "$groups" --test throughput --pairs 16 --size 65536 --inflight 8 --reps "${RELAY_BENCH_REPS:-3}" --warmup 1 --window 4 "${common[@]}")
rb=$(med "$r" relay bytes_per_cpu_s); nb=$(med "$r" nginx bytes_per_cpu_s)
echo "bulk throughput, bytes per CPU-second (16 pairs, 64 KiB frames): relay $(calc %.0f "$rb/1e6") MB/CPU-s (runs $(reps "$r" relay bytes_per_cpu_s 1e6 %.0f); $(med "$r" relay mbyte_per_s) MB/s at $(med "$r" relay server_cpu_pct)% CPU), nginx $(calc %.0f "$nb/1e6") MB/CPU-s (runs $(reps "$r" nginx bytes_per_cpu_s 1e6 %.0f); $(med "$r" nginx mbyte_per_s) MB/s at $(med "$r" nginx server_cpu_pct)% CPU); relay/nginx $(calc %.2f "$rb/$nb") (target >= 1.00: $(verdict "$rb>=$nb"))"
vs_base "$r" bytes_per_cpu_s
fi

# --- 2. cost at 30,000 messages per second: 1,000 sessions x 30/s x 4 KiB.
if wanted rate; then
tokens 1000
r=$(run_bench --groups "$groups" --test rate --pairs 1000 --size 4096 --rate 30 --reps "${RELAY_BENCH_REPS:-3}" --warmup 1 --window 5 "${common[@]}")
ru=$(med "$r" relay cpu_us_per_msg); nu=$(med "$r" nginx cpu_us_per_msg)
echo "cost per message, CPU us (1000 sessions x 30/s x 4 KiB): relay $(calc %.1f "$ru") us (runs $(reps "$r" relay cpu_us_per_msg 1 %.1f); $(med "$r" relay msg_per_s) msg/s at $(med "$r" relay server_cpu_pct)% CPU), nginx $(calc %.1f "$nu") us (runs $(reps "$r" nginx cpu_us_per_msg 1 %.1f); $(med "$r" nginx msg_per_s) msg/s at $(med "$r" nginx server_cpu_pct)% CPU); relay/nginx $(calc %.2f "$ru/$nu") (target relay <= 15 us: $(verdict "$ru<=15"))"
vs_base "$r" cpu_us_per_msg
echo "resident memory with 1000 sessions connected (2,000 TLS connections): relay $(calc %.0f "$(med "$r" relay server_rss_kib)/1024") MiB, nginx $(calc %.0f "$(med "$r" nginx server_rss_kib)/1024") MiB"
vs_base "$r" server_rss_kib
fi

# --- 3. latency: ping-pong of one frame, samples pooled over 3 alternating windows of 1.5 s.
if wanted latency; then
tokens 1
r=$(run_bench --groups relay,nginx,direct --test latency --sizes 64,4096 --reps 3 --warmup 0.3 --window 1.5 "${common[@]}")
for size in 64 4096; do
  for p in p50 p99 p999; do
    line() { grep " mode=$1 .* size=$size " <<< "$r" | sed -n "s/.* ${p}_us=\([^ ]*\).*/\1/p"; }
    rv=$(line relay); nv=$(line nginx); dv=$(line direct)
    echo "latency $size B ${p/p999/p99.9}: relay $rv us, nginx $nv us, direct $dv us; added over direct: relay $(calc %.1f "$rv-$dv") us, nginx $(calc %.1f "$nv-$dv") us, relay/nginx $(calc %.2f "($rv-$dv)/(($nv-$dv)>0?($nv-$dv):1e-9)") (target <= 1.00: $(verdict "$rv<=$nv"))"
  done
done
fi
