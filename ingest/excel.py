"""Excel sheets as tables: the header found under report titles, merged headers flattened, every cell as text.

Marketing workbooks are made for people: a title and a blank row above the table, a
two-row header with "2019" merged over "销售额" and "利润", empty spacer columns. Each
sheet becomes a temporary DuckDB table of strings (dates as ISO text, numbers as their
shortest text) so the types step decides types the same way for Excel and CSV.

fastexcel (calamine) does not report merged ranges: a merged cell's text is in its
top-left cell and the other cells of the range read as empty. The header flattening
below therefore infers a horizontal merge from the row beneath it (see `flatten_header`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from pathlib import Path

import duckdb
import fastexcel
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from errors import IngestError, suggest
from ingest.sniff import column_names
from ingest.source import Source, SourceColumn
from viz.i18n import keyed_error

Row = Sequence[str | None]
HEAD_ROWS = 60  # rows looked at to find the header
_VALUE = re.compile(r"^\s*[(+-]?[¥$€£]?\s*\d[\d,]*(\.\d+)?([eE][+-]?\d+)?\s*%?\)?\s*$"  # 1,234.5  -12%  ¥3
                    r"|^\d{4}-\d\d-\d\d( \d\d:\d\d:\d\d)?$")  # dates as calamine writes them
_LABEL_NUMBER = re.compile(r"^\s*\d{1,4}\s*$")  # a year or a small number can label a column group


def sheet_names(path: Path, name: str) -> list[str]:
    """Every sheet of the workbook at `path`, in workbook order (`name` is what messages call the file)."""
    return list(_reader(path, name).sheet_names)


def open_sheets(con: duckdb.DuckDBPyConnection, path: Path, name: str,
                sheets: list[str] | None = None) -> list[Source]:
    """One Source per non-empty sheet (all sheets when `sheets` is None); an empty named sheet is an error."""
    reader = _reader(path, name)
    wanted = list(reader.sheet_names) if sheets is None else _known(sheets, reader.sheet_names, name)
    sources = []
    for sheet in wanted:
        source = sheet_source(con, _load(reader, sheet, name), name, sheet)
        if source is None and sheets is not None:
            raise keyed_error(IngestError, "errors.ingest.sheet_empty", file=name, sheet=sheet)
        if source is not None:
            sources.append(source)
    if not sources:
        raise keyed_error(IngestError, "errors.ingest.sheets_empty", file=name)
    return sources


def _reader(path: Path, name: str) -> fastexcel.ExcelReader:
    try:
        return fastexcel.read_excel(str(path))
    except (fastexcel.FastExcelError, OSError, ValueError) as err:
        raise keyed_error(IngestError, "errors.ingest.excel_unreadable", file=name, reason=_first_line(err)) from err


def _known(sheets: list[str], available: list[str], name: str) -> list[str]:
    for sheet in sheets:
        if sheet not in available:
            hints = suggest(sheet, available)
            if hints:
                raise keyed_error(IngestError, "errors.ingest.no_sheet_hint", file=name, sheet=repr(sheet),
                                  hint=repr(hints[0]))
            raise keyed_error(IngestError, "errors.ingest.no_sheet", file=name, sheet=repr(sheet),
                              sheets=", ".join(available))
    return sheets


def _load(reader: fastexcel.ExcelReader, sheet: str, name: str) -> pa.Table:
    """The whole sheet from row 1, every cell as a string (None when empty)."""
    try:
        batch = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_arrow()
    except (fastexcel.FastExcelError, ValueError) as err:
        raise keyed_error(IngestError, "errors.ingest.sheet_unreadable", file=name, sheet=sheet,
                          reason=_first_line(err)) from err
    return pa.Table.from_batches([batch])


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def sheet_source(con: duckdb.DuckDBPyConnection, table: pa.Table, label: str,
                 sheet: str | None = None) -> Source | None:
    """The table under the sheet's header as a temp table on `con`; None for a sheet with no values."""
    table = _drop_empty_columns(table)
    if table.num_columns == 0:
        return None
    head = [list(r.values()) for r in table.slice(0, HEAD_ROWS).to_pylist()]
    top, bottom = find_header(head)
    names = flatten_header(head[top:bottom + 1]) if bottom >= top else [None] * table.num_columns
    body = table.slice(bottom + 1)
    keep = [i for i, n in enumerate(names) if n is not None or _filled_count(body.column(i)) > 0]
    body = body.select(keep).rename_columns(column_names([names[i] for i in keep]))
    body, skipped = _drop_empty_rows(body)
    body = pa.table({n: _tidy_dates(body.column(n)) for n in body.column_names})
    relation = _temp_table(con, body)
    columns = tuple(SourceColumn(n, "VARCHAR") for n in body.column_names)
    return Source(relation, columns, label, first_row=bottom + 2 + skipped, sheet=sheet)


def _blank(cell: str | None) -> bool:
    return cell is None or not cell.strip()


def _filled_count(column: pa.ChunkedArray) -> int:
    return pc.sum(_filled_mask(column)).as_py() or 0


def _filled_mask(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(column), ""), False)


def _drop_empty_columns(table: pa.Table) -> pa.Table:
    return table.select([i for i in range(table.num_columns) if _filled_count(table.column(i)) > 0])


def _drop_empty_rows(table: pa.Table) -> tuple[pa.Table, int]:
    """The rows with at least one value, and how many empty rows came before the first of them."""
    if table.num_rows == 0 or table.num_columns == 0:
        return table, 0
    mask = _filled_mask(table.column(0))
    for i in range(1, table.num_columns):
        mask = pc.or_(mask, _filled_mask(table.column(i)))
    first = pc.index(mask, True).as_py()
    return table.filter(mask), max(first, 0)


def find_header(rows: list[Row]) -> tuple[int, int]:
    """First and last header row (0-based): the first wide, mostly-text row, widened by merged group rows.

    Rows under half the table's width (titles, notes) and blank rows above are skipped.
    When a wide row of values comes first, the table has no header: (n, n - 1), n its row.

    >>> find_header([["Sales 2019", None, None], [None, None, None], ["Region", "Q1", "Q2"], ["North", "3", "4"]])
    (2, 2)
    """
    width = max((_filled(r) for r in rows), default=0)
    need = max(2 if width >= 2 else 1, width / 2)
    for i, row in enumerate(rows[:30]):
        if _filled(row) < need:
            continue  # a title or a note
        if _text_share(row) <= 0.5:
            if i + 1 < len(rows) and _is_group_row(row, rows[i + 1]) and _text_share(rows[i + 1]) > 0.5:
                continue  # numeric group labels ("2019" over "销售额"): the header row below takes them up
            return i, i - 1
        top, bottom = i, i
        while top > 0 and i - top < 2 and _is_group_row(rows[top - 1], rows[top]):
            top -= 1
        while bottom + 2 < len(rows) and bottom - i < 2 and _is_sub_header(rows[bottom], *rows[bottom + 1:bottom + 3]):
            bottom += 1
        return top, bottom
    first = next((i for i, r in enumerate(rows) if _filled(r)), 0)
    return first, first - 1


def _filled(row: Row) -> int:
    return sum(not _blank(c) for c in row)


def _text_share(row: Row) -> float:
    cells = [c for c in row if not _blank(c)]
    return sum(not _VALUE.match(c or "") for c in cells) / max(len(cells), 1)


def _spans(upper: Row, lower: Row) -> bool:
    """Upper has a merged-looking cell: text followed by blanks, with sub-labels under both."""
    return any(_blank(upper[c]) and not _blank(lower[c]) and not _blank(upper[c - 1]) and not _blank(lower[c - 1])
               for c in range(1, len(upper)))


def _is_group_row(upper: Row, lower: Row) -> bool:
    """A row of group labels ("2019" over "销售额 | 利润") right above the header row."""
    return _filled(upper) >= 2 and _spans(upper, lower)


def _is_sub_header(upper: Row, lower: Row, after: Row | None = None) -> bool:
    """Labels under a header row whose group cells are merged (and some cells merged down two rows)."""
    if after is None or not _spans(upper, lower):
        return False
    vertical = any(not _blank(u) and _blank(lo) for u, lo in zip(upper, lower, strict=True))
    labels = all(_blank(c) or not _VALUE.match(c or "") or _LABEL_NUMBER.match(c or "") for c in lower)
    data_below = any(not _blank(lo) and not _blank(a) and _VALUE.match(a or "") and not _LABEL_NUMBER.match(a or "")
                     for lo, a in zip(lower, after, strict=True))
    return vertical and labels and data_below


def flatten_header(block: list[Row]) -> list[str | None]:
    """One name per column from a header block: group labels repeat over their span and join with a space.

    >>> flatten_header([["地区", "2019", None, "2020", None], [None, "销售额", "利润", "销售额", "利润"]])
    ['地区', '2019 销售额', '2019 利润', '2020 销售额', '2020 利润']
    """
    filled = [list(r) for r in block]
    for r in reversed(range(len(filled) - 1)):
        upper, lower = filled[r], filled[r + 1]
        for c in range(1, len(upper)):
            if _blank(upper[c]) and not _blank(upper[c - 1]) and not _blank(lower[c - 1]) and not _blank(lower[c]):
                upper[c] = upper[c - 1]
    names = []
    for parts in zip(*filled, strict=True):
        words = list(dict.fromkeys(p.strip() for p in parts if not _blank(p)))
        names.append(" ".join(words) or None)
    return names


def _tidy_dates(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """calamine writes a date as 'YYYY-MM-DD 00:00:00' and a time as '1899-12-31 HH:MM:SS': keep what was meant."""
    column = pc.replace_substring_regex(column, r"^1899-12-31 (\d\d:\d\d:\d\d)$", r"\1")
    stamps = pc.sum(pc.match_substring_regex(column, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")).as_py() or 0
    midnights = pc.sum(pc.match_substring_regex(column, r"^\d{4}-\d\d-\d\d 00:00:00$")).as_py() or 0
    if stamps and stamps == midnights:
        column = pc.replace_substring_regex(column, r"^(\d{4}-\d\d-\d\d) 00:00:00$", r"\1")
    return column


def _temp_table(con: duckdb.DuckDBPyConnection, table: pa.Table) -> exp.Table:
    """Copy the Arrow table into a temp table, so the load does not depend on a Python object staying alive."""
    name = f"beacon_sheet_{uuid.uuid4().hex[:12]}"
    view = f"{name}_arrow"
    con.register(view, table)
    try:
        con.execute(exp.Create(this=exp.to_table(name), kind="TABLE", expression=exp.select("*").from_(view),
                               properties=exp.Properties(expressions=[exp.TemporaryProperty()])).sql("duckdb"))
    finally:
        con.unregister(view)
    return exp.to_table(name)
