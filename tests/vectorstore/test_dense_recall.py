"""Dense search finds the nearest chunks, not most of them. Chroma's HNSW index searches with
ef_search 100 by default, and the chunks written since it last persisted its graph (up to a
thousand) are inserted again, in a new order, each time a process opens the store: on the
2,000-article RealTimeQA store the nearest chunk of 4-6 of 500 questions was missed, a different
few in each process. Stores are searched with a wider beam (EF_SEARCH), old ones included."""

from __future__ import annotations

from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings

from ingest.models import Article, ArticleMeta, Chunk
from vectorstore.chroma_store import EF_SEARCH, NewArticle
from vectorstore.store import ArticleStore

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
ARTICLES, PER_ARTICLE, K = 60, 50, 40


def clustered(rng: np.random.Generator, n: int, spread: float) -> np.ndarray:
    """Unit vectors around 50 centres, as chunks of news cluster around their stories."""
    centres = np.random.default_rng(0).normal(size=(50, 384))
    points = centres[rng.integers(0, 50, n)] + spread * rng.normal(size=(n, 384))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def fill(store: ArticleStore) -> np.ndarray:
    """3,000 chunks with known vectors (more than Chroma persists its graph at), in rows of
    chunk id order."""
    vectors = clustered(np.random.default_rng(1), ARTICLES * PER_ARTICLE, 0.8)
    new = []
    for a in range(ARTICLES):
        article = Article(ArticleMeta(title=f"Story {a}"), f"Story {a}. " * PER_ARTICLE, f"s{a}")
        chunks = [
            Chunk(article.id, i, 10 * i, 10 * i + 9, f"Story {a}.", 3) for i in range(PER_ARTICLE)
        ]
        rows = vectors[a * PER_ARTICLE : (a + 1) * PER_ARTICLE]
        new.append(NewArticle(article, chunks, rows, (article.origin,)))
    store.chroma.add_articles(new)
    return vectors


def recall(store: ArticleStore, vectors: np.ndarray) -> float:
    ids = np.array([c for c, _ in sorted(_ids(store).items(), key=lambda item: item[1])])
    # far from every chunk (cosine 0.15-0.21 to the nearest), where a narrow beam misses most
    rng = np.random.default_rng(2)
    queries = vectors[rng.integers(0, len(vectors), 100)] + 0.5 * rng.normal(size=(100, 384))
    found = 0.0
    for q in queries:
        exact = set(ids[np.argsort(-(vectors @ q))[:K]])
        found += len(exact & {c for c, _ in store.chroma.query(q, K)}) / K
    return found / len(queries)


def _ids(store: ArticleStore) -> dict[str, int]:
    """Chunk id -> its row in `fill`'s vectors."""
    records = store.chroma.article_records()
    order = {f"Story {a}": a for a in range(ARTICLES)}
    rows = {}
    for record in records.values():
        a = order[record.title]
        for chunk_id in store.chroma.chunk_ids_of(record.id):
            rows[chunk_id] = a * PER_ARTICLE + int(chunk_id.rpartition(":")[2])
    return rows


@pytest.mark.parametrize("made_by_chroma_defaults", [False, True])
def test_dense_search_finds_the_nearest_chunks(
    tmp_path: Path, made_by_chroma_defaults: bool
) -> None:
    if made_by_chroma_defaults:  # a store created before the wider beam: Chroma's defaults
        client = chromadb.PersistentClient(str(tmp_path), Settings(anonymized_telemetry=False))
        for name in ("articles-chunks", "articles-articles"):
            client.create_collection(
                name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
        chunks = client.get_collection("articles-chunks")
        assert chunks.configuration_json["hnsw"]["ef_search"] < EF_SEARCH
        del client
    store = ArticleStore.open_local(tmp_path, "articles", MODEL, backend="onnx-int8")
    vectors = fill(store)
    assert recall(store, vectors) > 0.99  # measured: 0.99875 (Chroma's default beam: 0.915)
    reopened = ArticleStore.open_local(tmp_path, "articles", MODEL, backend="onnx-int8")
    assert recall(reopened, vectors) > 0.99


def test_the_store_gives_every_chunk_vector(tmp_path: Path) -> None:
    """What bench/determinism.py compares the search with: the stored vectors, by chunk id."""
    store = ArticleStore.open_local(tmp_path, "articles", MODEL, backend="onnx-int8")
    vectors = fill(store)
    ids, stored = store.chunk_vectors()
    rows = _ids(store)
    assert sorted(ids) == sorted(rows)
    assert np.allclose(stored, vectors[[rows[i] for i in ids]], atol=1e-6)
