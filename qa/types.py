"""What the answerer returns: passages, citations pointing at exact character spans, answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: `text == article.text[start:end]`."""

    chunk_id: str
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    text: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Citation:
    """One cited span: `getattr(article, field)[start:end] == quote`, always.

    `field` is "text" for a sentence of the article body (the usual case). Questions about the
    article itself (who wrote it, which outlet, when) are answered from its metadata: then `field`
    is "authors" (names joined by ", "), "source", "published" or "title", and the offsets point
    into that value.
    """

    number: int
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    quote: str
    start: int
    end: int
    field: str = "text"


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # the short answer, with [n] markers
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Passage] = field(default_factory=list)  # closest passages when abstaining
    confidence: float = 0.0  # calibrated probability that the cited sentences answer
    query: str = ""  # the question as searched, follow-up context included
    # parts of a compound question that the articles do not answer (the rest is answered)
    unanswered: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
