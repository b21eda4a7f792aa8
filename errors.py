"""One error tree for Beacon.

Every error a user can cause is a `BeaconError`; pages and the CLI catch it and
show its message, never a traceback. Each class also inherits the matching
built-in so ordinary ``except ValueError`` code keeps working.

>>> try:
...     raise UnknownNameError("metric", "revnue", ["revenue", "orders"])
... except BeaconError as err:
...     print(err)
Unknown metric 'revnue'. Did you mean 'revenue'?

This module imports nothing from the project.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Self


class BeaconError(Exception):
    """Root of every error Beacon reports to a user.

    The message (`str(err)`) is English. An error may also carry the translation key of that message
    and the values that fill it, so a page can show it in the user's language (viz.i18n.error_text);
    a value named `..._key` is itself a text key, so words such as a role name get translated too.

    >>> err = QueryError("The query took longer than 5 s.").with_text("errors.query.timeout", seconds="5")
    >>> err.text_key, dict(err.text_values)
    ('errors.query.timeout', {'seconds': '5'})
    """

    text_key: str | None = None
    text_values: Mapping[str, object] = MappingProxyType({})

    def with_text(self, key: str, /, **values: object) -> Self:
        """Attach the translation key and values of this error's message; returns the error itself."""
        self.text_key, self.text_values = key, values
        return self


def suggest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return the candidates closest to `name`, best first."""
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*)(:[^@/\s]*)?@", re.IGNORECASE)


def redact(text: str) -> str:
    """Hide passwords in URIs anywhere in a text a user, a log or the catalog may see.

    >>> redact("could not reach postgresql://ana:s3cret@db.internal:5432/sales")
    'could not reach postgresql://ana:***@db.internal:5432/sales'
    """
    return _CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}{':***' if m.group(3) else ''}@", text)


def redact_secrets(text: str, secrets: Iterable[str]) -> str:
    """`redact` plus every given secret (an API key...) replaced by *** wherever it was echoed.

    >>> redact_secrets("key sk-abc123 refused by https://u:pw@llm.example/v1", ["sk-abc123"])
    'key *** refused by https://u:***@llm.example/v1'
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return redact(text)


class UnknownNameError(BeaconError, KeyError):
    """A metric, dimension, table or column that does not exist.

    `of` names what the name belongs to, so the kind reads "column of 'orders'" in English and its own
    way in another language (text key errors.kind.column_of, filled with `of`).
    """

    def __init__(self, kind: str, name: str, candidates: Iterable[str] = (), *, of: str | None = None) -> None:
        self.kind, self.name = (kind if of is None else f"{kind} of '{of}'"), name
        self.suggestions = suggest(name, candidates)
        hint = ""
        if self.suggestions:
            hint = " Did you mean " + " or ".join(f"'{s}'" for s in self.suggestions) + "?"
        super().__init__(f"Unknown {self.kind} '{name}'.{hint}")
        key = "errors.unknown_name_hint" if self.suggestions else "errors.unknown_name"
        kind_key = f"errors.kind.{kind.replace(' ', '_')}" + ("" if of is None else "_of")
        self.with_text(key, kind_key=kind_key, name=name, suggestions_or=tuple(self.suggestions),
                       **({} if of is None else {"of": of}))

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class ModelError(BeaconError, ValueError):
    """A semantic model file that is not valid; the message names file, line and field."""


class InputError(BeaconError, ValueError):
    """An argument or setting outside what the operation accepts (a negative scale, a bad date...)."""


class IngestError(BeaconError, ValueError):
    """Data that cannot be loaded: the message says which file, sheet, row and column, and why."""


class SourceConnectionError(BeaconError, ConnectionError):
    """A database or web source that cannot be reached or refuses us; never shows credentials."""


class SecretsFileError(BeaconError, PermissionError):
    """The secrets file is readable or writable by others, owned by someone else, or not valid JSON."""


class QueryError(BeaconError, ValueError):
    """A semantic query that cannot be compiled: bad filter, unreachable dimension..."""


class UnsafeSQLError(BeaconError, PermissionError):
    """Raw SQL the guard refuses: not a single read-only SELECT over allowed tables."""


class QueryTimeoutError(BeaconError, TimeoutError):
    """A query that ran longer than the configured time limit."""


class ExecutionError(BeaconError, RuntimeError):
    """The database refused or failed a query the compiler or guard let through."""


class WarehouseError(BeaconError, OSError):
    """The warehouse file is missing, locked or unreadable."""


class LLMError(BeaconError, ConnectionError):
    """The language model endpoint timed out, refused the key, rate-limited us or failed; never shows the key."""


class DashboardConflictError(BeaconError, RuntimeError):
    """Someone else saved the dashboard after this copy was opened; `theirs` is their saved version.

    The caller offers to merge (workspace.dashboards.merge) or to save a copy; nothing was overwritten.
    """

    def __init__(self, message: str, theirs: object = None, mine: object = None) -> None:
        super().__init__(message)
        self.theirs, self.mine = theirs, mine


class ShareLinkError(BeaconError, PermissionError):
    """A share link that is unknown (or tampered with), expired or revoked; `reason` says which."""

    def __init__(self, message: str, reason: str, expires_at: object = None) -> None:
        super().__init__(message)
        self.reason, self.expires_at = reason, expires_at


class PermissionDeniedError(BeaconError, PermissionError):
    """A signed-in user's role does not allow the action, or their data policy forbids what was asked."""


class SignInError(BeaconError, PermissionError):
    """A sign-in refused: wrong name or password, a disabled account, a lock-out, or an expired session."""


class AuditError(BeaconError, OSError):
    """The audit log cannot be written; whatever was to be logged does not go ahead."""
