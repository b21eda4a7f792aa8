"""Alert rules kept in the workspace's metadata store, so the app, the CLI and cron share one list.

A rule reads like a sentence a marketer would say: "ROAS of any running
campaign below 1.5 for 2 days". It names a model metric, a scope (any running
campaign, one channel, one campaign), a comparator, a threshold and how many
days in a row the condition must hold. Evaluating rules lives in `ml.alerts`.

>>> AlertRule("roas", "<", 1.5, days=2).scope
'running'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from errors import InputError, UnknownNameError
from viz.i18n import keyed_error
from workspace import clock
from workspace.meta import MetaStore

COMPARATORS = ("<", "<=", ">", ">=")
SCOPES = ("running", "channel", "campaign")
SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    metric TEXT NOT NULL,
    comparator TEXT NOT NULL,
    threshold REAL NOT NULL,
    days INTEGER NOT NULL,
    scope TEXT NOT NULL,
    scope_value TEXT,
    created_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class AlertRule:
    """`metric comparator threshold` for `days` days in a row, for each subject of the scope."""

    metric: str
    comparator: str
    threshold: float
    days: int = 1
    scope: str = "running"
    scope_value: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.comparator not in COMPARATORS:
            raise keyed_error(InputError, "errors.alert.comparator", comparator=self.comparator,
                              choices=", ".join(COMPARATORS))
        if self.scope not in SCOPES:
            raise UnknownNameError("alert scope", self.scope, SCOPES)
        if not 1 <= self.days <= 90:
            raise keyed_error(InputError, "errors.alert.days", days=self.days)
        if (self.scope == "running") != (self.scope_value is None):
            need = "errors.alert.need_none" if self.scope == "running" else f"errors.alert.need_{self.scope}"
            raise keyed_error(InputError, "errors.alert.scope_value", scope=self.scope, need_key=need)

    def holds(self, value: float) -> bool:
        """Whether one day's value meets the rule's condition."""
        return {"<": value < self.threshold, "<=": value <= self.threshold,
                ">": value > self.threshold, ">=": value >= self.threshold}[self.comparator]


def _store(meta: Path) -> MetaStore:
    return MetaStore(meta, SCHEMA)


def add_rule(meta: Path, rule: AlertRule) -> AlertRule:
    """Save a rule; returns it with its id."""
    with _store(meta).write() as con:
        cursor = con.execute(
            "INSERT INTO alert_rules (metric, comparator, threshold, days, scope, scope_value, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rule.metric, rule.comparator, rule.threshold, rule.days, rule.scope, rule.scope_value,
             clock.naive_now().isoformat()))
        return replace(rule, id=cursor.lastrowid)


def list_rules(meta: Path) -> list[AlertRule]:
    """Every saved rule, oldest first."""
    with _store(meta).read() as con:
        rows = con.execute("SELECT id, metric, comparator, threshold, days, scope, scope_value "
                           "FROM alert_rules ORDER BY id").fetchall()
    return [AlertRule(r["metric"], r["comparator"], r["threshold"], r["days"], r["scope"], r["scope_value"], r["id"])
            for r in rows]


def remove_rule(meta: Path, rule_id: int) -> None:
    """Delete a rule by id; an unknown id is refused with the ids that exist."""
    with _store(meta).write() as con:
        if con.execute("DELETE FROM alert_rules WHERE id = ?", (rule_id,)).rowcount == 0:
            ids = [str(r[0]) for r in con.execute("SELECT id FROM alert_rules").fetchall()]
            raise UnknownNameError("alert rule", str(rule_id), ids)
