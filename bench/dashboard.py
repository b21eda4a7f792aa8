"""Dashboard speed: `python -m bench.dashboard [--scale 66.7] [--large PATH]`.

Renders the demo's Marketing overview (8 chart tiles and a text tile: every
query through the semantic layer, every Plotly figure built) on the demo
warehouse and on a large one (`--scale 66.7` ≈ 10 million orders, built once
and kept at `--large`), and times:
  cold      a fresh engine (new connection, empty result cache)
  warm      the same engine again: results come from the cache, figures are rebuilt
  baseline  the same SQL, run directly on a fresh DuckDB connection, results fetched, no figures
and prints each time with the ratio of cold to baseline, and the CPU seconds of both cold runs (on a
shared, busy machine wall time grows with the load; CPU time shows the work itself). Targets (issue 7):
demo < 1 s warm and < 3 s cold; 10 million orders < 3 s cold.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest.demo import build_demo

# Each measurement runs in a fresh process, so "cold" means a new database handle and an empty result cache.
# Modules, translations and Plotly's validators are loaded before the clock starts, as the running app has them.
BEACON = """
import json, sys, time
from pathlib import Path
import plotly.graph_objects as go
from semantic.compile import CompiledSQL
from semantic.engine import DuckDBEngine
from semantic.model import load_model
from viz.tiles import render_dashboard
from workspace.demo_dashboards import marketing_overview
from workspace.home import DEMO_MODEL
from viz.i18n import translations
go.Figure(go.Bar(x=["a"], y=[1]))
translations("en"), translations("zh")
model, board, engine = load_model(DEMO_MODEL), marketing_overview(), DuckDBEngine(Path(sys.argv[1]))
started, cpu = time.perf_counter(), time.process_time()
views = render_dashboard(board, model, engine, "zh")
cold, cold_cpu = time.perf_counter() - started, time.process_time() - cpu
started = time.perf_counter()
render_dashboard(board, model, engine, "zh")
warm = time.perf_counter() - started
sqls = list(dict.fromkeys(sql for v in views for sql in v.sql))
cached = all(engine.run(CompiledSQL(sql, (), "duckdb")).from_cache for sql in sqls)
print(json.dumps({"cold": cold, "cold_cpu": cold_cpu, "warm": warm, "cached": cached, "sql": sqls,
                  "problems": [v.problem for v in views if v.problem]}))
"""
BASELINE = """
import json, sys, time
import duckdb
from semantic.engine import READ_CONFIG
sqls = json.loads(open(sys.argv[2]).read())
started, cpu = time.perf_counter(), time.process_time()
con = duckdb.connect(sys.argv[1], read_only=True, config=READ_CONFIG)
for sql in sqls:
    con.sql(sql).to_arrow_table()
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
orders = con.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
print(json.dumps({"seconds": seconds, "cpu": cpu, "orders": orders}))
"""


def _child(code: str, *args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(path: Path) -> dict[str, object]:
    """Cold, warm and baseline seconds for one warehouse, and whether reopening hit the cache."""
    beacon = _child(BEACON, str(path))
    if beacon["problems"]:
        raise SystemExit(f"tiles failed on {path}: {beacon['problems']}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(beacon["sql"], handle)
    baseline = _child(BASELINE, str(path), handle.name)
    Path(handle.name).unlink()
    return {**beacon, "baseline": baseline["seconds"], "baseline_cpu": baseline["cpu"], "orders": baseline["orders"],
            "queries": len(beacon["sql"])}


def _report(name: str, row: dict[str, object]) -> None:
    cold, warm, base, cpu, base_cpu = (float(row[k]) for k in  # type: ignore[arg-type]
                                       ("cold", "warm", "baseline", "cold_cpu", "baseline_cpu"))
    print(f"{name:<14} {row['orders']:>11,} {row['queries']:>8} {cold:>8.2f} {warm:>8.2f} {base:>10.2f} "
          f"{cold / base:>9.1f}x {cpu:>10.2f} {base_cpu:>10.2f} {'yes' if row['cached'] else 'NO':>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=66.7, help="the large warehouse's scale (66.7 ≈ 10M orders)")
    parser.add_argument("--large", type=Path, default=Path(tempfile.gettempdir()) / "beacon-bench-large.duckdb",
                        help="where the large warehouse is kept between runs")
    parser.add_argument("--skip-large", action="store_true", help="only the demo warehouse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo.duckdb"
        build_demo(demo, seed=7)
        print("warehouse          orders  queries   cold s   warm s  baseline s  cold/base  cold cpu s  base cpu s"
              "  cached")
        _report("demo", measure(demo))
    if not args.skip_large:
        if not args.large.exists():
            started = time.perf_counter()
            build_demo(args.large, seed=7, scale=args.scale)
            print(f"(built the large warehouse at scale {args.scale:g} in {time.perf_counter() - started:.0f} s)")
        _report(f"scale {args.scale:g}", measure(args.large))
    print("targets: demo < 1 s warm and < 3 s cold; 10M orders < 3 s cold")


if __name__ == "__main__":
    main()
