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
class Article:
    """One news article.

    `text` is the clean body that every chunk offset and every citation offset refers to.
    `origin` names where the article came from: a file path, or `path#key` for one record of a
    multi-article file (JSON/JSONL), so that a changed or removed record can be found again.
    """

    title: str
    text: str
    origin: str
    source: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None  # ISO date, YYYY-MM-DD
    url: str | None = None
    section: str | None = None
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("article text is empty")
        if not self.id:
            object.__setattr__(self, "id", content_id(self.text))

    @property
    def path(self) -> str:
        """The file the article was read from (the origin without a `#key` suffix)."""
        return self.origin.split("#", 1)[0]


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


@dataclass(frozen=True)
class Skipped:
    """A file (or one record of a file) that was not ingested, and why."""

    origin: str
    reason: str
