"""Fault injection: the reliability cases of article-qa, run against real stores, real
processes and a real Chroma server. One line per case (PASS/FAIL and what was checked); the
last line counts them; exit code 1 when a case failed.

    .venv/bin/python bench/faults.py                       # every case (6.5 min on 2 cores)
    .venv/bin/python bench/faults.py --quick               # fewer repetitions
    .venv/bin/python bench/faults.py --only kill-ingest --only full-disk
    .venv/bin/python bench/faults.py --keep                # keep the work folder (printed)

Everything happens in a temporary work folder (removed at the end unless --keep); every
subprocess and server is bounded in time and killed in `finally`; servers listen on 127.0.0.1.
Two cases need root: `full-disk` mounts a small tmpfs, and `unreadable-folder` runs its ingest
without the capabilities that let root read anything (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH),
so that a chmod 000 folder is unreadable; without them they are reported as SKIP.
The larger ingests use the first articles of ../shared/bench/realtimeqa (`--data`).
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import functools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
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

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a wrong model name fails at once, offline
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.embedder import Embedder, resolve_model_path  # noqa: E402
from ingest.errors import (  # noqa: E402
    ArticleQAError,
    InvalidInputError,
    ModelMismatchError,
    StoreError,
)
from qa.engine import QAEngine  # noqa: E402
from qa.settings import load_settings  # noqa: E402
from qa.types import Answer  # noqa: E402
from vectorstore.store import ArticleStore  # noqa: E402


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
        settings = load_settings()
        embedder = Embedder(settings.embedding_model, settings.device, settings.embed_batch_size)
        embedder.encode(["warm up"])
        return embedder

    def fresh(self, name: str) -> Path:
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.work))
        folder.chmod(0o755)
        return folder

    def engine(self, store: Path, **overrides: Any) -> QAEngine:
        """An engine on an embedded store, sharing this process's model."""
        settings = load_settings(store_path=store, **overrides)
        opened = ArticleStore.open_local(store, settings.collection, settings.embedding_model)
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
            LOCAL, port, collection, settings.embedding_model, settings.chroma_timeout_s
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
        """This script in another process, in one of its worker roles (see `worker_main`)."""
        options = [
            x for key, value in flags.items() for x in (f"--{key.replace('_', '-')}", str(value))
        ]
        command = [sys.executable, Path(__file__), "--worker", role, *options, *args]
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


# ---- workers: the roles this script plays in other processes --------------------------------


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


# ---- case 1: symlinks ------------------------------------------------------------------------

OUTSIDE_ARTICLE = """Harbour ferry strike ends after nine days

The ferry workers' strike in the harbour town ended on Monday after nine days, the union said.
Boats will sail again from Tuesday morning, and the timetable returns to normal within the week,
according to the operator, which agreed to a new pay scale for the crews.
"""


def case_symlinks(ctx: Context) -> tuple[bool, str]:
    top = ctx.fresh("symlinks")
    folder, outside = top / "articles", top / "outside"
    (folder / "sub").mkdir(parents=True)
    outside.mkdir()
    shutil.copy(CORPUS / KREMLIN_FILE, folder / "a.txt")
    shutil.copy(CORPUS / VISIT_FILE, folder / "sub" / "b.txt")
    (outside / "c.txt").write_text(OUTSIDE_ARTICLE, encoding="utf-8")
    (folder / "sub" / "loop").symlink_to("..")  # back to the folder itself
    (folder / "inside").symlink_to("sub")  # a link that stays inside: followed once
    (folder / "out.txt").symlink_to(outside / "c.txt")  # a file link leaving the folder
    (folder / "out-dir").symlink_to(outside)  # a folder link leaving it
    engine = ctx.engine(top / "store")
    report = bounded(lambda: engine.ingest([folder]), 180, "ingest of a folder with a link loop")
    titles = sorted(r.title for r in engine.articles())
    skipped = " ".join(f"{s.origin} {s.reason}" for s in report.skipped)
    problems = []
    if any(t.startswith("Harbour ferry") for t in titles):
        problems.append("the article behind a link leaving the folder was ingested")
    if len(titles) != 2 + any(t.startswith("Harbour ferry") for t in titles):
        problems.append(f"expected the 2 articles of the folder, stored {titles}")
    reported = {
        "the loop sub/loop": "loop" in skipped,
        "out.txt": "out.txt" in skipped or str(outside / "c.txt") in skipped,
        "out-dir": "out-dir" in skipped or str(outside) in skipped,
    }
    missing = [name for name, seen in reported.items() if not seen]
    if missing:
        problems.append(f"not reported as skipped: {', '.join(missing)} (skipped: {skipped!r})")
    expect(not problems, "; ".join(problems))
    return True, (
        "a folder with a link loop, a link inside, file and folder links leaving it: ingest "
        f"ends ({report.seconds:.1f} s), the 2 articles inside are stored once, nothing from "
        "outside; the loop and both leaving links are reported as skipped"
    )


# ---- case 2: an unreadable sub-folder ---------------------------------------------------------

WITHOUT_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def _permissions_bite(ctx: Context, locked: Path) -> None:
    """Skip unless a process started through WITHOUT_DAC is refused a chmod 000 folder."""
    if shutil.which("setpriv") is None:
        raise Skip("setpriv (util-linux) is not installed: cannot drop root's read-anything rights")
    if os.geteuid() != 0:
        raise Skip("needs root to drop capabilities (and to chmod the folder back)")
    probe = [*WITHOUT_DAC, sys.executable, "-c", f"import os; os.listdir({str(locked)!r})"]
    result = ctx.run(probe, timeout=60)
    if result.returncode == 0 or b"PermissionError" not in result.stderr:
        raise Skip(f"permissions do not bite even without CAP_DAC_*: {one_line(result.stderr)}")


def case_unreadable_folder(ctx: Context) -> tuple[bool, str]:
    top = ctx.fresh("unreadable")
    folder, store = top / "articles", top / "store"
    locked = folder / "locked"
    locked.mkdir(parents=True)
    shutil.copy(CORPUS / KREMLIN_FILE, folder / "a.txt")
    shutil.copy(CORPUS / VISIT_FILE, locked / "b.txt")
    expect(len(ctx.engine(store).ingest([folder]).added) == 2, "first ingest did not add 2")
    before = {r.id for r in ctx.engine(store).articles()}
    locked.chmod(0)
    try:
        _permissions_bite(ctx, locked)
        command = [*WITHOUT_DAC, sys.executable, "-m", "qa", "--store", store, "ingest"]
        result = ctx.run([*command, "--prune", folder], timeout=300)
    finally:
        locked.chmod(0o755)
    out, err = result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace")
    expect("Traceback" not in err, f"traceback: {one_line(err[-400:])}")
    expect(result.returncode in (0, 2), f"exit code {result.returncode}: {one_line(err)}")
    after = {r.id for r in ctx.engine(store).articles()}
    skipped = [line for line in (out + err).splitlines() if "locked" in line]
    problems = []
    if not before <= after:
        problems.append(
            f"ingest --prune removed {len(before - after)} article(s) whose folder it could "
            "not read"
        )
    if not skipped:
        problems.append("the unreadable folder is not reported")
    expect(not problems, f"{'; '.join(problems)} (exit {result.returncode}; it printed: "
           f"{one_line(out + err)})")  # fmt: skip
    return True, (
        "a chmod 000 sub-folder, ingest --prune run without root's CAP_DAC_*: it is reported "
        f"({one_line(skipped[0], 120)}) and its article is kept (exit {result.returncode})"
    )


# ---- case 3: lone surrogates and invalid UTF-8 --------------------------------------------------


def _api_calls(engine: QAEngine) -> dict[str, Callable[[], Any]]:
    broken_history = [
        {"role": "user", "content": "What did T\udcfcrkiye buy from Russia in 2017\udcff?"},
        {"role": "assistant", "content": "Four S-400 systems \ud83d."},
    ]
    parts = [{"role": "user", "content": [{"type": "text", "text": "S-400 \udc80 deal"}]}]
    return {
        "a lone low surrogate": lambda: engine.ask("How much did T\udcfcrkiye pay for the S-400s?"),
        "a lone high surrogate": lambda: engine.ask("\ud800How much did Türkiye pay?"),
        "nothing but surrogates": lambda: engine.ask("\udcff\udcfe"),
        "surrogates in history": lambda: engine.ask("How much did they cost?", broken_history),
        "surrogates in content parts": lambda: engine.ask("And the price?", parts),
        "retrieve": lambda: engine.retrieve("S-400 \udcff price"),
        "bytes": lambda: engine.ask(b"S-400 \xff price"),
    }


def _api_outcome(engine: QAEngine, name: str, call: Callable[[], Any]) -> str:
    try:
        result = call()
    except InvalidInputError:
        return "InvalidInputError"
    except Exception as exc:  # noqa: BLE001 - any other exception fails the case
        raise CheckFailed(f"{name}: {type(exc).__name__}: {one_line(exc)}") from exc
    if isinstance(result, Answer):
        json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")  # valid Unicode
        problems = citation_problems(engine, result)
        expect(not problems, f"{name}: invalid citations {problems}")
        return "abstained" if result.abstained else "answered"
    for passage in result:
        passage.text.encode("utf-8")
    return "passages"


def _cli_outcome(ctx: Context, store: Path, question: bytes) -> str:
    result = ctx.run([sys.executable, "-m", "qa", "--store", store, "ask", question], timeout=300)
    err = result.stderr.decode("utf-8", errors="replace")
    expect(b"Traceback" not in result.stderr, f"ask {question!r}: traceback {one_line(err)}")
    expect(
        result.returncode == 0 or (result.returncode == 2 and len(err.strip().splitlines()) == 1),
        f"ask {question!r}: exit {result.returncode}, stderr {one_line(err)}",
    )
    result.stdout.decode("utf-8")  # what it printed is valid UTF-8
    return "answered" if result.returncode == 0 else f"one-line error ({one_line(err, 70)})"


def case_invalid_text(ctx: Context) -> tuple[bool, str]:
    store = ctx.bundled()
    engine = ctx.engine(store)
    seen = {name: _api_outcome(engine, name, call) for name, call in _api_calls(engine).items()}
    cli = [
        _cli_outcome(
            ctx,
            store,
            "How much did T\u00fcrkiye pay for the S-400 systems? ".encode() + b"\xff\xfe",
        ),
        _cli_outcome(ctx, store, b"\xff\xfe\xc3"),
    ]
    api = ", ".join(f"{name}: {outcome}" for name, outcome in seen.items())
    return True, (
        f"Python API ({api}); `python -m qa ask` with invalid UTF-8 in argv: {cli[0]}, only "
        f"invalid bytes: {cli[1]}; never a traceback, every citation exact"
    )


# ---- case 4: concurrent first use of an empty store -----------------------------------------


def _first_use_trial(ctx: Context, trial: int) -> list[str]:
    """4 `python -m qa ask` processes at once on a new store; what went wrong."""
    store = ctx.fresh(f"first-use-{trial}") / "store"
    env = ctx.env(ARTICLE_QA_STORE_PATH=str(store))
    command = [sys.executable, "-m", "qa", "ask", S400]
    processes = [ctx.spawn(f"first-use-{trial}-{i}", command, env=env) for i in range(4)]
    started = time.monotonic()
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(1.0, 400 - (time.monotonic() - started)))
    problems = []
    logs = [process.log_path.read_text(errors="replace") for process in processes]
    for process, log in zip(processes, logs, strict=True):
        if process.returncode != 0 or "Traceback" in log or "$2.5 billion" not in log:
            error = log.strip().splitlines()[-1] if log.strip() else "no output"
            problems.append(f"exit {process.returncode}: {error.replace(str(store), '<store>')}")
    seeders = sum("empty store" in log for log in logs)
    if seeders != 1:
        problems.append(f"{seeders} processes ingested the sample corpus (expected 1)")
    if not problems:
        articles = len(ctx.engine(store).articles())
        if articles != 2:
            problems.append(f"the new store holds {articles} articles, expected 2")
    return problems


def case_first_use(ctx: Context) -> tuple[bool, str]:
    trials = 1 if ctx.quick else 3
    failed: dict[str, int] = {}
    bad_trials = 0
    for trial in range(trials):
        problems = _first_use_trial(ctx, trial)
        bad_trials += bool(problems)
        for problem in problems:
            failed[problem] = failed.get(problem, 0) + 1
    seen = "; ".join(f"{n}× {one_line(problem, 200)}" for problem, n in failed.items())
    expect(not failed, f"{bad_trials} of {trials} trials of 4 processes failed: {seen}")
    return True, (
        f"{trials} × 4 `python -m qa ask` processes on a new store at once: all answer "
        "$2.5 billion, one of each 4 seeded the corpus, each store holds 2 articles"
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


# ---- case 6: a wrong embedding model name -----------------------------------------------------


def case_model_name(ctx: Context) -> tuple[bool, str]:
    path = ctx.fresh("model") / "store"
    wrong = QAEngine.open(store=path, embedding_model="no-such/model-xyz")
    started = time.monotonic()
    try:
        wrong.ingest([CORPUS])
    except InvalidInputError as exc:
        message = one_line(exc, 90)
    else:
        raise CheckFailed("ingest with a model that does not exist succeeded")
    took = time.monotonic() - started
    expect(wrong.stats()["articles"] == 0, "the wrong model stored articles")
    right = ctx.engine(path)
    expect(len(right.ingest([CORPUS]).added) == 2, "the right model could not ingest afterwards")
    aliases = [
        "all-MiniLM-L6-v2",
        "sentence-transformers/all-MiniLM-L6-v2",
        resolve_model_path("all-MiniLM-L6-v2"),
    ]
    for alias in aliases:
        store = ArticleStore.open_local(path, right.settings.collection, alias)
        records = store.snapshot().records
        expect(len(records) == 2, f"alias {alias!r} sees {len(records)} articles")
    try:
        ArticleStore.open_local(path, right.settings.collection, "some/other-model")
    except ModelMismatchError:
        pass
    else:
        raise CheckFailed("another model opened a store built with all-MiniLM-L6-v2")
    return True, (
        f"a wrong model name fails in {took:.1f} s offline ({message!r}) and stamps nothing; "
        "the right model ingests afterwards; its 3 aliases (short, hub id, packaged path) open "
        "the same store; another model is a ModelMismatchError"
    )


# ---- case 7: a deleted chroma.sqlite3 -----------------------------------------------------------


def case_missing_database(ctx: Context) -> tuple[bool, str]:
    store = ctx.fresh("missing-db") / "store"
    shutil.copytree(ctx.bundled(), store)
    (store / "chroma.sqlite3").unlink()
    before = sorted(p.name for p in store.iterdir())
    try:
        QAEngine.open(store=store)
    except StoreError as exc:
        message = one_line(exc)
    else:
        raise CheckFailed("a store folder without chroma.sqlite3 opened as a store")
    expect("chroma.sqlite3" in message, f"the error does not name what is missing: {message}")
    result = ctx.run([sys.executable, "-m", "qa", "--store", store, "ask", S400], timeout=300)
    err = result.stderr.decode(errors="replace")
    expect(
        result.returncode == 2 and "Traceback" not in err, f"ask: exit {result.returncode}, {err}"
    )
    expect("chroma.sqlite3" in err, f"`ask` does not name what is missing: {one_line(err)}")
    after = sorted(p.name for p in store.iterdir())
    expect(after == before, f"the folder changed: {before} -> {after} (reseeded?)")
    return True, (
        "chroma.sqlite3 deleted from a store: QAEngine.open is a StoreError naming it "
        f"('…{message[message.find('but not its database') :][:110]}'), `python -m qa ask` exits 2 "
        "with one line, nothing is created or seeded"
    )


# ---- case 8: keyword stuffing -----------------------------------------------------------------

ECHO = "How much did Türkiye pay for the S-400 systems? Türkiye pay S-400 systems much."
STUFFED = (
    "Türkiye S-400 systems pay\n\n"
    + " ".join([ECHO] * 40)
    + "\n\n"
    + " ".join(["Türkiye S-400 systems pay much pay Türkiye."] * 30)
)


def case_stuffing(ctx: Context) -> tuple[bool, str]:
    top = ctx.fresh("stuffing")
    shutil.copytree(CORPUS, top / "corpus")
    (top / "corpus" / "stuffed.txt").write_text(STUFFED, encoding="utf-8")
    engine = ctx.engine(top / "store")
    expect(len(engine.ingest([top / "corpus"]).added) == 3, "the 3 articles were not ingested")
    answer = engine.ask(S400)
    expect(not answer.abstained, f"abstained: {one_line(answer.text)}")
    expect("$2.5 billion" in answer.text, f"wrong answer: {one_line(answer.text)}")
    stuffed = [c.number for c in answer.citations if c.title == "Türkiye S-400 systems pay"]
    expect(not stuffed, f"cites the stuffed article: {stuffed}")
    expect(not citation_problems(engine, answer), "invalid citations")
    return True, (
        "an article repeating the question's words 200 times beside the bundled corpus: "
        f"{S400!r} is still answered $2.5 billion, citing the Anadolu article only"
    )


# ---- case 9: leftovers and growth ---------------------------------------------------------------


def _exports(ctx: Context, engine: QAEngine) -> str:
    from qa.ui.export import ExportFolder
    from qa.ui.service import ChatService

    service = ChatService(engine)
    turn = service.ask(S400, [], service.default_options())
    parent = ctx.fresh("exports")
    exports = ExportFolder(keep=3, parent=parent)
    paths = [exports.write([turn] * (i + 1)) for i in range(10)]
    folders = sorted(parent.glob("aqa-export-*"))
    expect(len(folders) == 1, f"10 exports made {len(folders)} aqa-export-* folders")
    kept = sorted(folders[0].iterdir())
    expect(kept == sorted(paths[-3:]), f"10 exports (keep=3) left {len(kept)} files")
    exports.cleanup()
    left = sorted(parent.glob("aqa-export-*"))
    expect(not left, f"cleanup() left {left}")
    return "10 exports: 1 aqa-export-* folder with the latest 3 files, none after cleanup()"


def _uploads(ctx: Context) -> str:
    from qa.ui.service import ChatService

    top = ctx.fresh("uploads")
    uploads = top / "uploads"
    service = ChatService(ctx.engine(top / "store"), uploads)
    short, good, binary = top / "short.txt", top / "good.txt", top / "blob.txt"
    short.write_text("Too short.", encoding="utf-8")
    good.write_text(OUTSIDE_ARTICLE, encoding="utf-8")
    binary.write_bytes(bytes(range(256)) * 8)
    files = [("short.txt", str(short)), ("blob.txt", str(binary))]
    report, _ = service.ingest_uploads(files, 100_000, 5)
    expect(not report.added and len(report.skipped) == 2, f"refused uploads: {report.summary()}")
    stray = [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    expect(not stray, f"refused uploads left files: {stray}")
    report, _ = service.ingest_uploads([("good.txt", str(good)), *files], 100_000, 5)
    kept = sorted(p.name for p in uploads.rglob("*") if p.is_file())
    expect(len(report.added) == 1 and kept == ["01-good.txt"], f"kept {kept}")
    empty = [p for p in uploads.rglob("*") if p.is_dir() and not any(p.iterdir())]
    expect(not empty, f"empty upload folders left: {empty}")
    return "uploads refused (too short, binary) leave no file; of 3, only the ingested one stays"


def _history_limits(engine: QAEngine) -> str:
    from qa.ui.service import ChatService

    limit = engine.settings.max_history_messages
    message = {"role": "user", "content": "What did Türkiye buy?"}
    errors = []
    for history in ([message] * (limit + 1), [{"role": "user", "content": "word " * 20_000}]):
        try:
            engine.ask(S400, history=history)
        except InvalidInputError as exc:
            errors.append(one_line(exc, 70))
        else:
            raise CheckFailed(f"a history of {len(history)} messages was accepted")
    service = ChatService(engine)
    turns = [service.ask(S400, [], service.default_options())] * 40
    turn = service.ask("Who sold them?", turns, service.default_options())  # no error
    outcome = "abstains" if turn.answer.abstained else "answers"
    return (
        f"history of {limit + 1} messages / 100,000 chars: InvalidInputError ({errors[0]!r}; "
        f"{errors[1]!r}); the chat service passes only the latest turns of an 80-message chat "
        f"({outcome}, no error)"
    )


def case_leftovers(ctx: Context) -> tuple[bool, str]:
    engine = ctx.engine(ctx.bundled())
    checks = [_exports(ctx, engine), _uploads(ctx), _history_limits(engine)]
    return True, "; ".join(checks)


# ---- system case: kill -9 during an ingest, ×10 -------------------------------------------------


def _differences(state: tuple, reference: tuple) -> str:
    records, rows, stored = state
    ref_records, ref_rows, ref_stored = reference
    parts = []
    if records != ref_records:
        missing, extra = set(ref_records) - set(records), set(records) - set(ref_records)
        parts.append(f"{len(missing)} article records missing, {len(extra)} differ or extra")
    if rows != ref_rows:
        missing, extra = set(ref_rows) - set(rows), set(rows) - set(ref_rows)
        parts.append(f"{len(missing)} chunks missing, {len(extra)} differ or extra")
    if stored != ref_stored:
        parts.append(f"{stored} chunks stored, the clean run has {ref_stored}")
    return "; ".join(parts) or "none"


def _kill_once(ctx: Context, base: Base, reference: tuple, run: int) -> str:
    """Re-ingest with KILLED_ARTICLES articles removed first, SIGKILLed at a random write;
    a re-run in this process must then give exactly the clean run's store."""
    folder = ctx.fresh(f"kill-{run}")
    store = folder / "store"
    shutil.copytree(base.path, store)
    realtimeqa = [r[0] for r in reference[0] if "realtimeqa" in r[2][0]]
    victims = ctx.rng.sample(realtimeqa, KILLED_ARTICLES)
    at_write = ctx.rng.randint(1, 2 * KILLED_ARTICLES + 2)  # bump, 2 per article, bump
    delay = ctx.rng.uniform(0.0, 0.05)
    process = ctx.worker(
        f"kill-{run}", "ingest", *base.paths,
        store=store, remove=",".join(victims), kill_at_write=at_write, kill_delay=delay,
    )  # fmt: skip
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=300)
    expect(process.returncode is not None, f"run {run}: the ingest did not end in 300 s")
    killed = process.returncode == -signal.SIGKILL
    expect(killed or process.returncode == 0, f"run {run}: {log_tail(process)}")
    engine = ctx.engine(store)
    records, _, stored = store_state(engine)
    committed = len(records) - (len(reference[0]) - KILLED_ARTICLES)
    orphans = stored - sum(r[3] for r in records)
    report = engine.ingest(base.paths)
    state = store_state(engine)
    difference = _differences(state, reference)
    expect(state == reference, f"run {run} (write {at_write}): differs: {difference}")
    where = f"write {at_write}+{delay * 1000:.0f}ms" if killed else f"done before write {at_write}"
    return (
        f"{where}: {committed}/{KILLED_ARTICLES} committed, {orphans} orphan chunks, "
        f"re-run added {len(report.added)}, repaired {report.repaired_chunks}"
    )


def case_kill_ingest(ctx: Context) -> tuple[bool, str]:
    base = ctx.base()
    reference = store_state(ctx.engine(base.path))
    expect(not committed_problems(reference), f"the clean run: {committed_problems(reference)}")
    runs = 3 if ctx.quick else 10
    notes = [_kill_once(ctx, base, reference, run) for run in range(runs)]
    killed = sum(not note.startswith("done") for note in notes)
    torn = sum(" 0 orphan" not in note for note in notes)
    expect(killed >= runs // 2, f"only {killed} of {runs} ingests were killed: {notes}")
    return True, (
        f"{runs} ingests of {len(reference[0])} articles, each re-writing {KILLED_ARTICLES} "
        f"removed ones, SIGKILLed at a random write ({killed} killed, {torn} leaving orphan "
        "chunks); after a re-run each store equals the clean run (article ids, titles, origins, "
        f"chunk ids/offsets/texts; every chunk committed). Runs: {' | '.join(notes)}"
    )


# ---- system case: 8 threads and 4 processes asking during an ingest ---------------------------


def _start_askers(ctx: Context, store: Path, folder: Path) -> list[subprocess.Popen]:
    askers = [
        ctx.worker(
            f"asker-{i}",
            "ask",
            store=store,
            ready=folder / f"asker-{i}.ready",
            stop=folder / "stop",
            out=folder / f"asker-{i}.json",
        )  # fmt: skip
        for i in range(4)
    ]
    ready = [folder / f"asker-{i}.ready" for i in range(4)]
    up = wait_for(
        lambda: all(p.exists() for p in ready) or any(a.poll() is not None for a in askers), 300
    )
    failed = [log_tail(a) for a in askers if a.poll() is not None]
    expect(up and not failed, f"asker processes did not start: {failed}")
    return askers


def _asker_logs(askers: list[subprocess.Popen], folder: Path) -> list[list[dict[str, Any]]]:
    (folder / "stop").touch()
    logs = []
    for i, asker in enumerate(askers):
        with contextlib.suppress(subprocess.TimeoutExpired):
            asker.wait(timeout=120)
        expect(asker.returncode == 0, f"asker process {i}: {log_tail(asker)}")
        logs.append(json.loads((folder / f"asker-{i}.json").read_text()))
    return logs


def _judge_asks(logs: list[list[dict[str, Any]]], start: float, end: float, who: str) -> int:
    """Every ask without error and with exact citations; each asker asked during the ingest."""
    for i, log in enumerate(logs):
        errors = [entry["error"] for entry in log if entry["error"]]
        expect(not errors, f"{who} {i}: {len(errors)} errors, e.g. {errors[0] if errors else ''}")
        invalid = [p for entry in log for p in entry["invalid"]]
        expect(not invalid, f"{who} {i}: invalid citations {invalid[:3]}")
        during = [entry for entry in log if start <= entry["t"] <= end]
        expect(during, f"{who} {i} asked nothing while the ingest ran")
    return sum(len(log) for log in logs)


def case_concurrent_asks(ctx: Context) -> tuple[bool, str]:
    base = ctx.base()
    folder = ctx.fresh("concurrent")
    store = folder / "store"
    shutil.copytree(base.path, store)
    added = 6 if ctx.quick else 12
    more = ctx.articles(BASE_ARTICLES, added)
    askers = _start_askers(ctx, store, folder)
    engine = ctx.engine(store)
    writer = ctx.worker("writer", "ingest", more, store=store, ready=folder / "writer.ready")
    expect(
        wait_for(lambda: (folder / "writer.ready").exists() or writer.poll() is not None, 300),
        "writer",
    )
    start = time.time()
    stop = threading.Event()
    logs: list[list[dict[str, Any]]] = [[] for _ in range(8)]
    threads = [threading.Thread(target=keep_asking, args=(engine, stop, log)) for log in logs]
    for thread in threads:
        thread.start()
    try:
        with contextlib.suppress(subprocess.TimeoutExpired):
            writer.wait(timeout=600)
    finally:
        end = time.time()
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    expect(writer.returncode == 0, f"the ingest failed: {log_tail(writer)}")
    in_threads = _judge_asks(logs, start, end, "thread")
    in_processes = _judge_asks(_asker_logs(askers, folder), start, end, "process")
    state = store_state(ctx.engine(store))
    expect(len(state[0]) == BASE_ARTICLES + 2 + added, f"{len(state[0])} articles after ingest")
    expect(not committed_problems(state), f"after the ingest: {committed_problems(state)}")
    return True, (
        f"an ingest of {added} articles into a store of {BASE_ARTICLES + 2} in another process "
        f"({end - start:.0f} s) while 8 threads and 4 processes asked: {in_threads} + "
        f"{in_processes} answers, no error, every citation exact; all {len(state[0])} articles "
        "committed afterwards"
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


# ---- system case: a full disk -------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(folder: Path, size_mb: int) -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        raise Skip("mounting a tmpfs needs root and mount(8)")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(folder)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    if mounted.returncode != 0:
        raise Skip(f"cannot mount a tmpfs here: {one_line(mounted.stderr)}")
    try:
        yield folder
    finally:
        done = subprocess.run(["umount", str(folder)], capture_output=True, timeout=30)
        if done.returncode != 0:  # files still open (this process's store): detach it now
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def fill(path: Path) -> int:
    """Write `path` until the disk is full; how many bytes it took."""
    written = 0
    with path.open("wb", buffering=0) as out:
        for block in (1 << 20, 1 << 12, 1 << 9):
            with contextlib.suppress(OSError):
                while True:
                    written += out.write(b"\0" * block)
    return written


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


def _disk_steps(path: Path) -> dict[str, dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return {entry["step"]: entry for entry in map(json.loads, lines)}


def _run_disk_worker(ctx: Context, store: Path, more: Path) -> tuple[dict[str, dict], bool]:
    """(its steps, whether it hung: no progress 45 s after the space was freed). A hung
    process is killed at once: it holds SQLite's write lock, which blocks every other one."""
    log = store.parent.parent / "disk-steps.jsonl"
    process = ctx.worker("disk", "disk", more, store=store, out=log)

    def stuck() -> bool:
        freed = _disk_steps(log).get("freed")
        return freed is not None and time.time() - freed["t"] > 45

    wait_for(lambda: process.poll() is not None or stuck(), 300, 0.5)
    hung = process.poll() is None
    if hung:
        process.kill()
        process.wait(timeout=30)
    steps = _disk_steps(log)
    expect(hung or process.returncode == 0, f"the process on a full disk: {log_tail(process)}")
    return steps, hung


def _full_disk_cli(ctx: Context, store: Path, more: Path) -> str:
    filler = store.parent / "filler"
    fill(filler)
    try:
        command = [sys.executable, "-m", "qa", "--store", store, "ingest", more]
        result = ctx.run(command, timeout=300)
    finally:
        filler.unlink()
    err = result.stderr.decode(errors="replace")
    expect("Traceback" not in err, f"`ingest` on a full disk: traceback {one_line(err[-300:])}")
    expect(result.returncode == 2, f"`ingest` on a full disk: exit {result.returncode}, {err}")
    return one_line(err, 170)


def case_full_disk(ctx: Context) -> tuple[bool, str]:
    folder = ctx.fresh("disk") / "tmpfs"
    more = ctx.articles(BASE_ARTICLES, 5)
    with tmpfs(folder, 24):
        store = folder / "store"
        steps, hung = _run_disk_worker(ctx, store, more)
        error = steps.get("error")
        expect(error, f"no clear error on a full disk: {steps.get('unclear error') or steps}")
        expect("answered" in steps, "the store could not be read after the error")
        cli = _full_disk_cli(ctx, store, more)
        engine = ctx.engine(store)  # a new process's view: readable, and writable with space
        answers_s400(engine)
        report = engine.ingest([more])
        state = store_state(engine)
    seen = (
        f"a store on a 24 MB tmpfs filled up: ingest is {error['kind']} ({error['message']!r}), "
        f"the same engine still answers ({steps['answered']['articles']} articles); "
        f"`python -m qa ingest` exits 2 with one line ({cli!r}); with space freed a new engine "
        f"adds {len(report.added)}, repairs {report.repaired_chunks} chunks"
    )
    expect(len(state[0]) == 7 and not committed_problems(state), f"{seen}, but: {state[0]}")
    expect(
        not hung,
        f"{seen}; BUT the process that met the full disk hangs in its next ingest once space "
        "is freed (no progress in 45 s, stuck in a chromadb write holding SQLite's write lock)",
    )
    return True, f"{seen}; the process that met it writes again once space is freed"


# ---- running the cases --------------------------------------------------------------------------

CASES: dict[str, Callable[[Context], tuple[bool, str]]] = {
    "symlinks": case_symlinks,
    "unreadable-folder": case_unreadable_folder,
    "invalid-text": case_invalid_text,
    "first-use": case_first_use,
    "frozen-server": case_frozen_server,
    "model-name": case_model_name,
    "missing-database": case_missing_database,
    "stuffing": case_stuffing,
    "leftovers": case_leftovers,
    "kill-ingest": case_kill_ingest,
    "concurrent-asks": case_concurrent_asks,
    "server-restart": case_server_restart,
    "full-disk": case_full_disk,
}
NEEDS_DATA = {"kill-ingest", "concurrent-asks", "full-disk"}


def run_case(ctx: Context, name: str) -> tuple[str, str, float]:
    """(PASS | FAIL | SKIP, what was checked or what went wrong, seconds)."""
    started = time.monotonic()
    try:
        passed, what = CASES[name](ctx)
        status = "PASS" if passed else "FAIL"
    except Skip as exc:
        status, what = "SKIP", str(exc)
    except CheckFailed as exc:
        status, what = "FAIL", str(exc)
    except Exception as exc:  # noqa: BLE001 - a crash of the case is a failure, on one line
        where = traceback.extract_tb(exc.__traceback__)[-1]
        status = "FAIL"
        what = (
            f"{type(exc).__name__}: {one_line(exc)} (at {Path(where.filename).name}:{where.lineno})"
        )
    finally:
        ctx.reap()
    return status, one_line(what, 2000), time.monotonic() - started


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the realtimeqa folder")
    parser.add_argument("--only", action="append", choices=list(CASES), metavar="CASE",
                        help=f"run only this case (repeatable): {', '.join(CASES)}")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1:])
    args = _arguments(argv)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # kill -USR1 <pid>: where it hangs
    names = args.only or list(CASES)
    if NEEDS_DATA & set(names) and not (args.data / "articles.jsonl").exists():
        print(f"no benchmark data at {args.data} (articles.jsonl); give --data", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    work = Path(tempfile.mkdtemp(prefix="faults-"))
    work.chmod(0o755)
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # server stores' BM25 cache
    ctx = Context(work, args.data / "articles.jsonl", args.quick, random.Random(seed))
    print(f"fault injection: {len(names)} cases, seed {seed}, work folder {work}", flush=True)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    started = time.monotonic()
    try:
        for name in names:
            status, what, seconds = run_case(ctx, name)
            counts[status] += 1
            print(f"{status}  {name:<17}  {what} ({seconds:.0f} s)", flush=True)
    finally:
        ctx.reap()
        if args.keep:
            print(f"kept the work folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"total {time.monotonic() - started:.0f} s")
    skipped = f", {counts['SKIP']} skipped" if counts["SKIP"] else ""
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed{skipped}")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
