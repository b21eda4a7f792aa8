"""Uploaded files are kept in the workspace, so a table can be reloaded from its original file.

>>> import tempfile
>>> ws_home = Path(tempfile.mkdtemp())
>>> save_upload(ws_home / "uploads", "../../etc/销售 2025.csv", [b"a,b\\n", b"1,2\\n"]).name
'销售 2025.csv'
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from workspace.files import atomic_write

MB = 1024 * 1024


def save_upload(folder: Path, name: str, chunks: Iterable[bytes]) -> Path:
    """Write the upload under its own base name (no path from the browser is trusted), atomically."""
    base = Path(name.replace("\\", "/")).name.strip() or "upload"
    if base in (".", ".."):
        base = "upload"
    target = folder / base
    atomic_write(target, chunks)
    return target
