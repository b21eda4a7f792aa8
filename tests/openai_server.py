"""A real HTTP server speaking the OpenAI chat-completions protocol, with replies scripted by the test.

The server listens on a free localhost port; each POST to /v1/chat/completions
is recorded (path, headers, raw body) and answered with the next scripted reply:
a completion whose message content is given, an HTTP error with an OpenAI-style
error body, or a reply held back longer than the client waits.

>>> with FakeOpenAI() as server:
...     server.reply({"metrics": ["revenue"]})
...     server.base_url.startswith("http://127.0.0.1:")
True

Use it as a fixture: ``from tests.openai_server import openai_server`` in a test module.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]
    raw: str

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.raw)

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.body["messages"]


@dataclass(frozen=True)
class Scripted:
    status: int
    payload: dict[str, Any]
    delay_s: float = 0.0


@dataclass
class FakeOpenAI:
    """Start with `with FakeOpenAI() as server:`; script replies with `reply`, `error` and `stall`."""

    requests: list[Request] = field(default_factory=list)
    _script: deque[Scripted] = field(default_factory=deque)
    _stop: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def reply(self, content: str | dict[str, Any]) -> None:
        """A successful completion whose message content is `content` (a dict is sent as its JSON text)."""
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        self._script.append(Scripted(200, completion(text)))

    def error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        """An HTTP error with the body OpenAI sends: {"error": {"message", "type", "code"}}."""
        self._script.append(Scripted(status, {"error": {"message": message, "type": kind, "code": None}}))

    def stall(self, seconds: float) -> None:
        """A completion sent only after `seconds`: longer than the client's time-out, it is never read."""
        self._script.append(Scripted(200, completion("{}"), seconds))

    def __enter__(self) -> FakeOpenAI:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def answer(self, raw: str, path: str, headers: dict[str, str]) -> Scripted:
        """Record a request and take the next scripted reply (a 500 if the test scripted too few)."""
        self.requests.append(Request(path, headers, raw))
        if path != "/v1/chat/completions":
            return Scripted(404, {"error": {"message": f"Unknown path {path}", "type": "not_found", "code": None}})
        if not self._script:
            return Scripted(500, {"error": {"message": "No scripted reply left", "type": "server_error",
                                            "code": None}})
        scripted = self._script.popleft()
        if scripted.delay_s:
            self._stop.wait(scripted.delay_s)
        return scripted


def completion(content: str, model: str = "test-model") -> dict[str, Any]:
    """A chat.completion object as OpenAI returns it."""
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": content, "refusal": None}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}


def _handler(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
            scripted = server.answer(raw, self.path, {k.lower(): v for k, v in self.headers.items()})
            body = json.dumps(scripted.payload).encode("utf-8")
            try:
                self.send_response(scripted.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a time-out test)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def free_port() -> int:
    """A localhost port nothing listens on (for a connection-refused test)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server
