"""A scripted OpenAI-compatible chat server on 127.0.0.1 for exact LLM-mode cases: each request's
messages go to a script that returns the reply text, or one of the failure behaviours."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG = "<hang>"  # never answer (until the server stops)
FAIL_500 = "<http 500>"
GARBAGE = "<not json>"
EMPTY = "<empty>"

Script = Callable[[list[dict[str, Any]]], str]


@dataclass
class ScriptedLLM:
    script: Script
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    stop: threading.Event = field(default_factory=threading.Event)
    # a streamed reply stops after this many words until `release` is set (None: no pause)
    hold_after: int | None = None
    release: threading.Event = field(default_factory=threading.Event)


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {"role": "assistant", "content": content} if content is not None else {}
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "scripted",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


def _handler(llm: ScriptedLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            request = json.loads(self.rfile.read(length) or b"{}")
            llm.requests.append(request)
            reply = llm.script(request.get("messages", []))
            if reply == HANG:
                llm.stop.wait(60)
                return
            if reply == FAIL_500:
                self._send(500, b'{"error": {"message": "boom"}}', "application/json")
                return
            if reply == GARBAGE:
                self._send(200, b"<html>not json</html>", "application/json")
                return
            text = "" if reply == EMPTY else reply
            if request.get("stream"):
                self._stream(text)
            else:
                self._send(200, json.dumps(_completion(text)).encode(), "application/json")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _stream(self, text: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            words = text.split(" ")
            for i, word in enumerate(words):
                if i == llm.hold_after:
                    llm.release.wait(30)
                self.wfile.write(_chunk(word if i == 0 else f" {word}"))
                self.wfile.flush()
            self.wfile.write(_chunk(None, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "scripted",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@contextmanager
def scripted_llm(script: Script, hold_after: int | None = None) -> Iterator[ScriptedLLM]:
    """Serve `script` on a free local port; `llm.url` is its /v1 base URL. With `hold_after`,
    a streamed reply pauses after that many words until `llm.release` is set."""
    llm = ScriptedLLM(script, hold_after=hold_after)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(llm))
    server.daemon_threads = True
    llm.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield llm
    finally:
        llm.stop.set()
        llm.release.set()
        server.shutdown()
        server.server_close()
