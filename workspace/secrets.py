"""Saved connections and other secrets (API keys): the only place Beacon keeps a password.

Models, the catalog, dashboards and logs name a connection (`sales_db`); the
URI with its password lives only in `$BEACON_HOME/secrets.json`, created with
mode 0600 and replaced atomically (write a private temporary file, then rename),
so a crash mid-save leaves the old file whole.

A secrets file that anyone but its owner can read or write is refused, not
quietly fixed: like libpq's ~/.pgpass and ssh's private keys. If others could
read it, its passwords may already have leaked and the user should know (and
rotate them); if others could write it, a URI in it may point anywhere. The
message says which `chmod` fixes it.

>>> import tempfile
>>> ws = Workspace(Path(tempfile.mkdtemp()))
>>> save_connection(ws, "sales_db", "postgresql://ana:s3cret@db.internal/sales")
>>> connection_names(ws)
['sales_db']
>>> oct(ws.home.joinpath(SECRETS_FILE).stat().st_mode & 0o777)
'0o600'
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from errors import InputError, SecretsFileError, UnknownNameError
from ingest.names import safe_name
from viz.i18n import keyed_error
from workspace.files import atomic_write
from workspace.home import Workspace

SECRETS_FILE = "secrets.json"
CONNECTIONS, VALUES = "connections", "values"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_URI = re.compile(r"[a-z][a-z0-9+.-]*://.+", re.IGNORECASE)

try:  # POSIX: serialise read-modify-write between the app and the CLI
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; saves there are last-writer-wins
    fcntl = None  # type: ignore[assignment]


def save_connection(ws: Workspace, name: str, uri: str) -> None:
    """Add or replace the connection `name`; the file stays private to its owner."""
    _check_name(name)
    if not _URI.fullmatch(uri.strip()):
        raise keyed_error(InputError, "errors.secrets.needs_uri", name=name)
    _store(ws, CONNECTIONS, name, uri.strip())


def connection_uri(ws: Workspace, name: str) -> str:
    """The URI (with its password) of a saved connection, for a driver and nothing else."""
    return _fetch(ws, CONNECTIONS, name)


def connection_names(ws: Workspace) -> list[str]:
    """Names of the saved connections, sorted; safe to show anywhere."""
    return sorted(_read(ws)[CONNECTIONS])


def delete_connection(ws: Workspace, name: str) -> None:
    """Forget a saved connection; its password is gone from disk once the new file replaces the old."""
    _drop(ws, CONNECTIONS, name)


def save_secret(ws: Workspace, name: str, value: str) -> None:
    """Keep any other secret (an API's URL with its key, its headers as JSON) under `name`."""
    _check_name(name)
    _store(ws, VALUES, name, value)


def read_secret(ws: Workspace, name: str) -> str:
    return _fetch(ws, VALUES, name)


def delete_secret(ws: Workspace, name: str) -> None:
    """Forget a saved secret (an API key); like a connection, it is gone once the new file replaces the old."""
    _drop(ws, VALUES, name)


def _drop(ws: Workspace, section: str, name: str) -> None:
    with _locked(ws):
        data = _read(ws)
        if name not in data[section]:
            raise UnknownNameError("connection" if section == CONNECTIONS else "secret", name, data[section])
        del data[section][name]
        _write(ws, data)


def _store(ws: Workspace, section: str, name: str, value: str) -> None:
    with _locked(ws):
        data = _read(ws)
        data[section][name] = value
        _write(ws, data)


def _fetch(ws: Workspace, section: str, name: str) -> str:
    entries = _read(ws)[section]
    if name not in entries:
        raise UnknownNameError("connection" if section == CONNECTIONS else "secret", name, entries)
    return entries[name]


def secrets_path(ws: Workspace) -> Path:
    return ws.home / SECRETS_FILE


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        # No hint built from something that looks like a URI: it may carry a password.
        hint = "" if "://" in str(name) else "errors.secrets.try_name"
        raise keyed_error(InputError, "errors.secrets.bad_name", hint_key=hint,
                          safe=safe_name(str(name), "connection") if hint else "")


def _read(ws: Workspace) -> dict[str, dict[str, str]]:
    path = secrets_path(ws)
    try:
        with path.open("rb") as handle:
            _check_private(path, os.fstat(handle.fileno()))
            raw = handle.read()
    except FileNotFoundError:
        return {CONNECTIONS: {}, VALUES: {}}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        # The position only: the text around it may be a password.
        raise keyed_error(SecretsFileError, "errors.secrets.invalid", path=path, error=type(err).__name__,
                          at=getattr(err, "pos", getattr(err, "start", "?"))) from None
    sections = {key: data.get(key, {}) if isinstance(data, dict) else None for key in (CONNECTIONS, VALUES)}
    if not all(isinstance(v, dict) and all(isinstance(x, str) for x in v.values()) for v in sections.values()):
        raise keyed_error(SecretsFileError, "errors.secrets.shape", path=path)
    return {key: dict(value) for key, value in sections.items()}  # type: ignore[union-attr]


def _check_private(path: Path, info: os.stat_result) -> None:
    """Refuse a file others can read or write, or that another user owns (POSIX only)."""
    if os.name != "posix":
        return
    if info.st_uid != os.geteuid():
        raise keyed_error(SecretsFileError, "errors.secrets.owner", path=path)
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise keyed_error(SecretsFileError, "errors.secrets.mode", path=path, mode=f"{stat.S_IMODE(info.st_mode):04o}")


def _write(ws: Workspace, data: dict[str, dict[str, str]]) -> None:
    """Replace the file atomically; it is created 0600, like every file `atomic_write` makes."""
    text = json.dumps({key: dict(sorted(value.items())) for key, value in data.items()}, ensure_ascii=False,
                      indent=2)
    atomic_write(secrets_path(ws), [(text + "\n").encode("utf-8")])


@contextlib.contextmanager
def _locked(ws: Workspace) -> Iterator[None]:
    """Hold an exclusive lock on secrets.json.lock so two saves never lose each other's change."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    ws.home.mkdir(parents=True, exist_ok=True)
    fd = os.open(ws.home / f"{SECRETS_FILE}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
