#!/usr/bin/env python3
"""Compare `agentdeck report daily --json` with gen_accounting's oracle for one agent:
days whose tokens match exactly, per-day cost error, and totals.

Usage: compare_accounting.py ORACLE.json AGENT(gemini|claude) REPORT.json [LABEL]"""
import json, sys
oracle = {d["date"]: d for d in json.load(open(sys.argv[1]))[sys.argv[2]]}
report = {d["date"]: d for d in json.load(open(sys.argv[3]))["daily"]}
label = sys.argv[4] if len(sys.argv) > 4 else sys.argv[3]
fields = ["input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens"]
days = sorted(set(oracle) | set(report))
exact, worst, worst_day = 0, 0.0, None
for day in days:
    o, r = oracle.get(day, {}), report.get(day, {})
    if all(o.get(f, 0) == r.get(f, 0) for f in fields):
        exact += 1
    oc, rc = o.get("cost_usd", 0.0), r.get("cost_usd") or 0.0
    err = (rc - oc) / oc * 100 if oc else 0.0
    if abs(err) > abs(worst):
        worst, worst_day = err, day
tot = lambda rows, f: sum(x.get(f) or 0 for x in rows.values())
print(f"{label}: tokens exact on {exact} of {len(days)} days; worst day cost error "
      f"{worst:+.1f}% ({worst_day})")
for f in fields + ["cost_usd"]:
    o, r = tot(oracle, f), tot(report, f)
    diff = f" ({(r - o) / o * 100:+.2f}%)" if o else ""
    print(f"  {f}: oracle {o:,.6g}  report {r:,.6g}{diff}" if f == "cost_usd"
          else f"  {f}: oracle {o:,}  report {r:,}{diff}")
