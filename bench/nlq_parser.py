"""Built-in question parser latency: `python -m bench.nlq_parser [--questions 200]`.

Builds the demo warehouse, reads the dimension values once (as the Ask pipeline does,
cached), then times `BuiltinEngine.interpret` on a deterministic mix of English and
Chinese questions made from templates (metrics, breakdowns, filters, periods, grains,
rankings, comparisons, typos, follow-ups). The baseline is compiling each parsed query
to SQL (`compile_query`), work every answer does anyway, measured in the same run.
Target (issue 4): p95 under 100 ms per question.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from ingest.demo import build_demo
from semantic.compile import compile_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel, load_model
from semantic.nlq.builtin import BuiltinEngine
from semantic.nlq.types import AskContext
from semantic.nlq.values import dimension_values
from workspace.home import DEMO_MODEL

EN = ("{metric} by {dim} {period}", "top {n} {dims} by {metric} {period}", "{metric} on {value} {period}",
      "which {dim} had the highest {metric} {period}", "monthly {metric} excluding {value}",
      "{metric} {period} vs last year", "how many {metric} in {value}", "{metric} trend by {dim}",
      "{metric} by {dim} for customers aged over {age}", "bottom {n} {dims} by {metric} month over month")
ZH = ("{period}各{dim}的{metric}是多少", "{period}{metric}排名前{n}的{dim}", "{value}{period}的{metric}",
      "哪个{dim}的{metric}最高", "每月的{metric}（不含{value}）", "{period}{metric}同比", "{value}有多少{metric}",
      "{metric}的趋势", "{age}岁以上客户各{dim}的{metric}", "按周看{period}的{metric}环比")
PERIODS_EN = ("last month", "in Q2 2025", "this year", "last 30 days", "in June 2025", "year to date", "")
PERIODS_ZH = ("上个月", "2025年第二季度", "今年", "最近30天", "2025年6月", "今年以来", "去年", "")
TYPOS = {"revenue": "revnue", "channel": "chanel", "region": "regoin", "orders": "ordres"}


def questions(model: SemanticModel, values: dict[str, tuple[str, ...]], count: int) -> list[str]:
    rng = random.Random(7)
    metrics = [m for m in model.metrics.values() if m.measure and model.measures[m.measure].table == "orders"]
    dims = [model.dimensions[n] for n in ("channel", "region", "city", "member_tier", "product_category")]
    out = []
    for i in range(count):
        lang = "zh" if i % 2 else "en"
        metric, dim = rng.choice(metrics), rng.choice(dims)
        value_dim = rng.choice(("channel", "region", "member_tier"))
        value = rng.choice(values[value_dim])
        label = model.dimensions[value_dim].values.get(value)
        words = {"metric": metric.label(lang).lower() if lang == "en" else metric.label(lang),
                 "dim": dim.label(lang).lower() if lang == "en" else dim.label(lang),
                 "dims": dim.label("en").lower() + "s", "n": rng.choice((3, 5, 10)), "age": rng.choice((25, 30, 40)),
                 "value": label.label("zh") if lang == "zh" and label else value,
                 "period": rng.choice(PERIODS_ZH if lang == "zh" else PERIODS_EN)}
        text = rng.choice(ZH if lang == "zh" else EN).format(**words).strip()
        if lang == "en" and rng.random() < 0.15:
            text = " ".join(TYPOS.get(w, w) for w in text.split())
        out.append(text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warehouse.duckdb"
        build_demo(path, seed=7)
        model, engine = load_model(DEMO_MODEL), DuckDBEngine(path)
        values = dimension_values(model, engine)
        parser_engine = BuiltinEngine()
        context = AskContext(model, as_of=dt.date(2025, 12, 31), values=values)
        asked = questions(model, values, args.questions)
        parser_engine.interpret(asked[0], context)  # the lexicon is built once per model and values
        parse_ms, compile_ms, answered = [], [], 0
        for question in asked:
            started = time.perf_counter()
            reading = parser_engine.interpret(question, context)
            parse_ms.append((time.perf_counter() - started) * 1000)
            if reading.query is not None:
                answered += 1
                started = time.perf_counter()
                compile_query(reading.query, model)
                compile_ms.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(parse_ms, n=20)[-1]
    base = statistics.median(compile_ms)
    print(f"questions {len(asked)}, answered {answered}, clarified {len(asked) - answered}")
    print(f"parse  median {statistics.median(parse_ms):.1f} ms, p95 {p95:.1f} ms, max {max(parse_ms):.1f} ms")
    print(f"baseline compile_query median {base:.1f} ms; parse/compile median ratio "
          f"{statistics.median(parse_ms) / base:.2f}; p95 target 100 ms: {'met' if p95 < 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
