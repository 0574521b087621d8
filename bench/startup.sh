#!/usr/bin/env bash
# Start-up time to a successful /healthz and idle resident memory of tetherd, with nginx
# serving HTTPS on the same machine as the baseline (same measurement, same client).
# Usage: bench/startup.sh [RUNS]   (default 10)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
tetherd="$root/build/bin/tetherd"
command -v nginx >/dev/null || { apt-get install -y -qq nginx-light >/dev/null 2>&1 || apt-get install -y -qq nginx >/dev/null; }
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run as nobody and must read the document root
nginx_pid=
trap '[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$work"' EXIT

now_ms() { date +%s%3N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

wait_healthy() {  # url deadline_ms
  local deadline=$(( $(now_ms) + 20000 ))
  until curl -ksf -o /dev/null "$1"; do
    (( $(now_ms) < deadline )) || { echo "no answer from $1" >&2; return 1; }
    sleep 0.005
  done
}

# --- tetherd: a warm data directory (certificate and database exist), as on every restart.
data="$work/tether"
port=$(free_port)
"$tetherd" --data-dir "$data" --web-listen "127.0.0.1:$port" --relay-listen 127.0.0.1:0 >/dev/null 2>&1 &
pid=$!; wait_healthy "https://127.0.0.1:$port/healthz"; kill "$pid"; wait "$pid" || true
t_times=(); t_rss=()
for ((i = 0; i < runs; i++)); do
  start=$(now_ms)
  "$tetherd" --data-dir "$data" --web-listen "127.0.0.1:$port" --relay-listen 127.0.0.1:0 >/dev/null 2>&1 &
  pid=$!
  wait_healthy "https://127.0.0.1:$port/healthz"
  t_times+=($(( $(now_ms) - start )))
  sleep 1
  t_rss+=($(rss_kb "$pid"))
  kill "$pid"; wait "$pid" || true
done

# --- nginx: TLS listener serving a static file, master + one worker.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/n.key" \
  -out "$work/n.crt" -days 2 -subj /CN=localhost 2>/dev/null
mkdir -p "$work/www" "$work/nginx"
echo ok > "$work/www/healthz"
nport=$(free_port)
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nport ssl;
    ssl_certificate $work/n.crt; ssl_certificate_key $work/n.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $work/www;
  }
}
CONF
n_times=(); n_rss=()
for ((i = 0; i < runs; i++)); do
  start=$(now_ms)
  nginx -c "$work/nginx.conf" -p "$work/nginx" &
  pid=$!
  nginx_pid=$pid
  wait_healthy "https://127.0.0.1:$nport/healthz"
  n_times+=($(( $(now_ms) - start )))
  sleep 1
  worker=$(pgrep -P "$pid" | head -1)
  n_rss+=($(( $(rss_kb "$pid") + $(rss_kb "$worker") )))
  kill "$pid"; wait "$pid" || true
  nginx_pid=
done

t_med=$(printf '%s\n' "${t_times[@]}" | median); n_med=$(printf '%s\n' "${n_times[@]}" | median)
t_mem=$(printf '%s\n' "${t_rss[@]}" | median); n_mem=$(printf '%s\n' "${n_rss[@]}" | median)
echo "startup to healthy, median of $runs: tetherd ${t_med} ms, nginx ${n_med} ms, ratio $(awk "BEGIN {printf \"%.2f\", $t_med/($n_med>0?$n_med:1)}")"
echo "idle resident memory, median: tetherd ${t_mem} KiB, nginx (master+worker) ${n_mem} KiB, ratio $(awk "BEGIN {printf \"%.2f\", $t_mem/$n_mem}")"
