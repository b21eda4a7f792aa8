"""What a user's data policy lets the campaign figures show, one metric at a time.

Ad spend and budgets are recorded per campaign, not per customer. A policy that limits
rows by a customer dimension (`region = 'East'`) therefore cannot be applied to spend,
clicks, impressions, CTR, CPC, ROAS, ROI or the budget: the compiler refuses each of them
(semantic.compile.check_policy). What can be split by customer still can: orders, buyers
and revenue attributed to campaigns (orders → customers) and the funnel of campaign events
(campaign_events → customers). The campaign figures ask for the readable metrics and leave
the others out as unavailable, so a regional user sees their own customers' results and
never company-wide spend beside regional revenue.

Semantic queries run through `ask`: compiled under the engine's policy, as Explore runs
them, so a campaign's name and dates (the campaigns table, joined many-to-one to each
governed fact row) come with the facts the policy lets through, while the campaigns table
on its own (which campaigns exist, their budgets) stays out of reach.

>>> from pathlib import Path
>>> from semantic.model import load_model
>>> from semantic.query import Filter
>>> model = load_model(Path("assets/demo_model.yaml"))
>>> east = Policy("ana", (Filter("region", "=", "East"),))
>>> allowed(("campaign_revenue", "spend", "roas", "conversion_rate"), model, east)
('campaign_revenue', 'conversion_rate')
"""

from __future__ import annotations

from errors import PermissionDeniedError
from ml.governed import GovernedEngine
from semantic.answer import run_query
from semantic.compile import check_policy
from semantic.engine import Engine, QueryResult
from semantic.model import SemanticModel
from semantic.query import Policy, SemanticQuery
from viz.describe import describe_filter
from viz.i18n import t


def policy_of(engine: Engine) -> Policy:
    """The data policy `engine` reads under (none for a bare engine)."""
    return engine.policy if isinstance(engine, GovernedEngine) else Policy()


def allowed(metrics: tuple[str, ...], model: SemanticModel, policy: Policy) -> tuple[str, ...]:
    """The metrics `policy` can be applied to, in their order."""
    return tuple(m for m in metrics if _readable(m, model, policy))


def _readable(metric: str, model: SemanticModel, policy: Policy) -> bool:
    try:
        check_policy(SemanticQuery(metrics=(metric,)), model, policy)
    except PermissionDeniedError:
        return False
    return True


def readable(model: SemanticModel, engine: Engine, metrics: tuple[str, ...]) -> tuple[str, ...]:
    """The metrics the engine's user may see, in their order."""
    return allowed(metrics, model, policy_of(engine))


def unreadable(model: SemanticModel, engine: Engine, metrics: tuple[str, ...]) -> tuple[str, ...]:
    """The metrics the engine's user may not see (ad spend and budget under a regional policy)."""
    shown = readable(model, engine, metrics)
    return tuple(m for m in metrics if m not in shown)


def scope_words(model: SemanticModel, engine: Engine, lang: str) -> str:
    """The rows the engine's data policy keeps, in words: 'Region = East' (大区 = 华东)."""
    filters = policy_of(engine).row_filters
    if not filters:
        return t("campaigns.regional.your_rows", lang)
    return " · ".join(describe_filter(f, model, lang) for f in filters)


def ask(query: SemanticQuery, model: SemanticModel, engine: Engine) -> QueryResult:
    """Run a semantic query with the engine's policy compiled in (row filters on every fact, masks, refusals),
    logged to the engine's audit hook like any query it runs."""
    if not isinstance(engine, GovernedEngine):
        return run_query(query, model, engine)
    result = run_query(query, model, engine.inner, engine.policy)
    if engine.audit is not None:
        engine.audit(result)
    return result
