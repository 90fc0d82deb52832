#!/usr/bin/env python3
"""Checks deploy/grafana/berth-containers.json without a Grafana: it is an
importable dashboard (a datasource input, unique panel ids), every panel
query is valid PromQL (promtool parses them as recording rules), and every
metric a query names is one Berth exports (found in the sources) or one of
Prometheus' own (up, process_*). Exits non-zero with the reasons otherwise."""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

top = pathlib.Path(sys.argv[1])
dashboard = json.loads((top / "deploy/grafana/berth-containers.json").read_text())
errors = []

if not any(i.get("name") == "DS_PROMETHEUS" for i in dashboard.get("__inputs", [])):
    errors.append("no DS_PROMETHEUS input: Grafana's import cannot bind a datasource")
ids = [p["id"] for p in dashboard["panels"]]
if len(ids) != len(set(ids)):
    errors.append(f"duplicate panel ids: {ids}")

exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
exprs.append(dashboard["templating"]["list"][0]["definition"].replace("label_values(", "group by (name) (").replace(", name)", ")"))
concrete = [e.replace("$__rate_interval", "5m").replace("$container", ".*") for e in exprs]

with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as rules:
    rules.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(concrete):
        rules.write(f"      - record: dashboard:query{i}\n        expr: {json.dumps(e)}\n")
check = subprocess.run(["promtool", "check", "rules", rules.name], capture_output=True, text=True)
if check.returncode != 0:
    errors.append("promtool rejects a query:\n" + check.stdout + check.stderr)

sources = "".join(p.read_text(errors="replace")
                  for d in ("services", "common")
                  for p in (top / d).rglob("*.cc"))
keywords = {"sum", "by", "rate", "increase", "histogram_quantile", "group", "le", "name",
            "service", "method", "route", "code", "result", "operation", "state", "job"}
for e in concrete:
    for metric in set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*(?:\{|\[|\)|$| )", e)):
        if metric in keywords or metric == "up" or metric.startswith("process_"):
            continue
        base = re.sub(r"_(bucket|sum|count)$", "", metric)
        if f'"{base}"' not in sources:
            errors.append(f"{metric}: no such metric in Berth's sources (query: {e})")

for error in errors:
    print("FAIL:", error)
print(f"{len(concrete)} queries checked, {len(errors)} problems")
sys.exit(1 if errors else 0)
