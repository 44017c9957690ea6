"""Questions about an article rather than its story — who wrote it, which outlet published it,
when, under what headline — answered from the article's metadata, cited to the metadata field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from qa.answer_types import missing_names, question_names
from qa.retrieval import HybridRetriever
from qa.types import Answer, AnswerSentence, Citation, Passage
from vectorstore.records import ArticleRecord
from vectorstore.store import Snapshot
from vectorstore.terms import terms

FIELDS = ("authors", "source", "published", "title")
_ARTICLE = (
    r"(?:article|story|piece|report|item|news|headline|explainer|column|op-ed|editorial|"
    r"analysis|essay|commentary|interview|it|this|that|one)"
)
_ASKS: dict[str, re.Pattern[str]] = {
    "authors": re.compile(
        r"\bwho (?:wrote|authored|penned|is the (?:author|writer|reporter))\b|"
        r"\b(?:author|writer|byline|reporter|journalist)s?\b.*\b" + _ARTICLE + r"\b|"
        r"\bwritten by\b|\bwho(?:se)? (?:byline|name)\b|"
        r"\b(?:which|what) (?:[\w-]+ ){0,3}(?:columnist|reporter|journalist|writer|"
        r"correspondent|critic|editor|author)s? (?:wrote|authored|penned)\b",
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
        r"\b(?:publication|release) date\b|"
        r"\b(?:what|which) (?:year|month|date|day) (?:was|is|did) .*\b(?:publish|post|releas|dat|writ|print|come out)\w*|"
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


# a story's fact, not the article's record: who broke the news first, what someone's job is
# ("Which newspaper first reported the layoffs?", "What is X's job, the writer of the column?")
_STORY_FACT = re.compile(
    r"\b(?:first|originally) (?:reported|revealed|broke|published)\b|\bbr(?:oke|eak) "
    r"(?:the )?(?:news|story)\b|\bwhat (?:is|was|'s)\b[^?]*\b(?:job|role|position|"
    r"profession|occupation)\b",
    re.I,
)
# a question asking which written work (a play, a book, a bill): "it" next is that work
_ASKS_FOR_WORK = re.compile(
    r"\b(?:which|what)\s+(?:[\w'’-]+\s+){0,2}?(?:show|play|musical|book|novel|memoir|film|"
    r"movie|documentary|song|album|poem|opera|series|sitcom|thriller|script|screenplay|bill|"
    r"law|legislation|letter|statement|speech|manifesto|study|paper|lyrics)s?\b",
    re.I,
)


def asked_fields(question: str, previous: str | None = None) -> list[str]:
    """The metadata fields a question asks for, in the order it asks (empty: a question about
    the story, not the article). `previous` is the conversation's last question: "Who wrote
    it?" after "Which show won best play?" asks about the show, not the article."""
    if not _NEEDS_ARTICLE.search(question) or _STORY_FACT.search(question):
        return []
    named = {m.group().lower() for m in _NEEDS_ARTICLE.finditer(question)}
    if previous and _ASKS_FOR_WORK.search(previous) and named <= {"it", "this", "that", "one"}:
        return []
    found = [(m.start(), name) for name, p in _ASKS.items() if (m := p.search(question))]
    return [name for _, name in sorted(found)]


def field_value(record: ArticleRecord, name: str) -> str:
    """The text a metadata citation points into (authors joined by ', '); '' when unknown."""
    if name not in FIELDS:
        raise ValueError(f"field must be one of {', '.join(FIELDS)}, got {name!r}")
    return record.meta.value(name)


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


_MISSING = {
    "authors": "does not name its author",
    "source": "does not say which outlet published it",
    "published": "carries no publication date",
    "title": "has no headline",
}


def _share(topic: list[str], text: str, idf: Callable[[str], float]) -> float:
    """The idf-weighted share of the topic words that `text` holds."""
    present = set(terms(text))
    total = sum(idf(t) for t in topic) or 1.0
    return sum(idf(t) for t in topic if t in present) / total


class MetadataAnswerer:
    """Finds the article a question is about and answers from its record."""

    def __init__(self, retriever: HybridRetriever, min_coverage: float = 0.5) -> None:
        self.retriever = retriever
        self.min_coverage = min_coverage

    def answer(
        self,
        question: str,
        query: str,
        names: list[str],
        as_of: dt.date | str | None = None,
        snapshot: Snapshot | None = None,
    ) -> Answer:
        snapshot = snapshot or self.retriever.store.snapshot()
        record, passages, problem = self._find(query, as_of, snapshot)
        if record is None:
            return Answer.abstain(question, problem, passages, query)
        sentences: list[AnswerSentence] = []
        missing: list[str] = []
        for name in dict.fromkeys(names):
            value = field_value(record, name)
            if not value:
                missing.append(f"The article “{record.title}” {_MISSING[name]}.")
                continue
            cited = Citation(record.id, record.meta, value, 0, len(value), field=name)
            sentences.append(AnswerSentence(field_statement(record, name), (cited,)))
        if not sentences:
            return Answer.abstain(question, " ".join(missing), passages[:1], query)
        return Answer(question, sentences, confidence=1.0, query=query, unanswered=missing)

    def _find(
        self, query: str, as_of: dt.date | str | None, snapshot: Snapshot
    ) -> tuple[ArticleRecord | None, list[Passage], str]:
        """The article the question describes, the passages that led there, or why none."""
        if snapshot.empty:
            return None, [], "There are no articles to answer from."
        topic = [t for t in terms(query) if t not in _META_WORDS]
        passages = self.retriever.retrieve(
            " ".join(topic) or query, 5, as_of=as_of, per_article=1, snapshot=snapshot
        )
        store = self.retriever.store
        if store.count_articles() == 1:  # reading every record is reading one
            only = next(iter(snapshot.records.values()), None)
            return only, passages, "" if only else "There are no articles to answer from."
        hint = "Name its subject, e.g. “Who wrote the article about the S-400 talks?”."
        if not topic:
            return None, passages, f"Which article do you mean? {hint}"
        # the retrieved articles, and those whose metadata (outlet, author) the question names:
        # only such a question reads every article's record
        candidates = list(store.records_of([p.article_id for p in passages]).values())
        named = set(topic) & snapshot.metadata_terms
        for record in snapshot.records.values() if named else ():
            if named & set(terms(" ".join([record.source or "", *record.authors]))):
                candidates.append(record)
        best, best_score = None, 0.0
        # by id: a record is not hashable (it carries its near-duplicates as dicts)
        for record in {r.id: r for r in candidates}.values():
            coverage = self._about(record, topic, query, snapshot.lexical.idf)
            if coverage < self.min_coverage:
                continue
            # a description of a story is mostly a description of its headline: of two
            # articles that both mention its words, the one whose title does is meant
            # (not a round-up of the day's news that mentions them too)
            score = coverage + 0.5 * _share(topic, record.title, snapshot.lexical.idf)
            if score > best_score:
                best, best_score = record, score
        if best is None:
            return None, passages, f"No article in the collection matches that description. {hint}"
        return best, passages, ""

    def _about(
        self, record: ArticleRecord, topic: list[str], query: str, idf: Callable[[str], float]
    ) -> float:
        """How well the question's topic words describe this article (0 when it names someone
        the article never mentions): idf-weighted share found in its title, metadata and text."""
        weight = {t: idf(t) for t in topic}
        article = self.retriever.store.article(record.id)
        text = article.text if article is not None else ""
        described = "\n".join([record.title, record.source or "", *record.authors, text])
        present = set(terms(described))
        coverage = sum(w for t, w in weight.items() if t in present) / (sum(weight.values()) or 1)
        names = [n.removesuffix("'s").removesuffix("’s") for n in question_names(query)]
        return 0.0 if missing_names(names, described) >= 0.5 else coverage
