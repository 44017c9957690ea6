"""The single-writer lock of an embedded store: never waits, refuses any second writer (another
process, another thread, a nested call) and is free again once the writer is done."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from ingest.errors import StoreBusyError, StoreError
from vectorstore.store import ArticleStore

ROOT = Path(__file__).resolve().parents[2]


def store(lock_path: Path) -> ArticleStore:
    chroma = SimpleNamespace(location=str(lock_path.parent))
    return ArticleStore(chroma, lock_path.parent / "lexical", lock_path)  # type: ignore[arg-type]


def test_a_nested_writer_is_refused_and_the_lock_is_free_afterwards(tmp_path):
    first = store(tmp_path / "store.lock")
    with first.writing():
        with pytest.raises(StoreBusyError, match="another process is writing"), first.writing():
            pass
        with pytest.raises(StoreBusyError), store(tmp_path / "store.lock").writing():
            pass
    with store(tmp_path / "store.lock").writing():
        pass


def test_the_lock_is_released_when_the_writer_fails(tmp_path):
    with pytest.raises(RuntimeError), store(tmp_path / "store.lock").writing():
        raise RuntimeError("write failed")
    with store(tmp_path / "store.lock").writing():
        pass


def test_a_writer_in_another_thread_is_refused(tmp_path):
    shared = store(tmp_path / "store.lock")
    outcome: list[BaseException | None] = []

    def write() -> None:
        try:
            with shared.writing():
                outcome.append(None)
        except StoreBusyError as exc:
            outcome.append(exc)

    with shared.writing():
        worker = threading.Thread(target=write)
        worker.start()
        worker.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], StoreBusyError)


def test_a_writer_in_another_process_is_refused(tmp_path):
    script = (
        "import sys, types\n"
        "from pathlib import Path\n"
        "from ingest.errors import StoreBusyError\n"
        "from vectorstore.store import ArticleStore\n"
        "lock = Path(sys.argv[1])\n"
        "chroma = types.SimpleNamespace(location=str(lock.parent))\n"
        "try:\n"
        "    with ArticleStore(chroma, lock.parent, lock).writing():\n"
        "        print('wrote')\n"
        "except StoreBusyError:\n"
        "    print('busy')\n"
    )

    def other_process() -> str:
        run = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "store.lock")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    with store(tmp_path / "store.lock").writing():
        assert other_process() == "busy"
    assert other_process() == "wrote"


def test_a_lock_that_cannot_be_taken_is_a_store_error(tmp_path):
    (tmp_path / "store.lock").mkdir()  # a folder where the lock file should be
    with (
        pytest.raises(StoreError, match="cannot lock the store") as caught,
        store(tmp_path / "store.lock").writing(),
    ):
        pass
    assert not isinstance(caught.value, StoreBusyError)
