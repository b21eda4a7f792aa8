"""Saved database connections: the only place Beacon keeps a password.

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
import tempfile
from collections.abc import Iterator
from pathlib import Path

from errors import InputError, SecretsFileError, UnknownNameError
from ingest.names import safe_name
from workspace.home import Workspace

SECRETS_FILE = "secrets.json"
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
        raise InputError(f"The connection '{name}' needs a URI such as postgresql://user:password@host/database.")
    with _locked(ws):
        connections = _read(ws)
        connections[name] = uri.strip()
        _write(ws, connections)


def connection_uri(ws: Workspace, name: str) -> str:
    """The URI (with its password) of a saved connection, for a driver and nothing else."""
    connections = _read(ws)
    if name not in connections:
        raise UnknownNameError("connection", name, connections)
    return connections[name]


def connection_names(ws: Workspace) -> list[str]:
    """Names of the saved connections, sorted; safe to show anywhere."""
    return sorted(_read(ws))


def delete_connection(ws: Workspace, name: str) -> None:
    """Forget a saved connection; its password is gone from disk once the new file replaces the old."""
    with _locked(ws):
        connections = _read(ws)
        if name not in connections:
            raise UnknownNameError("connection", name, connections)
        del connections[name]
        _write(ws, connections)


def secrets_path(ws: Workspace) -> Path:
    return ws.home / SECRETS_FILE


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        # No hint built from something that looks like a URI: it may carry a password.
        hint = "" if "://" in str(name) else f": try '{safe_name(str(name), 'connection')}'"
        raise InputError("A connection name uses lowercase letters, digits and _ and starts with a letter "
                         f"(at most 63 characters){hint}.")


def _read(ws: Workspace) -> dict[str, str]:
    path = secrets_path(ws)
    try:
        with path.open("rb") as handle:
            _check_private(path, os.fstat(handle.fileno()))
            raw = handle.read()
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        # The position only: the text around it may be a password.
        raise SecretsFileError(f"{path} is not a valid secrets file ({type(err).__name__} at byte "
                               f"{getattr(err, 'pos', getattr(err, 'start', '?'))}). Fix or delete it and "
                               "save the connections again.") from None
    connections = data.get("connections") if isinstance(data, dict) else None
    if not isinstance(connections, dict) or not all(isinstance(v, str) for v in connections.values()):
        raise SecretsFileError(f"{path} should hold {{\"connections\": {{name: uri}}}}. Fix or delete it.")
    return dict(connections)


def _check_private(path: Path, info: os.stat_result) -> None:
    """Refuse a file others can read or write, or that another user owns (POSIX only)."""
    if os.name != "posix":
        return
    if info.st_uid != os.geteuid():
        raise SecretsFileError(f"{path} belongs to another user; Beacon only reads a secrets file you own.")
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsFileError(f"{path} can be read or changed by other users (mode "
                               f"{stat.S_IMODE(info.st_mode):04o}). Run `chmod 600 {path}` and consider "
                               "changing the passwords it holds.")


def _write(ws: Workspace, connections: dict[str, str]) -> None:
    """Write a 0600 temporary file beside the target, flush it to disk, then rename it over the target."""
    ws.home.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"connections": dict(sorted(connections.items()))}, ensure_ascii=False, indent=2)
    fd, temp = tempfile.mkstemp(prefix=".secrets-", suffix=".tmp", dir=ws.home)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, secrets_path(ws))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_dir(ws.home)


def _sync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless to skip where directories cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
