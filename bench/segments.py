"""Segmentation speed at 100,000 and 1,000,000 customers: `python -m bench.segments [--scales 5 50]`.

Builds demo warehouses with `ingest.demo.build_demo(path, seed=7, scale=...)` (scale 1 is
20,000 customers, so scale 5 is 100,000 and scale 50 is 1,000,000, with 7.5 million
orders), then times, each in a fresh process so peak memory is its own:
  baseline  one plain GROUP BY customer aggregation (count, sum, max date) over the orders in DuckDB
  beacon    `ml.analysis.analyse`: exclusions, features, RFM, auto-k clustering, lifecycle, and the churn
            model trained, tested and scoring every customer
and prints Beacon's time as a ratio of the baseline's, with both peak memories.
Target (issue 5): under 60 s and 4 GB for one million customers on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUILD = """
import sys, time
from pathlib import Path
from ingest.demo import build_demo
started = time.perf_counter()
counts = build_demo(Path(sys.argv[1]), seed=7, scale=float(sys.argv[2]))
print(counts["customers"], counts["orders"], time.perf_counter() - started)
"""

MEASURE = """
import json, resource, sys, time
from pathlib import Path
import duckdb
from ml.analysis import Params, analyse
from ml.mapping import propose_mapping
from semantic.engine import READ_CONFIG
kind, path = sys.argv[1], sys.argv[2]
con = duckdb.connect(path, read_only=True, config=READ_CONFIG)
started = time.perf_counter()
if kind == "baseline":
    rows = con.sql("SELECT customer_id, count(*), sum(net_amount), max(order_date) FROM orders "
                   "WHERE status = 'completed' GROUP BY customer_id").pl().height
    summary = {}
else:
    analysis = analyse(con, Params(propose_mapping(con, "orders")))
    rows = analysis.features.height
    summary = {"k": analysis.clustering.k, "silhouette": round(analysis.clustering.silhouette, 3),
               "churn_roc_auc": round(analysis.churn.metrics["roc_auc"], 3) if analysis.churn else None}
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "customers": rows, **summary}))
"""


def _python(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout.strip().splitlines()[-1]


def bench(scale: float, folder: Path) -> None:
    path = folder / f"demo-{scale:g}.duckdb"
    customers, orders, build_s = _python(BUILD, str(path), str(scale)).split()
    print(f"scale {scale:g}: {int(customers):,} customers, {int(orders):,} orders (built in {float(build_s):.1f} s)")
    baseline = json.loads(_python(MEASURE, "baseline", str(path)))
    beacon = json.loads(_python(MEASURE, "beacon", str(path)))
    ratio = beacon["seconds"] / baseline["seconds"]
    print(f"  baseline GROUP BY: {baseline['seconds']:.2f} s, peak {baseline['peak_mb']:.0f} MB")
    print(f"  beacon segments:   {beacon['seconds']:.2f} s, peak {beacon['peak_mb']:.0f} MB, "
          f"{beacon['customers']:,} customers segmented, k={beacon['k']}, silhouette={beacon['silhouette']}, "
          f"churn ROC AUC={beacon['churn_roc_auc']}")
    print(f"  ratio {ratio:.1f}x the baseline; target < 60 s and < 4096 MB: "
          f"{'met' if beacon['seconds'] < 60 and beacon['peak_mb'] < 4096 else 'NOT met'}")
    path.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[5.0, 50.0], help="demo scales to measure")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for scale in args.scales:
            bench(scale, Path(folder))
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
