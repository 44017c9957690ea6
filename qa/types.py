"""What the answerer returns: passages, citations pointing at exact character spans, and answers
made of sentences, each with the citations it rests on.

An `Answer` is structured: `sentences` is the truth, and everything else is derived from it in
this module alone — the citation numbers `[n]` (one per distinct span, in order of first use),
`Answer.citations`, and the display text `Answer.text`. Nothing parses `[n]` back out of text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ingest.models import ArticleMeta, Described
from ingest.noncontent import overlaps


def _meta_dict(item: Described) -> dict[str, Any]:
    """The flat metadata keys of the JSON form."""
    return {
        "title": item.title,
        "source": item.source,
        "published": item.published,
        "url": item.url,
    }


@dataclass(frozen=True)
class Passage(Described):
    """A retrieved chunk: `text == article.text[start:end]`."""

    chunk_id: str
    article_id: str
    meta: ArticleMeta
    text: str
    start: int
    end: int
    score: float
    # spans of `text` (relative to it) that are not article content: never cited
    noncontent: tuple[tuple[int, int], ...] = ()

    def is_content(self, start: int, end: int) -> bool:
        """Whether text[start:end] (offsets into this passage) lies clear of non-content."""
        return not overlaps(self.noncontent, start, end)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "article_id": self.article_id,
            **_meta_dict(self),
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "score": self.score,
        }


@dataclass(frozen=True)
class Citation(Described):
    """One cited span: `article.<field>[start:end] == quote`, always.

    `field` is "text" for a sentence of the article body (the usual case). Questions about the
    article itself (who wrote it, which outlet, when) are answered from its metadata: then `field`
    is "authors" (names joined by ", "), "source", "published" or "title", and the offsets point
    into that value. `number` is the citation's `[n]` in its answer, given by `Answer`.
    """

    article_id: str
    meta: ArticleMeta
    quote: str
    start: int
    end: int
    field: str = "text"
    number: int = 0

    @property
    def span(self) -> tuple[str, str, int, int]:
        """What makes two citations the same: article, field and offsets."""
        return (self.article_id, self.field, self.start, self.end)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "article_id": self.article_id,
            **_meta_dict(self),
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "field": self.field,
        }


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer and the citations it rests on. `supported` is False only for
    an LLM sentence that verification could not support, kept (marked) because the settings
    ask to keep such sentences instead of removing them."""

    text: str
    citations: tuple[Citation, ...] = ()
    supported: bool = True

    @property
    def numbers(self) -> list[int]:
        return list(dict.fromkeys(c.number for c in self.citations))

    def display(self) -> str:
        """'The sentence. [1] [2]' ('The sentence. [unsupported]' when unsupported)."""
        if not self.supported:
            return f"{self.text} [unsupported]"
        return self.text + "".join(f" [{n}]" for n in self.numbers)


@dataclass(frozen=True)
class RemovedSentence:
    """A sentence the LLM wrote that verification took out, and why (e.g. "evidence lacks
    2019", "no passage says this"). Kept visibly, marked unsupported, when the settings ask."""

    text: str
    reason: str


def number_citations(sentences: list[AnswerSentence]) -> list[AnswerSentence]:
    """The sentences with their citations numbered: one number per distinct span, in order of
    first use, so a span cited twice keeps one number."""
    numbers: dict[tuple[str, str, int, int], int] = {}
    numbered = []
    for sentence in sentences:
        cited = []
        for c in sentence.citations:
            n = numbers.setdefault(c.span, len(numbers) + 1)
            cited.append(c if c.number == n else replace(c, number=n))
        numbered.append(replace(sentence, citations=tuple(cited)))
    return numbered


@dataclass(frozen=True)
class Answer:
    """An answer: cited sentences, or an abstention (`message` says why) with related reading."""

    question: str
    sentences: list[AnswerSentence] = field(default_factory=list)
    abstained: bool = False
    message: str = ""  # why the articles do not answer (abstentions only)
    related: list[Passage] = field(default_factory=list)  # closest passages when abstaining
    confidence: float = 0.0  # calibrated probability that the cited sentences answer
    query: str = ""  # the question as searched, follow-up context included
    # parts of a compound question that the articles do not answer (the rest is answered)
    unanswered: list[str] = field(default_factory=list)
    mode: str = "extractive"  # "extractive" (quoted sentences) or "llm" (verified LLM sentences)
    model: str | None = None  # the LLM that wrote the sentences (llm mode)
    removed: list[RemovedSentence] = field(default_factory=list)  # LLM sentences taken out
    notice: str | None = None  # e.g. why the LLM was not used for this answer

    def __post_init__(self) -> None:
        if self.abstained and self.sentences:
            raise ValueError("an abstaining answer has no sentences")
        if not self.abstained and not self.sentences:
            raise ValueError("an answer needs at least one sentence")
        object.__setattr__(self, "sentences", number_citations(list(self.sentences)))

    @classmethod
    def abstain(
        cls,
        question: str,
        message: str,
        related: list[Passage] | None = None,
        query: str = "",
        confidence: float = 0.0,
        *,
        mode: str = "extractive",
        model: str | None = None,
        removed: list[RemovedSentence] | None = None,
    ) -> Answer:
        return cls(
            question,
            abstained=True,
            message=message,
            related=list(related or []),
            query=query,
            confidence=confidence,
            mode=mode,
            model=model,
            removed=list(removed or []),
        )

    @property
    def citations(self) -> list[Citation]:
        """Every distinct cited span once, in the order of its number."""
        seen: dict[int, Citation] = {}
        for sentence in self.sentences:
            for c in sentence.citations:
                seen.setdefault(c.number, c)
        return list(seen.values())

    @property
    def text(self) -> str:
        """For display: the sentences with their [n] markers, or the abstention message."""
        if self.abstained:
            return self.message
        return " ".join(s.display() for s in self.sentences)

    @property
    def plain_text(self) -> str:
        """The sentences without markers (the abstention message when abstaining)."""
        if self.abstained:
            return self.message
        return " ".join(s.text for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the flat `text` and `citations` of earlier versions, plus `sentences`
        (each with the numbers of its citations)."""
        return {
            "question": self.question,
            "text": self.text,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [
                {"text": s.text, "citations": s.numbers, "supported": s.supported}
                for s in self.sentences
            ],
            "related": [p.to_dict() for p in self.related],
            "confidence": self.confidence,
            "query": self.query,
            "unanswered": list(self.unanswered),
            "mode": self.mode,
            "model": self.model,
            "removed": [{"text": r.text, "reason": r.reason} for r in self.removed],
            "notice": self.notice,
        }
