"""Segment lists and warning lists as CSV or Excel for the CRM, with the columns the user chose.

CSV is written with a byte-order mark so Excel opens Chinese segment names correctly;
Excel files are written with xlsxwriter in memory, so the page can offer them as a
download and the CLI can write them to disk.
"""

from __future__ import annotations

import io

import polars as pl

from errors import InputError, UnknownNameError
from viz.i18n import keyed_error

FORMATS = ("csv", "xlsx")


def export_bytes(frame: pl.DataFrame, columns: list[str], fmt: str = "csv") -> bytes:
    """The chosen columns of the frame as a CSV or Excel file."""
    for name in columns:
        if name not in frame.columns:
            raise UnknownNameError("column", name, frame.columns)
    if not columns:
        raise keyed_error(InputError, "errors.export.no_columns")
    if fmt not in FORMATS:
        raise keyed_error(InputError, "errors.export.format", format=fmt)
    chosen = frame.select(columns)
    buffer = io.BytesIO()
    if fmt == "csv":
        buffer.write(b"\xef\xbb\xbf")
        chosen.write_csv(buffer)
    else:
        chosen.write_excel(buffer, worksheet="segments", autofit=True)
    return buffer.getvalue()
