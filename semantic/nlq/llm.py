"""The LLM question engine: any OpenAI-compatible chat endpoint turns a question into a semantic query.

The model answers with a semantic query (structured output where the endpoint
supports it, else a JSON object in the message), and nothing it says is
trusted: the query must pass `SemanticQuery.from_dict` and compile against the
semantic model, and the raw SQL fallback must pass the guard (one read-only
SELECT over the model's tables). A reply that fails is sent back once with the
error in words; a second failure is an honest "I couldn't answer that". So a
question carrying prompt-injection text ("ignore the above and DROP TABLE")
produces, at worst, a refused query.

Endpoint failures (time-out, 429, 401, unreachable host, 5xx) become `LLMError`
with a message in words. The API key is sent only in the Authorization header:
it is kept out of the prompt, every message, every repr and every log line.

This is the only module of Beacon that imports `openai`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import openai

from errors import BeaconError, LLMError, QueryError, UnknownNameError, redact_secrets
from semantic.compile import compile_query
from semantic.guard import guard
from semantic.model import SemanticModel
from semantic.nlq.prompt import EXTRA_KEYS, Message, build_messages, repair_messages, reply_schema
from semantic.nlq.types import AskContext, Interpretation
from semantic.query import SemanticQuery
from viz.i18n import error_text, keyed_error, t
from workspace.home import Workspace
from workspace.secrets import read_secret
from workspace.settings import LLM_KEY_SECRET, Settings

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "no-key"  # local servers (Ollama, vLLM) need no key, but the client must send one
_FENCED = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)
_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")
# What checking a malformed reply can raise: our own errors, and the built-ins a wrong JSON type trips.
INVALID_REPLY = (BeaconError, TypeError, ValueError, KeyError, AttributeError)


@dataclass(frozen=True)
class LLMSettings:
    """Where and how to ask; the key is left out of the repr so it cannot leak through a log or a page."""

    model: str = "gpt-4o-mini"
    base_url: str = DEFAULT_BASE_URL
    api_key: str = field(default=NO_KEY, repr=False)
    allow_sample_values: bool = False
    timeout_s: float = 30.0
    max_retries: int = 1
    max_rows: int = 10_000

    @classmethod
    def from_workspace(cls, ws: Workspace, environ: Mapping[str, str] = os.environ) -> LLMSettings:
        """Settings page values, OPENAI_API_KEY (or the key saved in secrets.json) and OPENAI_BASE_URL."""
        settings = Settings(ws.home)
        key = environ.get("OPENAI_API_KEY") or _saved_key(ws)
        base_url = settings.get("llm_base_url") or environ.get("OPENAI_BASE_URL") or ""
        if not key and not base_url:
            raise LLMError("Set OPENAI_API_KEY or configure the LLM in Settings (an API key, or the address of an "
                           "OpenAI-compatible server such as Ollama).")
        return cls(model=settings.get("llm_model"), base_url=base_url or DEFAULT_BASE_URL, api_key=key or NO_KEY,
                   allow_sample_values=settings.get("llm_allow_sample_values"),
                   timeout_s=float(settings.get("llm_timeout_s")))

    @property
    def where(self) -> str:
        """The endpoint as a message may show it: any password in the URL hidden."""
        return redact_secrets(self.base_url, [self.api_key])


def _saved_key(ws: Workspace) -> str:
    try:
        return read_secret(ws, LLM_KEY_SECRET)
    except UnknownNameError:
        return ""


class LLMEngine:
    """A `QuestionEngine` that asks an OpenAI-compatible chat endpoint and checks every reply."""

    name = "llm"

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self._structured = True  # response_format json_schema, until the endpoint says it does not know it
        self._client = openai.OpenAI(api_key=settings.api_key, base_url=settings.base_url,
                                     timeout=settings.timeout_s, max_retries=settings.max_retries)

    @classmethod
    def from_workspace(cls, ws: Workspace, environ: Mapping[str, str] = os.environ) -> LLMEngine:
        return cls(LLMSettings.from_workspace(ws, environ))

    def __repr__(self) -> str:
        return f"LLMEngine(model={self.settings.model!r}, base_url={self.settings.where!r})"

    def interpret(self, question: str, context: AskContext) -> Interpretation:
        """Ask, check, repair once, and say honestly when the reply still cannot be used."""
        messages = build_messages(question, context, self.settings.allow_sample_values)
        reply = self._complete(messages, context.model)
        try:
            return self._checked(reply, question, context.model)
        except INVALID_REPLY as err:
            reply = self._complete(repair_messages(messages, reply, self._words(err)), context.model)
        try:
            return self._checked(reply, question, context.model)
        except INVALID_REPLY as err:  # the reader is told why in their language; the model was told in English
            return _could_not_answer(question, context, reply, self._words(err, context.lang))

    def _checked(self, reply: str, question: str, model: SemanticModel) -> Interpretation:
        return checked_reply(reply_object(reply), question, model, self.settings.max_rows)

    def _words(self, err: Exception | str, lang: str = "en") -> str:
        """What went wrong, in `lang` (English for the model), with the API key hidden."""
        return redact_secrets(err if isinstance(err, str) else error_text(err, lang), [self.settings.api_key])

    def _complete(self, messages: list[Message], model: SemanticModel) -> str:
        """One chat completion's text; without structured output if the endpoint refuses it (HTTP 400)."""
        request: dict[str, Any] = {"model": self.settings.model, "messages": messages}
        if self._structured:
            request |= {"temperature": 0, "response_format": {"type": "json_schema", "json_schema": {
                "name": "semantic_query", "schema": reply_schema(model), "strict": False}}}
        try:
            response = self._client.chat.completions.create(**request)
        except openai.OpenAIError as err:
            if isinstance(err, openai.BadRequestError) and self._structured:
                self._structured = False
                return self._complete(messages, model)
            raise LLMError(self._words(_message(err, self.settings))) from None
        return _content(response)


def _content(response: Any) -> str:
    """The reply's text; a refusal or an empty reply is text the checks will reject in words."""
    choices = getattr(response, "choices", None) or []
    if not choices:
        return ""
    message = choices[0].message
    return message.content or (f"(refused: {message.refusal})" if getattr(message, "refusal", None) else "")


def _message(err: openai.OpenAIError, settings: LLMSettings) -> str:
    """What went wrong, in words a marketer can act on."""
    where = settings.where
    if isinstance(err, openai.APITimeoutError):
        return (f"The language model at {where} did not answer within {settings.timeout_s:g} seconds. Try again, "
                "or allow it more time in Settings.")
    if isinstance(err, openai.APIConnectionError):
        cause = _ERRNO.sub("", str(err.__cause__ or err)) or "no connection"
        return (f"Cannot reach the language model at {where} ({cause}). Check the address (OPENAI_BASE_URL or "
                "Settings) and the network.")
    if isinstance(err, openai.RateLimitError):
        return (f"The language model at {where} is rate-limiting requests (HTTP 429: too many requests, or the "
                "quota is used up). Wait a minute and try again.")
    if isinstance(err, openai.AuthenticationError | openai.PermissionDeniedError):
        return (f"The language model at {where} refused the API key (HTTP {err.status_code}). Check OPENAI_API_KEY "
                "or the key saved in Settings.")
    if isinstance(err, openai.NotFoundError):
        return (f"The language model at {where} does not know the model '{settings.model}', or the address is "
                "wrong (HTTP 404). Check both in Settings.")
    if isinstance(err, openai.BadRequestError):
        return (f"The language model at {where} rejected the request (HTTP 400: {_detail(err)}). Check the model "
                f"name '{settings.model}' in Settings.")
    if isinstance(err, openai.APIStatusError):
        return (f"The language model at {where} failed (HTTP {err.status_code}). Try again later, or use the "
                "built-in engine.")
    return f"The language model at {where} sent a reply Beacon cannot read. Try again, or use the built-in engine."


def _detail(err: openai.APIStatusError) -> str:
    """The endpoint's own explanation (the "message" of its error body), shortened."""
    body = err.body
    text = body.get("message") if isinstance(body, dict) else None
    return " ".join(str(text or err.message).split())[:200]


def reply_object(reply: str) -> dict[str, Any]:
    """The JSON object in a reply: the whole text, a ```json fenced block, or the outermost {...}."""
    start, end = reply.find("{"), reply.rfind("}")
    candidates = [*_FENCED.findall(reply), reply, reply[start:end + 1] if 0 <= start < end else ""]
    for text in candidates:
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    shown = " ".join(reply.split())[:120]
    if not shown:
        raise keyed_error(QueryError, "errors.llm.not_json_empty")
    raise keyed_error(QueryError, "errors.llm.not_json", shown=shown)


def checked_reply(data: dict[str, Any], question: str, model: SemanticModel,
                  max_rows: int = 10_000) -> Interpretation:
    """Check a reply against the model: a query that compiles, SQL the guard accepts, or a clarification."""
    check_shape(data)
    query_part = {k: v for k, v in data.items() if k not in EXTRA_KEYS}
    notes = tuple(data.get("notes") or ())
    clarification = data.get("clarification") or None
    if query_part.get("metrics") or query_part.get("dimensions"):
        query = checked_query(query_part, model)
        return Interpretation(question, LLMEngine.name, query=query, notes=notes, clarification=clarification,
                              alternatives=_alternatives(data.get("alternatives"), query, model))
    if data.get("sql"):
        sql = guard(data["sql"], [t.sql_table for t in model.tables.values()], max_rows=max_rows)
        return Interpretation(question, LLMEngine.name, sql=sql, notes=notes, clarification=clarification)
    if clarification:
        return Interpretation(question, LLMEngine.name, notes=notes, clarification=clarification)
    raise keyed_error(QueryError, "errors.llm.nothing")


def checked_query(data: Any, model: SemanticModel) -> SemanticQuery:
    """A semantic query from the reply that the planner accepts (unknown names come with did-you-mean)."""
    check_shape(data)
    query = SemanticQuery.from_dict(data)
    compile_query(query, model)
    return query


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _plain(value: Any) -> bool:
    """A filter value: null, a text, number or true/false, or a list of those."""
    items = value if isinstance(value, list) else [value]
    return value is None or all(isinstance(v, str | int | float | bool) for v in items)


def _text(value: Any) -> bool:
    return isinstance(value, str)


# Each reply key: its check, and the key (under errors.llm.what) of the words saying what it must be.
_SHAPES: dict[str, tuple[Any, str]] = {
    "metrics": (_texts, "metric_ids"), "dimensions": (_texts, "dimension_ids"), "filters": (_objects, "filters"),
    "order_by": (_objects, "order_by"), "time_range": (_texts, "time_range"), "time_grain": (_text, "text"),
    "compare": (_text, "text"), "notes": (_texts, "texts"), "clarification": (_text, "text"), "sql": (_text, "text"),
    "limit": (lambda v: isinstance(v, int) and not isinstance(v, bool), "whole_number"),
}


def check_shape(data: Any) -> None:
    """The JSON types the planner takes for granted, checked first so a wrong type is refused in words."""
    if not isinstance(data, dict):
        raise keyed_error(QueryError, "errors.llm.not_an_object")
    for key, (valid, what) in _SHAPES.items():
        if data.get(key) is not None and not valid(data[key]):
            raise keyed_error(QueryError, "errors.llm.shape", key=key, what_key=f"errors.llm.what.{what}",
                              got=_shown(data[key]))
    for item in [*(data.get("filters") or ()), *(data.get("order_by") or ())]:
        if not isinstance(item.get("field"), str) or not isinstance(item.get("op", "="), str):
            raise keyed_error(QueryError, "errors.llm.field", got=_shown(item))
    for item in data.get("filters") or ():
        if not _plain(item.get("value")):
            raise keyed_error(QueryError, "errors.llm.plain_value", field=str(item.get("field")),
                              got=_shown(item.get("value")))


def _shown(value: Any) -> str:
    """A value of the reply as JSON, cut to 80 characters."""
    return json.dumps(value, ensure_ascii=False)[:80]


def _alternatives(raw: Any, chosen: SemanticQuery, model: SemanticModel) -> tuple[SemanticQuery, ...]:
    """The other readings that compile; a broken alternative is dropped, not worth a repair round."""
    found: list[SemanticQuery] = []
    for item in raw if isinstance(raw, list) else ():
        try:
            query = checked_query(item, model)
        except INVALID_REPLY:
            continue
        if query != chosen and query not in found:
            found.append(query)
    return tuple(found)


def _could_not_answer(question: str, context: AskContext, reply: str, reason: str) -> Interpretation:
    """No query, and a clarification saying why, what was understood, or what the model can answer."""
    lang = context.lang
    understood = _understood(reply, context.model, lang)
    if understood:
        tail = t("llm.understood", lang, parts=t("llm.separator", lang).join(understood))
    else:
        names = t("llm.list_separator", lang).join(m.label(lang) for m in context.model.metrics.values())
        tail = t("llm.can_answer", lang, names=names)
    return Interpretation(question, LLMEngine.name,
                          clarification=f"{t('llm.could_not_answer', lang, reason=reason)} {tail}")


def _understood(reply: str, model: SemanticModel, lang: str) -> list[str]:
    """The parts of a rejected reply that do name the model's metrics, dimensions and period."""
    try:
        data = reply_object(reply)
    except QueryError:
        return []
    join = t("llm.list_separator", lang).join
    metrics = [model.metrics[m].label(lang) for m in _names(data.get("metrics")) if m in model.metrics]
    dimensions = [model.dimensions[d].label(lang) for d in _names(data.get("dimensions")) if d in model.dimensions]
    parts = [t("llm.understood_metrics", lang, names=join(metrics))] if metrics else []
    parts += [t("llm.understood_dimensions", lang, names=join(dimensions))] if dimensions else []
    period = data.get("time_range")
    if isinstance(period, list) and len(period) == 2:
        parts.append(t("llm.understood_period", lang, start=period[0], end=period[1]))
    return parts


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
