"""The review's findings and recommendations in words, every number written by `viz.format` (万/亿 in Chinese).

>>> from semantic.model import load_model
>>> from workspace.home import DEMO_MODEL
>>> words = Words(load_model(DEMO_MODEL), "zh")
>>> words.value(2048208.52, "campaign_revenue"), words.segment("Gold", "member_tier"), words.step("add_to_cart")
('¥204.82万', '金卡', '加购')
"""

from __future__ import annotations

from dataclasses import dataclass

from ml.review_findings import Deviation, Recommendation
from semantic.model import SemanticModel
from viz.format import MISSING, format_change, format_points, format_value
from viz.i18n import t
from viz.labels import cell_text, value_text


@dataclass(frozen=True)
class Words:
    """Labels and numbers in one language, as the model names and formats them."""

    model: SemanticModel
    lang: str

    def t(self, key: str, **values: object) -> str:
        return t(f"review.{key}", self.lang, **values)

    def plural(self, key: str, count: int) -> str:
        """`review.<key>.one` for one, `.other` otherwise: '1 day', '16 days' (Chinese says both alike)."""
        return self.t(f"{key}.{'one' if count == 1 else 'other'}", count=self.count(count))

    def value(self, value: object, metric: str) -> str:
        """A metric's value in the metric's own format (¥1.26M, 1.62, 25%)."""
        definition = self.model.metrics[metric]
        return format_value(value, definition.format, self.lang, self.model.currency)  # type: ignore[arg-type]

    def money(self, value: object) -> str:
        return format_value(value, "currency", self.lang, self.model.currency)  # type: ignore[arg-type]

    def count(self, value: object) -> str:
        return format_value(value, "integer", self.lang, full=True)  # type: ignore[arg-type]

    def pct(self, value: object) -> str:
        return format_value(value, "percent", self.lang)  # type: ignore[arg-type]

    def ratio(self, value: object) -> str:
        return format_value(value, "ratio", self.lang)  # type: ignore[arg-type]

    def change(self, value: float | None) -> str:
        return format_change(value, self.lang)

    def gap(self, value: float | None, base: float | None, fmt: str, relative: float | None = None) -> str:
        """`gap` in this language; the relative change is worked out when not given."""
        if relative is None and value is not None and base:
            relative = (value - base) / abs(base)
        return gap(value, base, relative, fmt, self.lang)

    def metric(self, name: str) -> str:
        return self.model.metrics[name].label(self.lang)

    def dimension(self, name: str) -> str:
        return self.model.dimensions[name].label(self.lang)

    def dimension_in_text(self, name: str) -> str:
        """The label inside a sentence: 'member tier' in English (an acronym such as 'RFM' keeps its case)."""
        label = self.dimension(name)
        return label[:1].lower() + label[1:] if label[1:2].islower() else label

    def segment(self, value: object, by: str) -> str:
        return cell_text(value, by, self.model, self.lang)

    def campaign(self, name: str) -> str:
        """A campaign's name as the reader calls it: '2025 618 年中大促' for '618 Mid-Year Sale 2025'."""
        return value_text(name, "campaign_name", self.model, self.lang)

    def step(self, event_type: str) -> str:
        return t(f"campaigns.step.{event_type}", self.lang)


def gap(value: float | None, base: float | None, relative: float | None, fmt: str, lang: str) -> str:
    """How far a value is from its base, as the campaign page and the review both write it: in points for a
    rate (ROI −2.87% vs 0.52% is −3.4 pts; its relative change, −651%, means nothing), else ±%.

    >>> gap(-0.0287, 0.0052, None, "percent", "en"), gap(0.0302, 0.0317, None, "percent", "zh")
    ('-3.4 pts', '-0.15 个百分点')
    """
    if fmt != "percent":
        return format_change(relative, lang)
    if value is None or base is None:
        return MISSING
    return t("campaigns.vs_points", lang, points=format_points(value, base))


def deviation_text(found: Deviation, words: Words) -> str:
    """One finding: the figure, its base and the difference (signed as measured, not as judged): in points for
    a rate, relative for an amount."""
    if found.kind == "kpi":
        fmt = words.model.metrics[found.metric].format
        return words.t("deviation.kpi", metric=words.metric(found.metric), value=words.value(found.value, found.metric),
                       base=words.value(found.base, found.metric), change=words.gap(found.value, found.base, fmt))
    change = words.gap(found.value, found.base, "percent")
    if found.kind == "segment":
        return words.t("deviation.segment", dimension=words.dimension_in_text(found.scope),
                       name=words.segment(found.name, found.scope), value=words.pct(found.value),
                       base=words.pct(found.base), change=change)
    return words.t("deviation.step", name=words.step(found.name), value=words.pct(found.value),
                   base=words.pct(found.base), change=change)


def recommendation_text(advice: Recommendation, words: Words) -> str:
    """One recommendation with the figures it rests on."""
    n = advice.numbers
    if advice.kind == "budget_shift":
        return words.t("recommend.budget_shift", from_channel=words.segment(n["from"], "channel"),
                       to_channel=words.segment(n["to"], "channel"), from_roas=words.ratio(n["from_roas"]),
                       to_roas=words.ratio(n["to_roas"]), amount=words.money(n["amount"]),
                       gain=words.money(n["gain"]))
    if advice.kind == "new_channel":
        sep = "、" if words.lang == "zh" else ", "
        return words.t("recommend.new_channel", channel=words.segment(n["channel"], "channel"),
                       roas=words.ratio(n["roas"]), own=words.segment(n["own"], "channel"),
                       own_roas=words.ratio(n["own_roas"]), campaigns=sep.join(map(words.campaign, n["campaigns"])))  # type: ignore[arg-type]
    if advice.kind == "funnel_fix":
        return _funnel_fix(n, words)
    if advice.kind == "retarget_new":
        return words.t("recommend.retarget_new", waiting=words.count(n["waiting"]),
                       new_buyers=words.count(n["new_buyers"]), days=n["days"], repeat_rate=words.pct(n["repeat_rate"]),
                       returning_rate=words.pct(n["returning_rate"]))
    if advice.kind == "no_new_buyers":
        return words.t("recommend.no_new_buyers", buyers=words.count(n["buyers"]))
    return words.t("recommend.loss", roas=words.ratio(n["roas"]), loss=words.money(n["loss"]),
                   spend=words.money(n["spend"]))


def _funnel_fix(n: dict[str, object], words: Words) -> str:
    values = {"previous": words.step(str(n["previous"])), "step": words.step(str(n["step"])),
              "conversion": words.pct(n["conversion"]), "lost": words.count(n["lost"])}
    if n.get("peer_conversion") is not None:
        text = words.t("recommend.funnel_fix", peer=words.pct(n["peer_conversion"]), **values)
    else:
        text = words.t("recommend.funnel_fix_own", **values)
    if "segment" not in n:
        return text
    space = "" if words.lang == "zh" else " "
    return text + space + words.t("recommend.funnel_segment", dimension=words.dimension_in_text(str(n["segment_by"])),
                                  segment=words.segment(n["segment"], str(n["segment_by"])),
                                  segment_conversion=words.pct(n["segment_conversion"]))
