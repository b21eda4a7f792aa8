"""Atomic file writes: a temporary file beside the target, flushed to disk, renamed over it.

A crash or a full disk mid-write leaves the old file whole; readers never see half a file.

>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "a" / "note.txt"
>>> atomic_write(path, [b"hello"])
>>> path.read_bytes(), oct(path.stat().st_mode & 0o777)
(b'hello', '0o600')
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def atomic_write(path: Path, chunks: Iterable[bytes], mode: int = 0o600) -> None:
    """Write `chunks` to `path` in one step (owner-only by default); OSError leaves nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if mode != 0o600:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_dir(path.parent)


def _sync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless to skip where directories cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
