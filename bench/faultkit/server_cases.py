"""Chroma server helpers and the server cases: a frozen server, a server killed and restarted."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from ingest.errors import StoreError
from qa.engine import QAEngine

from .common import (
    CORPUS,
    LOCAL,
    SERVER_TIMEOUT_S,
    VISIT,
    CheckFailed,
    Context,
    Skip,
    answers_s400,
    bounded,
    expect,
    keep_asking,
    log_tail,
    one_line,
    wait_for,
)

# ---- Chroma servers ---------------------------------------------------------------------------


def chroma_executable() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("chroma")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCAL, 0))
        return sock.getsockname()[1]


def heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{LOCAL}:{port}/api/v2/heartbeat", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def start_server(ctx: Context, data: Path, port: int, name: str) -> subprocess.Popen:
    """`chroma run` on 127.0.0.1:port over the folder `data`, answering heartbeats."""
    executable = chroma_executable()
    if executable is None:
        raise Skip("the `chroma` executable is not installed")
    command = [executable, "run", "--path", data, "--host", LOCAL, "--port", str(port)]
    process = ctx.spawn(name, command)
    up = wait_for(lambda: heartbeat(port) or process.poll() is not None, 60, 0.2)
    expect(up and process.poll() is None, f"chroma run did not come up: {log_tail(process)}")
    return process


# ---- case 5: a frozen Chroma server -------------------------------------------------------------


def _ask_frozen(engine: QAEngine, limit: float) -> tuple[str, float]:
    started = time.monotonic()
    try:
        answer = bounded(lambda: engine.ask(VISIT), limit, "ask against a frozen server")
    except StoreError as exc:
        return one_line(exc, 160), time.monotonic() - started
    raise CheckFailed(f"ask answered while the server was frozen: {one_line(answer.text)}")


def case_frozen_server(ctx: Context) -> tuple[bool, str]:
    folder = ctx.fresh("frozen")
    port = free_port()
    server = start_server(ctx, folder / "db", port, "chroma-frozen")
    engine = ctx.server_engine(port, "frozen")
    expect(len(engine.ingest([CORPUS]).added) == 2, "ingest over the server")
    answers_s400(engine)
    os.kill(server.pid, signal.SIGSTOP)
    try:
        message, took = _ask_frozen(engine, SERVER_TIMEOUT_S * 4 + 10)
    finally:
        os.kill(server.pid, signal.SIGCONT)
    expect("did not answer within" in message, f"unclear error: {message}")
    expect(took <= SERVER_TIMEOUT_S * 2 + 2, f"the error took {took:.1f} s")
    answers_s400(engine)
    return True, (
        f"`chroma run` stopped with SIGSTOP: ask is a StoreError after {took:.1f} s "
        f"(chroma_timeout_s={SERVER_TIMEOUT_S:g}: {message!r}); after SIGCONT the same engine "
        "answers $2.5 billion"
    )


# ---- system case: a Chroma server killed and restarted mid-ask ---------------------------------


def _outcomes_after(log: list[dict[str, Any]], since: float) -> list[dict[str, Any]]:
    return [entry for entry in list(log) if entry["t"] >= since]


def _kill_and_restart(ctx: Context, engine: QAEngine, data: Path, port: int, server: Any) -> str:
    """Kill the server while a thread keeps asking, restart it; what the asker saw."""
    log: list[dict[str, Any]] = []
    stop = threading.Event()
    asker = threading.Thread(target=keep_asking, args=(engine, stop, log), daemon=True)
    asker.start()
    try:
        expect(wait_for(lambda: len(log) >= 2, 60), "no answers before the kill")
        killed_at = time.time()
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        expect(
            wait_for(lambda: any(e["error"] for e in _outcomes_after(log, killed_at)), 60),
            "no error while the server was dead",
        )
        restarted_at = time.time()
        start_server(ctx, data, port, "chroma-restarted")
        recovered = wait_for(
            lambda: any(not e["error"] for e in _outcomes_after(log, restarted_at)), 90
        )
    finally:
        stop.set()
        asker.join(timeout=60)
    errors = [e["error"] for e in _outcomes_after(log, killed_at) if e["error"]]
    unclear = [e for e in errors if not e.startswith("StoreError: the Chroma server at http")]
    expect(not unclear, f"unclear errors: {unclear[:2]}")
    expect(recovered, f"the same engine never answered again after the restart: {errors[-1:]}")
    invalid = [p for e in log for p in e["invalid"]]
    expect(not invalid, f"invalid citations: {invalid[:3]}")
    return f"{len(errors)} StoreErrors while it was down (e.g. {errors[0][:110]!r})"


def case_server_restart(ctx: Context) -> tuple[bool, str]:
    folder = ctx.fresh("restart")
    port = free_port()
    server = start_server(ctx, folder / "db", port, "chroma-killed")
    engine = ctx.server_engine(port, "restart")
    expect(len(engine.ingest([CORPUS]).added) == 2, "ingest over the server")
    answers_s400(engine)
    seen = _kill_and_restart(ctx, engine, folder / "db", port, server)
    answers_s400(engine)
    return True, (
        "`chroma run` SIGKILLed while a thread asks in a loop, restarted on the same port and "
        f"data: {seen}; then the same engine object answers $2.5 billion again, not reopened"
    )
