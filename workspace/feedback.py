"""Answer feedback: users mark Ask answers right or wrong, and the correct ones teach both engines.

Each mark is one row of `ask_feedback` in the workspace's metadata store (the
question, its language, the engine, the semantic query it was read as, the
verdict and when). A question marked several times counts by its latest mark,
so a user can take a "right" back. The correct pairs become `AskContext.examples`:
learned synonyms for the built-in parser, few-shot examples for the LLM.

>>> import tempfile
>>> from pathlib import Path
>>> ws = Workspace(Path(tempfile.mkdtemp()))
>>> correct_examples(ws, "demo")
()
"""

from __future__ import annotations

import json

from errors import InputError
from semantic.nlq.ask import Answer
from semantic.nlq.types import Example
from semantic.query import SemanticQuery
from viz.i18n import keyed_error
from workspace import clock
from workspace.home import Workspace
from workspace.meta import MetaStore

VERDICTS = ("right", "wrong")
SCHEMA = """
CREATE TABLE IF NOT EXISTS ask_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model TEXT NOT NULL,
    question TEXT NOT NULL,
    lang TEXT NOT NULL,
    engine TEXT NOT NULL,
    semantic_query TEXT,
    verdict TEXT NOT NULL CHECK (verdict IN ('right', 'wrong')),
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ask_feedback_by_question ON ask_feedback (model, question, id);
"""


def store(ws: Workspace) -> MetaStore:
    return MetaStore(ws.meta, SCHEMA)


def record(ws: Workspace, answer: Answer, verdict: str) -> None:
    """Save a user's verdict on an answer; a later verdict on the same question replaces this one."""
    if verdict not in VERDICTS:
        raise keyed_error(InputError, "errors.feedback.verdict", verdict=repr(verdict))
    interpretation = answer.interpretation
    query = json.dumps(interpretation.query.to_dict(), ensure_ascii=False) if interpretation.query else None
    row = (answer.model, interpretation.question.strip(), answer.lang, interpretation.engine, query, verdict,
           clock.now().isoformat(timespec="seconds"))
    with store(ws).write() as con:
        con.execute("INSERT INTO ask_feedback (model, question, lang, engine, semantic_query, verdict, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", row)


def correct_examples(ws: Workspace, model_name: str) -> tuple[Example, ...]:
    """Questions whose latest verdict is "right", with the query that answered them, newest first."""
    if not ws.meta.exists():
        return ()
    with store(ws).read() as con:
        rows = con.execute(
            "SELECT question, semantic_query, verdict FROM ask_feedback AS f WHERE model = ? "
            "AND id = (SELECT MAX(id) FROM ask_feedback WHERE model = f.model AND question = f.question) "
            "ORDER BY id DESC", (model_name,)).fetchall()
    return tuple(Example(row["question"], SemanticQuery.from_dict(json.loads(row["semantic_query"])))
                 for row in rows if row["verdict"] == "right" and row["semantic_query"])
