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
from viz.i18n import keyed_error

PAGING = ("none", "page", "cursor")
SENSITIVE = ("auth", "key", "token", "secret", "cookie", "pass", "session", "signature")
MAX_BODY_BYTES = 200 * 1024 * 1024
ARROW_TYPES = {"BOOLEAN": pa.bool_(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "VARCHAR": pa.string()}
_INT64 = (-(2**63), 2**63 - 1)
_HINTS = {401: "errors.rest.hint.key", 403: "errors.rest.hint.key", 404: "errors.rest.hint.address",
          429: "errors.rest.hint.rate"}  # " Check the API key or the other headers." ...


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
        raise keyed_error(IngestError, "errors.rest.no_records", url=redact_url(spec.url), path=spec.records_path,
                          where_key="errors.rest.at_path" if spec.records_path else "")
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
        raise keyed_error(IngestError, "errors.rest.scheme", url=redact_url(spec.url))
    if spec.paging not in PAGING:
        raise keyed_error(IngestError, "errors.rest.paging", paging=spec.paging, choices=", ".join(PAGING))
    if spec.paging == "cursor" and not spec.cursor_path:
        raise keyed_error(IngestError, "errors.rest.cursor_path")
    if spec.max_pages < 1 or spec.timeout_s <= 0:
        raise keyed_error(IngestError, "errors.rest.limits")
    for name, value in spec.headers.items():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise keyed_error(IngestError, "errors.rest.header_chars", name=name) from None
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise keyed_error(IngestError, "errors.rest.header_break", name=name)


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
            raise keyed_error(IngestError, "errors.rest.same_page", number=number, url=redact_url(spec.url),
                              previous=number - 1, param=spec.page_param)
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
            raise keyed_error(IngestError, "errors.rest.cursor_loop", number=number, url=redact_url(spec.url),
                              cursor=cursor[:40])
        if number >= spec.max_pages:
            raise _too_many_pages(spec)
        seen.add(cursor)
        url = with_params(spec.url, {**_size_params(spec), spec.cursor_param: cursor})


def _size_params(spec: RestSpec) -> dict[str, str]:
    return {spec.page_size_param: str(spec.page_size)} if spec.page_size_param else {}


def _page_params(spec: RestSpec, number: int) -> dict[str, str]:
    return {**_size_params(spec), spec.page_param: str(number)}


def _too_many_pages(spec: RestSpec) -> IngestError:
    return keyed_error(IngestError, "errors.rest.too_many_pages", url=redact_url(spec.url), pages=spec.max_pages)


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
        raise _http_error(err, label, spec) from None
    except (TimeoutError, URLError) as err:
        if isinstance(err, TimeoutError) or isinstance(err.reason, TimeoutError):
            raise keyed_error(SourceConnectionError, "errors.rest.timeout", label=label,
                              seconds=f"{spec.timeout_s:g}") from None
        raise keyed_error(SourceConnectionError, "errors.rest.unreachable", label=label,
                          reason=str(err.reason)) from None
    except (OSError, http.client.HTTPException) as err:
        raise keyed_error(SourceConnectionError, "errors.rest.failed", label=label, error=type(err).__name__) from None
    except ValueError:
        raise keyed_error(IngestError, "errors.rest.bad_address", label=label) from None
    return parse_json(body, charset, label, spec)


def _read(response: http.client.HTTPResponse, deadline: float, label: str) -> bytes:
    """The whole body, within the time limit and the size limit."""
    chunks, size = [], 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise keyed_error(IngestError, "errors.rest.too_large", label=label, mb=MAX_BODY_BYTES >> 20)
        if time.monotonic() > deadline:
            raise TimeoutError
        chunks.append(chunk)
    return b"".join(chunks)


def _http_error(err: HTTPError, label: str, spec: RestSpec) -> SourceConnectionError:
    hint = _HINTS.get(err.code, "errors.rest.hint.server" if err.code >= 500 else "")
    try:
        said = scrub(err.read(400).decode("utf-8", "replace"), spec).strip()
    except (OSError, http.client.HTTPException, AttributeError):
        said = ""
    return keyed_error(SourceConnectionError, "errors.rest.http", label=label, code=err.code, reason=err.reason,
                       hint_key=hint, said_key="errors.rest.said" if said else "", body=" ".join(said.split())[:200])


def parse_json(body: bytes, charset: str, label: str, spec: RestSpec) -> Any:
    """The body as JSON, or a message that says what came instead."""
    try:
        text = body.decode(charset).lstrip("\ufeff")
    except (LookupError, UnicodeDecodeError):
        raise keyed_error(IngestError, "errors.rest.charset", label=label, charset=charset) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        start = " ".join(scrub(text, spec).split())[:80]
        raise keyed_error(IngestError, "errors.rest.not_json", label=label, reason=err.msg, line=err.lineno,
                          column=err.colno, start=repr(start)) from None


# --- records -------------------------------------------------------------------------------------

def page_records(body: Any, spec: RestSpec, page: int) -> list[dict[str, Any]]:
    """The records of one page; after page 1 a missing or null list counts as an empty page."""
    path, label = spec.records_path, redact_url(spec.url)
    found, node, walked = _walk(body, path)
    if not found or node is None:
        if page > 1:
            return []
        if not found:
            raise _missing(body, path, walked, node, label)
    if not isinstance(node, list):
        raise keyed_error(IngestError, "errors.rest.not_a_list", where_key="errors.rest.where_path" if path else
                          "errors.rest.where_body", path=path, label=label, kind_key=kind_key(node), **_lists(body))
    for number, record in enumerate(node, start=1):
        if not isinstance(record, dict):
            raise keyed_error(IngestError, "errors.rest.record_kind", number=number, page=page, label=label,
                              kind_key=kind_key(record))
    return node


def _walk(body: Any, path: str) -> tuple[bool, Any, list[str]]:
    node, walked = body, []
    for part in path.split(".") if path else []:
        if not isinstance(node, dict) or part not in node:
            return False, node, walked
        node = node[part]
        walked.append(part)
    return True, node, walked


def _missing(body: Any, path: str, walked: list[str], node: Any, label: str) -> IngestError:
    """"'data.items' not found; the body has keys: data, meta" — with the near miss and the lists."""
    owner = {"owner_key": "errors.rest.owner_path" if walked else "errors.rest.owner_body", "walked": ".".join(walked)}
    if not isinstance(node, dict):
        return keyed_error(IngestError, "errors.rest.missing_kind", path=path, label=label, **owner,
                           kind_key=kind_key(node), **_lists(body))
    close = suggest(path.split(".")[len(walked)], [str(k) for k in node])
    return keyed_error(IngestError, "errors.rest.missing_keys" if node else "errors.rest.missing_no_keys", path=path,
                       label=label, **owner, keys=", ".join(map(str, node)), **_lists(body),
                       hint_key="errors.did_you_mean" if close else "",
                       suggestions_or=tuple(".".join([*walked, c]) for c in close[:1]))


def _lists(body: Any) -> dict[str, str]:
    """The values of " Lists of records are at: a, b." (left out when the body holds no list of records)."""
    lists = list_paths(body)
    return {"lists_key": "errors.rest.lists" if lists else "", "paths": ", ".join(lists)}


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


def kind_key(value: Any) -> str:
    """The text key of a JSON value's kind in words, for messages: errors.rest.kind.object reads 'an object'."""
    if value is None:
        return "errors.rest.kind.null"
    if isinstance(value, bool):
        return "errors.rest.kind.boolean"
    kinds = ((dict, "object"), (list, "list"), (str, "text"), ((int, float), "number"))
    return "errors.rest.kind." + next((word for types, word in kinds if isinstance(value, types)), "other")


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
