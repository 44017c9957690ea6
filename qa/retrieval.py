"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by weighted reciprocal rank."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Collection

import numpy as np

from ingest.embedder import Embedder
from ingest.errors import InvalidInputError
from ingest.models import chunk_article
from qa.periods import relative_time
from qa.rerank import RerankWeights, rerank
from qa.types import Passage
from vectorstore.lexical import LexicalIndex
from vectorstore.records import UNKNOWN_DAY, StoredChunk, day_number
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
        articles: Collection[str] | None = None,
    ) -> list[Passage]:
        """The `top_k` best passages; with `as_of`, only articles published by then (or undated);
        with `articles`, only passages of those articles (a follow-up about the last answer's).
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
        if articles is None:
            dense = self._dense(query_vector, limit, lexical)
        else:
            within = self._positions(articles, limit, lexical)
            only = np.zeros(len(lexical.days), dtype=np.float32)
            only[list(within.values())] = 1.0
            mask = only
            where: dict = {"article_id": {"$in": sorted(articles)}}
            if limit is not None:
                where = {"$and": [{"published_day": {"$lte": limit}}, where]}
            dense = self.store.dense_search(
                query_vector, self.candidates, where=where, among=list(within)
            )
        sparse = lexical.search(query, self.candidates, allowed=mask)
        fused: dict[str, float] = {}
        for weight, ranking in ((self.dense_weight, dense), (self.lexical_weight, sparse)):
            for rank, (chunk_id, _) in enumerate(ranking):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (RRF_K + rank + 1)
        if limit is not None:
            # news asked about "as of" a day: the latest reporting before it counts most
            for chunk_id in fused:
                day = lexical.day(chunk_id)
                if day is not None and day != UNKNOWN_DAY:
                    age = max(limit - day, 0) / self.recency_half_life
                    fused[chunk_id] += self.recency_weight * math.exp(-age) / (RRF_K + 1)
        ranked = [  # best first; an interrupted ingest's chunks are not committed
            chunk_id
            for chunk_id, _ in sorted(fused.items(), key=lambda item: -item[1])
            if chunk_id in lexical
        ]
        # undated: a pool of passages for the rerank; dated: the recency prior orders them already
        wanted = top_k if limit is not None else max(top_k, self.pool)
        cap = self.per_article if per_article is None else per_article
        passages = [
            Passage(
                chunk_id=chunk.id,
                article_id=chunk.article_id,
                meta=chunk.meta,
                text=chunk.text,
                start=chunk.start,
                end=chunk.end,
                score=fused[chunk.id],
                noncontent=chunk.noncontent,
            )
            for chunk in self._read(ranked, wanted, cap)
        ]
        if limit is not None:
            return passages
        # "this week" with no date given: the week of the newest articles in the store
        now = lexical.newest_day() if relative_time(query) else None
        found = Counter(chunk_article(chunk_id) for chunk_id in ranked[: self.candidates])
        return rerank(query, passages, lexical.idf, self.rerank_weights, now, found)[:top_k]

    def _positions(
        self, articles: Collection[str], limit: int | None, lexical: LexicalIndex
    ) -> dict[str, int]:
        """The committed chunks of these articles (published by `limit` when given), by id,
        with their positions in the BM25 index."""
        found = {}
        for chunk_id in self.store.chunk_ids_of(sorted(articles)):
            position = lexical.find(chunk_id)
            if position is not None and (limit is None or lexical.days[position] <= limit):
                found[chunk_id] = position
        return found

    def _read(self, ranked: list[str], wanted: int, cap: int) -> list[StoredChunk]:
        """The first `wanted` chunks of `ranked` the store holds, at most `cap` of one article.
        Only those are fetched; one removed since the snapshot is passed over."""
        held: dict[str, StoredChunk] = {}
        gone: set[str] = set()
        while True:
            chosen: list[str] = []
            taken: dict[str, int] = {}
            for chunk_id in ranked:
                article = chunk_article(chunk_id)
                if chunk_id in gone or taken.get(article, 0) >= cap:
                    continue  # removed, or room for other articles
                taken[article] = taken.get(article, 0) + 1
                chosen.append(chunk_id)
                if len(chosen) == wanted:
                    break
            needed = [chunk_id for chunk_id in chosen if chunk_id not in held]
            if not needed:
                return [held[chunk_id] for chunk_id in chosen]
            held.update(self.store.chunks(needed))
            gone.update(chunk_id for chunk_id in needed if chunk_id not in held)
