"""With as_of, the dense candidates are the nearest chunks published by then: taken from a wider
unfiltered search when it holds enough of them (no scan of every chunk's date in Chroma), from
Chroma's date filter when the date rules out most of the store; the same chunks either way."""

from __future__ import annotations

import json

import pytest

from qa.retrieval import as_of_day
from vectorstore.store import ArticleStore

TOPICS = ["harbor", "festival", "budget", "rowing", "library", "ferry", "museum", "harvest"]


@pytest.fixture(scope="module")
def dated(make_engine, tmp_path_factory):  # noqa: ANN001, ANN201
    """30 one-chunk articles, one a day from 2024-01-01, candidates 5 (20 fetched unfiltered)."""
    folder = tmp_path_factory.mktemp("dated")
    rows = [
        {
            "url": f"https://news.test/{i}",
            "title": f"Day {i + 1}: {TOPICS[i % 8]} news",
            "published": f"2024-01-{i + 1:02d}",
            "text": f"The {TOPICS[i % 8]} report number {i} from Kessel said {i * 37} people came.",
        }
        for i in range(30)
    ]
    (folder / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    engine = make_engine(folder / "store", candidates=5)
    engine.ingest([folder / "feed.jsonl"])
    return engine


def _spy(monkeypatch: pytest.MonkeyPatch) -> list:
    calls = []
    real = ArticleStore.dense_search

    def spying(self, vector, n, where=None):  # noqa: ANN001, ANN202
        calls.append(where)
        return real(self, vector, n, where=where)

    monkeypatch.setattr(ArticleStore, "dense_search", spying)
    return calls


@pytest.mark.parametrize(
    ("as_of", "filtered_by_chroma"), [("2024-01-28", False), ("2024-01-03", True)]
)
def test_dated_candidates_are_the_nearest_dated_chunks(
    dated, monkeypatch, as_of, filtered_by_chroma
):
    retriever = dated.retriever
    vector = dated.embedder.encode(["How many people came to the harbor report?"])[0]
    limit = as_of_day(as_of)
    expected = retriever.store.dense_search(vector, 5, where={"published_day": {"$lte": limit}})
    calls = _spy(monkeypatch)
    got = retriever._dense(vector, limit, retriever.store.snapshot().lexical)
    assert got == expected
    assert (calls[-1] is not None) == filtered_by_chroma
    assert calls[0] is None  # the unfiltered search first
    passages = dated.retrieve("harbor report people", top_k=3, as_of=as_of)
    assert passages and all(p.published <= as_of for p in passages)
