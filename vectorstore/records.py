"""What the store hands back: article records (metadata) and stored chunks, plus their (de)coding."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Any

from ingest.models import Article, ArticleMeta, Chunk, Described
from ingest.noncontent import decode_spans, encode_spans, non_content_spans, within

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


def day_of(values: dict[str, Any]) -> int:
    """The publication day of a stored chunk or record, from its metadata."""
    return day_number(values.get("published"))


def byline(meta: ArticleMeta) -> str:
    """An article's outlet and authors as one text (the names its metadata knows)."""
    return " ".join([meta.source or "", *meta.authors])


def meta_fields(meta: ArticleMeta) -> dict[str, Any]:
    """An article's metadata as Chroma metadata values (no None: Chroma rejects it)."""
    values: dict[str, Any] = {
        "title": meta.title,
        "authors": json.dumps(list(meta.authors), ensure_ascii=False),
        "published_day": day_number(meta.published),
    }
    for key in _OPTIONAL:
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
        **meta_fields(article.meta),
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
    # spans of `text` (relative to it) that are not article content (ingest.noncontent)
    noncontent: tuple[tuple[int, int], ...] = ()


_OPTIONAL = ("source", "published", "url", "section")


@functools.lru_cache(maxsize=4)
def _article_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The article's non-content spans, computed once for all of its chunks."""
    return tuple(non_content_spans(text))


def chunk_metadata(article: Article, chunk: Chunk, written_at: int) -> dict[str, Any]:
    spans = within(_article_spans(article.text), chunk.start, chunk.end)
    return {
        **meta_fields(article.meta),
        "written_at": written_at,
        "article_id": chunk.article_id,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "n_tokens": chunk.n_tokens,
        "noncontent": encode_spans(spans),
    }


def cleared(values: dict[str, Any]) -> dict[str, Any]:
    """`values` as a metadata update: the optional fields it lacks set to None (Chroma's update
    merges, and None deletes a key), so a value taken away goes away."""
    return {key: None for key in _OPTIONAL if key not in values} | values


def refreshed_chunk_metadata(article: Article, stored: dict[str, Any]) -> dict[str, Any]:
    """The update of a stored chunk's metadata to the article's current metadata and non-content
    spans (offsets, token count and write time kept): a change that needs no new embedding."""
    chunk = Chunk(
        stored["article_id"],
        int(stored["index"]),
        int(stored["start"]),
        int(stored["end"]),
        "",
        int(stored.get("n_tokens", 0)),
    )
    return cleared(chunk_metadata(article, chunk, int(stored.get("written_at", 0))))


def stored_chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    """A chunk as read back. A chunk stored before non-content spans were kept gets them from
    its own text: the same rules, except that a line cut at the chunk's start is judged by its
    part inside the chunk (chunks start at sentence starts, so that part is whole sentences)."""
    encoded = meta.get("noncontent")
    return StoredChunk(
        id=chunk_id,
        article_id=meta["article_id"],
        index=int(meta["index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        meta=meta_from_fields(meta),
        noncontent=decode_spans(encoded) if encoded else tuple(non_content_spans(text)),
    )
