"""`beacon campaign ...`: the campaign list, one campaign's review figures, attribution, A/B and anomalies.

    beacon campaign list [--as-of DATE] [--json]
    beacon campaign show CMP027 [--as-of DATE] [--roas-target 3] [--by member_tier] [--json]
    beacon campaign attribution [--model last|first|linear|decay] [--by channel|campaign_id] [--json]
    beacon campaign ab --a CMP007 --b CMP027 [--as-of DATE] [--json]    (or --a-conv N --a-n N --b-conv N --b-n N)
    beacon campaign sample-size --baseline 0.1 --lift 0.02 [--alpha 0.05] [--power 0.8]
    beacon campaign anomalies [--from DATE] [--to DATE] [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import polars as pl

from commands.common import add_common, governed_model, json_value
from errors import InputError
from semantic.query import TimeRange, parse_date
from workspace.home import Workspace

LIST_COLUMNS = ("campaign_id", "campaign_name", "channel", "start", "end", "status", "budget", "spend", "pacing",
                "campaign_revenue", "roas", "roi")


def register(commands: argparse._SubParsersAction) -> None:
    campaign = commands.add_parser("campaign", help="campaign figures, attribution, A/B tests and anomalies")
    actions = campaign.add_subparsers(dest="action", required=True)
    listing = _parser(actions, "list", "every campaign with status, pacing and KPIs", _list)
    listing.add_argument("--as-of", help="the day to measure on (default: the data's last day)")
    show = _parser(actions, "show", "one campaign: KPIs vs target and peers, funnel, buyers, channels", _show)
    show.add_argument("campaign_id")
    show.add_argument("--as-of", help="the day to measure on (default: the data's last day)")
    show.add_argument("--roas-target", type=float, help="the ROAS the campaign was meant to reach")
    show.add_argument("--by", help="also split the funnel by a customer dimension (member_tier, region...)")
    attribution = _parser(actions, "attribution", "credit purchases to campaign touches", _attribution,
                          common=False)
    attribution.add_argument("--model", dest="rule", choices=("last", "first", "linear", "decay"),
                             help="one attribution model (default: all side by side)")
    attribution.add_argument("--by", choices=("channel", "campaign_id"), default="channel")
    attribution.add_argument("--lookback", type=int, default=30, help="days of touches before a purchase")
    attribution.add_argument("--half-life", type=float, default=7.0, help="time-decay half-life in days")
    _period(attribution)
    ab = _parser(actions, "ab", "compare the conversion of two campaigns or two variants", _ab)
    for side in ("a", "b"):
        ab.add_argument(f"--{side}", help=f"campaign id of {side.upper()}")
        ab.add_argument(f"--{side}-conv", type=int, help=f"conversions of variant {side.upper()}")
        ab.add_argument(f"--{side}-n", type=int, help=f"people in variant {side.upper()}")
    ab.add_argument("--confidence", type=float, default=0.95)
    ab.add_argument("--as-of", help="count the campaigns' events up to this day (default: the data's last day)")
    size = _parser(actions, "sample-size", "people per group needed to detect a lift", _sample_size)
    size.add_argument("--baseline", type=float, required=True, help="current conversion, e.g. 0.1")
    size.add_argument("--lift", type=float, required=True, help="absolute lift to detect, e.g. 0.02")
    size.add_argument("--alpha", type=float, default=0.05)
    size.add_argument("--power", type=float, default=0.8)
    anomalies = _parser(actions, "anomalies", "unusual days per channel and campaign", _anomalies)
    _period(anomalies)


def _parser(actions: argparse._SubParsersAction, name: str, text: str, handler: Any,
            common: bool = True) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=text)
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    if common:
        add_common(parser)
    else:  # --model names the attribution model here, so the semantic model file is --semantic-model
        ws = Workspace.from_env()
        parser.add_argument("--db", type=Path, default=ws.warehouse, help="the DuckDB warehouse file")
        parser.add_argument("--semantic-model", dest="model", type=Path, default=ws.model_file(),
                            help="the semantic model YAML")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--user", help="run as this Beacon user, under their data policy")
    parser.set_defaults(handler=handler)
    return parser


def _period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD")


def _dates(args: argparse.Namespace) -> tuple[Any, Any]:
    start = parse_date(args.start) if args.start else None
    end = parse_date(args.end) if args.end else None
    if start and end:
        TimeRange(start, end)  # refuses an end before the start, in words
    return start, end


def emit(payload: Any) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=json_value))


def show_frame(title: str, frame: pl.DataFrame) -> None:
    print(f"\n{title}")
    with pl.Config(tbl_rows=100, tbl_cols=20, fmt_str_lengths=40, tbl_hide_dataframe_shape=True,
                   tbl_hide_column_data_types=True, float_precision=4, tbl_width_chars=160):
        print(frame)


def _list(args: argparse.Namespace) -> int:
    from ml.campaigns import campaign_list, unavailable

    _, model, engine = governed_model(args)
    frame = campaign_list(model, engine, parse_date(args.as_of) if args.as_of else None)
    hidden = unavailable(model, engine)
    if args.json:
        emit({"as_of": frame["as_of"][0] if frame.height else None, "unavailable": list(hidden),
              "campaigns": frame.to_dicts()})
    else:
        from viz.i18n import t

        columns = [c for c in LIST_COLUMNS if c not in hidden and not (c == "pacing" and hidden)]
        words = frame.select(columns).with_columns(
            pl.col("status").map_elements(lambda s: t(f"campaigns.status.{s}", args.lang), return_dtype=pl.String),
            *(_labelled(column, model, args.lang) for column in ("campaign_name", "channel")))
        _regional_note(model, engine, hidden, args.lang)
        show_frame(f"{frame.height} campaigns", words)
    return 0


def _labelled(column: str, model: Any, lang: str) -> pl.Expr:
    """A dimension's values as the reader calls them (2025 618 年中大促, 天猫 with --lang zh)."""
    from viz.labels import value_text

    return pl.col(column).map_elements(lambda v: value_text(v, column, model, lang), return_dtype=pl.String)


def _regional_note(model: Any, engine: Any, hidden: tuple[str, ...], lang: str) -> None:
    """Say once why spend and budget are missing for a user whose data policy cannot split them."""
    if not hidden:
        return
    from ml.campaign_access import scope_words
    from viz.i18n import t

    print(t("campaigns.regional.note", lang, scope=scope_words(model, engine, lang)))


def _show(args: argparse.Namespace) -> int:
    from ml import campaign_breakdowns as parts
    from ml.campaigns import campaign, daily_trend, measured_period, versus

    _, model, engine = governed_model(args)
    as_of = parse_date(args.as_of) if args.as_of else None
    found = campaign(model, engine, args.campaign_id, as_of)
    period = measured_period(model, engine, found.as_of)  # events up to the day measured on, like the KPIs
    funnel = parts.funnel(model, engine, found.campaign_id, period=period)
    sections = {"versus": versus(model, engine, found.campaign_id, as_of, args.roas_target), "funnel": funnel,
                "buyers": parts.buyers_brought(model, engine, found.campaign_id, as_of),
                "repeat": parts.repeat_purchase(model, engine, found.campaign_id, as_of),
                "channels": parts.channel_comparison(model, engine),
                "trend": daily_trend(model, engine, found.campaign_id)}
    if args.by:
        sections["funnel_by"] = parts.funnel(model, engine, found.campaign_id, args.by, period)
    from viz.i18n import t
    from viz.labels import value_text

    name = value_text(found.name, "campaign_name", model, args.lang)
    notes = parts.notes(found, int(funnel["customers"][0]), args.lang, name)
    if args.json:
        head = {"campaign_id": found.campaign_id, "name": found.name, "type": found.type, "channel": found.channel,
                "start": found.start, "end": found.end, "as_of": found.as_of, "status": found.status,
                "budget": found.budget, "pacing": found.pacing, "pacing_status": found.pacing_status,
                "figures": found.figures, "unavailable": list(found.unavailable)}
        emit({"campaign": head, "notes": notes, **{k: v.to_dicts() for k, v in sections.items()}})
        return 0
    kind, channel = (value_text(v, d, model, args.lang) for v, d in ((found.type, "campaign_type"),
                                                                    (found.channel, "channel")))
    print(f"{found.campaign_id} {name} — {kind}, {channel}, {found.start} – {found.end}, "
          f"{t(f'campaigns.status.{found.status}', args.lang)}")
    _regional_note(model, engine, found.unavailable, args.lang)
    for note in notes:
        print(f"  ! {note}")
    for name, frame in sections.items():
        show_frame(name, frame)
    return 0


def _attribution(args: argparse.Namespace) -> int:
    from ml.attribution import attribute
    from viz.i18n import t

    _, model, engine = governed_model(args)
    start, end = _dates(args)
    period = (start, end) if start and end else None
    if bool(start) != bool(end):
        raise InputError("Give both --from and --to (YYYY-MM-DD), or neither for the data's last 90 days.")
    result = attribute(model, engine, period, args.lookback, args.half_life, args.by)
    models = (args.rule,) if args.rule else ("last", "first", "linear", "decay")
    table = result.table.select(args.by, *models, *(f"{m}_{k}" for m in models for k in ("conversions", "value")))
    if args.json:
        emit({"by": args.by, "models": list(models), "period": list(result.period), "lookback_days": args.lookback,
              "half_life_days": args.half_life, "purchases": result.purchases, "attributed": result.attributed,
              "rows": table.to_dicts()})
        return 0
    show_frame(", ".join(t(f"campaigns.attribution.{m}", args.lang) for m in models), table.select(args.by, *models))
    print(t("campaigns.attribution.unattributed", args.lang, count=result.unattributed, total=result.purchases,
            days=args.lookback))
    return 0


def _ab(args: argparse.Namespace) -> int:
    from ml.abtest import Variant, compare

    variants = []
    for side in ("a", "b"):
        campaign_id, conv, size = getattr(args, side), getattr(args, f"{side}_conv"), getattr(args, f"{side}_n")
        if campaign_id and (conv is None and size is None):
            variants.append(_campaign_variant(args, campaign_id))
        elif campaign_id is None and conv is not None and size is not None:
            variants.append(Variant(side.upper(), conv, size))
        else:
            raise InputError(f"Give --{side} CAMPAIGN_ID, or both --{side}-conv and --{side}-n for variant "
                             f"{side.upper()}.")
    result = compare(variants[0], variants[1], args.confidence)
    if args.json:
        emit({"a": _variant_json(result.a, result.a_interval), "b": _variant_json(result.b, result.b_interval),
              "difference": result.difference, "difference_interval": list(result.difference_interval),
              "z": result.z, "p_value": result.p_value, "significant": result.significant, "lift": result.lift,
              "confidence": result.confidence, "verdict": result.verdict(args.lang)})
        return 0
    for variant, (low, high) in ((result.a, result.a_interval), (result.b, result.b_interval)):
        print(f"{variant.name}: {variant.conversions:,} / {variant.size:,} = {variant.rate:.2%} "
              f"[{low:.2%}, {high:.2%}]")
    low, high = result.difference_interval
    print(f"difference: {result.difference * 100:+.2f} points [{low * 100:+.2f}, {high * 100:+.2f}], "
          f"p = {result.p_value:.4f}")
    print(result.verdict(args.lang))
    return 0


def _campaign_variant(args: argparse.Namespace, campaign_id: str) -> Any:
    from ml.abtest import Variant
    from ml.campaign_breakdowns import conversion_counts
    from ml.campaigns import check_campaign, data_end, measured_period

    _, model, engine = governed_model(args)
    check_campaign(model, engine, campaign_id)
    as_of = parse_date(args.as_of) if args.as_of else data_end(model, engine)
    purchased, reached = conversion_counts(model, engine, campaign_id, measured_period(model, engine, as_of))
    return Variant(campaign_id, purchased, reached)


def _variant_json(variant: Any, interval: tuple[float, float]) -> dict[str, Any]:
    return {"name": variant.name, "conversions": variant.conversions, "size": variant.size, "rate": variant.rate,
            "interval": list(interval)}


def _sample_size(args: argparse.Namespace) -> int:
    from ml.abtest import sample_size

    size = sample_size(args.baseline, args.lift, args.alpha, args.power)
    if args.json:
        emit({"baseline": args.baseline, "lift": args.lift, "alpha": args.alpha, "power": args.power,
              "per_group": size})
    else:
        print(f"{size:,} people per group")
    return 0


def _anomalies(args: argparse.Namespace) -> int:
    from ml.anomaly import describe, find_anomalies
    from viz.i18n import t

    _, model, engine = governed_model(args)
    start, end = _dates(args)
    found = find_anomalies(model, engine, start, end)
    if args.json:
        emit({"anomalies": found.to_dicts()})
        return 0
    for row in found.iter_rows(named=True):
        print(f"[{row['level']}] {describe(row, model, args.lang)}")
    if found.is_empty():
        print(t("campaigns.anomaly.none", args.lang))
    return 0
