"""The deterministic demo warehouse: a fictional Chinese beauty brand, 2024-2025.

Beacon needs data a marketer recognises before anyone uploads a file: festival
spikes, a Spring Festival lull, loyal and lapsing customers, campaigns that pay
and some that do not. Everything is drawn from one seeded numpy generator, so a
seed always gives the same tables (tests and screenshots stay stable), and the
whole build is vectorised so `scale` can produce 10x or 100x warehouses for
benchmarks. The calendar side (festivals, campaigns, ad spend) lives in
`ingest.demo_marketing`.

>>> counts = build_demo(Path("workspace/warehouse.duckdb"))  # doctest: +SKIP
>>> counts["campaigns"]  # doctest: +SKIP
40
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from errors import InputError, WarehouseError
from ingest.catalog import CatalogEntry, ColumnInfo, record
from ingest.demo_marketing import (
    CHANNEL_SHARE,
    CHANNELS,
    DAYS,
    YEARLY_GROWTH,
    Audience,
    Campaign,
    ad_spend_table,
    campaign_calendar,
    campaign_events_table,
    campaign_grid,
    daily_intensity,
    dates,
    discount_depth,
    festival_lift,
    labels,
    spring_festival_dip,
)
from ingest.store import write_transaction
from workspace import clock

CUSTOMERS, ORDERS = 20_000, 150_000  # at scale 1
SIGNUP_FROM = -730  # 2022-01-01 as a day number
FIRST_ORDER_RATE = 0.85  # new customers who place a first order soon after signing up
ONE_AND_DONE = 0.35  # share of customers with almost no repeat appetite

# (city, region), biggest market first; weights fall off as 1/rank.
CITIES = (
    ("Shanghai", "East"), ("Beijing", "North"), ("Guangzhou", "South"), ("Shenzhen", "South"),
    ("Hangzhou", "East"), ("Chengdu", "Southwest"), ("Chongqing", "Southwest"), ("Wuhan", "Central"),
    ("Nanjing", "East"), ("Suzhou", "East"), ("Xi'an", "Northwest"), ("Tianjin", "North"),
    ("Changsha", "Central"), ("Zhengzhou", "Central"), ("Dongguan", "South"), ("Qingdao", "East"),
    ("Shenyang", "Northeast"), ("Ningbo", "East"), ("Kunming", "Southwest"), ("Hefei", "East"),
    ("Foshan", "South"), ("Wuxi", "East"), ("Xiamen", "East"), ("Fuzhou", "East"), ("Jinan", "East"),
    ("Dalian", "Northeast"), ("Harbin", "Northeast"), ("Changchun", "Northeast"),
    ("Shijiazhuang", "North"), ("Nanning", "South"), ("Guiyang", "Southwest"), ("Nanchang", "Central"),
    ("Taiyuan", "North"), ("Wenzhou", "East"), ("Quanzhou", "East"), ("Changzhou", "East"),
    ("Nantong", "East"), ("Jiaxing", "East"), ("Xuzhou", "East"), ("Huizhou", "South"), ("Zhuhai", "South"),
    ("Zhongshan", "South"), ("Lanzhou", "Northwest"), ("Urumqi", "Northwest"), ("Hohhot", "North"),
    ("Haikou", "South"), ("Yantai", "East"), ("Weifang", "East"), ("Shaoxing", "East"), ("Jinhua", "East"),
    ("Taizhou", "East"), ("Luoyang", "Central"), ("Yichang", "Central"), ("Xiangyang", "Central"),
    ("Zhuzhou", "Central"), ("Ganzhou", "Central"), ("Yinchuan", "Northwest"), ("Xining", "Northwest"),
    ("Baotou", "North"), ("Tangshan", "North"), ("Baoding", "North"), ("Datong", "North"),
    ("Handan", "North"), ("Jilin", "Northeast"), ("Anshan", "Northeast"), ("Daqing", "Northeast"),
    ("Liuzhou", "South"), ("Guilin", "South"), ("Shantou", "South"), ("Jiangmen", "South"),
    ("Sanya", "South"), ("Mianyang", "Southwest"), ("Zunyi", "Southwest"), ("Dali", "Southwest"),
    ("Lhasa", "Southwest"), ("Yangzhou", "East"), ("Wuhu", "East"), ("Zhanjiang", "South"),
    ("Baoji", "Northwest"), ("Kaifeng", "Central"),
)  # fmt: skip
ACQUISITION = (*CHANNELS, "Referral")
ACQUISITION_SHARE = np.array([0.28, 0.13, 0.24, 0.12, 0.06, 0.09, 0.08])
TIERS = ("Bronze", "Silver", "Gold", "Platinum")
TIER_CUTS = np.array([0.55, 0.83, 0.96])  # cumulative shares of the lower tiers

CATEGORIES = ("Skincare", "Makeup", "Fragrance", "Haircare", "Body Care", "Gift Sets")
CATEGORY_SHARE = np.array([0.34, 0.24, 0.08, 0.13, 0.13, 0.08])
PRICE_MEDIAN = np.array([390.0, 220.0, 680.0, 140.0, 125.0, 900.0])
PRICE_SIGMA = np.array([0.45, 0.4, 0.35, 0.35, 0.35, 0.3])
QUANTITY_CUM = np.array([[0.62, 0.87, 0.96], [0.5, 0.8, 0.93]])  # ordinary day, festival day
STATUSES = ("completed", "refunded", "cancelled")

SCHEMAS = {
    "customers": pa.schema(
        [("customer_id", pa.string()), ("gender", pa.string()), ("age", pa.int32()), ("city", pa.string()),
         ("region", pa.string()), ("signup_date", pa.date32()), ("acquisition_channel", pa.string()),
         ("member_tier", pa.string())]
    ),
    "campaigns": pa.schema(
        [("campaign_id", pa.string()), ("campaign_name", pa.string()), ("campaign_type", pa.string()),
         ("channel", pa.string()), ("start_date", pa.date32()), ("end_date", pa.date32()),
         ("budget", pa.float64())]
    ),
    "orders": pa.schema(
        [("order_id", pa.string()), ("customer_id", pa.string()), ("order_date", pa.date32()),
         ("channel", pa.string()), ("campaign_id", pa.string()), ("product_category", pa.string()),
         ("quantity", pa.int32()), ("gross_amount", pa.float64()), ("discount_amount", pa.float64()),
         ("net_amount", pa.float64()), ("status", pa.string())]
    ),
    "ad_spend": pa.schema(
        [("date", pa.date32()), ("campaign_id", pa.string()), ("channel", pa.string()),
         ("impressions", pa.int64()), ("clicks", pa.int64()), ("spend", pa.float64())]
    ),
    "campaign_events": pa.schema(
        [("event_id", pa.int64()), ("campaign_id", pa.string()), ("customer_id", pa.string()),
         ("event_type", pa.string()), ("event_time", pa.timestamp("us"))]
    ),
}  # fmt: skip


@dataclass(frozen=True)
class _People:
    """Customers sorted by signup day, so those signed up by day d are a prefix."""

    signup: np.ndarray  # day number, ascending
    propensity: np.ndarray  # long-tailed: many one-off buyers, a core of regulars
    churn: np.ndarray  # day their buying starts to fade; inf for loyal customers
    preferred: np.ndarray  # channel index
    ids: pa.Array


def build_demo(path: Path, seed: int = 7, scale: float = 1.0) -> dict[str, int]:
    """Write the demo warehouse (a DuckDB file) to `path` atomically; return row counts per table.

    The file is built beside `path` and moved over it only when complete, so a
    running app never sees half a warehouse and a failure leaves `path` as it was.
    """
    if not scale > 0:
        raise InputError(f"The demo scale must be a positive number, got {scale!r}.")
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise WarehouseError(f"Cannot create the folder for the demo warehouse {path}: {err}") from err
    return _write(path, demo_tables(seed, scale), seed, scale)


def demo_tables(seed: int = 7, scale: float = 1.0) -> dict[str, pa.Table]:
    """The five demo tables as Arrow tables with their exact warehouse schemas."""
    people_rng, order_rng, spend_rng, event_rng = np.random.default_rng(seed).spawn(4)
    campaigns = campaign_calendar()
    people, customers = _customers(people_rng, max(1, round(CUSTOMERS * scale)))
    audience, orders = _orders(order_rng, people, campaigns, ORDERS * scale)
    tables = {
        "customers": customers,
        "campaigns": _campaigns_table(campaigns),
        "orders": orders,
        "ad_spend": ad_spend_table(spend_rng, campaigns),
        "campaign_events": campaign_events_table(event_rng, campaigns, audience, scale),
    }
    return {name: table.cast(SCHEMAS[name]) for name, table in tables.items()}


def _write(path: Path, tables: dict[str, pa.Table], seed: int, scale: float) -> dict[str, int]:
    """A new warehouse holding the demo tables and their catalog entries, swapped in whole."""
    loaded_at = clock.naive_now()
    try:
        with write_transaction(path, fresh=True) as con:
            for name, table in tables.items():
                con.from_arrow(table).create(name)
                columns = tuple(ColumnInfo(f.name, f.name, str(con.table(name).types[i]))
                                for i, f in enumerate(table.schema))
                record(con, CatalogEntry(name, "demo", f"beacon demo --seed {seed} --scale {scale:g}", loaded_at,
                                         table.num_rows, columns, (), {"seed": seed, "scale": scale}))
    except duckdb.Error as err:
        raise WarehouseError(f"Cannot write the demo warehouse to {path}: {err}") from err
    return {name: table.num_rows for name, table in tables.items()}


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    """'C000001'-style ids, widened only when n needs more digits."""
    digits = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
    padded = pc.utf8_lpad(digits, width=max(width, len(str(n))), padding="0")
    return pc.binary_join_element_wise(prefix, padded, "")


def _pick(rng: np.random.Generator, shares: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(len(shares), size=n, p=shares / shares.sum())


# --- customers ---------------------------------------------------------------------------


def _signup_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """A base from 2022-2023, then growth with bumps at the festivals; ascending."""
    t = np.arange(SIGNUP_FROM, len(DAYS), dtype=np.float64)
    inside = t >= 0
    tt = np.where(inside, t, 0.0)
    recent = (
        YEARLY_GROWTH ** ((tt - 182.5) / 365.0) * (1.0 + 0.3 * festival_lift(tt)) * spring_festival_dip(tt)
    )
    weights = np.where(inside, recent, 0.45)
    return np.sort(_pick(rng, weights, n)) + SIGNUP_FROM


def _propensity(rng: np.random.Generator, n: int) -> np.ndarray:
    """Long-tailed appetite: a third try the brand once, a capped core buys every few weeks."""
    habit = np.minimum(rng.lognormal(0.0, 1.2, n), 8.0)
    return np.where(rng.random(n) < ONE_AND_DONE, 0.03, 1.0) * habit


def _tiers(rng: np.random.Generator, propensity: np.ndarray) -> np.ndarray:
    """Member tier by a noisy rank of spending propensity: 55/28/13/4 %."""
    score = np.log(propensity) + rng.normal(0.0, 0.8, len(propensity))
    rank = np.argsort(np.argsort(score, kind="stable"), kind="stable") / len(score)
    return np.searchsorted(TIER_CUTS, rank, side="right")


def _churn_days(rng: np.random.Generator, signup: np.ndarray) -> np.ndarray:
    """About 30 % of customers start fading at a random day after their first month."""
    lo = np.maximum(signup, 0) + 30
    hi = len(DAYS) - 30
    day = lo + rng.random(len(signup)) * (hi - lo)
    churner = (rng.random(len(signup)) < 0.32) & (lo < hi)
    return np.where(churner, day, np.inf)


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mostly 22-35, with a thinner spread across 18-65."""
    core = rng.normal(28.5, 4.5, n)
    spread = rng.uniform(18, 66, n)
    return np.clip(np.where(rng.random(n) < 0.78, core, spread), 18, 65).astype(np.int32)


def _customers(rng: np.random.Generator, n: int) -> tuple[_People, pa.Table]:
    signup = _signup_days(rng, n)
    city = _pick(rng, 1.0 / np.arange(1, len(CITIES) + 1) ** 1.05, n)
    acquisition = _pick(rng, ACQUISITION_SHARE, n)
    fallback = _pick(rng, CHANNEL_SHARE, n)
    preferred = np.where(acquisition < len(CHANNELS), acquisition, fallback)
    propensity = _propensity(rng, n)
    people = _People(signup, propensity, _churn_days(rng, signup), preferred, _ids("C", n, 6))
    table = pa.table(
        {
            "customer_id": people.ids,
            "gender": labels(("Female", "Male"), (rng.random(n) >= 0.75).astype(np.int64)),
            "age": pa.array(_ages(rng, n)),
            "city": labels([c for c, _ in CITIES], city),
            "region": labels([r for _, r in CITIES], city),
            "signup_date": dates(signup),
            "acquisition_channel": labels(ACQUISITION, acquisition),
            "member_tier": labels(TIERS, _tiers(rng, propensity)),
        }
    )
    return people, table


# --- orders ------------------------------------------------------------------------------


def _first_orders(rng: np.random.Generator, people: _People) -> list[np.ndarray]:
    """Customers placing their first order on each day: most buy within a week of signing up."""
    n = len(people.signup)
    first = people.signup + rng.geometric(0.35, n) - 1
    keep = (people.signup >= 0) & (first < len(DAYS)) & (rng.random(n) < FIRST_ORDER_RATE)
    who = np.flatnonzero(keep)
    who = who[np.argsort(first[who], kind="stable")]
    bounds = np.searchsorted(first[who], np.arange(len(DAYS) + 1))
    return [who[a:b] for a, b in pairwise(bounds)]


def _repeat_buyers(rng: np.random.Generator, people: _People, day: int, n: int, k: int) -> np.ndarray:
    """k draws among the first n customers by propensity, fading after a churner's turn."""
    if n == 0 or k == 0:
        return np.zeros(0, np.int64)
    fade = np.exp(-np.maximum(day - people.churn[:n], 0.0) / 30.0)
    cum = np.cumsum(people.propensity[:n] * fade)
    return np.minimum(np.searchsorted(cum, rng.random(k) * cum[-1], side="right"), n - 1)


def _draw_buyers(
    rng: np.random.Generator, people: _People, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(day, customer) per order: each day's first orders, then repeat buyers up to its count."""
    signed = np.searchsorted(people.signup, np.arange(len(counts)), side="right")
    firsts = _first_orders(rng, people)
    buyers = [
        np.concatenate([firsts[day], _repeat_buyers(rng, people, day, n, max(int(k) - len(firsts[day]), 0))])
        for day, (k, n) in enumerate(zip(counts, signed, strict=True))
    ]
    return np.repeat(np.arange(len(counts)), [len(b) for b in buyers]), np.concatenate(buyers)


def _draw_days(rng: np.random.Generator, people: _People, boost: np.ndarray, total: float) -> np.ndarray:
    """Poisson order counts per day; campaigns add their channel's lift to the day."""
    lam = daily_intensity() * (CHANNEL_SHARE * boost).sum(axis=1)
    counts = rng.poisson(lam / lam.sum() * total)
    counts[np.arange(len(DAYS)) < people.signup[0]] = 0  # nobody to sell to yet
    return counts


def _draw_channels(
    rng: np.random.Generator, day: np.ndarray, preferred: np.ndarray, boost: np.ndarray
) -> np.ndarray:
    """The customer's usual channel 60 % of the time, else by share lifted by live campaigns."""
    weights = CHANNEL_SHARE * boost
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)[:, :-1]
    other = (rng.random(len(day))[:, None] >= cum[day]).sum(axis=1)
    return np.where(rng.random(len(day)) < 0.6, preferred, other)


def _attribute(
    rng: np.random.Generator, day: np.ndarray, channel: np.ndarray, campaigns: list[Campaign]
) -> np.ndarray:
    """Campaign index for orders placed on a campaign's channel during its dates, else -1."""
    live = campaign_grid(campaigns)[day, channel]
    rate = np.array([c.attribution for c in campaigns])[np.maximum(live, 0)]
    return np.where((live >= 0) & (rng.random(len(day)) < rate), live, -1)


def _depth(day: np.ndarray) -> np.ndarray:
    """Typical discount rate on each order's day (computed per calendar day, then looked up)."""
    return discount_depth(np.arange(len(DAYS), dtype=np.float64))[day]


def _prices(rng: np.random.Generator, day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Category, quantity and gross amount; festivals sell more gift sets and bigger baskets."""
    n = len(day)
    festive = (_depth(day) > 0.15).astype(np.int64)
    category = _pick(rng, CATEGORY_SHARE, n)
    category = np.where(festive.astype(bool) & (rng.random(n) < 0.1), len(CATEGORIES) - 1, category)
    quantity = 1 + (rng.random(n)[:, None] >= QUANTITY_CUM[festive]).sum(axis=1)
    unit = rng.lognormal(np.log(PRICE_MEDIAN[category]), PRICE_SIGMA[category])
    return category, quantity.astype(np.int32), np.round(unit * quantity, 2)


def _discounts(
    rng: np.random.Generator, day: np.ndarray, gross: np.ndarray, attributed: np.ndarray
) -> np.ndarray:
    """Deeper during festivals and for campaign orders; a third of ordinary orders pay full price."""
    depth = _depth(day)
    rate = depth * rng.uniform(0.5, 1.5, len(day)) + 0.05 * attributed
    full_price = (depth < 0.15) & (rng.random(len(day)) < 0.35)
    return np.round(gross * np.where(full_price, 0.0, np.clip(rate, 0.0, 0.6)), 2)


def _statuses(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """About 3 % refunded (more after festivals) and 2 % cancelled."""
    festive = _depth(day) > 0.15
    refund = np.where(festive, 0.045, 0.026)
    u = rng.random(len(day))
    return np.where(u < refund, 1, np.where(u < refund + 0.02, 2, 0))


def _orders(
    rng: np.random.Generator, people: _People, campaigns: list[Campaign], total: float
) -> tuple[Audience, pa.Table]:
    """Orders day by day: who buys, where, under which campaign, what, and for how much."""
    grid = campaign_grid(campaigns)
    boost = np.where(grid >= 0, np.array([c.boost for c in campaigns])[np.maximum(grid, 0)], 1.0)
    day, customer = _draw_buyers(rng, people, _draw_days(rng, people, boost, total))
    channel = _draw_channels(rng, day, people.preferred[customer], boost)
    campaign = _attribute(rng, day, channel, campaigns)
    category, quantity, gross = _prices(rng, day)
    discount = _discounts(rng, day, gross, campaign >= 0)
    status = _statuses(rng, day)
    won = (status == 0) & (campaign >= 0)
    audience = Audience(people.signup, people.ids, customer[won], day[won], campaign[won])
    columns = {
        "order_id": _ids("O", len(day), 7),
        "customer_id": pc.take(people.ids, pa.array(customer)),
        "order_date": dates(day),
        "channel": labels(CHANNELS, channel),
        "campaign_id": labels([c.campaign_id for c in campaigns], campaign),
        "product_category": labels(CATEGORIES, category),
        "quantity": pa.array(quantity),
    }
    money = {"gross_amount": gross, "discount_amount": discount, "net_amount": np.round(gross - discount, 2)}
    return audience, pa.table({**columns, **money, "status": labels(STATUSES, status)})


def _campaigns_table(campaigns: list[Campaign]) -> pa.Table:
    return pa.table(
        {
            "campaign_id": [c.campaign_id for c in campaigns],
            "campaign_name": [c.name for c in campaigns],
            "campaign_type": [c.kind for c in campaigns],
            "channel": [c.channel for c in campaigns],
            "start_date": dates(np.array([c.days[0] for c in campaigns])),
            "end_date": dates(np.array([c.days[1] for c in campaigns])),
            "budget": [c.budget for c in campaigns],
        }
    )
