"""The REST source against a real HTTP server on a free port: pages, cursors, nesting, types and failures.

The server is a `ThreadingHTTPServer` in a thread serving scripted JSON; every
test scans the returned Source in DuckDB the way the load does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest
from sqlglot import exp

from errors import BeaconError, IngestError, SourceConnectionError
from ingest.rest import RestSpec, redact_url, rest_source
from ingest.source import Source

API_KEY = "sk-live-7f3a9c2e41"
PEOPLE = [{"id": i, "name": n} for i, n in enumerate(["Ana", "Bo", "Chen", "Dee", "Eli", "Fay", "Gus"], 1)]
PAGES = [PEOPLE[0:3], PEOPLE[3:6], PEOPLE[6:7]]
CURSORS = {None: ("c2", PAGES[0]), "c2": ("c3", PAGES[1]), "c3": (None, PAGES[2])}
NESTED = [
    {"id": 1, "geo": {"city": "上海", "zip": "200000", "point": {"lat": 31.2}}, "tags": ["vip", "new"], "ok": True},
    {"id": 2, "geo": {"city": "Paris"}, "tags": [], "ok": False, "extra": 2.5},
]
MIXED = [
    {"n": 1, "x": 1, "flag": True, "code": "A1", "big": 1, "blank": None},
    {"n": 2, "x": 2.5, "flag": None, "code": 7, "big": 2**70, "blank": None},
    {"n": 3, "x": None, "flag": False, "code": True, "big": 3, "blank": None},
]


def _page_body(page: int) -> Any:
    return {"data": {"items": PAGES[page - 1] if page <= len(PAGES) else []}, "meta": {"page": page}}


def _cursor_body(cursor: str | None) -> Any:
    following, items = CURSORS[cursor]
    return {"results": items, "meta": {"next": following}}


class Handler(BaseHTTPRequestHandler):
    """Scripted endpoints; `seen` records each request's query for the paging assertions."""

    seen: list[dict[str, list[str]]] = []  # noqa: RUF012 - shared on purpose

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        Handler.seen.append(parse_qs(parts.query))
        route = ROUTES.get(parts.path)
        if route is None:
            return self._send(404, {"error": "no such endpoint"})
        route(self, query)
        return None

    def _send(self, status: int, body: Any, raw: bytes | None = None, headers: dict[str, str] | None = None) -> None:
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (the time-out test)
            pass

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


def _secure(h: Handler, q: dict[str, str]) -> None:
    given = h.headers.get("X-API-Key", "")
    if given != API_KEY:
        return h._send(401, {"error": f"invalid key {given}"})  # echoes the key, as some services do
    return h._send(200, PEOPLE[:2])


def _slow(h: Handler, q: dict[str, str]) -> None:
    time.sleep(1.5)
    h._send(200, PEOPLE)


def _redirect(h: Handler, q: dict[str, str]) -> None:
    port = h.server.server_address[1]
    h._send(302, {}, headers={"Location": f"http://localhost:{port}/echo-headers"})


ROUTES = {
    "/plain": lambda h, q: h._send(200, PEOPLE),
    "/paged": lambda h, q: h._send(200, _page_body(int(q.get("page", "1")))),
    "/cursor": lambda h, q: h._send(200, _cursor_body(q.get("after"))),
    "/nested": lambda h, q: h._send(200, {"records": NESTED}),
    "/mixed": lambda h, q: h._send(200, MIXED),
    "/secure": _secure,
    "/boom": lambda h, q: h._send(500, {"error": "database on fire"}),
    "/slow": _slow,
    "/notjson": lambda h, q: h._send(200, None, raw=b"<html><body>Please log in</body></html>"),
    "/loop": lambda h, q: h._send(200, {"results": PEOPLE[:1], "next": "same-again"}),
    "/forever": lambda h, q: h._send(200, [{"page": int(q.get("page", "1"))}]),
    "/stuck": lambda h, q: h._send(200, [{"id": 1}]),
    "/scalars": lambda h, q: h._send(200, {"data": [1, 2, 3]}),
    "/empty": lambda h, q: h._send(200, {"data": []}),
    "/redirect": _redirect,
    "/echo-headers": lambda h, q: h._send(200, [{k.lower(): v for k, v in h.headers.items()}]),
}


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def scan(con: duckdb.DuckDBPyConnection, source: Source, order: str = "") -> list[tuple]:
    """The rows as the load would read them: SELECT * FROM <relation>."""
    select = exp.select("*").from_(source.relation)
    if order:
        select = select.order_by(exp.column(order, quoted=True))
    return con.execute(select.sql("duckdb")).fetchall()


def types(con: duckdb.DuckDBPyConnection, source: Source) -> dict[str, str]:
    described = con.execute(exp.Describe(this=source.relation).sql("duckdb")).fetchall()
    return {row[0]: row[1] for row in described}


def test_a_plain_list_arrives_row_for_row(base: str, con: duckdb.DuckDBPyConnection) -> None:
    source = rest_source(con, RestSpec(f"{base}/plain"))
    assert scan(con, source) == [(p["id"], p["name"]) for p in PEOPLE]
    assert types(con, source) == {"id": "BIGINT", "name": "VARCHAR"}
    assert [(c.name, c.type) for c in source.columns] == [("id", "BIGINT"), ("name", "VARCHAR")]
    assert source.label == f"{base}/plain" and source.first_row == 1


def test_page_paging_reads_three_pages_then_stops_at_the_empty_one(base: str, con: duckdb.DuckDBPyConnection) -> None:
    Handler.seen.clear()
    spec = RestSpec(f"{base}/paged?status=open", records_path="data.items", paging="page",
                    page_size_param="per_page", page_size=3)
    source = rest_source(con, spec, view_name="paged rows")
    assert scan(con, source) == [(p["id"], p["name"]) for p in PEOPLE]
    assert [q["page"] for q in Handler.seen] == [["1"], ["2"], ["3"], ["4"]]
    assert all(q["per_page"] == ["3"] and q["status"] == ["open"] for q in Handler.seen)


def test_cursor_paging_follows_the_cursor_until_null(base: str, con: duckdb.DuckDBPyConnection) -> None:
    Handler.seen.clear()
    spec = RestSpec(f"{base}/cursor", records_path="results", paging="cursor", cursor_path="meta.next",
                    cursor_param="after")
    source = rest_source(con, spec)
    assert [row[0] for row in scan(con, source)] == [1, 2, 3, 4, 5, 6, 7]
    assert [q.get("after") for q in Handler.seen] == [None, ["c2"], ["c3"]]


def test_nested_objects_flatten_one_level_and_lists_stay_json(base: str, con: duckdb.DuckDBPyConnection) -> None:
    source = rest_source(con, RestSpec(f"{base}/nested", records_path="records"))
    assert types(con, source) == {"id": "BIGINT", "geo.city": "VARCHAR", "geo.zip": "VARCHAR",
                                  "geo.point": "VARCHAR", "tags": "VARCHAR", "ok": "BOOLEAN", "extra": "DOUBLE"}
    assert scan(con, source, order="id") == [
        (1, "上海", "200000", '{"lat": 31.2}', '["vip", "new"]', True, None),
        (2, "Paris", None, None, "[]", False, 2.5),
    ]


def test_types_are_inferred_across_all_records(base: str, con: duckdb.DuckDBPyConnection) -> None:
    source = rest_source(con, RestSpec(f"{base}/mixed"))
    assert types(con, source) == {"n": "BIGINT", "x": "DOUBLE", "flag": "BOOLEAN", "code": "VARCHAR",
                                  "big": "VARCHAR", "blank": "VARCHAR"}
    assert scan(con, source, order="n") == [
        (1, 1.0, True, "A1", "1", None),
        (2, 2.5, None, "7", str(2**70), None),
        (3, None, False, "true", "3", None),
    ]


def test_a_header_key_is_sent_and_never_shown(base: str, con: duckdb.DuckDBPyConnection) -> None:
    source = rest_source(con, RestSpec(f"{base}/secure", headers={"X-API-Key": API_KEY}))
    assert [row[1] for row in scan(con, source)] == ["Ana", "Bo"]
    wrong = "sk-live-WRONG-0000"
    with pytest.raises(SourceConnectionError) as caught:
        rest_source(con, RestSpec(f"{base}/secure", headers={"X-API-Key": wrong}))
    message = str(caught.value)
    assert "401" in message and f"{base}/secure" in message and "API key" in message
    assert wrong not in message and API_KEY not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_secrets_in_the_query_string_stay_out_of_labels_and_errors(base: str,
                                                                   con: duckdb.DuckDBPyConnection) -> None:
    source = rest_source(con, RestSpec(f"{base}/plain?api_key=hunter22&region=eu"))
    assert source.label == f"{base}/plain?api_key=***&region=eu"
    with pytest.raises(SourceConnectionError) as caught:
        rest_source(con, RestSpec(f"{base}/boom?access_token=hunter22"))
    assert "hunter22" not in str(caught.value)
    assert redact_url("https://u:pw@x.io/a?Token=t&q=1#frag") == "https://x.io/a?Token=***&q=1"


def test_a_server_error_names_status_and_address(base: str, con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(SourceConnectionError, match=r"/boom answered HTTP 500 Internal Server Error\. "
                                                    r"The service failed; try again later\. It said: .*on fire"):
        rest_source(con, RestSpec(f"{base}/boom"))


def test_a_slow_endpoint_times_out_in_words(base: str, con: duckdb.DuckDBPyConnection) -> None:
    started = time.perf_counter()
    with pytest.raises(SourceConnectionError, match=r"/slow did not answer within 0\.3 s"):
        rest_source(con, RestSpec(f"{base}/slow", timeout_s=0.3))
    assert time.perf_counter() - started < 1.4


def test_a_body_that_is_not_json(base: str, con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(IngestError, match=r"/notjson is not JSON \(Expecting value at line 1, column 1\); "
                                          r"it starts with: '<html><body>Please log in"):
        rest_source(con, RestSpec(f"{base}/notjson"))


def test_a_missing_records_path_lists_the_keys_there_are(base: str, con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(IngestError) as caught:
        rest_source(con, RestSpec(f"{base}/paged", records_path="data.itemz"))
    assert str(caught.value) == (f"'data.itemz' not found in the answer from {base}/paged; 'data' has keys: items. "
                                 "Did you mean 'data.items'? Lists of records are at: data.items.")
    with pytest.raises(IngestError, match=r"; the body has keys: data, meta\."):
        rest_source(con, RestSpec(f"{base}/paged", records_path="items"))
    with pytest.raises(IngestError, match=r"The body .* is an object, not a list of records\. "
                                          r"Lists of records are at: data\.items\."):
        rest_source(con, RestSpec(f"{base}/paged"))


def test_records_that_are_not_objects(base: str, con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(IngestError, match=r"Record 1 on page 1 of .*/scalars is a number, not an object"):
        rest_source(con, RestSpec(f"{base}/scalars", records_path="data"))
    with pytest.raises(IngestError, match=r"/empty returned no records at 'data'"):
        rest_source(con, RestSpec(f"{base}/empty", records_path="data"))


def test_a_cursor_that_loops_is_stopped(base: str, con: duckdb.DuckDBPyConnection) -> None:
    Handler.seen.clear()
    spec = RestSpec(f"{base}/loop", records_path="results", paging="cursor", cursor_path="next")
    with pytest.raises(IngestError, match=r"Page 2 of .*/loop points back to cursor 'same-again'"):
        rest_source(con, spec)
    assert len(Handler.seen) == 2


def test_too_many_pages_and_a_page_parameter_the_server_ignores(base: str, con: duckdb.DuckDBPyConnection) -> None:
    Handler.seen.clear()
    with pytest.raises(IngestError, match=r"/forever has more than 5 pages\. Raise max_pages"):
        rest_source(con, RestSpec(f"{base}/forever", paging="page", max_pages=5))
    assert len(Handler.seen) == 6
    with pytest.raises(IngestError, match=r"Page 2 of .*/stuck has the same records as page 1"):
        rest_source(con, RestSpec(f"{base}/stuck", paging="page"))


def test_exactly_max_pages_of_data_is_fine(base: str, con: duckdb.DuckDBPyConnection) -> None:
    spec = RestSpec(f"{base}/paged", records_path="data.items", paging="page", max_pages=3)
    assert len(scan(con, rest_source(con, spec))) == 7
    cursor = RestSpec(f"{base}/cursor", records_path="results", paging="cursor", cursor_path="meta.next",
                      cursor_param="after", max_pages=2)
    with pytest.raises(IngestError, match="more than 2 pages"):
        rest_source(con, cursor)


def test_a_redirect_to_another_host_drops_secret_headers(base: str, con: duckdb.DuckDBPyConnection) -> None:
    spec = RestSpec(f"{base}/redirect", headers={"X-API-Key": API_KEY, "X-Client": "beacon-test"})
    source = rest_source(con, spec)
    received = dict(zip([c.name for c in source.columns], scan(con, source)[0], strict=True))
    assert received["host"].startswith("localhost:")
    assert received["x-client"] == "beacon-test" and "x-api-key" not in received


@pytest.mark.parametrize(("spec", "words"), [
    (RestSpec("file:///etc/passwd"), "Only http:// and https://"),
    (RestSpec("ftp://example.com/x.json"), "Only http:// and https://"),
    (RestSpec("http://127.0.0.1:1/x", paging="scroll"), "Unknown paging 'scroll'"),
    (RestSpec("http://127.0.0.1:1/x", paging="cursor"), "Cursor paging needs cursor_path"),
    (RestSpec("http://127.0.0.1:1/x", headers={"Authorization": "Bearer a\r\nX: y"}), "line break"),
])
def test_specs_that_cannot_work_are_refused_before_any_request(spec: RestSpec, words: str,
                                                               con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(IngestError, match=words):
        rest_source(con, spec)


def test_an_unreachable_host_is_a_connection_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(SourceConnectionError, match=r"Cannot reach http://127\.0\.0\.1:1/x") as caught:
        rest_source(con, RestSpec("http://127.0.0.1:1/x", timeout_s=2))
    assert isinstance(caught.value, BeaconError)
