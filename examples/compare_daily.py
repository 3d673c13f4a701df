#!/usr/bin/env python3
"""Compare per-day token totals of `agentdeck report daily --json` with `ccusage daily --json`
(and, optionally, gen_corpus's DIR/expected.json oracle). Exit status 1 on any token
disagreement; cost gaps are printed but are not failures.

Usage: compare_daily.py agentdeck.json ccusage.json [expected.json]"""
import json, sys
ad = json.load(open(sys.argv[1]))
cc = json.load(open(sys.argv[2]))
exp = json.load(open(sys.argv[3]))["claude"] if len(sys.argv) > 3 else None
fields = [("input_tokens", "inputTokens"), ("output_tokens", "outputTokens"),
          ("cache_creation_tokens", "cacheCreationTokens"), ("cache_read_tokens", "cacheReadTokens")]
A = {d["date"]: d for d in ad["daily"]}
C = {d["date"]: d for d in cc["daily"]}
E = {d["date"]: d for d in exp} if exp is not None else None
bad = 0
for day in sorted(set(A) | set(C) | (set(E) if E else set())):
    a, c = A.get(day, {}), C.get(day, {})
    for af, cf in fields:
        av, cv = a.get(af, 0), c.get(cf, 0)
        ev = E.get(day, {}).get(cf, 0) if E is not None else None
        if av != cv or (ev is not None and ev != cv):
            bad += 1
            print(f"DISAGREE {day} {cf}: agentdeck={av} ccusage={cv}" + (f" expected={ev}" if ev is not None else "") +
                  f" (agentdeck-ccusage={av-cv:+d})")
tot = lambda rows, f: sum(r.get(f, 0) for r in rows)
print(f"days: agentdeck={len(A)} ccusage={len(C)}" + (f" expected={len(E)}" if E else ""))
for af, cf in fields:
    print(f"total {cf}: agentdeck={tot(A.values(), af)} ccusage={tot(C.values(), cf)}" + (f" expected={tot(E.values(), cf)}" if E else ""))
ac = sum(r.get("cost_usd", 0) for r in A.values()); ccost = sum(r.get("totalCost", 0) for r in C.values())
print(f"total cost USD: agentdeck={ac:.4f} ccusage={ccost:.4f} (diff {ac-ccost:+.4f}, {100*(ac-ccost)/ccost if ccost else 0:+.3f}%)")
worst = sorted(((abs(A[d].get("cost_usd",0)-C[d].get("totalCost",0)), d) for d in A if d in C), reverse=True)[:3]
for w, d in worst:
    print(f"  largest per-day cost gap {d}: agentdeck={A[d].get('cost_usd',0):.6f} ccusage={C[d].get('totalCost',0):.6f}")
print("token totals AGREE on every day" if bad == 0 else f"{bad} disagreements")
sys.exit(1 if bad else 0)
