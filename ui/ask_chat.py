"""The Ask page's conversation: the engine choice, questions from the box, chips and buttons, and the history.

Buttons (example chips, other readings, right/wrong) only record what was
clicked in a callback; the page script then does the work inside
`shown_errors`, so a failure is a message on the page, never a traceback.
The history lives in the session (`SessionState.ask_history`), and each new
question is read as a possible follow-up of the last answered one.
"""

from __future__ import annotations

import streamlit as st

from errors import BeaconError
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.nlq.ask import Answer, answer_interpretation, ask, choose_reading, in_language, question_engine
from ui import resources
from ui.ask_answer import show_actions, show_reading, show_result
from ui.auth import current_policy, current_user, log_refusal
from ui.state import session
from viz.i18n import error_text, t
from workspace import feedback
from workspace.audit import record_result
from workspace.settings import Settings

QUESTION = "ask_pending_question"
READING = "ask_pending_reading"
ENGINE = "ask_engine"
EXAMPLES = ("example_1", "example_2", "example_3", "example_4")


def queue_question(text: str) -> None:
    st.session_state[QUESTION] = text


def queue_reading(turn: int, reading: int) -> None:
    st.session_state[READING] = (turn, reading)


def mark(turn: int, verdict: str) -> None:
    """Save the user's verdict; correct pairs become examples both engines learn from."""
    feedback.record(resources.workspace(), session().ask_history[turn], verdict)
    session().ask_marks[turn] = verdict


def clear() -> None:
    session().ask_history.clear()
    session().ask_marks.clear()


def keep_to_model(name: str) -> None:
    """Start over when the sidebar's model changed: earlier answers speak of another model's metrics."""
    if any(answer.model != name for answer in session().ask_history):
        clear()


def llm_unavailable(lang: str) -> str | None:
    """Why the LLM engine cannot be used (not configured), or None when it can."""
    try:
        question_engine("llm", resources.workspace())
    except BeaconError as err:
        return error_text(err, lang)
    return None


def engine_choice(lang: str) -> tuple[str, str | None]:
    """Built-in or LLM, and why the LLM cannot be chosen (its control is disabled until it is configured)."""
    reason = llm_unavailable(lang)
    chosen = st.segmented_control(t("ask.engine", lang), ["builtin", "llm"], key=f"{ENGINE}_{lang}",
                                  format_func=lambda name: t(f"ask.engine_{name}", lang), required=True,
                                  default=st.session_state.get(ENGINE, "builtin"), disabled=reason is not None,
                                  help=reason)
    if reason is not None or chosen is None:
        return "builtin", reason
    st.session_state[ENGINE] = chosen
    return chosen, None


def example_chips(lang: str) -> None:
    """Questions a first-time user can click, in the chosen language."""
    st.caption(t("ask.examples", lang))
    columns = st.columns(len(EXAMPLES))
    for column, key in zip(columns, EXAMPLES, strict=True):
        text = t(f"ask.{key}", lang)
        column.button(text, key=f"ask_chip_{key}_{lang}", on_click=queue_question, args=(text,),
                      icon=":material/lightbulb:", width="stretch")


def handle(typed: str | None, model: SemanticModel, engine: Engine, engine_name: str, lang: str) -> None:
    """Answer what this run brings: a typed question, a clicked chip, or another reading of a turn."""
    question = typed.strip() if typed and typed.strip() else st.session_state.pop(QUESTION, None)
    reading = st.session_state.pop(READING, None)
    if question or reading:
        with st.spinner(t("ask.thinking", lang)):
            if question:
                answer_question(question, model, engine, engine_name, lang)
            else:
                reread(*reading, model=model, engine=engine, lang=lang)


def answer_question(question: str, model: SemanticModel, engine: Engine, engine_name: str, lang: str) -> None:
    """A new turn, read as a possible follow-up of the last answered one, with the saved correct examples."""
    history = session().ask_history
    previous = next((a.interpretation for a in reversed(history) if a.interpretation.answered), None)
    ws = resources.workspace()
    history.append(ask(question, model=model, engine=engine, question_engine=question_engine(engine_name, ws),
                       lang=lang, as_of=Settings(ws.home).reference_date(), previous=previous,
                       examples=feedback.correct_examples(ws, model.name), policy=current_policy()))
    _audit(history[-1])


def _audit(answer: Answer) -> None:
    """The query an answer ran (semantic or the LLM's SQL), in the audit log under the signed-in user."""
    if answer.result is not None:
        event = "query" if answer.interpretation.query is not None else "sql"
        record_result(resources.workspace(), event, current_user().username, answer.result, {"page": "ask"})
    elif answer.refused:  # a question written to escape the policy is an attempt an auditor must see
        log_refusal({"page": "ask", "question": answer.interpretation.question, "reason": answer.refused})


def reread(turn: int, number: int, *, model: SemanticModel, engine: Engine, lang: str) -> None:
    """Answer turn `turn` again with its other reading `number`; an earlier verdict no longer applies."""
    history = session().ask_history
    reading = history[turn].interpretation
    chosen = choose_reading(reading, reading.alternatives[number])
    history[turn] = answer_interpretation(chosen, model=model, engine=engine, lang=lang, policy=current_policy())
    _audit(history[turn])
    session().ask_marks.pop(turn, None)


def show_turn(index: int, answer: Answer, model: SemanticModel, lang: str) -> None:
    """The user's question, then the answer with everything behind it, in the language chosen now."""
    answer = in_language(answer, model, lang)
    with st.chat_message("user"):
        st.text(answer.interpretation.question)
    with st.chat_message("assistant"):
        show_reading(answer, index, model, lang, queue_reading)
        show_result(answer, index, model, lang)
        show_actions(answer, index, model, session().ask_marks.get(index), lang, mark)
