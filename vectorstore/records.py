"""What the store hands back: article records (metadata) and stored chunks, plus their (de)coding."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from ingest.models import Article, Chunk

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
class ArticleRecord:
    """An article as stored, without its text (Article.text comes from `store.article(id)`)."""

    id: str
    title: str
    origin: str
    source: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    url: str | None = None
    section: str | None = None
    n_chunks: int = 0
    origins: tuple[str, ...] = ()  # every file/record this exact text was read from
    duplicates: tuple[dict[str, Any], ...] = ()  # near-duplicates stored once, as this article
    minhash: str = ""

    def to_article(self, text: str) -> Article:
        return Article(
            title=self.title,
            text=text,
            origin=self.origin,
            source=self.source,
            authors=self.authors,
            published=self.published,
            url=self.url,
            section=self.section,
            id=self.id,
        )


def article_metadata(
    article: Article,
    n_chunks: int,
    origins: tuple[str, ...],
    duplicates: tuple[dict, ...],
    minhash: str,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "title": article.title,
        "origin": article.origin,
        "authors": json.dumps(list(article.authors), ensure_ascii=False),
        "published_day": day_number(article.published),
        "n_chunks": n_chunks,
        "origins": json.dumps(list(origins), ensure_ascii=False),
        "duplicates": json.dumps(list(duplicates), ensure_ascii=False),
        "minhash": minhash,
    }
    for key in ("source", "published", "url", "section"):
        value = getattr(article, key)
        if value:
            meta[key] = value
    return meta


def record_from_metadata(article_id: str, meta: dict[str, Any]) -> ArticleRecord:
    return ArticleRecord(
        id=article_id,
        title=meta["title"],
        origin=meta["origin"],
        source=meta.get("source"),
        authors=tuple(json.loads(meta.get("authors", "[]"))),
        published=meta.get("published"),
        url=meta.get("url"),
        section=meta.get("section"),
        n_chunks=int(meta.get("n_chunks", 0)),
        origins=tuple(json.loads(meta.get("origins", "[]"))),
        duplicates=tuple(json.loads(meta.get("duplicates", "[]"))),
        minhash=meta.get("minhash", ""),
    )


@dataclass(frozen=True)
class StoredChunk:
    """A chunk with the article metadata a citation needs."""

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str
    title: str
    source: str | None
    published: str | None
    url: str | None


def chunk_metadata(article: Article, chunk: Chunk, written_at: int) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "written_at": written_at,
        "article_id": chunk.article_id,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "n_tokens": chunk.n_tokens,
        "title": article.title,
        "published_day": day_number(article.published),
    }
    for key in ("source", "published", "url"):
        value = getattr(article, key)
        if value:
            meta[key] = value
    return meta


def stored_chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    return StoredChunk(
        id=chunk_id,
        article_id=meta["article_id"],
        index=int(meta["index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        title=meta["title"],
        source=meta.get("source"),
        published=meta.get("published"),
        url=meta.get("url"),
    )
