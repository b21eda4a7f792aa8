"""`beacon eval`: execution accuracy and latency of a question engine on the evaluation set.

    beacon eval                                  # the built-in engine, every question
    beacon eval --lang zh --category ranking --show-wrong
    beacon eval --engine llm --json
    beacon eval --set holdout --show-wrong       # the questions nobody tunes on

Every answer is run through the semantic layer and compared with the hand-written
SQL of semantic/nlq/eval_set.yaml, or holdout_set.yaml with --set holdout (the rule is in semantic/nlq/evaluate.py).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from commands.common import add_common, open_model
from errors import InputError
from semantic.query import parse_date
from workspace.home import DEMO_MODEL, Workspace

_COLUMNS = ("questions", "correct", "wrong", "declined", "error", "accuracy")


def register(commands: argparse._SubParsersAction) -> None:
    from semantic.nlq.evaluate import CATEGORIES, LANGS, SETS

    parser = commands.add_parser("eval", help="measure a question engine on the evaluation set")
    parser.add_argument("--engine", choices=("builtin", "llm"), default="builtin",
                        help="builtin (offline, the default) or llm (an OpenAI-compatible endpoint)")
    parser.add_argument("--as-of", dest="as_of", help="today for relative dates, YYYY-MM-DD (default: the set's "
                        "own date; the expected results are written for that date)")
    parser.add_argument("--set", dest="set_name", choices=tuple(SETS), default="eval",
                        help="eval (the set the parser is tuned on, the default) or holdout (never tuned on)")
    parser.add_argument("--category", choices=CATEGORIES, help="only the questions of one category")
    parser.add_argument("--lang", choices=LANGS, help="only the questions in one language")
    parser.add_argument("--show-wrong", dest="show_wrong", action="store_true",
                        help="list every answer that was not correct, with what was understood")
    add_common(parser)
    # The sets' expected answers are written against the bundled demo model, not a workspace's edited copy.
    parser.set_defaults(handler=_eval, model=DEMO_MODEL)


def _eval(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from semantic.nlq.ask import question_engine
    from semantic.nlq.evaluate import SETS, evaluate, load_eval_set

    eval_set = load_eval_set(SETS[args.set_name]).select(lang=args.lang, category=args.category)
    if args.as_of:
        eval_set = replace(eval_set, as_of=parse_date(args.as_of))
    if args.user:  # the expected answers are the whole warehouse's: a policy would turn right readings wrong
        raise InputError("`beacon eval` measures the question engines against answers over all the data, so it "
                         "does not run under --user; run it without --user.")
    model, engine = open_model(args)
    report = evaluate(question_engine(args.engine, Workspace(args.db.parent)), eval_set, model, engine)
    summary = report.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print_summary(summary, args.show_wrong)
    return 0


def print_summary(summary: dict[str, Any], show_wrong: bool) -> None:
    """The headline, a table per category and per language, latency, and optionally what was not correct."""
    latency = summary["latency_ms"]
    print(f"Engine {summary['engine']} · as of {summary['as_of']} · {summary['questions']} questions")
    print(f"Execution accuracy {summary['accuracy']:.1%} ({summary['correct']} correct, {summary['wrong']} wrong, "
          f"{summary['declined']} declined, {summary['error']} errors)")
    print(f"Latency of interpret(): p50 {latency['p50']:.1f} ms · p95 {latency['p95']:.1f} ms · "
          f"max {latency['max']:.1f} ms\n")
    print(_row("", _COLUMNS))
    for name, tally in (*summary["by_category"].items(), *summary["by_lang"].items()):
        print(_row(name, [f"{tally['accuracy']:.1%}" if c == "accuracy" else str(tally[c]) for c in _COLUMNS]))
    if show_wrong:
        for item in summary["not_correct"]:
            print(f"\n[{item['status']}] {item['id']} ({item['category']}) {item['question']}")
            print(f"    understood: {item['understood'] or '-'}")
            if item["detail"]:
                print(f"    {item['detail']}")


def _row(name: str, cells: Any) -> str:
    return f"{name:<22}" + "".join(f"{cell:>10}" for cell in cells)
