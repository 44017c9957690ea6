"""What the store hands back: article records (metadata) and stored chunks, plus their (de)coding."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from ingest.models import Article, ArticleMeta, Chunk, Described

_EPOCH = dt.date(1970, 1, 1)
UNKNOWN_DAY = -1_000_000  # sorts before any real date, so `as_of` filters keep undated articles


def day_number(iso: str | None) -> int:
    """Days since 1970-01-01 of an ISO date, or UNKNOWN_DAY."""
    if not iso:
        return UNKNOWN_DAY
    try:
        return (dt.date.fromisoformat(iso[:10]) - _EPOCH).days
    except ValueError:
        return UNKNOWN_DAY


@dataclass(frozen=True)
class ArticleRecord(Described):
    """An article as stored, without its text (Article.text comes from `store.article(id)`)."""

    id: str
    meta: ArticleMeta
    origin: str
    n_chunks: int = 0
    origins: tuple[str, ...] = ()  # every file/record this exact text was read from
    duplicates: tuple[dict[str, Any], ...] = ()  # near-duplicates stored once, as this article
    minhash: str = ""

    def to_article(self, text: str) -> Article:
        return Article(meta=self.meta, text=text, origin=self.origin, id=self.id)


def _meta_fields(meta: ArticleMeta) -> dict[str, Any]:
    """An article's metadata as Chroma metadata values (no None: Chroma rejects it)."""
    values: dict[str, Any] = {
        "title": meta.title,
        "authors": json.dumps(list(meta.authors), ensure_ascii=False),
        "published_day": day_number(meta.published),
    }
    for key in ("source", "published", "url", "section"):
        value = getattr(meta, key)
        if value:
            values[key] = value
    return values


def meta_from_fields(values: dict[str, Any]) -> ArticleMeta:
    return ArticleMeta(
        title=values["title"],
        source=values.get("source"),
        authors=tuple(json.loads(values.get("authors", "[]"))),
        published=values.get("published"),
        url=values.get("url"),
        section=values.get("section"),
    )


def article_metadata(
    article: Article,
    n_chunks: int,
    origins: tuple[str, ...],
    duplicates: tuple[dict, ...],
    minhash: str,
) -> dict[str, Any]:
    return {
        **_meta_fields(article.meta),
        "origin": article.origin,
        "n_chunks": n_chunks,
        "origins": json.dumps(list(origins), ensure_ascii=False),
        "duplicates": json.dumps(list(duplicates), ensure_ascii=False),
        "minhash": minhash,
    }


def record_from_metadata(article_id: str, meta: dict[str, Any]) -> ArticleRecord:
    return ArticleRecord(
        id=article_id,
        meta=meta_from_fields(meta),
        origin=meta["origin"],
        n_chunks=int(meta.get("n_chunks", 0)),
        origins=tuple(json.loads(meta.get("origins", "[]"))),
        duplicates=tuple(json.loads(meta.get("duplicates", "[]"))),
        minhash=meta.get("minhash", ""),
    )


@dataclass(frozen=True)
class StoredChunk(Described):
    """A chunk with the article metadata a citation needs."""

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str
    meta: ArticleMeta


def chunk_metadata(article: Article, chunk: Chunk, written_at: int) -> dict[str, Any]:
    return {
        **_meta_fields(article.meta),
        "written_at": written_at,
        "article_id": chunk.article_id,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "n_tokens": chunk.n_tokens,
    }


def stored_chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    return StoredChunk(
        id=chunk_id,
        article_id=meta["article_id"],
        index=int(meta["index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        meta=meta_from_fields(meta),
    )
