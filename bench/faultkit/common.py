"""What every fault case uses: constants, check helpers, the work folder and its engines and
processes (`Context`), what a store holds, and whether answers cite it exactly."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.embedder import Embedder
from qa.engine import QAEngine, make_embedder
from qa.settings import load_settings
from qa.types import Answer
from vectorstore.store import ArticleStore

from . import ROOT

DATA = ROOT.parent / "shared" / "bench" / "realtimeqa"
CORPUS = ROOT / "data" / "articles"
KREMLIN_FILE = "000_571dbf1d854c2ca6.txt"
VISIT_FILE = "003_6717c59d2c368da4.txt"
S400 = "How much did Türkiye pay for the S-400 systems?"
VISIT = "When is Putin expected to visit Turkey?"
QUESTIONS = [S400, VISIT, "Who sold the S-400 systems to Türkiye?", "What is TurkStream?"]
BASE_ARTICLES = 60  # realtimeqa articles in the store that kill-ingest and concurrent-asks use
KILLED_ARTICLES = 4  # articles each killed ingest has to (re)write
SERVER_TIMEOUT_S = 3.0  # chroma_timeout_s of the engines that talk to a Chroma server
LOCAL = "127.0.0.1"
ENTRY = ROOT / "bench" / "faults.py"  # the script the worker processes run (`--worker`)


class CheckFailed(Exception):
    """A check of a case did not hold (the message says what went wrong)."""


class Skip(Exception):
    """A case cannot run on this machine (the message says why)."""


def expect(condition: object, problem: str) -> None:
    if not condition:
        raise CheckFailed(problem)


def one_line(text: object, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll `predicate` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


# ---- the work folder, engines and processes ------------------------------------------------


@dataclass
class Base:
    """A store built by one clean ingest (in a process that has exited), copied by cases."""

    path: Path
    paths: list[Path]  # what was ingested
    seconds: float


@dataclass
class Context:
    work: Path
    data: Path  # the realtimeqa articles.jsonl
    quick: bool
    rng: random.Random
    processes: list[subprocess.Popen] = field(default_factory=list)
    _bundled: Path | None = None
    _base: Base | None = None

    @functools.cached_property
    def embedder(self) -> Embedder:
        """The one embedding model of this process, shared by every engine it opens."""
        embedder = make_embedder(load_settings())
        embedder.encode(["warm up"])
        return embedder

    def fresh(self, name: str) -> Path:
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.work))
        folder.chmod(0o755)
        return folder

    def engine(self, store: Path, **overrides: Any) -> QAEngine:
        """An engine on an embedded store, sharing this process's model."""
        settings = load_settings(store_path=store, **overrides)
        opened = ArticleStore.open_local(
            store, settings.collection, settings.embedding_model, backend=self.embedder.backend
        )
        return QAEngine(settings, opened, self.embedder)

    def server_engine(self, port: int, collection: str) -> QAEngine:
        """An engine on the Chroma server at 127.0.0.1:port (requests time out quickly)."""
        settings = load_settings(
            chroma_host=LOCAL,
            chroma_port=port,
            collection=collection,
            chroma_timeout_s=SERVER_TIMEOUT_S,
        )
        opened = ArticleStore.open_server(
            LOCAL,
            port,
            collection,
            settings.embedding_model,
            settings.chroma_timeout_s,
            backend=self.embedder.backend,
        )
        return QAEngine(settings, opened, self.embedder)

    def bundled(self) -> Path:
        """A store holding the bundled corpus (read-only for the cases that use it)."""
        if self._bundled is None:
            path = self.fresh("bundled") / "store"
            expect(len(self.engine(path).ingest([CORPUS]).added) == 2, "bundled corpus ingest")
            self._bundled = path
        return self._bundled

    def articles(self, first: int, count: int) -> Path:
        """Lines first..first+count of the realtimeqa articles, as a file of their own."""
        path = self.work / "data" / f"realtimeqa-{first}-{count}.jsonl"
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            with self.data.open(encoding="utf-8") as source:
                lines = [line for _, line in zip(range(first + count), source, strict=False)]
            path.write_text("".join(lines[first:]), encoding="utf-8")
        return path

    def base(self) -> Base:
        """The bundled corpus plus BASE_ARTICLES realtimeqa articles, ingested in a worker."""
        if self._base is None:
            folder = self.fresh("base")
            paths = [CORPUS, self.articles(0, BASE_ARTICLES)]
            done = folder / "done.json"
            process = self.worker("base", "ingest", *paths, store=folder / "store", out=done)
            expect(process.wait(timeout=900) == 0, f"base ingest failed: {log_tail(process)}")
            seconds = json.loads(done.read_text())["seconds"]
            self._base = Base(folder / "store", paths, seconds)
        return self._base

    # ---- processes ----------------------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_QA_")}
        env.update(HF_HUB_OFFLINE="1", XDG_CACHE_HOME=str(self.work / "cache"), **extra)
        return env

    def spawn(self, name: str, command: Sequence[str], **options: Any) -> subprocess.Popen:
        """A background process (output in logs/<name>.log), killed by `reap` at the latest."""
        logs = self.work / "logs"
        logs.mkdir(exist_ok=True)
        log = (logs / f"{name}.log").open("wb")
        options.setdefault("env", self.env())
        with log:
            process = subprocess.Popen(
                [str(c) for c in command],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **options,
            )
        process.log_path = logs / f"{name}.log"  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    def worker(self, name: str, role: str, *args: object, **flags: object) -> subprocess.Popen:
        """bench/faults.py in another process, in a worker role (see `workers.worker_main`)."""
        options = [
            x for key, value in flags.items() for x in (f"--{key.replace('_', '-')}", str(value))
        ]
        command = [sys.executable, ENTRY, "--worker", role, *options, *args]
        return self.spawn(name, command)

    def run(
        self, command: Sequence[object], timeout: float, **options: Any
    ) -> subprocess.CompletedProcess:
        """A command run to its end (bytes out), killed after `timeout` seconds."""
        options.setdefault("env", self.env())
        return subprocess.run(
            [c if isinstance(c, bytes) else str(c) for c in command],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            **options,
        )

    def reap(self) -> None:
        """Kill every process a case left running (stopped ones are continued first)."""
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGCONT)
                    os.kill(process.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=30)
        self.processes.clear()


def log_tail(process: subprocess.Popen, chars: int = 400) -> str:
    path = getattr(process, "log_path", None)
    text = path.read_text(errors="replace") if path and path.exists() else ""
    return one_line(text[-chars:] or f"exit code {process.returncode}")


# ---- what a store holds, and whether answers cite it exactly -------------------------------


def store_state(engine: QAEngine) -> tuple[tuple, tuple, int]:
    """(article records, committed chunks, chunks stored in all), read through the store's
    operations: records as (id, title, origins, chunks, duplicates), chunks as (id, article,
    start, end, text)."""
    snapshot = engine.store.snapshot()
    records = tuple(
        sorted(
            (r.id, r.title, r.origins, r.n_chunks, json.dumps(r.duplicates, sort_keys=True))
            for r in snapshot.records.values()
        )
    )
    chunks = engine.store.chunks(snapshot.lexical.ids)
    rows = tuple(sorted((c.id, c.article_id, c.start, c.end, c.text) for c in chunks.values()))
    return records, rows, int(engine.store.stats()["chunks"])


def committed_problems(state: tuple[tuple, tuple, int]) -> list[str]:
    """Chunks that no committed article owns, or committed articles missing chunks."""
    records, rows, stored = state
    problems = []
    if stored != len(rows):
        problems.append(f"{stored - len(rows)} stored chunks belong to no committed article")
    expected = sum(r[3] for r in records)
    if expected != len(rows):
        problems.append(f"records promise {expected} chunks, {len(rows)} are there")
    return problems


def citation_problems(engine: QAEngine, answer: Answer) -> list[str]:
    """Citations whose quote is not the cited article's text (or metadata) at its offsets."""
    problems = []
    for c in answer.citations:
        article = engine.store.article(c.article_id)
        if article is None:
            problems.append(f"[{c.number}] cites a missing article {c.article_id}")
            continue
        if c.field == "text":
            value = article.text
        elif c.field == "authors":
            value = ", ".join(article.authors)
        else:
            value = getattr(article, c.field, None) or ""
        if value[c.start : c.end] != c.quote:
            problems.append(f"[{c.number}] {c.field}[{c.start}:{c.end}] is not its quote")
    return problems


def ask_once(engine: QAEngine, question: str) -> dict[str, Any]:
    """One question: when it was asked, and what went wrong (an error, invalid citations)."""
    started = time.time()
    try:
        answer = engine.ask(question)
        invalid = citation_problems(engine, answer)  # reads the store too
    except Exception as exc:  # noqa: BLE001 - collected and reported
        return {"t": started, "error": f"{type(exc).__name__}: {one_line(exc)}", "invalid": []}
    return {"t": started, "error": None, "invalid": invalid}


def keep_asking(engine: QAEngine, stop: threading.Event, log: list[dict[str, Any]]) -> None:
    i = 0
    while not stop.is_set():
        log.append(ask_once(engine, QUESTIONS[i % len(QUESTIONS)]))
        i += 1


def answers_s400(engine: QAEngine) -> None:
    answer = engine.ask(S400)
    expect(not answer.abstained, f"abstained on the S-400 question: {one_line(answer.text)}")
    expect("$2.5 billion" in answer.text, f"wrong S-400 answer: {one_line(answer.text)}")
    problems = citation_problems(engine, answer)
    expect(not problems, f"invalid citations: {problems}")


def bounded(call: Callable[[], Any], timeout: float, what: str) -> Any:
    """`call()` in a daemon thread; CheckFailed when it takes over `timeout` seconds."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    expect(not thread.is_alive(), f"{what} did not finish within {timeout:g} s")
    if "error" in result:
        raise result["error"]
    return result["value"]
