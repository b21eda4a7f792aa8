"""Campaign questions the semantic layer cannot ask: per-customer paths, first purchases, repeat windows.

A metric is an aggregate over rows; "was this buyer new when the campaign won
them?" or "did they buy again within 30 days?" needs each customer's own order
history. These queries are fixed SQL texts parsed into sqlglot trees, their
tables mapped to the model's physical tables, user values bound as parameters,
and run through the engine like any compiled query (same time-out, row limit
and cache).

>>> tree = _tree("SELECT COUNT(*) AS n FROM orders WHERE campaign_id = ?", {"orders": "shop.orders"})
>>> tree.sql("duckdb")
'SELECT COUNT(*) AS n FROM shop.orders AS orders WHERE campaign_id = ?'
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlglot
from sqlglot import exp

from errors import InputError
from semantic.compile import CompiledSQL
from semantic.engine import Engine
from semantic.model import SemanticModel
from viz.i18n import keyed_error

# One row per (campaign, buyer): the first completed campaign order, whether the buyer had
# bought before it (new or returning), and the next completed order after that day.
_BUYERS = """
WITH first_buy AS (
  SELECT campaign_id, customer_id, MIN(order_date) AS first_day
  FROM orders
  WHERE status = 'completed' AND campaign_id IS NOT NULL AND order_date <= CAST(? AS DATE)
  GROUP BY campaign_id, customer_id
)
SELECT f.campaign_id, f.customer_id, f.first_day,
  NOT EXISTS (SELECT 1 FROM orders AS o WHERE o.customer_id = f.customer_id
              AND o.status = 'completed' AND o.order_date < f.first_day) AS is_new,
  (SELECT MIN(o.order_date) FROM orders AS o WHERE o.customer_id = f.customer_id
   AND o.status = 'completed' AND o.order_date > f.first_day AND o.order_date <= CAST(? AS DATE)) AS next_day
FROM first_buy AS f
"""

_BUYER_COUNTS = """
WITH buyers AS ({buyers})
SELECT campaign_id, COUNT(*) AS buyers, COUNT(*) FILTER (WHERE is_new) AS new_buyers
FROM buyers GROUP BY campaign_id ORDER BY campaign_id
"""

# Campaign touches (events before the purchase) of every completed order within the lookback. Both tables
# hold customers, so a data policy on a customer dimension (region) applies to them; the campaign's channel
# is looked up by the caller.
_TOUCHES = """
SELECT o.order_id AS conversion_id, o.net_amount AS value,
  CAST(o.order_date AS TIMESTAMP) + INTERVAL 1 DAY AS conversion_time,
  e.event_time AS touch_time, e.campaign_id, e.event_type
FROM orders AS o
JOIN campaign_events AS e ON e.customer_id = o.customer_id
  AND e.event_time < CAST(o.order_date AS TIMESTAMP) + INTERVAL 1 DAY
  AND e.event_time >= CAST(o.order_date AS TIMESTAMP) - TO_DAYS(CAST(? AS INTEGER))
WHERE o.status = 'completed' AND LIST_CONTAINS(STRING_SPLIT(?, ','), e.event_type)
  AND o.order_date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
ORDER BY o.order_id, e.event_time, e.event_id
"""

_CONVERSIONS = """
SELECT COUNT(*) AS conversions, COALESCE(SUM(net_amount), 0) AS value FROM orders
WHERE status = 'completed' AND order_date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
"""


def _tree(template: str, tables: dict[str, str]) -> exp.Expression:
    """The template as a sqlglot tree with model table names replaced by their physical tables."""
    tree = sqlglot.parse_one(template, read="duckdb")
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.name in tables and table.name not in ctes:
            alias = table.alias or table.name
            table.replace(exp.to_table(tables[table.name]).as_(alias))
    return tree


def run_template(template: str, model: SemanticModel, engine: Engine, params: tuple[object, ...] = ()) -> pl.DataFrame:
    """Run one fixed query over the model's tables, user values bound as parameters."""
    tree = _tree(template, {name: t.sql_table for name, t in model.tables.items()})
    assert isinstance(tree, exp.Query)
    compiled = CompiledSQL(tree.sql(engine.dialect), tuple(tree.named_selects), engine.dialect, params)
    result = engine.run(compiled)
    if result.truncated:
        raise keyed_error(InputError, "errors.campaign.too_many_rows", rows=f"{engine.max_rows:,}")
    return result.frame


def campaign_buyers(model: SemanticModel, engine: Engine, campaign_id: str, as_of: dt.date) -> pl.DataFrame:
    """The campaign's buyers to `as_of`: customer_id, first_day, is_new, next_day (None: no later order yet)."""
    template = f"SELECT * FROM ({_BUYERS}) AS b WHERE b.campaign_id = ? ORDER BY b.customer_id"
    params = (as_of.isoformat(), as_of.isoformat(), campaign_id)
    return run_template(template, model, engine, params).drop("campaign_id")


def buyer_counts(model: SemanticModel, engine: Engine, as_of: dt.date) -> pl.DataFrame:
    """Per campaign: buyers to `as_of` and, of them, new buyers (no completed order before their first)."""
    params = (as_of.isoformat(), as_of.isoformat())
    return run_template(_BUYER_COUNTS.format(buyers=_BUYERS), model, engine, params)


def touches(model: SemanticModel, engine: Engine, period: tuple[dt.date, dt.date], lookback_days: int,
            event_types: tuple[str, ...]) -> pl.DataFrame:
    """Every (completed order, earlier campaign event of the same customer) pair within the lookback, without the
    campaign's channel."""
    params = (lookback_days, ",".join(event_types), period[0].isoformat(), period[1].isoformat())
    return run_template(_TOUCHES, model, engine, params)


def conversions(model: SemanticModel, engine: Engine, period: tuple[dt.date, dt.date]) -> tuple[int, float]:
    """Completed orders and their value in the period, touched or not."""
    frame = run_template(_CONVERSIONS, model, engine, (period[0].isoformat(), period[1].isoformat()))
    count, value = frame.row(0)
    return int(count), float(value)
