#!/usr/bin/env bash
# Session list benchmark (issue 4): 10,000 sessions in SQLite; one page (50) of GET
# /api/v1/sessions for: the first page, a deep page reached by cursor, a filtered group, a
# sub-group, a search and a free filter, plus the sub-group counts.
#   1. in process (bench/session_list_bench.cc): our keyset query against LIMIT/OFFSET on the same
#      SQL and against the baseline, a naive full scan with in-memory filtering — p50/p95 and the
#      ratio naive/keyset;
#   2. over HTTPS against the real tetherd (bench/session_list.mjs): p50/p95 per scenario (also
#      as hosts whose roles are scoped to session groups), with
#      GET /healthz on the same keep-alive connection as the floor.
# Usage: bench/session_list.sh [SESSIONS] [REPEAT]   TETHER_BUILD_DIR picks the build (default
#        build/; use a Release build for figures).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TETHER_BUILD_DIR:-$root/build}
sessions=${1:-10000}
repeat=${2:-200}
for b in tetherd tether session_list_bench; do
  [[ -x $build/bin/$b ]] || { echo "session_list.sh: $build/bin/$b is missing; build it" >&2; exit 1; }
done
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
[[ $build_type == Release ]] || echo "session_list.sh: note: $build is a '${build_type:-?}' build, not Release" >&2
data=$(mktemp -d /tmp/tether-session-list-XXXXXX)
trap 'rm -rf "$data"' EXIT
chmod 700 "$data"
"$build/bin/session_list_bench" populate "$data/tether.db" "$sessions"
"$build/bin/session_list_bench" measure "$data/tether.db" "$repeat"
echo
TETHER_BUILD_DIR=$build node "$root/bench/session_list.mjs" "$data" "$repeat"
