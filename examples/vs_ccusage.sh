#!/usr/bin/env bash
# Cold ingest + `report daily` against ccusage's `daily` on the same files, run alternately
# (agentdeck, ccusage, agentdeck, …) so both see the same machine load and page cache, and
# timed by /usr/bin/time (wall, user and system CPU, peak RSS). Prints every run and the
# medians, and the ratio of the medians (docs/perf.md#ingest).
#
# Usage: examples/vs_ccusage.sh CORPUS [RUNS]
#   CORPUS  a gen_corpus output (CORPUS/claude, optionally CORPUS/codex)
#   RUNS    counted runs of each, after one warm-up of each (default 5)
# BIN=… another agentdeck binary (default target/release/agentdeck); CCUSAGE=… the ccusage
# command (default: ccusage on PATH; `npm i -g --prefix /tmp/ccu ccusage@20.0.24` puts it
# in /tmp/ccu/bin). With CORPUS/codex present both tools read Codex too (ccusage runs its
# `claude daily` and then its `codex daily`).
set -euo pipefail
CORPUS=${1:?usage: examples/vs_ccusage.sh CORPUS [RUNS]}
RUNS=${2:-5}
BIN=${BIN:-target/release/agentdeck}
CCUSAGE=${CCUSAGE:-ccusage}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/home"
export TZ=UTC HOME=$T/home XDG_CONFIG_HOME=$T/home/.config XDG_STATE_HOME=$T/home/.state
codex_args=() cc_codex=:
if [ -d "$CORPUS/codex" ]; then
  codex_args=(--codex-dir "$CORPUS/codex")
  cc_codex="CODEX_HOME=$CORPUS/codex $CCUSAGE codex daily --offline --json"
fi
# Everything in the page cache first, for both.
find "$CORPUS" -type f -exec cat {} + >/dev/null

cat >"$T/agentdeck.sh" <<EOS
rm -f "$T"/s.db*
exec "$BIN" --offline --db "$T/s.db" report daily --json --tz UTC --claude-dir "$CORPUS/claude" ${codex_args[*]} >"$T/ad.json"
EOS
cat >"$T/ccusage.sh" <<EOS
CLAUDE_CONFIG_DIR="$CORPUS/claude" $CCUSAGE claude daily --offline --json >"$T/cc.json"
$cc_codex >/dev/null
EOS

one() { # name → "wall user sys maxrss_kb"
  /usr/bin/time -f "%e %U %S %M" -o "$T/time" bash "$T/$1.sh"
  cat "$T/time"
}
one agentdeck >/dev/null
one ccusage >/dev/null
: >"$T/a"
: >"$T/c"
for ((i = 1; i <= RUNS; i++)); do
  one agentdeck >>"$T/a"
  one ccusage >>"$T/c"
done
python3 - "$T/a" "$T/c" <<'EOF'
import statistics as st, sys
def load(p): return [list(map(float, l.split())) for l in open(p) if l.strip()]
a, c = load(sys.argv[1]), load(sys.argv[2])
def row(name, rs):
    wall = [r[0] for r in rs]; cpu = [r[1] + r[2] for r in rs]; rss = [r[3] / 1024 for r in rs]
    print(f"{name:9} wall median {st.median(wall):.3f} s ({min(wall):.3f}-{max(wall):.3f})"
          f"  cpu median {st.median(cpu):.3f} s ({min(cpu):.3f}-{max(cpu):.3f})  rss {st.median(rss):.0f} MB")
    return st.median(wall), st.median(cpu)
aw, ac = row("agentdeck", a)
cw, cc = row("ccusage", c)
pairs = sorted(x[0] / y[0] for x, y in zip(a, c))
print(f"ratio agentdeck/ccusage: wall {aw / cw:.2f} (pairwise median {st.median(pairs):.2f}), cpu {ac / cc:.2f}")
EOF
