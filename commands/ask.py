"""`beacon ask "QUESTION"`: a plain-language question answered through the semantic layer.

    beacon ask "revenue by channel last month" --as-of 2025-12-31 --json
    beacon ask "上个月各渠道的销售额是多少？" --engine llm

Exit status 0 when answered; 3 when the question could not be answered (the
clarification is printed: what the engine would ask instead of guessing; or the
LLM failed in words: a time-out, a rate limit); 2 on user errors (a bad date, a
missing warehouse, an LLM that is not configured). The words of the answer follow
the question's language unless --lang says otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from commands.common import (
    acting_user,
    add_common,
    audit_refusal,
    audit_result,
    json_value,
    open_model,
    print_result,
)
from semantic.query import parse_date
from workspace.home import Workspace
from workspace.settings import Settings

if TYPE_CHECKING:  # the pipeline (plotly and all) is imported by the handler, keeping `beacon --help` fast
    from semantic.model import SemanticModel
    from semantic.nlq.ask import Answer

EXIT_NOT_ANSWERED = 3
_CJK = re.compile(r"[\u3400-\u9fff]")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("ask", help="answer a plain-language question (English or Chinese)")
    parser.add_argument("question", help="the question, e.g. \"revenue by channel last month\"")
    parser.add_argument("--engine", choices=("builtin", "llm"), default="builtin",
                        help="builtin (offline, the default) or llm (an OpenAI-compatible endpoint)")
    parser.add_argument("--as-of", dest="as_of", help="today for relative dates, YYYY-MM-DD "
                        "(default: the data's last day)")
    parser.add_argument("--lang", choices=("en", "zh"),
                        help="language of the answer's words (default: the question's language)")
    add_common(parser)
    parser.set_defaults(handler=_ask)


def question_language(question: str) -> str:
    """zh when the question has Chinese characters, else en.

    >>> question_language("上个月的销售额"), question_language("revenue last month")
    ('zh', 'en')
    """
    return "zh" if _CJK.search(question) else "en"


def _ask(args: argparse.Namespace) -> int:
    from semantic.nlq.ask import ask, question_engine
    from workspace.feedback import correct_examples

    lang = args.lang or question_language(args.question)
    user, policy = acting_user(args, "ask")
    model, engine = open_model(args)
    ws = Workspace(args.db.parent)
    as_of = parse_date(args.as_of) if args.as_of else Settings(ws.home).reference_date()
    answer = ask(args.question, model=model, engine=engine, question_engine=question_engine(args.engine, ws),
                 lang=lang, as_of=as_of, examples=correct_examples(ws, model.name), policy=policy)
    if answer.result is not None:
        audit_result(args, user, "query" if answer.interpretation.query else "sql", answer.result)
    elif answer.refused:
        audit_refusal(args, answer.refused, question=args.question)
    if args.json:
        print(json.dumps(answer_json(answer, model), ensure_ascii=False, default=json_value))
    else:
        _print_text(answer, model)
    return 0 if answer.answered else EXIT_NOT_ANSWERED


def answer_json(answer: Answer, model: SemanticModel) -> dict[str, Any]:
    """The answer as the documented JSON object; optional parts appear only when there is something to say."""
    from semantic.nlq.ask import answer_headline

    reading = answer.interpretation
    result = answer.result
    out: dict[str, Any] = {
        "question": reading.question, "engine": reading.engine, "understood": answer.understood,
        "semantic_query": reading.query.to_dict() if reading.query else None,
        "sql": result.compiled.sql if result else reading.sql,
        "columns": result.frame.columns if result else [],
        "rows": [list(row) for row in result.frame.rows()] if result else [],
    }
    optional = {"headline": answer_headline(answer, model, answer.lang),
                "notes": list(reading.notes), "alternatives": [q.to_dict() for q in reading.alternatives],
                "clarification": reading.clarification, "error": answer.error,
                "truncated": bool(result and result.truncated)}
    out.update({key: value for key, value in optional.items() if value})
    return out


def _print_text(answer: Answer, model: SemanticModel) -> None:
    """The understood line, notes, the table and the definitions; or why there is no answer."""
    import polars as pl

    from semantic.nlq.ask import answer_headline, readable_table
    from viz.i18n import t

    lang, reading, result = answer.lang, answer.interpretation, answer.result
    if answer.understood:
        print(t("ask.understood", lang, text=answer.understood))
    for note in reading.notes:
        print(f"  · {note}")
    if result is not None:
        if headline := answer_headline(answer, model, lang):
            print(headline)
        shown = readable_table(result.frame, reading.query, model, lang) if reading.query else result.frame
        with pl.Config(tbl_hide_column_data_types=True, tbl_hide_dtype_separator=True):  # formatted text: no dtypes
            print_result(replace(result, frame=shown), as_json=False)
        if answer.definitions:
            print(f"\n{t('ask.definitions', lang)}")
        for name, formula in answer.definitions.items():
            print(f"  {name:<18} = {formula}")
        return
    print(answer.error or reading.clarification or t("ask.not_answered", lang), file=sys.stderr)
