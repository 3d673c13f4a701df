#!/usr/bin/env bash
# Console RSS, idle CPU and append-to-visible latency on the real binary in tmux
# (docs/perf.md#console-at-10-m-requests; the live tail has its own
# script, examples/live_tail_perf.sh). Usage: examples/console_perf.sh [DB]  (default target/bench-10m.db,
# built by `cargo bench --bench render`). Needs tmux and target/release/agentdeck.
set -euo pipefail
DB=${1:-target/bench-10m.db}
BIN=${BIN:-target/release/agentdeck}
T=$(mktemp -d)
mkdir -p "$T/home" "$T/claude/projects/-tmp-zzlat" "$T/codex"
SOCK="$T/tmux.sock"
tm() { tmux -S "$SOCK" "$@"; }
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
RUN=$(date +%s)  # ids unique per run: the store keeps earlier runs' lines (dedupe)
TR="$T/claude/projects/-tmp-zzlat/lat.jsonl"
line() { # $1 = model, $2 = request id
  printf '{"timestamp":"%s","sessionId":"zzlat-%s","version":"2.0.0","type":"assistant","cwd":"/tmp/zzlat","gitBranch":"main","requestId":"%s","message":{"id":"msg_%s","model":"%s","usage":{"input_tokens":100,"output_tokens":50}}}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$RUN" "$RUN-$2" "$RUN-$2" "$1"
}
line claude-sonnet-4-5-20250929 r0 > "$TR"
tm new -d -s r -x 200 -y 60 "exec env HOME=$T/home CLAUDE_CONFIG_DIR=$T/claude CODEX_HOME=$T/codex $BIN --db $DB"
sleep 0.5
PID=$(tm display -p -t r '#{pane_pid}')
echo "pid $PID ($(cat /proc/$PID/comm))"
sleep 4
for v in 1 2 3 4 5 6 7 8 2; do tm send-keys -t r "$v"; sleep 2; done
echo "VmHWM: $(grep VmHWM /proc/$PID/status | awk '{print $2}') kB; VmRSS: $(grep VmRSS /proc/$PID/status | awk '{print $2}') kB"
sleep 2
a=$(ticks "$PID"); sleep 10; b=$(ticks "$PID")
echo "idle CPU over 10 s (Live view, refresher on): $(( b - a )) ticks of 1/$hz s = $(awk -v t=$((b-a)) -v h=$hz 'BEGIN{printf "%.2f%%", t/h/10*100}') of one core"
# Append-to-visible: Live view (2) is on screen; append a request with a new model name and poll.
for i in 1 2 3 4 5 6 7 8; do
  m="claude-zzlat-$RUN-$i"
  start=$(date +%s%N)
  line "$m" "r$i" >> "$TR"
  until tm capture-pane -p -t r | grep -q "zzlat-$RUN-$i"; do
    sleep 0.02
    if (( ($(date +%s%N) - start) > 10000000000 )); then echo "run $i: not visible after 10 s"; break; fi
  done
  echo "append-to-visible run $i: $(( ($(date +%s%N) - start) / 1000000 )) ms"
  sleep 1.3
done
tm capture-pane -p -t r | head -20 > "$T/live.txt"; echo "screen: $T/live.txt"
tm send-keys -t r q; sleep 0.5; tm kill-server 2>/dev/null || true
