#!/usr/bin/env bash
# Login timing benchmark (issue 5, lockout): answer times of POST /api/v1/auth/login for an
# unknown user, a wrong password, a locked account and a disabled user against the real tetherd,
# median and p90 with ratios to the wrong-password case, next to two baselines measured in the
# same run (GET /healthz, and a login refused before any password hash). See login_timing.mjs.
# Usage: bench/login_timing.sh [ROUNDS]   TETHER_BUILD_DIR picks the build (default build/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TETHER_BUILD_DIR:-$root/build}
for b in tetherd tether; do
  [[ -x $build/bin/$b ]] || { echo "login_timing.sh: $build/bin/$b is missing; build it" >&2; exit 1; }
done
TETHER_BUILD_DIR=$build node "$root/bench/login_timing.mjs" "${1:-40}"
