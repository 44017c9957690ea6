"""A commit leaves the BM25 index of the revision it made on disk, equal to one built from every
chunk, so the next reader (a cold `ask`) loads it instead of reading and tokenising the store:
articles added, changed (re-embedded), re-dated (metadata only), pruned and removed. A store
without its base index, or after an interrupted commit, is still rebuilt by the reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.engine import QAEngine
from vectorstore.chroma_store import ChromaStore
from vectorstore.lexical import LexicalIndex
from vectorstore.store import ArticleStore

BODIES = [
    "The harbor bridge in Kessel reopened on Monday after repairs costing 40 million dollars.",
    "The orchard festival in Lindvale drew 12,000 visitors this weekend, organisers said.",
    "The Marlow city council passed a budget of 300 million dollars on Tuesday evening.",
    "The Ostrava rowing team won the national final by two seconds on Sunday morning.",
    "The central library in Pemberton will stay open until 10 p.m. from June onwards.",
]


def _record(i: int, **extra: object) -> dict:
    return {
        "url": f"https://news.test/{i}",
        "title": f"Story {i}",
        "published": f"2024-05-0{i + 1}",
        "authors": [f"Reporter{i} Quill"],
        "text": BODIES[i],
        **extra,
    }


def _write(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def _rebuilt(engine: QAEngine, folder: Path) -> LexicalIndex:
    """The index a reader builds from every stored chunk (into its own cache folder)."""
    store = engine.store
    return ArticleStore(store.chroma, folder, store.lock_path).snapshot().lexical


def _cached(engine: QAEngine) -> LexicalIndex:
    revision = engine.store.chroma.revision
    index = LexicalIndex.load(engine.store.lexical_dir, revision)
    assert index is not None, "the commit did not leave its index"
    return index


def _equal(a: LexicalIndex, b: LexicalIndex) -> None:
    assert sorted(a.ids) == sorted(b.ids)
    assert a.metadata_terms == b.metadata_terms
    assert {t: n for t, n in a.document_frequency.items() if n} == {
        t: n for t, n in b.document_frequency.items() if n
    }
    assert {c: int(a.days[a.find(c)]) for c in a.ids} == {c: int(b.days[b.find(c)]) for c in b.ids}
    for query in ("harbor bridge repairs", "festival visitors", "council budget", "Quill"):
        assert sorted(a.search(query, 20)) == sorted(b.search(query, 20))


def test_each_commit_leaves_the_next_index(make_engine, tmp_path, monkeypatch) -> None:
    feed = tmp_path / "feed.jsonl"
    _write(feed, [_record(0), _record(1)])
    engine = make_engine(tmp_path / "store")
    engine.ingest([feed])
    engine.store.snapshot()  # the first index is built by a reader (nothing to start from)
    steps = [
        [_record(0), _record(1), _record(2), _record(3)],  # two added
        [_record(0), _record(1, text=BODIES[1] + " Rain fell."), _record(2), _record(3)],
        [_record(0), _record(1, text=BODIES[1] + " Rain fell."), _record(2, published=None)],
    ]
    for n, records in enumerate(steps):
        _write(feed, records)
        report = engine.ingest([feed], prune=True)
        assert report.changed
        _equal(_cached(engine), _rebuilt(engine, tmp_path / f"fresh{n}"))
    assert report.relabelled and report.removed  # the last step re-dated one, pruned one
    engine.remove(engine.articles()[0].id)
    _equal(_cached(engine), _rebuilt(engine, tmp_path / "fresh-removed"))

    def every_chunk(self: ChromaStore) -> list:  # noqa: ARG001
        raise AssertionError("a reader rebuilt the index from every chunk")

    monkeypatch.setattr(ChromaStore, "chunk_texts", every_chunk)
    _write(feed, [_record(4)])
    engine.ingest([feed])
    reader = make_engine(tmp_path / "store")  # another process, say: a cold ask
    assert reader.ask("When does the Pemberton library stay open?").citations


def test_without_a_base_index_the_reader_builds_it(make_engine, tmp_path) -> None:
    feed = tmp_path / "feed.jsonl"
    _write(feed, [_record(0)])
    engine = make_engine(tmp_path / "store")
    engine.ingest([feed])
    _write(feed, [_record(0), _record(1)])
    engine.ingest([feed])  # the base revision was never read: nothing to bring up to date
    revision = engine.store.chroma.revision
    assert LexicalIndex.load(engine.store.lexical_dir, revision) is None
    assert len(engine.store.snapshot().lexical) == 2
    assert LexicalIndex.load(engine.store.lexical_dir, revision) is not None


@pytest.mark.parametrize("fail_at", ["embed", "settle"])
def test_an_interrupted_commit_leaves_no_index(make_engine, tmp_path, monkeypatch, fail_at) -> None:
    feed = tmp_path / "feed.jsonl"
    _write(feed, [_record(0)])
    engine = make_engine(tmp_path / "store")
    engine.ingest([feed])
    engine.store.snapshot()

    def broken(*args: object) -> None:
        raise RuntimeError("interrupted")

    target = "_embed_and_write" if fail_at == "embed" else "_settle"
    monkeypatch.setattr(f"vectorstore.indexer.Indexer.{target}", broken)
    _write(feed, [_record(0), _record(1)])
    with pytest.raises(RuntimeError):
        engine.ingest([feed])
    monkeypatch.undo()
    revision = engine.store.chroma.revision
    assert LexicalIndex.load(engine.store.lexical_dir, revision) is None
    _equal(engine.store.snapshot().lexical, _rebuilt(engine, tmp_path / "fresh"))
