"""The full-disk case: a store on a small tmpfs that fills up."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .common import (
    BASE_ARTICLES,
    Context,
    Skip,
    answers_s400,
    committed_problems,
    expect,
    log_tail,
    one_line,
    store_state,
    wait_for,
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
