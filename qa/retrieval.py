"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by weighted reciprocal rank."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from ingest.embedder import Embedder
from ingest.errors import InvalidInputError
from qa.rerank import RerankWeights, rerank
from qa.types import Passage
from vectorstore.lexical import LexicalIndex
from vectorstore.records import UNKNOWN_DAY, day_number
from vectorstore.store import ArticleStore, Snapshot

RRF_K = 60
DATED_OVERSAMPLE = 4  # with as_of: nearest chunks fetched per candidate wanted, then filtered


def as_of_day(value: dt.date | str | None) -> int | None:
    """The day number of an as_of date; a bad date is an InvalidInputError."""
    if value is None:
        return None
    day = day_number(value.isoformat() if isinstance(value, dt.date) else str(value))
    if day == UNKNOWN_DAY:
        raise InvalidInputError(f"as_of must be a date (YYYY-MM-DD), got {value!r}")
    return day


class HybridRetriever:
    def __init__(
        self,
        store: ArticleStore,
        embedder: Embedder,
        candidates: int = 40,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
        recency_weight: float = 1.0,
        recency_half_life: float = 14.0,
        per_article: int = 2,
        rerank_weights: RerankWeights | None = None,
        pool: int = 15,
    ) -> None:
        if candidates <= 0:
            raise ValueError(f"candidates must be > 0, got {candidates}")
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.recency_weight = recency_weight
        self.recency_half_life = recency_half_life
        self.per_article = per_article
        self.rerank_weights = rerank_weights or RerankWeights()
        self.pool = pool  # passages reranked before the top_k are taken

    def _dense(
        self, vector: np.ndarray, limit: int | None, lexical: LexicalIndex
    ) -> list[tuple[str, float]]:
        """The nearest chunks; with `limit`, of those published by that day (or undated).
        Chroma's own date filter reads every chunk's date per question (a second at 20,000
        articles); the nearest DATED_OVERSAMPLE times as many chunks, kept when the BM25 index
        dates them by the limit, hold the nearest dated ones unless the date rules out most of
        the store: then Chroma filters."""
        if limit is None:
            return self.store.dense_search(vector, self.candidates)
        wide = self.store.dense_search(vector, self.candidates * DATED_OVERSAMPLE)
        kept = [(c, s) for c, s in wide if (day := lexical.day(c)) is not None and day <= limit]
        if len(kept) >= self.candidates or len(wide) < self.candidates * DATED_OVERSAMPLE:
            return kept[: self.candidates]
        where = {"published_day": {"$lte": limit}}
        return self.store.dense_search(vector, self.candidates, where=where)

    def retrieve(
        self,
        query: str,
        top_k: int,
        as_of: dt.date | str | None = None,
        query_vector: np.ndarray | None = None,
        per_article: int | None = None,
        snapshot: Snapshot | None = None,
    ) -> list[Passage]:
        """The `top_k` best passages; with `as_of`, only articles published by then (or undated).
        `snapshot`: the store as this request reads it (taken now when not given)."""
        if top_k <= 0:
            raise ValueError(f"top_k must be > 0, got {top_k}")
        limit = as_of_day(as_of)
        lexical = (snapshot or self.store.snapshot()).lexical
        mask = None
        if limit is not None:
            mask = (lexical.days <= limit).astype(np.float32) if len(lexical) else None
        if query_vector is None:
            query_vector = self.embedder.encode([query])[0]
        dense = self._dense(query_vector, limit, lexical)
        sparse = lexical.search(query, self.candidates, allowed=mask)
        fused: dict[str, float] = {}
        for weight, ranking in ((self.dense_weight, dense), (self.lexical_weight, sparse)):
            for rank, (chunk_id, _) in enumerate(ranking):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (RRF_K + rank + 1)
        chunks = self.store.chunks(list(fused))
        if limit is not None:
            # news asked about "as of" a day: the latest reporting before it counts most
            for chunk_id, chunk in chunks.items():
                day = day_number(chunk.published)
                if day != UNKNOWN_DAY:
                    age = max(limit - day, 0) / self.recency_half_life
                    fused[chunk_id] += self.recency_weight * math.exp(-age) / (RRF_K + 1)
        # undated: a pool of passages for the rerank; dated: the recency prior orders them already
        wanted = top_k if limit is not None else max(top_k, self.pool)
        passages = []
        cap = self.per_article if per_article is None else per_article
        taken: dict[str, int] = {}
        for chunk_id, score in sorted(fused.items(), key=lambda item: -item[1]):
            chunk = chunks.get(chunk_id)
            if chunk is None or chunk_id not in lexical:
                continue  # not committed (an interrupted ingest) or removed since
            if taken.get(chunk.article_id, 0) >= cap:
                continue  # room for other articles
            taken[chunk.article_id] = taken.get(chunk.article_id, 0) + 1
            passages.append(
                Passage(
                    chunk_id=chunk.id,
                    article_id=chunk.article_id,
                    meta=chunk.meta,
                    text=chunk.text,
                    start=chunk.start,
                    end=chunk.end,
                    score=score,
                    noncontent=chunk.noncontent,
                )
            )
            if len(passages) == wanted:
                break
        if limit is not None:
            return passages
        ranked = rerank(query, passages, lexical.idf, self.rerank_weights)
        return ranked[:top_k]
