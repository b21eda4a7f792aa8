"""Workspace settings: one table of name, default and help; values in `$BEACON_HOME/settings.json`.

>>> Settings(Path("/nonexistent")).get("max_upload_mb")
1024
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from errors import InputError, UnknownNameError, redact
from workspace.files import atomic_write


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS = {s.name: s for s in (
    Setting("max_upload_mb", 1024, "Largest file accepted by an upload, in MB; bigger ones are refused up front."),
    Setting("query_timeout_s", 30, "Seconds a query may run before it is stopped."),
    Setting("max_rows", 100_000, "Most rows a query returns to the app."),
    Setting("llm_base_url", "", "OpenAI-compatible endpoint for the LLM question engine (e.g. "
            "https://api.deepseek.com/v1, http://localhost:11434/v1); empty means OPENAI_BASE_URL, else OpenAI."),
    Setting("llm_model", "gpt-4o-mini", "Model name the LLM question engine asks for."),
    Setting("llm_allow_sample_values", False, "Send dimension values read from the data (e.g. city names) to the "
            "LLM so it can match them; never data rows."),
    Setting("llm_timeout_s", 30, "Seconds to wait for the LLM before giving up."),
    Setting("open_demo", False, "OPEN DEMO MODE: anyone who opens the app is signed in as an admin without a "
            "password. For a demo on your own laptop only; never turn it on for a server."),
    Setting("ask_as_of", "", "The day Ask counts relative dates such as \"last month\" back from, YYYY-MM-DD; "
            "empty means the data's last day."),
    Setting("session_hours", 12, "Hours a sign-in lasts before the user must sign in again."),
    Setting("signin_max_failures", 5, "Failed sign-ins in a row after which the account is locked for a while."),
    Setting("signin_lock_minutes", 15, "Minutes an account stays locked after too many failed sign-ins."),
    Setting("timezone", "Asia/Shanghai", "Time zone of the team's calendar, e.g. Asia/Shanghai or UTC: when \"today\" "
            "begins, and the dates and times people are shown. Times are stored in UTC whatever it says."),
)}
LLM_KEY_SECRET = "llm_api_key"  # the LLM's API key lives in secrets.json under this name, never in settings.json
# text settings with a required form
SHAPES = {"ask_as_of": "date", "llm_base_url": "url", "llm_model": "name", "timezone": "timezone"}
KINDS = {bool: "true or false", int: "whole number", str: "text"}
PROBLEMS = {"type": "takes a {kind}", "positive": "must be a whole number of 1 or more",
            "date": "must be empty or a date written YYYY-MM-DD", "name": "cannot be empty",
            "url": "must be empty or an address starting with http:// or https://",
            "timezone": "must be a time zone name such as Asia/Shanghai or UTC"}
_URL = re.compile(r"https?://[^\s/]+\S*", re.IGNORECASE)


def problem(name: str, value: Any) -> str | None:
    """Why `value` cannot be setting `name`, as a key of PROBLEMS (pages word it in their language), or None."""
    default = SETTINGS[name].default
    if type(value) is not type(default):
        return "type"
    if type(value) is int and value < 1:
        return "positive"
    shape = SHAPES.get(name)
    if shape == "date" and value:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "date"
    if (shape == "url" and value and not _URL.fullmatch(value)) or (shape == "name" and not value.strip()):
        return shape
    return "timezone" if shape == "timezone" and not _is_zone(value) else None


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return False
    return True


def check(name: str, value: Any) -> None:
    """Raise InputError in words when `value` cannot be setting `name` (unknown names get did-you-mean)."""
    if name not in SETTINGS:
        raise UnknownNameError("setting", name, SETTINGS)
    found = problem(name, value)
    if found:
        words = PROBLEMS[found].format(kind=KINDS[type(SETTINGS[name].default)])
        shown = redact(json.dumps(value, ensure_ascii=False, default=str))[:60]
        raise InputError(f"Setting '{name}' {words}; got {shown}.")


@dataclass(frozen=True)
class Settings:
    home: Path

    @property
    def path(self) -> Path:
        return self.home / "settings.json"

    def _values(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def get(self, name: str) -> Any:
        if name not in SETTINGS:
            raise UnknownNameError("setting", name, SETTINGS)
        return self._values().get(name, SETTINGS[name].default)

    def set(self, name: str, value: Any) -> None:
        self.update({name: value})

    def update(self, values: Mapping[str, Any]) -> None:
        """Check every value, then write them all in one atomic step: one refused value changes nothing."""
        for name, value in values.items():
            check(name, value)
        merged = {**self._values(), **values}
        atomic_write(self.path, [json.dumps(merged, indent=2, ensure_ascii=False).encode("utf-8")])

    def reference_date(self) -> dt.date | None:
        """Ask's "today" for relative dates (setting ask_as_of); None means the data's last day."""
        value = self.get("ask_as_of")
        check("ask_as_of", value)  # a hand-edited file gets words, not a traceback
        return dt.date.fromisoformat(value) if value else None
