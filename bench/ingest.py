"""Load speed against DuckDB's own reader: `python -m bench.ingest [--rows N]`.

Generates a CSV (10 million rows, about 1 GB, by default), then times, each in a
fresh process so peak memory is its own:
  baseline  a bare `CREATE TABLE t AS SELECT * FROM read_csv(...)` into a new DuckDB file
  beacon    `ingest.load.load_file` into a new warehouse (sniffing, typing, rejects, catalog, atomic swap)
and prints Beacon's time as a ratio of the baseline's, with both peak memories.
Targets (issue 3): ratio at most 1.3, peak memory under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

GENERATE = """
COPY (
  SELECT 'O' || lpad(range::VARCHAR, 9, '0') AS order_id,
         'C' || lpad((hash(range) % 2000000)::VARCHAR, 7, '0') AS customer_id,
         DATE '2024-01-01' + (range % 731)::INTEGER AS order_date,
         ['Tmall', 'JD', 'Douyin', 'WeChat Mini Program', 'Official Site', 'Offline Store'][range % 6 + 1] AS channel,
         ['Shanghai', 'Beijing', 'Guangzhou', 'Shenzhen', 'Chengdu', 'Hangzhou', 'Wuhan']
           [(hash(range) % 7)::BIGINT + 1] AS city,
         (hash(range * 7) % 4 + 1)::INTEGER AS quantity,
         round((hash(range * 13) % 100000) / 100.0 + 9.9, 2) AS amount,
         round((hash(range * 17) % 3000) / 100.0, 2) AS discount,
         CASE WHEN range % 33 = 0 THEN 'refunded' ELSE 'completed' END AS status,
         'Spring promotion, ' || ['gift box', 'sample kit', 'member coupon'][(range % 3)::BIGINT + 1]
           || ' #' || (range % 997)::VARCHAR AS note
  FROM range({rows})
) TO '{path}' (HEADER, DELIMITER ',')
"""

MEASURE = """
import json, resource, sys, time
from pathlib import Path
kind, csv, target = sys.argv[1], sys.argv[2], Path(sys.argv[3])
import duckdb
from ingest.load import load_file  # imported before the clock starts: the app has them loaded already
started = time.perf_counter()
if kind == "baseline":
    con = duckdb.connect(str(target))
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [csv])
    rows = con.execute("SELECT COUNT(*) FROM t").fetchone()[0]
    con.close()
else:
    rows = load_file(target, Path(csv), "t")[0].rows
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": rows}))
"""


def generate(path: Path, rows: int) -> None:
    with duckdb.connect() as con:
        con.execute(GENERATE.format(rows=rows, path=path))


def measure(kind: str, csv: Path, work: Path) -> dict[str, float]:
    target = work / f"{kind}-{time.monotonic_ns()}" / "warehouse.duckdb"
    target.parent.mkdir()
    done = subprocess.run([sys.executable, "-c", MEASURE, kind, str(csv), str(target)], check=True,
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best time counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="beacon-bench-") as folder:
        work = Path(folder)
        csv = work / "orders.csv"
        started = time.perf_counter()
        generate(csv, args.rows)
        took = time.perf_counter() - started
        print(f"generated {args.rows:,} rows, {csv.stat().st_size / 1e9:.2f} GB in {took:.1f} s")
        runs = {kind: [measure(kind, csv, work) for _ in range(args.repeat)] for kind in ("baseline", "beacon")}
    best = {kind: min(r["seconds"] for r in results) for kind, results in runs.items()}
    peak = {kind: max(r["peak_mb"] for r in results) for kind, results in runs.items()}
    assert {r["rows"] for results in runs.values() for r in results} == {args.rows}
    for kind in runs:
        print(f"{kind:<9} best {best[kind]:6.2f} s   peak memory {peak[kind]:7.0f} MB")
    print(f"ratio beacon/baseline = {best['beacon'] / best['baseline']:.2f} (target <= 1.3); "
          f"beacon peak {peak['beacon']:.0f} MB (target < 2048)")


if __name__ == "__main__":
    main()
