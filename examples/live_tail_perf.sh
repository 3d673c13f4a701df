#!/usr/bin/env bash
# Live tail of the real console in tmux (docs/perf.md#console): idle CPU with many watched
# transcripts, and how long a line appended to a transcript takes to reach the screen.
#
# Usage: examples/live_tail_perf.sh [FILES] [APPENDS]   (defaults 2000 and 40)
# Needs tmux and target/release/agentdeck (BIN=… for another binary). DB=… reuses a store
# (e.g. target/bench-10m.db); by default a fresh one is made in a temp folder.
# AGENTDECK_WATCH=poll measures the polling fallback instead of notifications.
set -euo pipefail
FILES=${1:-2000}
APPENDS=${2:-40}
BIN=${BIN:-target/release/agentdeck}
T=$(mktemp -d)
DB=${DB:-$T/store.db}
SOCK="$T/tmux.sock"
tm() { tmux -S "$SOCK" "$@"; }
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
RUN=$(date +%s%N | cut -c1-13)  # ids unique per run: a store keeps earlier runs' lines
line() { # $1 = session, $2 = model, $3 = request id
  printf '{"timestamp":"%s","sessionId":"%s","version":"2.0.0","type":"assistant","cwd":"/tmp/zz","gitBranch":"main","requestId":"%s","message":{"id":"msg_%s","model":"%s","usage":{"input_tokens":100,"output_tokens":50}}}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$1" "$RUN-$3" "$RUN-$3" "$2"
}
# FILES quiet transcripts in 100 project folders, one line each, plus the live one.
for ((i = 0; i < FILES; i++)); do
  d="$T/claude/projects/-tmp-p$((i % 100))"
  mkdir -p "$d"
  line "quiet-$RUN-$i" claude-sonnet-4-5-20250929 "q$i" > "$d/quiet-$i.jsonl"
done
mkdir -p "$T/claude/projects/-tmp-zzlat" "$T/home" "$T/codex"
TR="$T/claude/projects/-tmp-zzlat/live.jsonl"
line "zzlat-$RUN" claude-sonnet-4-5-20250929 r0 > "$TR"

tm new -d -s r -x 200 -y 60 "exec env HOME=$T/home CLAUDE_CONFIG_DIR=$T/claude CODEX_HOME=$T/codex AGENTDECK_WATCH=${AGENTDECK_WATCH:-} XDG_STATE_HOME=$T/state $BIN --db $DB"
until PID=$(tm display -p -t r '#{pane_pid}' 2>/dev/null) && [ -n "$PID" ]; do sleep 0.1; done
# Ready when the first full pass has stored the live session (the Live view lists it).
tm send-keys -t r 2
start=$(date +%s)
until tm capture-pane -p -t r | grep -q "sonnet"; do
  sleep 0.2
  if (( $(date +%s) - start > 120 )); then echo "console not ready after 120 s"; exit 1; fi
done
echo "console pid $PID ready after $(( $(date +%s) - start )) s; $FILES quiet transcripts + 1 live"
sleep 3
a=$(ticks "$PID"); sleep 20; b=$(ticks "$PID")
awk -v t=$((b - a)) -v h="$hz" 'BEGIN { printf "idle CPU over 20 s: %d ticks = %.2f%% of one core\n", t, t / h / 20 * 100 }'
echo "VmRSS: $(awk '/VmRSS/ {print $2}' "/proc/$PID/status") kB"

# Append-to-visible: each line names a new model; poll the screen every 10 ms.
lat=()
for ((i = 1; i <= APPENDS; i++)); do
  m="claude-zz$RUN-$i"
  t0=$(date +%s%N)
  line "zzlat-$RUN" "$m" "r$i" >> "$TR"
  until tm capture-pane -p -t r | grep -q "zz$RUN-$i"; do
    sleep 0.01
    if (( ($(date +%s%N) - t0) > 10000000000 )); then echo "append $i: not visible after 10 s"; break; fi
  done
  lat+=($(( ($(date +%s%N) - t0) / 1000000 )))
  sleep 0.$(( RANDOM % 5 + 3 ))
done
printf '%s\n' "${lat[@]}" | sort -n | awk '{ v[NR] = $1 } END {
  p95 = v[int((NR * 95 + 99) / 100)]
  med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "append-to-visible over %d appends: median %d ms, p95 %d ms, min %d ms, max %d ms\n", NR, med, p95, v[1], v[NR] }'
echo "all (ms): ${lat[*]}"
tm send-keys -t r q
sleep 0.5
tm kill-server 2>/dev/null || true
rm -rf "$T"
