"""Cases of several processes at once: first use of a new store, kill -9 during an ingest,
threads and processes asking during an ingest."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .common import (
    BASE_ARTICLES,
    KILLED_ARTICLES,
    S400,
    Base,
    Context,
    committed_problems,
    expect,
    keep_asking,
    log_tail,
    one_line,
    store_state,
    wait_for,
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
