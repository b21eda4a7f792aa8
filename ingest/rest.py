"""Read a REST/JSON endpoint as a source: every page fetched, records flattened, column types inferred.

Ad platforms, CRMs and form builders answer JSON: a list of records somewhere in
the body, split into pages. `rest_source` follows the pages, turns the records
into one Arrow table registered on the load's write connection and returns a
`Source`; the load writes the warehouse table. Only the standard library speaks
HTTP, and no message shows a header value or a secret from the URL: API keys
travel in headers, and errors are read by people and logs.

>>> flatten({"id": 1, "geo": {"city": "Paris"}, "tags": ["a"]})
{'id': 1, 'geo.city': 'Paris', 'tags': '["a"]'}
>>> redact_url("https://me:pw@api.example.com/v1/leads?api_key=s3cret&status=open")
'https://api.example.com/v1/leads?api_key=***&status=open'
>>> infer_type([1, 2.5, None]), infer_type([1, "a"]), infer_type([True, None])
('DOUBLE', 'VARCHAR', 'BOOLEAN')
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import count
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

import duckdb
import pyarrow as pa

from errors import IngestError, SourceConnectionError, suggest
from ingest.source import Source, SourceColumn, table_ref

PAGING = ("none", "page", "cursor")
SENSITIVE = ("auth", "key", "token", "secret", "cookie", "pass", "session", "signature")
MAX_BODY_BYTES = 200 * 1024 * 1024
ARROW_TYPES = {"BOOLEAN": pa.bool_(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "VARCHAR": pa.string()}
_INT64 = (-(2**63), 2**63 - 1)
_HINTS = {401: " Check the API key or the other headers.", 403: " Check the API key or the other headers.",
          404: " Check the address.", 429: " The service limits how often it may be called; try again later."}


@dataclass(frozen=True)
class RestSpec:
    """Where the records are and how the endpoint pages them (see the module docstring)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    records_path: str = ""  # dotted path to the list of records: "data.items"; "" = the body itself
    paging: str = "none"  # "none" | "page" | "cursor"
    page_param: str = "page"  # page paging: ?page=1,2,3... until an empty page
    page_size_param: str | None = None
    page_size: int = 100
    cursor_path: str = ""  # cursor paging: dotted path to the next cursor in the body
    cursor_param: str = "cursor"  # sent as ?cursor=<value>; stop when the next cursor is null/empty
    max_pages: int = 1000
    timeout_s: float = 20


def rest_source(con: duckdb.DuckDBPyConnection, spec: RestSpec, view_name: str = "rest_rows") -> Source:
    """Fetch every page of `spec`, register the records on `con` as `view_name` and describe them."""
    rows = [flatten(record) for record in fetch_records(spec)]
    if not rows:
        where = f" at '{spec.records_path}'" if spec.records_path else ""
        raise IngestError(f"{redact_url(spec.url)} returned no records{where}; there is nothing to load.")
    table, columns = to_arrow(rows)
    con.register(view_name, table)
    return Source(relation=table_ref(view_name), columns=columns,
                  label=redact_url(spec.url), first_row=1)


def fetch_records(spec: RestSpec) -> list[dict[str, Any]]:
    """All records of all pages, in order."""
    check_spec(spec)
    pages = {"none": _single_page, "page": _numbered_pages, "cursor": _cursor_pages}[spec.paging]
    return [record for page in pages(spec) for record in page]


def check_spec(spec: RestSpec) -> None:
    """Refuse what cannot work before any request: other schemes, unknown paging, unsendable headers."""
    parts = urlsplit(spec.url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise IngestError(f"Only http:// and https:// addresses can be read; got '{redact_url(spec.url)}'.")
    if spec.paging not in PAGING:
        raise IngestError(f"Unknown paging '{spec.paging}'; use one of: {', '.join(PAGING)}.")
    if spec.paging == "cursor" and not spec.cursor_path:
        raise IngestError("Cursor paging needs cursor_path: where the next cursor is in the body, e.g. 'meta.next'.")
    if spec.max_pages < 1 or spec.timeout_s <= 0:
        raise IngestError("max_pages must be at least 1 and timeout_s more than 0.")
    for name, value in spec.headers.items():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise IngestError(f"The value of header '{name}' has characters HTTP headers cannot carry.") from None
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise IngestError(f"Header '{name}' contains a line break, which HTTP headers cannot carry.")


# --- pages ---------------------------------------------------------------------------------------

def _single_page(spec: RestSpec) -> Iterator[list[dict[str, Any]]]:
    yield page_records(get_json(spec.url, spec), spec, 1)


def _numbered_pages(spec: RestSpec) -> Iterator[list[dict[str, Any]]]:
    """?page=1, 2, 3... until a page has no records; the empty page may be page max_pages + 1."""
    previous: list[dict[str, Any]] | None = None
    for number in count(1):
        records = page_records(get_json(with_params(spec.url, _page_params(spec, number)), spec), spec, number)
        if not records:
            return
        if number > spec.max_pages:
            raise _too_many_pages(spec)
        if records == previous:
            raise IngestError(f"Page {number} of {redact_url(spec.url)} has the same records as page {number - 1}; "
                              f"the service seems to ignore '{spec.page_param}'. Check the paging settings.")
        previous = records
        yield records


def _cursor_pages(spec: RestSpec) -> Iterator[list[dict[str, Any]]]:
    """First page without a cursor, then ?cursor=<next> until the body's next cursor is null or empty."""
    seen: set[str] = set()
    url = with_params(spec.url, _size_params(spec))
    for number in count(1):
        body = get_json(url, spec)
        yield page_records(body, spec, number)
        cursor = next_cursor(body, spec.cursor_path)
        if cursor is None:
            return
        if cursor in seen:
            raise IngestError(f"Page {number} of {redact_url(spec.url)} points back to cursor '{cursor[:40]}', "
                              "which was already read; stopped so the load does not loop forever.")
        if number >= spec.max_pages:
            raise _too_many_pages(spec)
        seen.add(cursor)
        url = with_params(spec.url, {**_size_params(spec), spec.cursor_param: cursor})


def _size_params(spec: RestSpec) -> dict[str, str]:
    return {spec.page_size_param: str(spec.page_size)} if spec.page_size_param else {}


def _page_params(spec: RestSpec, number: int) -> dict[str, str]:
    return {**_size_params(spec), spec.page_param: str(number)}


def _too_many_pages(spec: RestSpec) -> IngestError:
    return IngestError(f"{redact_url(spec.url)} has more than {spec.max_pages} pages. Raise max_pages, or ask "
                       "for less (a date range or a filter in the address).")


def next_cursor(body: Any, path: str) -> str | None:
    """The next cursor at `path`, or None when it is missing, null or empty (the last page)."""
    node = body
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if node is None or node == "" or node is False:
        return None
    return node if isinstance(node, str) else json.dumps(node)


def with_params(url: str, params: dict[str, str]) -> str:
    """`url` with `params` set in its query string (replacing any of the same name).

    >>> with_params("https://x.io/a?page=9&q=1", {"page": "2"})
    'https://x.io/a?q=1&page=2'
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


# --- one request ---------------------------------------------------------------------------------

class _SafeRedirects(HTTPRedirectHandler):
    """Follow redirects only to web addresses, and never carry secret headers to another host."""

    def redirect_request(self, req: Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Request | None:
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            return None
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urlsplit(newurl).netloc != urlsplit(req.full_url).netloc:
            for name in [n for n in new.headers if is_sensitive(n)]:
                del new.headers[name]
        return new


_OPENER = build_opener(_SafeRedirects)


def get_json(url: str, spec: RestSpec) -> Any:
    """GET `url` with the spec's headers and parse the body; every failure becomes a message in words."""
    label, deadline = redact_url(url), time.monotonic() + spec.timeout_s
    request = Request(url, headers={"Accept": "application/json", "User-Agent": "Beacon", **spec.headers})
    try:
        with _OPENER.open(request, timeout=spec.timeout_s) as response:
            body = _read(response, deadline, label)
            charset = response.headers.get_content_charset() or "utf-8"
    except IngestError:
        raise
    except HTTPError as err:
        raise SourceConnectionError(_http_message(err, label, spec)) from None
    except (TimeoutError, URLError) as err:
        if isinstance(err, TimeoutError) or isinstance(err.reason, TimeoutError):
            raise SourceConnectionError(f"{label} did not answer within {spec.timeout_s:g} s.") from None
        raise SourceConnectionError(f"Cannot reach {label}: {err.reason}.") from None
    except (OSError, http.client.HTTPException) as err:
        raise SourceConnectionError(f"The connection to {label} failed: {type(err).__name__}.") from None
    except ValueError:
        raise IngestError(f"The address {label} is not valid.") from None
    return parse_json(body, charset, label, spec)


def _read(response: http.client.HTTPResponse, deadline: float, label: str) -> bytes:
    """The whole body, within the time limit and the size limit."""
    chunks, size = [], 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise IngestError(f"The answer from {label} is larger than {MAX_BODY_BYTES >> 20} MB; "
                              "ask for smaller pages.")
        if time.monotonic() > deadline:
            raise TimeoutError
        chunks.append(chunk)
    return b"".join(chunks)


def _http_message(err: HTTPError, label: str, spec: RestSpec) -> str:
    hint = _HINTS.get(err.code, " The service failed; try again later." if err.code >= 500 else "")
    try:
        said = scrub(err.read(400).decode("utf-8", "replace"), spec).strip()
    except (OSError, http.client.HTTPException, AttributeError):
        said = ""
    said = f" It said: {' '.join(said.split())[:200]}" if said else ""
    return f"{label} answered HTTP {err.code} {err.reason}.{hint}{said}"


def parse_json(body: bytes, charset: str, label: str, spec: RestSpec) -> Any:
    """The body as JSON, or a message that says what came instead."""
    try:
        text = body.decode(charset).lstrip("\ufeff")
    except (LookupError, UnicodeDecodeError):
        raise IngestError(f"The answer from {label} is not readable text in '{charset}'.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        start = " ".join(scrub(text, spec).split())[:80]
        raise IngestError(f"The answer from {label} is not JSON ({err.msg} at line {err.lineno}, column "
                          f"{err.colno}); it starts with: {start!r}") from None


# --- records -------------------------------------------------------------------------------------

def page_records(body: Any, spec: RestSpec, page: int) -> list[dict[str, Any]]:
    """The records of one page; after page 1 a missing or null list counts as an empty page."""
    path, label = spec.records_path, redact_url(spec.url)
    found, node, walked = _walk(body, path)
    if not found or node is None:
        if page > 1:
            return []
        if not found:
            raise IngestError(_missing_message(body, path, walked, node, label))
    if not isinstance(node, list):
        where = f"'{path}'" if path else "The body"
        lists = list_paths(body)
        hint = f" Lists of records are at: {', '.join(lists)}." if lists else ""
        raise IngestError(f"{where} in the answer from {label} is {kind_of(node)}, not a list of records.{hint}")
    for number, record in enumerate(node, start=1):
        if not isinstance(record, dict):
            raise IngestError(f"Record {number} on page {page} of {label} is {kind_of(record)}, "
                              "not an object with named fields.")
    return node


def _walk(body: Any, path: str) -> tuple[bool, Any, list[str]]:
    node, walked = body, []
    for part in path.split(".") if path else []:
        if not isinstance(node, dict) or part not in node:
            return False, node, walked
        node = node[part]
        walked.append(part)
    return True, node, walked


def _missing_message(body: Any, path: str, walked: list[str], node: Any, label: str) -> str:
    """"'data.items' not found; the body has keys: data, meta" — with the near miss and the lists."""
    owner = f"'{'.'.join(walked)}'" if walked else "the body"
    if isinstance(node, dict):
        wanted = path.split(".")[len(walked)]
        close = suggest(wanted, [str(k) for k in node])
        hint = f" Did you mean '{'.'.join([*walked, close[0]])}'?" if close else ""
        has = f"{owner} has keys: {', '.join(map(str, node)) or '(none)'}.{hint}"
    else:
        has = f"{owner} is {kind_of(node)}."
    lists = list_paths(body)
    found = f" Lists of records are at: {', '.join(lists)}." if lists else ""
    return f"'{path}' not found in the answer from {label}; {has}{found}"


def list_paths(body: Any, prefix: str = "", depth: int = 3) -> list[str]:
    """Dotted paths (at most `depth` deep) whose value is a non-empty list of objects: records_path candidates.

    >>> list_paths({"meta": {"n": 2}, "data": {"items": [{"id": 1}]}})
    ['data.items']
    """
    if isinstance(body, list):
        return [prefix] if prefix and body and all(isinstance(r, dict) for r in body) else []
    if not isinstance(body, dict) or depth == 0:
        return []
    found = []
    for key, value in body.items():
        found += list_paths(value, f"{prefix}.{key}" if prefix else str(key), depth - 1)
    return found


def kind_of(value: Any) -> str:
    """A JSON value's kind in words, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    kinds = ((dict, "an object"), (list, "a list"), (str, "text"), ((int, float), "a number"))
    return next((word for types, word in kinds if isinstance(value, types)), type(value).__name__)


# --- records to a table --------------------------------------------------------------------------

def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """One level of nested objects becomes "parent.child" columns; deeper objects and lists become JSON text."""
    row: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for inner, item in value.items():
                row[f"{key}.{inner}"] = _cell(item)
        else:
            row[str(key)] = _cell(value)
    return row


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def infer_type(values: Iterable[Any]) -> str:
    """BOOLEAN, BIGINT or DOUBLE when every non-null value is of that kind; anything mixed is VARCHAR."""
    kinds = {_kind(v) for v in values if v is not None}
    if kinds == {"bool"}:
        return "BOOLEAN"
    if kinds == {"int"}:
        return "BIGINT"
    if kinds and kinds <= {"int", "float"}:
        return "DOUBLE"
    return "VARCHAR"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if _INT64[0] <= value <= _INT64[1] else "text"  # beyond BIGINT: keep every digit as text
    return "float" if isinstance(value, float) else "text"


def to_arrow(rows: list[dict[str, Any]]) -> tuple[pa.Table, tuple[SourceColumn, ...]]:
    """Columns in order of first appearance; a missing field is null."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    arrays, columns = [], []
    for name in names:
        values = [row.get(name) for row in rows]
        kind = infer_type(values)
        arrays.append(pa.array(_convert(values, kind), type=ARROW_TYPES[kind]))
        columns.append(SourceColumn(name, kind))
    return pa.Table.from_arrays(arrays, names=names), tuple(columns)


def _convert(values: list[Any], kind: str) -> list[Any]:
    if kind == "DOUBLE":
        return [None if v is None else float(v) for v in values]
    if kind == "VARCHAR":
        return [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
    return values


# --- secrets -------------------------------------------------------------------------------------

def is_sensitive(name: str) -> bool:
    """Header or query names whose values are never shown: auth, key, token, secret, cookie..."""
    lowered = name.lower()
    return any(word in lowered for word in SENSITIVE)


def redact_url(url: str) -> str:
    """The URL for messages and labels: no user:password, secret query values as ***, no fragment."""
    parts = urlsplit(url)
    query = [(k, "***" if is_sensitive(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path,
                       urlencode(query, safe="*"), ""))


def scrub(text: str, spec: RestSpec) -> str:
    """`text` with the values of secret headers and secret query parameters replaced by ***."""
    secrets = [part for k, v in spec.headers.items() if is_sensitive(k) for part in (v, *v.split())]
    secrets += [v for k, v in parse_qsl(urlsplit(spec.url).query) if is_sensitive(k)]
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
