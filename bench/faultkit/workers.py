"""Workers: the roles bench/faults.py plays in other processes (`faults.py --worker ROLE`)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ingest.errors import ArticleQAError
from qa.engine import QAEngine

from .common import CORPUS, QUESTIONS, S400, answers_s400, ask_once, one_line
from .disk_case import fill


def _arm_kill(at_write: int, delay: float) -> None:
    """SIGKILL this process from outside `delay` s after its `at_write`-th write call to Chroma
    (add, upsert, update, delete, modify) begins: the kill lands in or just after that write."""
    from chromadb.api.models.Collection import Collection

    calls = {"n": 0}

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        def write(self: Any, *args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == at_write:
                killer = f"sleep {delay:.3f}; kill -9 {os.getpid()}"
                subprocess.Popen(["sh", "-c", killer], start_new_session=True)
            return method(self, *args, **kwargs)

        return write

    for name in ("add", "upsert", "update", "delete", "modify"):
        setattr(Collection, name, wrap(getattr(Collection, name)))


def _worker_ingest(args: argparse.Namespace) -> int:
    engine = QAEngine.open(store=args.store)
    engine.embedder.encode(["warm up"])
    for article_id in filter(None, args.remove.split(",")):
        engine.remove(article_id)
    if args.kill_at_write:
        _arm_kill(args.kill_at_write, args.kill_delay)
    if args.ready:
        Path(args.ready).write_text(str(time.time()))
    report = engine.ingest(args.paths)
    print(report.summary(), flush=True)
    if args.out:
        result = {"seconds": report.seconds, "added": len(report.added)}
        Path(args.out).write_text(json.dumps(result))
    return 0


def _worker_ask(args: argparse.Namespace) -> int:
    engine = QAEngine.open(store=args.store)
    engine.ask(S400)  # the model is loaded, the index built
    Path(args.ready).write_text(str(time.time()))
    log, i = [], 0
    while not Path(args.stop).exists():
        log.append(ask_once(engine, QUESTIONS[i % len(QUESTIONS)]))
        i += 1
    Path(args.out).write_text(json.dumps(log))
    return 0


def worker_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="faults.py --worker")
    parser.add_argument("role", choices=["ingest", "ask", "disk"])
    parser.add_argument("--store", required=True)
    parser.add_argument("--ready", default="")
    parser.add_argument("--out", default="")
    parser.add_argument("--stop", default="")
    parser.add_argument("--remove", default="", help="article ids to remove first, comma-separated")
    parser.add_argument("--kill-at-write", type=int, default=0)
    parser.add_argument("--kill-delay", type=float, default=0.0)
    parser.add_argument("paths", nargs="*")
    args = parser.parse_intermixed_args(argv)
    roles = {"ingest": _worker_ingest, "ask": _worker_ask, "disk": _worker_disk}
    return roles[args.role](args)


def _worker_disk(args: argparse.Namespace) -> int:
    """The process that meets the full disk: seed, fill the disk, ingest (an error), read,
    free the space, ingest again; each step is appended to `out` as it is done."""

    def step(name: str, **info: Any) -> None:
        with open(args.out, "a", encoding="utf-8") as out:
            out.write(json.dumps({"step": name, "t": time.time(), **info}) + "\n")

    engine = QAEngine.open(store=args.store)
    step("seeded", added=len(engine.ingest([CORPUS]).added))
    filler = Path(args.store).parent / "filler"
    step("filled", bytes=fill(filler))
    try:
        engine.ingest(args.paths)
        step("no error")
    except ArticleQAError as exc:
        step("error", kind=type(exc).__name__, message=one_line(exc, 300))
    except Exception as exc:  # noqa: BLE001 - reported: not one of ours
        step("unclear error", kind=type(exc).__name__, message=one_line(exc, 300))
    answers_s400(engine)
    step("answered", articles=len(engine.articles()))
    filler.unlink()
    step("freed")
    step("ingested again", added=len(engine.ingest(args.paths).added))
    return 0
