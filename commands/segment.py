"""`beacon segment` and `beacon churn`: the Segments page's work for schedulers.

    beacon segment --table orders --as-of 2025-12-31 --json
    beacon segment --table online_retail --customer CustomerID --date InvoiceDate --amount Quantity --price UnitPrice
    beacon churn --table telco --label Churn --json

Both write their per-customer table to the warehouse, record the run (parameters
and date) in the workspace's metadata, and print what a scheduler needs: segment
sizes, the chosen k and its silhouette, held-out churn metrics, the table written. A user under a
restricting data policy is refused: their results cover part of the customers and would replace everyone's.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from commands.common import add_common, audit_load, governed_model, json_value
from ml.governed import check_write_back, warehouse
from semantic.query import parse_date
from workspace.home import Workspace


def register(commands: argparse._SubParsersAction) -> None:
    segment = commands.add_parser("segment", help="RFM segments, clusters, lifecycle and churn risk per customer")
    _mapping_options(segment)
    segment.add_argument("--k", type=int, help="number of clusters (default: chosen by silhouette)")
    segment.add_argument("--extra", action="append", default=[],
                         help="an extra feature column, e.g. a category or an age (repeatable)")
    segment.add_argument("--no-churn", dest="churn", action="store_false", help="skip the churn model")
    segment.set_defaults(handler=_segment)
    churn = commands.add_parser("churn", help="train and score a churn model (transactions or a labelled table)")
    _mapping_options(churn)
    churn.add_argument("--label", help="the churn label column of a snapshot table (e.g. Telco's Churn)")
    churn.set_defaults(handler=_churn)


def _mapping_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", required=True, help="the warehouse table to analyse")
    parser.add_argument("--customer", help="customer id column (default: proposed from the names)")
    parser.add_argument("--date", help="purchase date column")
    parser.add_argument("--amount", help="amount column (or quantity, with --price)")
    parser.add_argument("--price", help="unit price column: amount = --amount × --price")
    parser.add_argument("--as-of", dest="as_of", help="analysis date YYYY-MM-DD (default: the last purchase)")
    parser.add_argument("--horizon", type=int, help="churn window in days (default: twice the purchase cycle)")
    parser.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same result")
    add_common(parser)


def _print(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(payload, ensure_ascii=False, default=json_value))
        return
    for key, value in payload.items():
        print(f"{key}: {json.dumps(value, ensure_ascii=False, default=json_value)}")


def _segment(args: argparse.Namespace) -> int:
    from ml.analysis import Params, analyse
    from ml.mapping import mapping_for
    from ml.publish import publish_segments

    user, model, engine = governed_model(args, "load_data")  # the segments are written back to the warehouse
    check_write_back(engine)
    path = warehouse(engine).path
    as_of = parse_date(args.as_of) if args.as_of else None
    with engine.reader() as con:  # type: ignore[attr-defined] - a DuckDB warehouse (checked above)
        mapping = mapping_for(con, args.table, args.customer, args.date, args.amount, args.price, tuple(args.extra))
        analysis = analyse(con, Params(mapping, as_of, args.k, args.seed, args.horizon, args.churn))
    published = publish_segments(path, Workspace(path.parent).meta, model, analysis)
    audit_load(args, user, published.table, args.table)
    _print({**analysis.summary(), "mapping": mapping.to_dict(), "table": published.table,
            "model_file": str(published.model_file) if published.model_file else None,
            "run_id": published.run_id}, args.json)
    return 0


def _churn(args: argparse.Namespace) -> int:
    from ml.churn import train_churn
    from ml.labelled import guess_label, train_labelled
    from ml.mapping import columns_of, mapping_for
    from ml.publish import publish_churn

    user, _, engine = governed_model(args, "load_data")  # the scores are written back to the warehouse
    check_write_back(engine, "Churn scores")
    path = warehouse(engine).path
    meta = Workspace(path.parent).meta
    params: dict[str, Any] = {"table": args.table, "label": args.label, "seed": args.seed}
    with engine.reader() as con:  # type: ignore[attr-defined] - a DuckDB warehouse (checked above)
        if args.label or guess_label(columns_of(con, args.table)):
            result = train_labelled(con, args.table, args.label, args.seed)
            published = publish_churn(path, meta, result, args.table, params)
            extra = {"mode": "labelled", "label": result.label, "features": list(result.features)}
        else:
            mapping = mapping_for(con, args.table, args.customer, args.date, args.amount, args.price)
            as_of = parse_date(args.as_of) if args.as_of else None
            churn = train_churn(con, mapping, as_of, args.horizon, args.seed)
            params.update(mapping=mapping.to_dict(), as_of=as_of, horizon=churn.horizon_days)
            published = publish_churn(path, meta, churn, args.table, params, mapping)
            extra = {"mode": "transactions", "horizon_days": churn.horizon_days,
                     "train_cutoff": churn.train_cutoff, "test_cutoff": churn.test_cutoff}
            result = churn
    audit_load(args, user, published.table, args.table)
    _print({"metrics": {k: round(v, 4) for k, v in result.metrics.items()}, **extra, "table": published.table,
            "run_id": published.run_id}, args.json)
    return 0
