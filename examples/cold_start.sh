#!/usr/bin/env bash
# Start to first frame of the real console in tmux (docs/perf.md#binary-and-build): the
# time from starting the process until its first frame (the tab bar) is on screen, polled
# every 5 ms with tmux capture-pane. The binary and store are in the page cache ("cold"
# means a new process, not a cold disk).
#
# Usage: examples/cold_start.sh [DB] [RUNS]   (default: a fresh empty store, 10 runs)
# BIN=… for another binary (default target/release/agentdeck).
set -euo pipefail
BIN=${BIN:-target/release/agentdeck}
T=$(mktemp -d)
DB=${1:-$T/empty.db}
RUNS=${2:-10}
mkdir -p "$T/home"
SOCK="$T/tmux.sock"
tm() { tmux -S "$SOCK" "$@"; }
times=()
for ((i = 1; i <= RUNS; i++)); do
  t0=$(date +%s%N)
  tm new -d -s "s$i" -x 200 -y 60 "exec env HOME=$T/home XDG_STATE_HOME=$T/state XDG_CONFIG_HOME=$T/config $BIN --db $DB"
  until tm capture-pane -p -t "s$i" 2>/dev/null | grep -q "1 Overview"; do
    sleep 0.005
    if (( ($(date +%s%N) - t0) > 30000000000 )); then echo "run $i: no frame after 30 s"; break; fi
  done
  times+=($(( ($(date +%s%N) - t0) / 1000000 )))
  tm send-keys -t "s$i" q
  sleep 0.3
  tm kill-session -t "s$i" 2>/dev/null || true
done
tm kill-server 2>/dev/null || true
printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END {
  med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "start to first frame over %d runs: median %d ms, min %d ms, max %d ms\n", NR, med, v[1], v[NR] }'
echo "all (ms): ${times[*]}"
rm -rf "$T"
