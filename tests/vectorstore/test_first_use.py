"""First use of an empty store by several writers at once: seeding the sample corpus is a write
under the writer lock, done once; the others wait for it instead of failing."""

from __future__ import annotations

import threading
import time

from ingest.errors import StoreBusyError
from qa.engine import QAEngine


def test_first_use_waits_for_another_writer_instead_of_failing(make_engine, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "store"
    seeding, asking = make_engine(path), make_engine(path)  # two stores: like two processes
    results: list[object] = []
    with seeding.store.writing():  # another process is writing (seeding)
        waiter = threading.Thread(target=lambda: results.append(_first_use(asking)))
        waiter.start()
        time.sleep(1.5)
        assert waiter.is_alive() and not results  # it waits; no StoreBusyError
    waiter.join(timeout=120)
    assert len(results) == 1 and not isinstance(results[0], Exception), results
    assert len(asking.articles()) == 2


def test_concurrent_first_uses_seed_once(make_engine, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "store"
    engines = [make_engine(path) for _ in range(3)]
    results: list[object] = []
    threads = [threading.Thread(target=lambda e=e: results.append(_first_use(e))) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not [r for r in results if isinstance(r, Exception)], results
    seeded = [r for r in results if r is not None]
    assert len(seeded) == 1 and len(seeded[0].added) == 2  # one of them ingested, once
    assert all(len(e.articles()) == 2 for e in engines)


def test_a_seeding_another_writer_finished_meanwhile_is_not_reported_as_this_ones(
    make_engine,  # noqa: ANN001
    tmp_path,  # noqa: ANN001
) -> None:
    """The store looked empty, but another writer seeded it before this one took the lock:
    this one's ingest finds every article unchanged and is no seeding ("ingested the bundled
    sample corpus: 0 articles"). CI caught the race in test_concurrent_first_uses_seed_once."""
    path = tmp_path / "store"
    late, early = make_engine(path), make_engine(path)
    ingest = late.ingest

    def ingest_after_the_other_seeded(paths, **options):  # noqa: ANN001, ANN003, ANN202
        assert early.ensure_corpus() is not None  # between this one's look and its write
        return ingest(paths, **options)

    late.ingest = ingest_after_the_other_seeded
    assert late.ensure_corpus() is None
    assert len(late.articles()) == 2


def test_a_writer_that_never_finishes_is_a_clear_error(make_engine, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "store"
    holder, late = make_engine(path), make_engine(path, store_wait_s=1.0)
    with holder.store.writing():
        started = time.monotonic()
        try:
            late.ensure_corpus()
        except StoreBusyError as exc:
            assert "for over" in str(exc) or "another process" in str(exc)
        else:
            raise AssertionError("expected StoreBusyError")
        assert time.monotonic() - started < 10


def _first_use(engine: QAEngine) -> object:
    try:
        report = engine.ensure_corpus()
        assert not engine.ask("How much did Türkiye pay for the S-400 systems?").abstained
        return report
    except Exception as exc:  # collected, so the test shows it
        return exc


def test_a_reader_that_opened_an_empty_store_sees_what_another_process_seeded(
    make_engine,
    tmp_path,  # noqa: ANN001
) -> None:
    """chromadb's in-process system keeps vector segment readers from when the store was
    empty; the first search after another process wrote must not fail ("Nothing found on
    disk") but see the new vectors."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "store"
    reader = make_engine(path)
    assert reader.articles() == []  # opened while empty
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_QA_")}
    env.update(HF_HUB_OFFLINE="1", ARTICLE_QA_STORE_PATH=str(path))
    seed = "from qa.engine import QAEngine; QAEngine.open().ensure_corpus()"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", seed], cwd=root, env=env, timeout=300)
    assert done.returncode == 0
    answer = reader.ask("How much did Türkiye pay for the S-400 systems?")
    assert "$2.5 billion" in answer.text
