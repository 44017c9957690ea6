"""The BM25 index: scores as bm25s computes them, and an index updated commit by commit (chunks
added, removed, re-dated; segments merged; dead positions compacted) equal to one built anew."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from vectorstore.lexical import LexicalChange, LexicalIndex, chunk_terms

WORDS = (
    "harbor bridge reopened council budget orchard festival visitors rowing final library "
    "hours election senate tariff drought vaccine storm court ruling strike merger museum"
).split()
QUERIES = ["harbor bridge council", "festival visitors library", "court ruling strike", "storm"]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30)))


def _articles(n: int, seed: int = 1) -> dict[str, tuple[list[str], int, str]]:
    """article id -> (chunk texts, day, byline)."""
    rng = random.Random(seed)
    return {
        f"{i:016x}": (
            [_text(rng) for _ in range(rng.randint(1, 4))],
            rng.randint(0, 30),
            rng.choice(["CNN Ann Lee", "Reuters", "", "BBC Tom Hart"]),
        )
        for i in range(n)
    }


def _built(articles: dict[str, tuple[list[str], int, str]], revision: str = "r") -> LexicalIndex:
    ids, days, texts = [], [], []
    for aid, (chunks, day, _) in articles.items():
        for i, text in enumerate(chunks):
            ids.append(f"{aid}:{i:04d}")
            days.append(day)
            texts.append(text)
    return LexicalIndex.build(ids, days, texts, revision, [b for _, _, b in articles.values()])


def _add(change: LexicalChange, aid: str, article: tuple[list[str], int, str]) -> None:
    chunks, day, byline = article
    change.add(aid, [f"{aid}:{i:04d}" for i in range(len(chunks))], chunks, day, byline)


def _same(a: LexicalIndex, b: LexicalIndex) -> None:
    assert len(a) == len(b)
    assert sorted(a.ids) == sorted(b.ids)
    assert a.metadata_terms == b.metadata_terms
    for term in set(a.document_frequency) | set(b.document_frequency):
        assert a.document_frequency.get(term, 0) == b.document_frequency.get(term, 0), term
    days_a = {cid: a.days[a.find(cid)] for cid in a.ids}
    days_b = {cid: b.days[b.find(cid)] for cid in b.ids}
    assert days_a == days_b
    for query in QUERIES:
        assert sorted(a.search(query, 500)) == sorted(b.search(query, 500)), query
        mask_a = (a.days <= 15).astype(np.float32)
        mask_b = (b.days <= 15).astype(np.float32)
        assert sorted(a.search(query, 500, mask_a)) == sorted(b.search(query, 500, mask_b))


def test_scores_are_bm25_lucene() -> None:
    texts = ["bridge bridge harbor", "harbor council", "festival"]
    index = LexicalIndex.build(["a", "b", "c"], [0, 0, 0], texts, "r")
    lengths = [len(chunk_terms(t)) for t in texts]
    average = sum(lengths) / 3
    idf = np.log(1 + (3 - 2 + 0.5) / (2 + 0.5))  # "harbor" is in 2 of 3 chunks
    norm = 1.5 * (0.25 + 0.75 * lengths[1] / average)
    scores = dict(index.search("harbor", 3))
    assert scores["b"] == pytest.approx(float(np.float32(idf)) * 1 / (norm + 1), rel=1e-6)
    assert set(scores) == {"a", "b"}
    assert index.search("nothing here", 3) == []


def test_updates_commit_by_commit_equal_a_fresh_build(tmp_path: Path) -> None:
    articles = _articles(60)
    order = list(articles)
    state = {aid: articles[aid] for aid in order[:20]}
    index = _built(state)
    rng = random.Random(7)
    for step in range(8):
        change = LexicalChange()
        for aid in order[20 + step * 5 : 25 + step * 5]:  # new articles
            state[aid] = articles[aid]
            _add(change, aid, articles[aid])
        gone = rng.choice(list(state))  # one removed
        change.remove(gone, len(state[gone][0]), state[gone][2])
        del state[gone]
        moved = rng.choice(list(state))  # one re-dated, with another byline
        chunks, _, old = state[moved]
        state[moved] = (chunks, 99, "AP Kim Ode")
        change.relabel(moved, len(chunks), 99, old, "AP Kim Ode")
        index = index.updated(change, f"r{step}")
        index.save(tmp_path / "lexical")
        index = LexicalIndex.load(tmp_path / "lexical", f"r{step}")
        assert index is not None
        _same(index, _built(state))
    assert len(index.segments) <= 4  # merged as they came
    assert LexicalIndex.load(tmp_path / "lexical", "other revision") is None


def test_an_article_written_again_replaces_its_chunks() -> None:
    articles = _articles(5)
    index = _built(articles)
    aid = next(iter(articles))
    change = LexicalChange()
    change.remove(aid, len(articles[aid][0]), articles[aid][2])
    rewritten = (["storm storm court"], 3, "Reuters")
    _add(change, aid, rewritten)
    updated = index.updated(change, "r2")
    _same(updated, _built({**articles, aid: rewritten}))
    assert f"{aid}:0000" in updated and f"{aid}:0001" not in updated


def test_dead_positions_are_compacted(tmp_path: Path) -> None:
    articles = _articles(40)
    index = _built(articles)
    change = LexicalChange()
    kept = dict(articles)
    for aid in list(articles)[:15]:
        change.remove(aid, len(articles[aid][0]), articles[aid][2])
        del kept[aid]
    updated = index.updated(change, "r2")
    assert len(updated.live) == len(updated)  # rewritten without the dead
    _same(updated, _built(kept))
    updated.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical", "r2")
    assert loaded is not None
    _same(loaded, _built(kept))
    assert sorted(p.name for p in (tmp_path / "lexical").iterdir() if p.is_dir()) == [
        s.name for s in loaded.segments
    ]


def test_an_empty_index_searches_nothing(tmp_path: Path) -> None:
    index = LexicalIndex.build([], [], [], "r")
    assert len(index) == 0 and index.search("storm", 5) == [] and "x:0000" not in index
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical", "r")
    assert loaded is not None and len(loaded) == 0


def test_a_later_save_of_another_revision_keeps_the_latest_ones(tmp_path: Path) -> None:
    """A reader that saves the index of a revision in progress just after a writer saved the
    next one's takes nothing from it; only the latest KEEP_REVISIONS stay."""
    folder = tmp_path / "lexical"
    articles = _articles(12)
    index = _built(articles, "r0")
    index.save(folder)
    revisions = ["r1", "writing-x", "r2", "r3"]
    for n, revision in enumerate(revisions):
        change = LexicalChange()
        aid = f"{100 + n:016x}"
        _add(change, aid, (["storm court ruling"], n, "AP Kim Ode"))
        index = index.updated(change, revision)
        index.save(folder)
    assert LexicalIndex.load(folder, "r0") is None and LexicalIndex.load(folder, "r1") is None
    for revision in revisions[1:]:
        loaded = LexicalIndex.load(folder, revision)
        assert loaded is not None and loaded.revision == revision
    assert len(list(folder.glob("rev-*.json"))) == 3
