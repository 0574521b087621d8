#!/usr/bin/env bash
# Screen encoder: capture + encode cost and bytes per frame on a private 1920x1080 Xvfb, for a
# desktop-like full-screen change (typical and dense text) and for scrolling text in a real
# xterm. Each capture is encoded by today's encoder (palette tiles) and by the older
# deflate-RGBA path, with their ratios, and the baselines (memcpy of the frame, TurboJPEG on the
# whole frame at the same quality) run in the same command.
# Usage: bench/encoder.sh [FRAMES] [QUALITY] [--sweep]
#   defaults 20, 75; finishes in well under a minute. --sweep adds the palette path's zlib
#   settings on the dense-text frame (sweep.* lines).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TETHER_BUILD_DIR:-$root/build}
bench="$build/bin/encoder_bench"
[[ -x $bench ]] || { echo "encoder.sh: $bench is missing; build the encoder_bench target" >&2; exit 1; }
command -v Xvfb >/dev/null || { echo "encoder.sh: Xvfb is missing (scripts/install-deps)" >&2; exit 1; }
command -v xterm >/dev/null || { echo "encoder.sh: xterm is missing (scripts/install-deps)" >&2; exit 1; }

work=$(mktemp -d)
xvfb_pid=
cleanup() {
  [[ -n $xvfb_pid ]] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Xvfb picks a free display number and writes it to fd 3 once it accepts connections.
exec 3> "$work/display"
Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp -noreset >/dev/null 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 200); do [[ -s $work/display ]] && break; sleep 0.05; done
[[ -s $work/display ]] || { echo "encoder.sh: Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$(head -1 "$work/display")"

# One core, like the agent's capture thread.
taskset -c 0 "$bench" --frames "${1:-20}" --quality "${2:-75}" "${@:3}"
