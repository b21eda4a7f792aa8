"""The contract both question engines keep: a question in, an `Interpretation` out.

An engine never runs anything. It says which semantic query it read the
question as (or, for the LLM only, a raw SQL fallback that must still pass the
guard), which readings it took where the words were ambiguous, and, when it is
unsure, what it would ask the user instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from semantic.model import SemanticModel
from semantic.query import SemanticQuery


@dataclass(frozen=True)
class Example:
    """A question a user marked as correctly answered, with the query that answered it."""

    question: str
    query: SemanticQuery


@dataclass(frozen=True)
class AskContext:
    """Everything an engine may use besides the question itself."""

    model: SemanticModel
    lang: str = "en"
    as_of: dt.date | None = None          # "today" for relative dates; None means the data's last day
    previous: Interpretation | None = None  # the conversation's last answer, for follow-ups ("only Tmall")
    examples: tuple[Example, ...] = ()      # saved correct pairs: few-shot examples and learned synonyms
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # dimension → values read from the data


@dataclass(frozen=True)
class Interpretation:
    """What a question was understood to mean."""

    question: str
    engine: str
    query: SemanticQuery | None = None
    sql: str | None = None                        # LLM fallback only; guarded before it runs
    notes: tuple[str, ...] = ()                   # readings taken: "'sales' read as Revenue"
    alternatives: tuple[SemanticQuery, ...] = ()  # the other readings, offered in one click
    clarification: str | None = None              # when unsure: what to ask instead of guessing

    @property
    def answered(self) -> bool:
        return self.query is not None or self.sql is not None


class QuestionEngine(Protocol):
    name: str

    def interpret(self, question: str, context: AskContext) -> Interpretation: ...
