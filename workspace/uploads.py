"""Uploaded files are kept in the workspace, so a table can be reloaded from its original file.

>>> import tempfile
>>> ws_home = Path(tempfile.mkdtemp())
>>> save_upload(ws_home / "uploads", "../../etc/销售 2025.csv", [b"a,b\\n", b"1,2\\n"]).name
'销售 2025.csv'
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

MB = 1024 * 1024


def save_upload(folder: Path, name: str, chunks: Iterable[bytes]) -> Path:
    """Write the upload under its own base name (no path from the browser is trusted), atomically."""
    base = Path(name.replace("\\", "/")).name.strip() or "upload"
    if base in (".", ".."):
        base = "upload"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=folder, delete=False, prefix=".upload-") as handle:
        for chunk in chunks:
            handle.write(chunk)
    target = folder / base
    os.replace(handle.name, target)
    return target
