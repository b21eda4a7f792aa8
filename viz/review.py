"""The automatic campaign review (复盘): a frozen structure of sections, ready for Markdown, HTML or PDF.

`build_review` gathers the campaign's figures from the campaign core
(`ml.review_data`), finds what worked and what did not and what to do next
(`ml.review_findings`), and writes it all in English or Chinese. Renderers
(`viz.report_md`, `viz.report_html`, `viz.report_pdf`) only lay the sections
out, so the three formats say the same thing. A campaign without spend, events
or orders yet gets sentences that say so instead of empty tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from errors import InputError
from ml import review_findings as findings
from ml.anomaly import describe
from ml.campaign_breakdowns import notes
from ml.review_data import ReviewData, gather
from ml.review_findings import Recommendation
from semantic.engine import Engine
from semantic.model import SemanticModel
from viz.format import format_date
from viz.i18n import LANGUAGES, t
from viz.review_figures import channel_figure, funnel_figure, segment_figure, trend_figure
from viz.review_words import Words, deviation_text, recommendation_text
from workspace import clock


@dataclass(frozen=True)
class Table:
    """Column headers and rows of text, already formatted for the reader."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    """One part of the review: sentences, bullet points, a table and a chart, each optional; `data` holds the
    raw figures behind the table."""

    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    table: Table | None = None
    figure: go.Figure | None = None
    data: pl.DataFrame | None = None


@dataclass(frozen=True)
class Review:
    """A campaign review in one language."""

    campaign_id: str
    campaign_name: str
    lang: str
    as_of: dt.date
    title: str
    subtitle: str
    generated: str
    notes: tuple[str, ...]
    sections: tuple[Section, ...]
    recommendations: tuple[Recommendation, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections)


def check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise InputError(t("review.errors.lang", "en", code=lang))


def build_review(model: SemanticModel, engine: Engine, campaign_id: str, lang: str = "en",
                 as_of: dt.date | None = None, now: dt.datetime | None = None, home: Path | None = None) -> Review:
    """The review of one campaign to `as_of` (default: the data's last day); unknown ids get did-you-mean.
    `home` is the workspace whose clock dates the review (default: the app's)."""
    check_lang(lang)
    data = gather(model, engine, campaign_id, as_of)
    words, found = Words(model, lang), data.campaign
    advice = recommendations(data)
    sections = (_summary(data, words), *(_sections(data, words, advice) if data.started else ()))
    subtitle = words.t("subtitle", type=words.segment(found.type, "campaign_type"),
                       channel=words.segment(found.channel, "channel"), start=format_date(found.start, lang),
                       end=format_date(found.end, lang), status=t(f"campaigns.status.{found.status}", lang),
                       as_of=format_date(found.as_of, lang))
    name = words.campaign(found.name)
    return Review(found.campaign_id, name, lang, found.as_of, words.t("title", campaign=name), subtitle,
                  generated(words, now, home),
                  tuple(notes(found, data.reached, lang, name)) if data.started else (), sections, tuple(advice))


def generated(words: Words, now: dt.datetime | None = None, home: Path | None = None) -> str:
    """The footer: when, on the workspace's clock with its zone named, and the model by its label."""
    moment = clock.local(clock.now(now), home)
    minutes = int((moment.utcoffset() or dt.timedelta()).total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    offset = f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")
    return words.t("generated", when=moment.strftime("%Y-%m-%d %H:%M"), zone=f"{moment.tzinfo}, {offset}",
                   model=words.model.label(words.lang))


def _sections(data: ReviewData, words: Words, advice: list[Recommendation]) -> tuple[Section, ...]:
    """The conclusions first (what worked, what did not, what to do), then the figures they come from."""
    good, bad = findings.worked_and_not(deviations(data))
    trend = trend_figure(data.trend, words.model, words.lang)
    return (Section("worked", words.t("sections.worked"),
                    bullets=tuple(deviation_text(d, words) for d in good) or (words.t("deviation.none_good"),)),
            Section("did_not", words.t("sections.did_not"),
                    bullets=tuple(deviation_text(d, words) for d in bad) or (words.t("deviation.none_bad"),)),
            Section("recommendations", words.t("sections.recommendations"),
                    bullets=tuple(recommendation_text(a, words) for a in advice) or (words.t("recommend.none"),)),
            Section("trend", words.t("sections.trend"), _trend_lines(data.trend, words) if trend is not None else
                    (words.t("trend.none"),), figure=trend, data=data.trend),
            _funnel(data, words), *(_segments(data, by, words) for by in data.segments), _channels(data, words),
            _buyers(data, words), _anomalies(data, words))


def _trend_lines(trend: pl.DataFrame, words: Words) -> tuple[str, ...]:
    best = trend.sort("campaign_revenue", descending=True, nulls_last=True).row(0, named=True)
    return (words.t("trend.text", days=words.plural("day_count", trend.height),
                    day=format_date(best["day"], words.lang),
                    revenue=words.money(best["campaign_revenue"]), spend=words.money(best["spend"]),
                    roas=words.ratio(best["roas"])),)


def deviations(data: ReviewData) -> list[findings.Deviation]:
    """Every candidate finding: KPIs vs comparables, segments vs the campaign, funnel steps vs comparables."""
    overall = data.campaign.figures.get("conversion_rate")
    found = findings.kpi_deviations(data.versus) + findings.step_deviations(data.steps, data.peer_steps)
    for by, frame in data.segments.items():
        found += findings.segment_deviations(frame, by, overall)
    return found


def recommendations(data: ReviewData) -> list[Recommendation]:
    """The actions the numbers support, most money first."""
    if not data.started:
        return []
    by = next(iter(data.segment_funnels), None)
    spent = bool(data.campaign.figures.get("spend"))
    found = [findings.loss(data.campaign.figures), findings.budget_shift(data.own_channels) if spent else None,
             findings.new_channel(data.own_channels, data.channels, data.others) if spent else None,
             findings.funnel_fix(data.steps, data.peer_steps, data.segment_funnels.get(by) if by else None, by),
             findings.retarget_new(data.buyers, data.repeat)]
    return [f for f in found if f is not None]


def _summary(data: ReviewData, words: Words) -> Section:
    found, f = data.campaign, data.campaign.figures
    title = words.t("sections.summary")
    if not data.started:
        return Section("summary", title, (words.t("summary.planned", campaign=words.campaign(found.name),
                                                  start=format_date(found.start, words.lang)),))
    money = {"spend": words.money(f["spend"]), "revenue": words.money(f["campaign_revenue"]),
             "roas": words.ratio(f["roas"]), "roi": words.pct(f["roi"])}
    spent = words.t("summary.spent", campaign=words.campaign(found.name), budget=words.money(found.budget),
                    share=words.pct(f["spend"] / found.budget), **money) if found.budget else \
        words.t("summary.no_budget", campaign=words.campaign(found.name), **money)
    lines = [spent, words.t("summary.orders", orders=words.count(f["orders"]), buyers=words.count(f["buyers"]),
                            conversion=words.pct(f["conversion_rate"]))]
    if found.status == "running":
        lines.append(words.t("summary.running", elapsed=words.pct(found.elapsed),
                             as_of=format_date(found.as_of, words.lang)))
    lines.append(_versus_line(data, words))
    return Section("summary", title, tuple(lines), table=_versus_table(data.versus, words), data=data.versus)


MAX_PEERS = 3  # comparable campaigns named in the summary; the rest are counted


def _versus_line(data: ReviewData, words: Words) -> str:
    if not data.peers:
        return words.t("summary.no_peers")
    rows = {r["metric"]: r for r in data.versus.iter_rows(named=True)}
    change = {m: words.gap(r["value"], r["comparable"], r["format"], r["vs_comparable"]) for m, r in rows.items()}
    sep = "、" if words.lang == "zh" else ", "
    names = [words.campaign(p) for p in data.peers.values()]
    peers = sep.join(names) if len(names) <= MAX_PEERS else words.t(
        "summary.more_peers", names=sep.join(names[:MAX_PEERS]), count=len(names) - MAX_PEERS, total=len(names))
    basis = t(f"campaigns.basis_inline.{data.basis}", words.lang)
    return words.t("summary.versus", peers=peers, basis=basis, revenue=change["campaign_revenue"],
                   roas=change["roas"], conversion=change["conversion_rate"])


def _versus_table(versus: pl.DataFrame, words: Words) -> Table:
    columns = tuple(words.t(f"columns.{c}") for c in ("metric", "value", "target", "vs_target", "comparable",
                                                      "vs_comparable"))
    rows = tuple((words.metric(r["metric"]), words.value(r["value"], r["metric"]),
                  words.value(r["target"], r["metric"]),
                  words.gap(r["value"], r["target"], r["format"], r["vs_target"]),
                  words.value(r["comparable"], r["metric"]),
                  words.gap(r["value"], r["comparable"], r["format"], r["vs_comparable"]))
                 for r in versus.iter_rows(named=True))
    return Table(columns, rows)


def _funnel(data: ReviewData, words: Words) -> Section:
    title, steps = words.t("sections.funnel"), data.steps
    if not data.reached:
        return Section("funnel", title, (words.t("funnel.none"),), data=steps)
    worst = steps.filter(pl.col("drop_off").is_not_null()).sort("drop_off", descending=True).row(0, named=True)
    lines = [words.t("funnel.text", reached=words.count(data.reached), purchased=words.count(steps["customers"][-1]),
                     overall=words.pct(steps["overall_conversion"][-1]),
                     previous=words.step(steps["event_type"][worst["step"] - 2]), step=words.step(worst["event_type"]),
                     drop=words.pct(worst["drop_off"]))]
    peer = dict(zip(data.peer_steps["event_type"], data.peer_steps["step_conversion"], strict=True)) \
        if data.peer_steps is not None else {}
    if data.peer_steps is not None:
        lines.append(words.t("funnel.versus", peer=words.pct(data.peer_steps["overall_conversion"][-1])))
    columns = ("step", "customers", "step_conversion", "drop_off", "overall_conversion", "peer_conversion")
    rows = tuple((words.step(r["event_type"]), words.count(r["customers"]), words.pct(r["step_conversion"]),
                  words.pct(r["drop_off"]), words.pct(r["overall_conversion"]), words.pct(peer.get(r["event_type"])))
                 for r in steps.iter_rows(named=True))
    names = {s: words.step(s) for s in steps["event_type"]}
    return Section("funnel", title, tuple(lines), table=Table(tuple(words.t(f"columns.{c}") for c in columns), rows),
                   figure=funnel_figure(steps, words.model, words.lang, names), data=steps)


def _segments(data: ReviewData, by: str, words: Words) -> Section:
    frame, label, named = data.segments[by], words.dimension(by), words.dimension_in_text(by)
    title = f"{words.t('sections.segments')} · {label}"
    usable = frame.filter((pl.col("reached") >= findings.MIN_REACH) & pl.col("conversion_rate").is_not_null())
    if usable.is_empty():
        return Section(f"segments_{by}", title, (words.t("segments.none", dimension=named, min=findings.MIN_REACH),),
                       data=frame)
    ranked = usable.sort("conversion_rate", descending=True)
    line = words.t("segments.text", dimension=named, best=words.segment(ranked[by][0], by),
                   best_rate=words.pct(ranked["conversion_rate"][0]), worst=words.segment(ranked[by][-1], by),
                   worst_rate=words.pct(ranked["conversion_rate"][-1]),
                   overall=words.pct(data.campaign.figures.get("conversion_rate")))
    columns = (label, words.t("columns.reached"), *(words.metric(m) for m in ("conversion_rate", "campaign_revenue",
                                                                           "buyers")))
    rows = tuple((words.segment(r[by], by), words.count(r["reached"]), words.pct(r["conversion_rate"]),
                  words.value(r["campaign_revenue"], "campaign_revenue"), words.count(r["buyers"]))
                 for r in frame.iter_rows(named=True))
    return Section(f"segments_{by}", title, (line,), table=Table(columns, rows),
                   figure=segment_figure(frame, by, words.model, words.lang), data=frame)


def _channels(data: ReviewData, words: Words) -> Section:
    title, frame, period = words.t("sections.channels"), data.channels, data.period
    dates = {"start": format_date(period.start, words.lang), "end": format_date(period.end, words.lang)}
    spent = frame.filter((pl.col("spend") > 0) & pl.col("roas").is_not_null()).sort("roas", descending=True)
    if spent.is_empty():
        return Section("channels", title, (words.t("channels.none"),), data=frame)
    if spent.height == 1:
        line = words.t("channels.one", channel=words.segment(spent["channel"][0], "channel"),
                       roas=words.ratio(spent["roas"][0]), **dates)
    else:
        line = words.t("channels.text", count=spent.height, best=words.segment(spent["channel"][0], "channel"),
                       best_roas=words.ratio(spent["roas"][0]), worst=words.segment(spent["channel"][-1], "channel"),
                       worst_roas=words.ratio(spent["roas"][-1]), **dates)
    lines = (line, *_own_channels(data, words))
    metrics = ("spend", "campaign_revenue", "roas", "cpc", "ctr", "conversion_rate")
    columns = (words.dimension("channel"), *(words.metric(m) for m in metrics),
               *(words.t(f"columns.{c}") for c in ("cost_per_new_buyer", "budget_share", "revenue_share")))
    rows = tuple((words.segment(r["channel"], "channel"), *(words.value(r[m], m) for m in metrics),
                  words.money(r["cost_per_new_buyer"]), words.pct(r["budget_share"]), words.pct(r["revenue_share"]))
                 for r in frame.iter_rows(named=True))
    return Section("channels", title, lines, table=Table(columns, rows),
                   figure=channel_figure(frame, words.model, words.lang), data=frame)


def _own_channels(data: ReviewData, words: Words) -> tuple[str, ...]:
    """Which rows of the channel table are this campaign's, when others ran beside it."""
    own = data.own_channels["channel"].to_list() if data.own_channels.height else []
    if not own or set(data.channels["channel"]) <= set(own):
        return ()
    sep = "、" if words.lang == "zh" else ", "
    return (words.t("channels.own", campaign=words.campaign(data.campaign.name),
                    channels=sep.join(words.segment(c, "channel") for c in own)),)


def _buyers(data: ReviewData, words: Words) -> Section:
    title, counts = words.t("sections.buyers"), dict(zip(data.buyers["buyer_type"], data.buyers["buyers"],
                                                         strict=True))
    if not sum(counts.values()):
        return Section("buyers", title, (words.t("buyers.none"),), data=data.repeat)
    share = data.buyers.filter(pl.col("buyer_type") == "new")["share"][0]
    lines = [words.t("buyers.text", new=words.count(counts["new"]), new_share=words.pct(share),
                     returning=words.count(counts["returning"]))]
    rates = {(r["buyer_type"], r["window_days"]): r for r in data.repeat.iter_rows(named=True)}
    first = min(d for _, d in rates)
    if rates[("all", first)]["eligible"]:
        lines.append(words.t("buyers.repeat", days=first, new_rate=words.pct(rates[("new", first)]["repeat_rate"]),
                             returning_rate=words.pct(rates[("returning", first)]["repeat_rate"])))
    else:
        lines.append(words.t("buyers.too_soon", days=first))
    columns = (words.t("columns.buyer_type"), words.t("columns.window"), words.t("columns.eligible"),
               words.t("columns.repeat_rate"))
    followed = data.repeat.filter(pl.col("eligible") > 0)  # a window no buyer has lived through says nothing
    rows = tuple((t(f"campaigns.buyer_type.{r['buyer_type']}", words.lang),
                  words.t("window_days", days=r["window_days"]), words.count(r["eligible"]),
                  words.pct(r["repeat_rate"])) for r in followed.iter_rows(named=True))
    return Section("buyers", title, tuple(lines), table=Table(columns, rows) if rows else None, data=data.repeat)


MAX_ANOMALIES = 8


def _anomalies(data: ReviewData, words: Words) -> Section:
    title, found = words.t("sections.anomalies"), data.anomalies
    if found.is_empty():
        return Section("anomalies", title, (words.t("anomalies.none"),), data=found)
    biggest = found.with_columns(size=pl.col("change").abs()).sort("size", descending=True, nulls_last=True)
    shown = biggest.head(MAX_ANOMALIES).sort("day")
    bullets = [describe(r, words.model, words.lang) for r in shown.iter_rows(named=True)]
    if found.height > MAX_ANOMALIES:
        bullets.append(words.t("anomalies.more", count=found.height - MAX_ANOMALIES))
    return Section("anomalies", title, bullets=tuple(bullets), data=found)
