"""Questions about an article rather than its story — who wrote it, which outlet published it,
when, under what headline — answered from the article's metadata, cited to the metadata field."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from qa.answer_types import missing_names, question_names
from qa.retrieval import HybridRetriever
from qa.types import Answer, Citation, Passage
from vectorstore.records import ArticleRecord
from vectorstore.terms import terms

FIELDS = ("authors", "source", "published", "title")
_ARTICLE = r"(?:article|story|piece|report|item|news|headline|it|this|that|one)"
_ASKS: dict[str, re.Pattern[str]] = {
    "authors": re.compile(
        r"\bwho (?:wrote|authored|penned|is the (?:author|writer|reporter))\b|"
        r"\b(?:author|writer|byline|reporter|journalist)s?\b.*\b" + _ARTICLE + r"\b|"
        r"\bwritten by\b|\bwho(?:se)? (?:byline|name)\b",
        re.I,
    ),
    "source": re.compile(
        r"\b(?:which|what) (?:outlet|publication|news ?(?:agency|outlet|site|organi[sz]ation|"
        r"service|wire)|newspaper|paper|website|site|media outlet|publisher|agency)\b"
        r".*\b(?:publish|ran|run|carri|report|print|post)\w*\b|"
        r"\bwho (?:published|ran|carried|printed|posted)\b|"
        r"\b(?:published|carried|run|ran) (?:by|in) (?:which|what|whom)\b|"
        r"\b(?:outlet|publisher|publication|source) (?:of|for|behind) (?:the|this|that|it)\b",
        re.I,
    ),
    "published": re.compile(
        r"\bwhen (?:was|were|did) .*\b(?:publish|post|releas|dat|print|run|ran|come out)\w*|"
        r"\b(?:publication|release) date\b|\bwhat (?:date|day) (?:was|is) .*\bpublished\b|"
        r"\bhow (?:old|recent) is (?:the|this|that|it)\b",
        re.I,
    ),
    "title": re.compile(
        r"\b(?:headline|title)\b.*\b(?:of|for)\b|\bwhat (?:is|was) (?:the|its) (?:headline|title)\b|"
        r"\bwhat (?:headline|title)\b",
        re.I,
    ),
}
_NEEDS_ARTICLE = re.compile(rf"\b{_ARTICLE}\b", re.I)
# words that only say "the article's metadata" and carry no topic
_META_WORDS = set(
    terms(
        "who wrote written author writer byline reporter journalist article story piece report "
        "item news headline title outlet publication publisher published publish agency paper "
        "newspaper website site media wire service ran run carried printed posted released date "
        "dated day when which what the this that about on"
    )
)


def asked_field(question: str) -> str | None:
    """The metadata field a question asks for, or None for a question about the story."""
    if not _NEEDS_ARTICLE.search(question):
        return None
    for name, pattern in _ASKS.items():
        if pattern.search(question):
            return name
    return None


def field_value(record: ArticleRecord, name: str) -> str:
    """The text a metadata citation points into (authors joined by ', '); '' when unknown."""
    if name == "authors":
        return ", ".join(record.authors)
    if name not in FIELDS:
        raise ValueError(f"field must be one of {', '.join(FIELDS)}, got {name!r}")
    return getattr(record, name) or ""


def spoken_date(iso: str) -> str:
    """'2025-12-18' -> '18 December 2025' (falls back to the ISO text)."""
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.day} {day.strftime('%B')} {day.year}"


def field_statement(record: ArticleRecord, name: str) -> str:
    """A metadata field as a sentence, the evidence a claim about it is checked against."""
    value = field_value(record, name)
    if not value:
        return ""
    if name == "authors":
        return f"The article “{record.title}” was written by {value}."
    if name == "source":
        return f"The article “{record.title}” was published by {value}."
    if name == "published":
        return f"The article “{record.title}” was published on {spoken_date(value)} ({value})."
    return f"The article's headline is “{value}”."


@dataclass(frozen=True)
class _Missing:
    what: str


_MISSING = {
    "authors": _Missing("does not name its author"),
    "source": _Missing("does not say which outlet published it"),
    "published": _Missing("carries no publication date"),
    "title": _Missing("has no headline"),
}


class MetadataAnswerer:
    """Finds the article a question is about and answers from its record."""

    def __init__(self, retriever: HybridRetriever, min_coverage: float = 0.5) -> None:
        self.retriever = retriever
        self.min_coverage = min_coverage

    def answer(
        self, question: str, query: str, name: str, as_of: dt.date | str | None = None
    ) -> Answer:
        records = self.retriever.store.chroma.article_records()
        topic = [t for t in terms(query) if t not in _META_WORDS]
        passages = (
            self.retriever.retrieve(" ".join(topic) or query, 5, as_of=as_of, per_article=1)
            if records
            else []
        )
        if not passages:
            return Answer(question, "There are no articles to answer from.", True, query=query)
        best = passages[0]
        record = records.get(best.article_id)
        if record is None:  # removed since
            return Answer(question, "The article is no longer in the store.", True, query=query)
        if len(records) > 1 and not self._about(record, best, topic, query):
            text = (
                "No article in the collection matches that description."
                if topic
                else "Which article do you mean?"
            )
            return Answer(
                question,
                f"{text} Name its subject, e.g. “Who wrote the article about the S-400 talks?”.",
                True,
                related=passages,
                query=query,
            )
        value = field_value(record, name)
        if not value:
            return Answer(
                question,
                f"The article “{record.title}” {_MISSING[name].what}.",
                True,
                related=[best],
                query=query,
            )
        citation = Citation(
            number=1,
            article_id=record.id,
            title=record.title,
            source=record.source,
            published=record.published,
            url=record.url,
            quote=value,
            start=0,
            end=len(value),
            field=name,
        )
        return Answer(
            question,
            f"{field_statement(record, name)} [1]",
            False,
            citations=[citation],
            confidence=1.0,
            query=query,
        )

    def _about(self, record: ArticleRecord, passage: Passage, topic: list[str], query: str) -> bool:
        """Whether the question's topic words describe this article (title + best passage)."""
        if not topic:
            return False  # "Who wrote it?" with nothing before it: which article?
        lexical = self.retriever.store.lexical()
        df = lexical.document_frequency
        n = max(len(lexical.ids), 1)
        weight = {t: math.log(1.0 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in topic}
        article = self.retriever.store.chroma.article(record.id)
        text = article.text if article is not None else passage.text
        described = "\n".join([record.title, record.source or "", *record.authors, text])
        present = set(terms(described))
        coverage = sum(w for t, w in weight.items() if t in present) / (sum(weight.values()) or 1)
        names = [n.removesuffix("'s").removesuffix("’s") for n in question_names(query)]
        return coverage >= self.min_coverage and missing_names(names, described) < 0.5
