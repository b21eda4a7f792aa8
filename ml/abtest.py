"""Two-proportion A/B statistics: is B's conversion really different from A's, and how many people to ask.

Marketers compare two campaigns or two variants by their conversion; the
question is always whether the gap is larger than chance would make it. This
module gives each variant's rate with a Wilson interval, the difference with a
normal (unpooled) interval, the pooled two-proportion z-test's p-value, a
plain-language verdict in English or Chinese, and the sample size per group
needed to see a chosen lift.

>>> result = compare(Variant("A", 200, 1000), Variant("B", 250, 1000))
>>> round(result.difference, 3), round(result.p_value, 4)
(0.05, 0.0074)
>>> sample_size(0.10, 0.02)
3841
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

from errors import InputError
from viz.i18n import keyed_error, t


@dataclass(frozen=True)
class Variant:
    """A group: its name, conversions and people exposed."""

    name: str
    conversions: int
    size: int

    def __post_init__(self) -> None:
        if self.size <= 0:
            raise keyed_error(InputError, "errors.abtest.no_people", variant=self.name, size=self.size)
        if not 0 <= self.conversions <= self.size:
            raise keyed_error(InputError, "errors.abtest.conversions", variant=self.name,
                              conversions=self.conversions, size=self.size)

    @property
    def rate(self) -> float:
        return self.conversions / self.size


@dataclass(frozen=True)
class ABResult:
    a: Variant
    b: Variant
    confidence: float
    a_interval: tuple[float, float]
    b_interval: tuple[float, float]
    difference: float  # b − a, in proportion points
    difference_interval: tuple[float, float]
    z: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < 1 - self.confidence

    @property
    def lift(self) -> float | None:
        """Relative change of B over A; None when A converts nobody."""
        return self.difference / self.a.rate if self.a.rate else None

    def verdict(self, lang: str = "en") -> str:
        return verdict(self, lang)


def wilson_interval(conversions: int, size: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion; well behaved at 0 % and 100 % unlike the normal one."""
    z = float(norm.ppf(0.5 + confidence / 2))
    p = conversions / size
    centre = (p + z * z / (2 * size)) / (1 + z * z / size)
    half = z * math.sqrt(p * (1 - p) / size + z * z / (4 * size * size)) / (1 + z * z / size)
    return max(0.0, centre - half), min(1.0, centre + half)


def compare(a: Variant, b: Variant, confidence: float = 0.95) -> ABResult:
    """Two-sided pooled z-test of equal conversion, with intervals at `confidence`."""
    _check_level("confidence", confidence)
    pooled = (a.conversions + b.conversions) / (a.size + b.size)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / a.size + 1 / b.size))
    difference = b.rate - a.rate
    z = difference / se_pooled if se_pooled else 0.0
    p_value = float(2 * norm.sf(abs(z))) if se_pooled else 1.0
    se = math.sqrt(a.rate * (1 - a.rate) / a.size + b.rate * (1 - b.rate) / b.size)
    margin = float(norm.ppf(0.5 + confidence / 2)) * se
    return ABResult(a, b, confidence, wilson_interval(a.conversions, a.size, confidence),
                    wilson_interval(b.conversions, b.size, confidence), difference,
                    (difference - margin, difference + margin), z, p_value)


def sample_size(baseline: float, lift: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """People per group to detect `baseline` → `baseline + lift` (absolute) with a two-sided test.

    The classic formula (Fleiss, without continuity correction).
    """
    _check_level("baseline conversion", baseline)
    _check_level("alpha", alpha)
    _check_level("power", power)
    target = baseline + lift
    if lift == 0 or not 0 < target < 1:
        raise keyed_error(InputError, "errors.abtest.lift", lift=f"{lift:g}", baseline=f"{baseline:g}",
                          target=f"{target:g}")
    mean = (baseline + target) / 2
    za, zb = float(norm.ppf(1 - alpha / 2)), float(norm.ppf(power))
    spread = za * math.sqrt(2 * mean * (1 - mean)) + zb * math.sqrt(baseline * (1 - baseline) + target * (1 - target))
    return math.ceil(spread**2 / lift**2)


def _check_level(what: str, value: float) -> None:
    if not 0 < value < 1:
        raise keyed_error(InputError, "errors.abtest.level", what_key=f"errors.abtest.what.{what.replace(' ', '_')}",
                          value=f"{value:g}")


def verdict(result: ABResult, lang: str = "en") -> str:
    """'B converts 1.8 points better; this is unlikely to be chance, p = 0.003' (or the not-significant wording)."""
    points = abs(result.difference) * 100
    better, worse = (result.b, result.a) if result.difference >= 0 else (result.a, result.b)
    values = {"better": better.name, "worse": worse.name, "points": f"{points:.1f}", "p": _p_text(result.p_value),
              "level": f"{result.confidence * 100:g}"}
    if points < 0.05:
        return t("campaigns.ab.same", lang, **values)
    key = "campaigns.ab.significant" if result.significant else "campaigns.ab.not_significant"
    return t(key, lang, **values)


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
