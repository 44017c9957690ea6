"""What an ingest reads of the store does not grow with it where it need not: no read of every
chunk to look for leftovers of an interrupted run when there are none."""

from __future__ import annotations

import json
from pathlib import Path

from vectorstore.chroma_store import ChromaStore

BODIES = [
    "The harbor bridge in Kessel reopened on Monday after repairs costing 40 million dollars.",
    "The orchard festival in Lindvale drew 12,000 visitors this weekend, organisers said.",
    "The Marlow city council passed a budget of 300 million dollars on Tuesday evening.",
    "The Ostrava rowing team won the national final by two seconds on Sunday morning.",
]


def _record(i: int) -> dict:
    return {"url": f"https://news.test/{i}", "title": f"Story {i}", "text": BODIES[i]}


def _write(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_an_ingest_reads_no_chunks_when_none_are_orphaned(make_engine, tmp_path, monkeypatch):
    """Looking for chunks an interrupted run left costs a count, not a read of every chunk,
    when the store holds exactly the chunks its records count (a leftover is still found)."""
    feed = tmp_path / "feed.jsonl"
    _write(feed, [_record(0), _record(1)])
    engine = make_engine(tmp_path / "store")
    engine.ingest([feed])
    chroma = engine.store.chroma
    read = []
    pages = ChromaStore._pages

    def counting(self, collection, include, where=None):  # noqa: ANN001, ANN202
        if collection is self._chunks:
            read.append(include)
        return pages(self, collection, include, where)

    monkeypatch.setattr(ChromaStore, "_pages", counting)
    _write(feed, [_record(0), _record(1), _record(2)])
    assert engine.ingest([feed]).added and read == []
    chroma._chunks.upsert(  # a chunk whose article record never landed
        ids=["0123456789abcdef:0000"],
        embeddings=[[0.1] * engine.embedder.dimension],
        documents=["left over"],
        metadatas=[{"article_id": "0123456789abcdef", "index": 0, "start": 0, "end": 9}],
    )
    _write(feed, [_record(0), _record(1), _record(2), _record(3)])
    assert engine.ingest([feed]).repaired_chunks == 1 and read
