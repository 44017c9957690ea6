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
    """One cited sentence: `article.text[start:end] == quote`, always."""

    number: int
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # the short answer, with [n] markers
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Passage] = field(default_factory=list)  # closest passages when abstaining
    confidence: float = 0.0  # calibrated probability that the cited sentences answer
    query: str = ""  # the question as searched, follow-up context included

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
