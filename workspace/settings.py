"""Workspace settings: one table of name, default and help; values in `$BEACON_HOME/settings.json`.

>>> Settings(Path("/nonexistent")).get("max_upload_mb")
1024
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from errors import InputError, UnknownNameError
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
    Setting("session_hours", 12, "Hours a sign-in lasts before the user must sign in again."),
    Setting("signin_max_failures", 5, "Failed sign-ins in a row after which the account is locked for a while."),
    Setting("signin_lock_minutes", 15, "Minutes an account stays locked after too many failed sign-ins."),
)}
LLM_KEY_SECRET = "llm_api_key"  # the LLM's API key lives in secrets.json under this name, never in settings.json


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
        if name not in SETTINGS:
            raise UnknownNameError("setting", name, SETTINGS)
        default = SETTINGS[name].default
        if not isinstance(value, type(default)):
            raise InputError(f"Setting '{name}' takes a {type(default).__name__}, got {value!r}.")
        values = {**self._values(), name: value}
        atomic_write(self.path, [json.dumps(values, indent=2).encode("utf-8")])
