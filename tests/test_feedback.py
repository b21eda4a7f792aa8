"""Answer feedback in a real metadata file: the latest verdict per question wins, per model."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from errors import InputError
from semantic.nlq.ask import Answer
from semantic.nlq.types import Interpretation
from semantic.query import Filter, SemanticQuery
from workspace import feedback
from workspace.home import Workspace

BY_CHANNEL = SemanticQuery(("revenue",), ("channel",), filters=(Filter("region", "=", "East"),))


def answer(question: str, query: SemanticQuery | None = BY_CHANNEL, model: str = "demo") -> Answer:
    return Answer(Interpretation(question, "builtin", query=query), model=model, lang="zh")


def test_right_answers_become_examples_newest_first(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    feedback.record(ws, answer("各渠道销售额"), "right")
    feedback.record(ws, answer("orders", SemanticQuery(("orders",))), "right")
    examples = feedback.correct_examples(ws, "demo")
    assert [(e.question, e.query) for e in examples] == [("orders", SemanticQuery(("orders",))),
                                                         ("各渠道销售额", BY_CHANNEL)]
    row = sqlite3.connect(ws.meta).execute(
        "SELECT lang, engine, verdict, model FROM ask_feedback ORDER BY id LIMIT 1").fetchone()
    assert row == ("zh", "builtin", "right", "demo")


def test_the_latest_verdict_on_a_question_wins(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    feedback.record(ws, answer("revenue by channel"), "right")
    feedback.record(ws, answer("revenue by channel"), "wrong")
    assert feedback.correct_examples(ws, "demo") == ()
    feedback.record(ws, answer("revenue by channel "), "right")  # the same question, typed with a space
    assert [e.question for e in feedback.correct_examples(ws, "demo")] == ["revenue by channel"]


def test_examples_are_kept_per_model_and_unanswered_ones_are_skipped(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    feedback.record(ws, answer("revenue", model="shop"), "right")
    feedback.record(ws, answer("what about the weather", query=None), "right")
    assert feedback.correct_examples(ws, "demo") == ()
    assert [e.question for e in feedback.correct_examples(ws, "shop")] == ["revenue"]


def test_a_bad_verdict_changes_nothing(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    with pytest.raises(InputError, match="'right' or 'wrong'"):
        feedback.record(ws, answer("revenue"), "maybe")
    assert feedback.correct_examples(ws, "demo") == ()
    assert not ws.meta.exists()
