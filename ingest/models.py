"""The data that flows out of ingest: articles with clean text, and chunks that point into it."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field


def content_id(text: str) -> str:
    """A stable id derived from an article's text: the same text always gets the same id."""
    normalized = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).hexdigest()


@dataclass(frozen=True)
class ArticleMeta:
    """What is known of an article besides its text: the one metadata type that articles,
    stored records, passages and citations all carry."""

    title: str
    source: str | None = None  # the outlet
    authors: tuple[str, ...] = ()
    published: str | None = None  # ISO date, YYYY-MM-DD
    url: str | None = None
    section: str | None = None

    def value(self, name: str) -> str:
        """A field as text ("authors" joined by ", "; a missing value is "")."""
        if name == "authors":
            return ", ".join(self.authors)
        if name not in METADATA_FIELDS:
            raise ValueError(f"unknown metadata field {name!r}")
        return getattr(self, name) or ""


METADATA_FIELDS = ("title", "source", "authors", "published", "url", "section")


class Described:
    """Mixin for whatever carries an article's `meta`: its fields read as attributes."""

    meta: ArticleMeta

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def source(self) -> str | None:
        return self.meta.source

    @property
    def authors(self) -> tuple[str, ...]:
        return self.meta.authors

    @property
    def published(self) -> str | None:
        return self.meta.published

    @property
    def url(self) -> str | None:
        return self.meta.url

    @property
    def section(self) -> str | None:
        return self.meta.section


@dataclass(frozen=True)
class Article(Described):
    """One news article.

    `text` is the clean body that every chunk offset and every citation offset refers to.
    `origin` names where the article came from: a file path, or `path#key` for one record of a
    multi-article file (JSON/JSONL), so that a changed or removed record can be found again.
    """

    meta: ArticleMeta
    text: str
    origin: str
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("article text is empty")
        if not self.id:
            object.__setattr__(self, "id", content_id(self.text))


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: `text == article.text[start:end]`."""

    article_id: str
    index: int
    start: int
    end: int
    text: str
    n_tokens: int

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.index:04d}"


def chunk_article(chunk_id: str) -> str:
    """The article id in a chunk id (`Chunk.id`)."""
    return chunk_id.rpartition(":")[0]


@dataclass(frozen=True)
class Skipped:
    """A file (or one record of a file) that was not ingested, and why."""

    origin: str
    reason: str
