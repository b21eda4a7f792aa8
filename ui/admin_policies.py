"""The Admin page's data policies: row filters and masked or hidden dimensions for a user or a role.

The admin picks a dimension of the model and values read from the data, so a rule can only name
what exists; the rule's text is built as a sqlglot condition (never by pasting strings) and stored
through workspace.policies, which checks it against the model again and writes the audit entry.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st
from sqlglot import exp

from semantic.model import SemanticModel
from ui import resources
from ui.admin_users import done
from ui.explore_filters import dimension_values
from ui.shown import shown_errors
from ui.widgets import local_time, localized_choice
from viz.i18n import t
from workspace import policies, users
from workspace.policies import KINDS, PolicyRule
from workspace.users import ROLES, User


def rule_text(dimension: str, values: list[Any]) -> str:
    """The row filter for a dimension and its allowed values, as the policy store reads it.

    >>> rule_text("region", ["East"]), rule_text("channel", ["Tmall", "J'D"])
    ("region = 'East'", "channel IN ('Tmall', 'J''D')")
    """
    column = exp.column(dimension)
    condition = column.eq(exp.convert(values[0])) if len(values) == 1 else column.isin(*values)
    return condition.sql("duckdb")


def policies_panel(admin: User, lang: str) -> None:
    """The rules in force, a way to remove one, and the form to add one."""
    rules = policies.list_rules(resources.workspace())
    model = resources.model()
    if rules:
        st.dataframe(_table(rules, model, lang), hide_index=True, width="stretch")
        _remove(admin, rules, model, lang)
    else:
        st.info(t("access.no_policies", lang))
    st.subheader(t("access.add_policy", lang))
    _add(admin, model, lang)


def describe(rule: PolicyRule, model: SemanticModel, lang: str) -> str:
    """A rule in the admin's language: "Only rows where region = 'East'", "Show masked Phone"."""
    what = rule.rule if rule.kind == "filter" else _dimension_label(model, rule.rule, lang)
    return f"{t(f'access.policy_kind.{rule.kind}', lang)} {what}"


def _dimension_label(model: SemanticModel, name: str, lang: str) -> str:
    return model.dimensions[name].label(lang) if name in model.dimensions else name


def _subject(rule: PolicyRule, lang: str) -> str:
    return t(f"access.role.{rule.subject}", lang) if rule.subject_kind == "role" else rule.subject


def _table(rules: list[PolicyRule], model: SemanticModel, lang: str) -> pl.DataFrame:
    return pl.DataFrame({
        "#": [r.id for r in rules],
        t("access.policy_subject", lang): [_subject(r, lang) for r in rules],
        t("access.policy_rule", lang): [describe(r, model, lang) for r in rules],
        t("access.created", lang): [local_time(r.created_at) for r in rules],
    })


def _remove(admin: User, rules: list[PolicyRule], model: SemanticModel, lang: str) -> None:
    by_id = {r.id: r for r in rules}
    chosen = st.selectbox(t("access.policy_to_remove", lang), list(by_id), key=f"admin_rule_pick_{lang}",
                          format_func=lambda i: f"#{i} {_subject(by_id[i], lang)}: {describe(by_id[i], model, lang)}")
    if st.button(t("access.remove_policy", lang), key="admin_rule_remove", icon=":material/delete:"):
        with shown_errors(lang):
            removed = policies.remove_rule(resources.workspace(), chosen, by=admin.username)
            done(t("access.policy_removed", lang, rule=describe(removed, model, lang)))


def _add(admin: User, model: SemanticModel, lang: str) -> None:
    """Who, which kind of rule, which dimension and (for a row filter) which values."""
    left, right = st.columns(2)
    with left:
        kind_of = localized_choice(st.radio, t("access.policy_subject", lang), ("user", "role"), "admin_rule_for",
                                   lang, lambda k: t(f"access.subject_kind.{k}", lang), horizontal=True)
        subjects = [u.username for u in users.list_users(resources.workspace())] if kind_of == "user" else ROLES
        subject = st.selectbox(t(f"access.subject_kind.{kind_of}", lang), subjects, key=f"admin_rule_{kind_of}_{lang}",
                               format_func=lambda s: t(f"access.role.{s}", lang) if kind_of == "role" else s)
    with right:
        kind = localized_choice(st.radio, t("access.policy_kind_label", lang), KINDS, "admin_rule_kind", lang,
                                lambda k: t(f"access.policy_kind.{k}", lang), horizontal=True)
        dimension = localized_choice(st.selectbox, t("access.dimension", lang), sorted(model.dimensions),
                                     "admin_rule_dimension", lang, lambda d: _dimension_label(model, d, lang))
    values: list[Any] = []
    if kind == "filter":
        with shown_errors(lang):
            options = dimension_values(model, resources.engine_for(model), dimension)
            values = st.multiselect(t("access.allowed_values", lang), options, key=f"admin_rule_values_{dimension}",
                                    placeholder=t("access.choose_values", lang))
    if st.button(t("access.add_policy", lang), type="primary", key="admin_rule_add",
                 disabled=kind == "filter" and not values):
        with shown_errors(lang):
            rule = rule_text(dimension, values) if kind == "filter" else dimension
            added = policies.add_rule(resources.workspace(), model=model, by=admin.username,
                                      **{kind_of: subject, kind: rule})
            done(t("access.policy_added", lang, rule=describe(added, model, lang)))
