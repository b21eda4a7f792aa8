"""The demo brand's marketing side: calendar, festivals, campaigns, ad spend and funnels.

Split from `ingest.demo` so the *when* of the story (Chinese shopping festivals,
the Spring Festival lull, year-on-year growth) and the campaigns that ride on it
can be read and tuned in one place, apart from the *who* (customers) and the
*what* (orders). Days are numbered from 0 = 2024-01-01.

>>> len(DAYS), str(DAYS[0]), str(DAYS[-1])
(731, '2024-01-01', '2025-12-31')
>>> len(campaign_calendar()), campaign_calendar()[0].campaign_id
(40, 'CMP001')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FIRST_DAY = np.datetime64("2024-01-01", "D")
DAYS = np.arange(FIRST_DAY, np.datetime64("2026-01-01", "D"))
EPOCH_DAY = int(FIRST_DAY.astype(np.int64))  # date32 value of day 0

CHANNELS = ("Tmall", "JD", "Douyin", "WeChat Mini Program", "Official Site", "Offline Store")
CHANNEL_SHARE = np.array([0.32, 0.16, 0.22, 0.12, 0.08, 0.10])
# Channel-typical cost per click (CNY) and click-through rate of paid media.
CPC = np.array([1.9, 1.7, 0.9, 1.3, 2.4, 1.0])
CTR = np.array([0.025, 0.022, 0.012, 0.018, 0.031, 0.01])

SPRING_FESTIVAL = {2024: date(2024, 2, 10), 2025: date(2025, 1, 29)}
QIXI = {2024: date(2024, 8, 10), 2025: date(2025, 8, 29)}
WEEKDAY = np.array([0.93, 0.91, 0.94, 0.97, 1.04, 1.14, 1.12])  # Monday first
MONTH = np.array([0.97, 0.88, 1.0, 0.96, 1.0, 1.05, 0.93, 0.94, 0.98, 1.0, 1.05, 1.08])
YEARLY_GROWTH = 1.15

# Campaigns whose spend buys little: the review pages need something to flag.
POOR_ROAS = ("Spring Serum Launch 2024", "Golden Week Sale 2024", "Summer Retargeting Wave 2025")
# How much a campaign lifts its channel, and how many of the channel's orders it claims.
BOOST = {"Festival": 2.5, "Promotion": 1.8, "New Product": 1.7, "Membership": 4.0, "Retargeting": 1.8}
ATTRIBUTION = {"Festival": 0.8, "Promotion": 0.65, "New Product": 0.6, "Membership": 0.75, "Retargeting": 0.7}


@dataclass(frozen=True)
class Campaign:
    """One marketing campaign; `peak` is the day its spend and sales crest."""

    campaign_id: str
    name: str
    kind: str
    channel: str
    start: date
    end: date
    peak: date
    budget: float

    @property
    def days(self) -> tuple[int, int]:
        """First and last day number, inclusive."""
        return day_number(self.start), day_number(self.end)

    @property
    def boost(self) -> float:
        """Factor on its channel's demand while it runs."""
        return 1.05 if self.name in POOR_ROAS else BOOST[self.kind]

    @property
    def attribution(self) -> float:
        """Share of its channel's orders during its dates that it is credited with."""
        return 0.08 if self.name in POOR_ROAS else ATTRIBUTION[self.kind]


def day_number(when: date) -> int:
    """Day number of a date, 0 being 2024-01-01."""
    return int((np.datetime64(when, "D") - FIRST_DAY).astype(np.int64))


def dates(days: np.ndarray) -> pa.Array:
    """Arrow DATE values for day numbers."""
    return pa.array((np.asarray(days) + EPOCH_DAY).astype(np.int32), pa.date32())


def labels(names: tuple[str, ...] | list[str], idx: np.ndarray) -> pa.Array:
    """Strings for category codes; a negative code becomes NULL."""
    return pc.take(pa.array(names, pa.string()), pa.array(idx, pa.int64(), mask=idx < 0))


def _year_plan(y: int) -> list[tuple[str, str, str, date, date, date | None, int]]:
    """(name, type, channel, start, end, peak or None for launch day, budget) for one year."""
    sf, qixi, d = SPRING_FESTIVAL[y], QIXI[y], date
    sf_start, sf_eve = date.fromordinal(sf.toordinal() - 16), date.fromordinal(sf.toordinal() - 1)
    qixi_start = date.fromordinal(qixi.toordinal() - 7)
    wx, site = "WeChat Mini Program", "Official Site"
    return [
        ("Spring Festival Gala", "Festival", "Douyin", sf_start, sf_eve, sf_eve, 250_000),
        ("Women's Day", "Festival", "Tmall", d(y, 3, 1), d(y, 3, 8), d(y, 3, 8), 300_000),
        ("Spring Serum Launch", "New Product", site, d(y, 3, 18), d(y, 4, 7), None, 100_000),
        ("Member Day Spring", "Membership", wx, d(y, 4, 12), d(y, 4, 14), None, 50_000),
        ("Sunscreen Season Promotion", "Promotion", "JD", d(y, 4, 20), d(y, 5, 5), None, 120_000),
        ("520 Love Day", "Festival", "Douyin", d(y, 5, 13), d(y, 5, 20), d(y, 5, 20), 200_000),
        ("618 Mid-Year Sale", "Festival", "Tmall", d(y, 5, 25), d(y, 6, 20), d(y, 6, 18), 1_300_000),
        ("618 JD Carnival", "Festival", "JD", d(y, 5, 31), d(y, 6, 18), d(y, 6, 18), 450_000),
        ("Summer Retargeting Wave", "Retargeting", "Douyin", d(y, 7, 1), d(y, 7, 14), None, 70_000),
        ("Summer Body Care Promotion", "Promotion", site, d(y, 7, 15), d(y, 7, 31), None, 60_000),
        ("Qixi Festival", "Festival", wx, qixi_start, qixi, qixi, 100_000),
        ("Back to Campus", "Promotion", "JD", d(y, 9, 1), d(y, 9, 10), None, 60_000),
        ("Autumn Fragrance Launch", "New Product", "Tmall", d(y, 9, 15), d(y, 9, 30), None, 160_000),
        ("Golden Week Sale", "Promotion", "Douyin", d(y, 10, 1), d(y, 10, 7), None, 150_000),
        ("Double 11", "Festival", "Tmall", d(y, 10, 20), d(y, 11, 12), d(y, 11, 11), 1_600_000),
        ("Double 11 Douyin Live", "Festival", "Douyin", d(y, 10, 24), d(y, 11, 11), d(y, 11, 11), 550_000),
        ("Member Day Autumn", "Membership", wx, d(y, 11, 20), d(y, 11, 22), None, 50_000),
        ("Double 12", "Festival", "JD", d(y, 12, 5), d(y, 12, 12), d(y, 12, 12), 180_000),
        ("Year-End Retargeting Wave", "Retargeting", wx, d(y, 12, 14), d(y, 12, 28), None, 60_000),
        ("Winter Gift Sets Launch", "New Product", site, d(y, 12, 16), d(y, 12, 31), None, 70_000),
    ]


def campaign_calendar() -> list[Campaign]:
    """The 40 campaigns of 2024-2025, numbered CMP001.. in order of start date."""
    rows = []
    for y, growth in ((2024, 1.0), (2025, 1.1)):
        for name, kind, channel, start, end, peak, budget in _year_plan(y):
            rows.append((start, f"{name} {y}", kind, channel, end, peak or start, round(budget * growth, -3)))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [
        Campaign(f"CMP{i:03d}", name, kind, channel, start, end, peak, float(budget))
        for i, (start, name, kind, channel, end, peak, budget) in enumerate(rows, start=1)
    ]


def _bump(t: np.ndarray, center: date, height: float, width: float) -> np.ndarray:
    return height * np.exp(-0.5 * ((t - day_number(center)) / width) ** 2)


def _plateau(t: np.ndarray, lo: date, hi: date, height: float) -> np.ndarray:
    return np.where((t >= day_number(lo)) & (t <= day_number(hi)), height, 0.0)


def festival_lift(t: np.ndarray) -> np.ndarray:
    """Extra demand (0 on ordinary days) from the shopping festivals, per day number."""
    lift = np.zeros(len(t))
    for y in (2024, 2025):
        d = date
        lift += _plateau(t, d(y, 3, 1), d(y, 3, 8), 0.15) + _bump(t, d(y, 3, 8), 0.8, 1.0)
        lift += _bump(t, d(y, 5, 20), 0.6, 1.0) + _bump(t, QIXI[y], 0.5, 1.0)
        lift += _plateau(t, d(y, 5, 25), d(y, 6, 20), 0.45) + _bump(t, d(y, 6, 1), 0.8, 0.8)
        lift += _bump(t, d(y, 6, 18), 5.0, 1.2)
        lift += _plateau(t, d(y, 10, 20), d(y, 11, 12), 0.55) + _bump(t, d(y, 10, 31), 1.2, 0.8)
        lift += _bump(t, d(y, 11, 11), 8.0, 1.0)
        lift += _plateau(t, d(y, 12, 5), d(y, 12, 12), 0.15) + _bump(t, d(y, 12, 12), 1.2, 1.0)
    return lift


def spring_festival_dip(t: np.ndarray) -> np.ndarray:
    """Demand multiplier: couriers and shoppers go home for about two weeks."""
    dip = np.ones(len(t))
    for sf in SPRING_FESTIVAL.values():
        dip *= np.interp(t - day_number(sf), [-8, -5, 7, 10], [1.0, 0.45, 0.45, 1.0])
    return dip


def daily_intensity() -> np.ndarray:
    """Relative order demand per day before campaigns: week, season, festivals, growth."""
    t = np.arange(len(DAYS), dtype=np.float64)
    weekday = WEEKDAY[(DAYS.astype(np.int64) + 3) % 7]
    month = MONTH[DAYS.astype("datetime64[M]").astype(np.int64) % 12]
    growth = YEARLY_GROWTH ** ((t - 182.5) / 365.0)
    return weekday * month * growth * (1.0 + festival_lift(t)) * spring_festival_dip(t)


def discount_depth(t: np.ndarray) -> np.ndarray:
    """Typical discount rate per day: about 6 % normally, near 30 % on festival peaks."""
    lift = festival_lift(t)
    return 0.06 + 0.14 * np.minimum(1.0, lift / 0.4) + 0.08 * np.minimum(1.0, lift / 3.0)


def campaign_grid(campaigns: list[Campaign]) -> np.ndarray:
    """(day, channel) → index of the campaign running there, or -1; later starts win overlaps."""
    grid = np.full((len(DAYS), len(CHANNELS)), -1, dtype=np.int64)
    for i, c in enumerate(campaigns):
        lo, hi = c.days
        grid[lo : hi + 1, CHANNELS.index(c.channel)] = i
    return grid


def _spend_shape(rng: np.random.Generator, c: Campaign) -> np.ndarray:
    """Relative daily spend: cresting on the peak day, with day-to-day noise."""
    lo, hi = c.days
    t = np.arange(lo, hi + 1, dtype=np.float64)
    height, width = (6.0, 1.0) if c.kind == "Festival" else (1.5, 3.0)
    shape = 1.0 + _bump(t, c.peak, height, width)
    return shape * rng.lognormal(0.0, 0.1, len(t))


def _campaign_spend(rng: np.random.Generator, c: Campaign) -> dict[str, np.ndarray]:
    """Daily rows for one campaign; spend totals 88-107 % of budget."""
    shape = _spend_shape(rng, c)
    spend = np.round(c.budget * rng.uniform(0.88, 1.07) * shape / shape.sum(), 2)
    ch = CHANNELS.index(c.channel)
    cpc = CPC[ch] * (1.0 + 0.3 * (shape / shape.max())) * rng.lognormal(0.0, 0.1, len(spend))
    clicks = np.rint(spend / cpc).astype(np.int64)
    ctr = CTR[ch] * rng.lognormal(0.0, 0.12, len(spend))
    impressions = np.maximum(np.rint(clicks / ctr).astype(np.int64), clicks)
    lo, hi = c.days
    return {"day": np.arange(lo, hi + 1), "spend": spend, "clicks": clicks, "impressions": impressions}


def ad_spend_table(rng: np.random.Generator, campaigns: list[Campaign]) -> pa.Table:
    """One row per campaign per active day, ordered by campaign then date."""
    parts = [_campaign_spend(rng, c) for c in campaigns]
    sizes = [len(p["day"]) for p in parts]
    days = np.concatenate([p["day"] for p in parts])
    return pa.table(
        {
            "date": dates(days),
            "campaign_id": pa.array(np.repeat([c.campaign_id for c in campaigns], sizes), pa.string()),
            "channel": pa.array(np.repeat([c.channel for c in campaigns], sizes), pa.string()),
            "impressions": pa.array(np.concatenate([p["impressions"] for p in parts]), pa.int64()),
            "clicks": pa.array(np.concatenate([p["clicks"] for p in parts]), pa.int64()),
            "spend": pa.array(np.concatenate([p["spend"] for p in parts]), pa.float64()),
        }
    )


# --- campaign funnels ----------------------------------------------------------------------

DAY_SECONDS = 86_400
EVENT_TYPES = ("reach", "click", "visit", "add_to_cart", "purchase")
# Mean seconds from each funnel step to the next: reach→click takes days, the rest minutes.
FUNNEL_GAP = np.array([2.0 * DAY_SECONDS, 90.0, 900.0, 2400.0])


@dataclass(frozen=True)
class Audience:
    """Customers (ascending signup day) and the completed orders each campaign won."""

    signup: np.ndarray
    ids: pa.Array
    buyer: np.ndarray  # customer index of each completed, attributed order
    buyer_day: np.ndarray
    buyer_campaign: np.ndarray


def _first_purchases(aud: Audience) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First completed order per (campaign, customer), sorted by campaign: it carries the purchase event."""
    order = np.lexsort((aud.buyer_day, aud.buyer, aud.buyer_campaign))
    camp, cust, day = aud.buyer_campaign[order], aud.buyer[order], aud.buyer_day[order]
    first = np.ones(len(camp), dtype=bool)
    first[1:] = (camp[1:] != camp[:-1]) | (cust[1:] != cust[:-1])
    return camp[first], cust[first], day[first]


def _funnel_sizes(reach: int, buyers: int) -> np.ndarray:
    """Customers left at each step; wide enough above the buyers for believable rates."""
    click = min(reach, max(round(0.25 * reach), round(buyers / 0.35)))
    visit = min(click, max(round(0.6 * click), round(buyers / 0.5)))
    cart = min(visit, max(round(0.45 * visit), round(buyers / 0.7)))
    return np.array([reach, click, visit, cart, buyers])


def _members(
    rng: np.random.Generator, c: Campaign, signup: np.ndarray, buyers: np.ndarray, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Reached customers (buyers first) and how many funnel steps each took."""
    eligible = int(np.searchsorted(signup, c.days[1], side="right"))
    target = round(scale * (2000 + 0.004 * c.budget))
    sizes = _funnel_sizes(min(eligible, max(target, 4 * len(buyers))), len(buyers))
    pool = np.ones(eligible, dtype=bool)
    pool[buyers] = False
    others = rng.choice(np.flatnonzero(pool), size=sizes[0] - sizes[4], replace=False)
    steps = np.repeat([5, 4, 3, 2, 1], np.diff(sizes[::-1], prepend=0))
    return np.concatenate([buyers, others]).astype(np.int64), steps


def _anchors(rng: np.random.Generator, c: Campaign, buyer_days: np.ndarray, others: int) -> np.ndarray:
    """Second of each member's deepest step: the order day for buyers, any campaign moment otherwise."""
    lo, hi = c.days
    bought = (buyer_days + EPOCH_DAY) * DAY_SECONDS + rng.integers(600, DAY_SECONDS, len(buyer_days))
    other = rng.integers((lo + EPOCH_DAY) * DAY_SECONDS + 600, (hi + 1 + EPOCH_DAY) * DAY_SECONDS, others)
    return np.concatenate([bought, other]).astype(np.int64)


def _step_times(rng: np.random.Generator, anchor: np.ndarray, steps: np.ndarray, start: int) -> np.ndarray:
    """(n, 5) seconds per step, strictly increasing, squeezed so the first is after `start`."""
    taken = np.arange(4) < (steps - 1)[:, None]
    gaps = rng.exponential(FUNNEL_GAP, (len(anchor), 4)) * taken
    squeeze = np.minimum(1.0, (anchor - start - 4) / np.maximum(gaps.sum(axis=1), 1.0))
    gaps = np.floor(gaps * squeeze[:, None]) + taken  # each taken gap at least one second
    before = np.cumsum(gaps[:, ::-1], axis=1)[:, ::-1].astype(np.int64)  # seconds to the deepest step
    return anchor[:, None] - np.concatenate([before, np.zeros((len(anchor), 1), np.int64)], axis=1)


def _campaign_rows(
    rng: np.random.Generator,
    c: Campaign,
    signup: np.ndarray,
    buyers: tuple[np.ndarray, np.ndarray],
    scale: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer, step, second) of every event of one campaign."""
    members, steps = _members(rng, c, signup, buyers[0], scale)
    anchor = _anchors(rng, c, buyers[1], len(members) - len(buyers[0]))
    times = _step_times(rng, anchor, steps, (c.days[0] + EPOCH_DAY) * DAY_SECONDS)
    row, step = np.nonzero(np.arange(5) < steps[:, None])
    return members[row], step, times[row, step]


def campaign_events_table(
    rng: np.random.Generator, campaigns: list[Campaign], aud: Audience, scale: float
) -> pa.Table:
    """Reach → click → visit → add_to_cart → purchase per campaign; ids follow event time."""
    camp, cust, day = _first_purchases(aud)
    bounds = np.searchsorted(camp, np.arange(len(campaigns) + 1))
    parts = [
        _campaign_rows(rng, c, aud.signup, (cust[a:b], day[a:b]), scale)
        for c, a, b in zip(campaigns, bounds[:-1], bounds[1:], strict=True)
    ]
    which = np.repeat(np.arange(len(campaigns)), [len(p[0]) for p in parts])
    member, step, second = (np.concatenate(col) for col in zip(*parts, strict=True))
    order = np.lexsort((step, member, which, second))
    return pa.table(
        {
            "event_id": pa.array(np.arange(1, len(order) + 1), pa.int64()),
            "campaign_id": labels([c.campaign_id for c in campaigns], which[order]),
            "customer_id": pc.take(aud.ids, pa.array(member[order])),
            "event_type": labels(EVENT_TYPES, step[order]),
            "event_time": pa.array(second[order] * 1_000_000, pa.timestamp("us")),
        }
    )
