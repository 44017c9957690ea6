"""The default answerer: no LLM. It picks the few sentences of the retrieved passages that answer
the question and cites each one by its exact character span; when none does, it abstains."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from ingest.embedder import Embedder
from ingest.sentences import sentence_spans
from qa.anchoring import anchored
from qa.answer_types import missing_names, novelty, offers, question_names
from qa.answerer_model import AnswererModel
from qa.places import aliases
from qa.question_profile import QuestionProfile
from qa.retrieval import HybridRetriever
from qa.types import Answer, AnswerSentence, Citation, Passage
from vectorstore.store import Snapshot
from vectorstore.terms import fold, terms

_NOT_NAMES = {"i", "and", "or", "but", "the"}

EXTRA_MARGIN = 0.6  # further sentences must score within this (logit) of the best
# the features of a candidate sentence that the learned scorer weighs (bench/train_answerer.py)
SENTENCE_FEATURES = [
    "dense",
    "lexical",
    "support",
    "coverage",
    "missing_names",
    "passage",
    "passage_score",
    "kind",
    "kind_missing",
    "novelty",
    "short",
    "words",
    "lead",
    "title_overlap",
    "repeated",
    "why_cause",
    "said_quote",
    "role_word",
    "asks_why",
    "asks_said",
    "asks_role",
    "question_terms",
    "anchored",
    "after_match",
    "predicate",
]
# the features of the best sentence that the abstention model weighs
ABSTENTION_FEATURES = [
    "logit",
    "margin",
    "dense",
    "support",
    "coverage",
    "kind",
    "missing_names",
    "kind_missing",
    "question_terms",
    "lead",
]
ABSTAIN_TEXT = "The articles do not answer this question."


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    rank: int
    start: int  # offsets into the article text
    end: int
    text: str
    lead: bool = False  # the article's first sentence


@dataclass
class Scored:
    candidate: Candidate
    vector: np.ndarray
    features: dict[str, float]
    score: float


@dataclass(frozen=True)
class _Context:
    """What every candidate sentence of one question is compared with."""

    question: str
    query: str  # the question with the conversation it follows up, if any
    query_vector: np.ndarray
    profile: QuestionProfile  # its kind: what is asked for (a job question asks for no name)
    question_terms: float
    top_score: float
    said_terms: set[str]
    new_names: set[str]  # terms of the question's names that its conversation had not asked

    def features(self, c: Candidate, vector: np.ndarray, words: set[str]) -> dict[str, float]:
        """The features of one sentence that need no other candidate."""
        title_terms = set(terms(c.passage.title or ""))
        kind = offers(self.profile.kind, c.text, self.question)
        return {
            **self.profile.offers(c.text),
            "dense": float(vector @ self.query_vector),
            "passage": 1.0 / (1.0 + c.rank),
            "passage_score": c.passage.score / self.top_score,
            "kind": kind,
            # asks for a number/date/name that the sentence does not offer
            "kind_missing": 1.0 if self.profile.kind and not kind else 0.0,
            "question_terms": self.question_terms,
            "novelty": novelty(c.text, self.question),
            "short": 1.0 if len(c.text.split()) < 6 else 0.0,
            "words": min(len(c.text.split()), 60) / 60,
            "lead": 1.0 if c.lead else 0.0,
            "title_overlap": len(words & title_terms) / (len(words) or 1),
            # a sentence the last answer gave says nothing new, unless it holds what is now
            # asked and the conversation had not ("How old was he?" of "Attal, 34, replaced
            # Borne" quoted for "Whom?"; not "2028" for "On what dates?" after "... in 2028?")
            # or names what the conversation had not asked about ("And what rate did Vietnam
            # get?" of "... Cambodia, 49%; Laos, 48%; and Vietnam, 46%" quoted for Cambodia)
            "repeated": 1.0
            if not words & self.new_names
            and not offers(self.profile.kind, c.text, self.query)
            and _repeats(words, self.said_terms)
            else 0.0,
        }


class ExtractiveAnswerer:
    def __init__(
        self,
        retriever: HybridRetriever,
        embedder: Embedder,
        max_sentences: int = 3,
        passages: int = 8,
        max_candidates: int = 32,
        per_article: int = 3,
        model: AnswererModel | None = None,
        cache_size: int = 50_000,
    ) -> None:
        if max_sentences <= 0:
            raise ValueError(f"max_sentences must be > 0, got {max_sentences}")
        if cache_size <= 0:
            raise ValueError(f"cache_size must be > 0, got {cache_size}")
        self.retriever = retriever
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.passages = passages
        self.max_candidates = max_candidates
        self.per_article = per_article
        self.model = model or AnswererModel.load()
        self._cache: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()
        self.cache_size = cache_size  # sentence vectors kept, the least recently used dropped
        self._cache_lock = threading.Lock()

    def rank(
        self,
        question: str,
        query: str,
        top_k: int = 5,
        as_of: dt.date | str | None = None,
        said: str = "",
        snapshot: Snapshot | None = None,
        articles: Collection[str] | None = None,
        query_vector: np.ndarray | None = None,
    ) -> tuple[list[Passage], list[Scored]]:
        """The passages read for `query` (only from `articles` when given) and their
        sentences, best first. `query_vector`: the query's embedding, when the caller has it."""
        snapshot = snapshot or self.retriever.store.snapshot()
        if query_vector is None:
            query_vector = self.embedder.encode([query])[0]
        passages = self.retriever.retrieve(
            query,
            max(top_k, self.passages),
            as_of=as_of,
            query_vector=query_vector,
            per_article=self.per_article if articles is None else self.passages,
            snapshot=snapshot,
            articles=articles,
        )
        if articles is not None:
            # a follow-up read within the conversation's article: sentences are compared with
            # its own words as much as with the topic it is searched with
            query_vector = _unit(self.embedder.encode([question])[0] + query_vector)
        scored = self.score(question, query, query_vector, passages, said, snapshot.lexical.idf)
        return passages, scored

    def answer(
        self,
        question: str,
        query: str,
        top_k: int = 5,
        as_of: dt.date | str | None = None,
        said: str = "",
        snapshot: Snapshot | None = None,
        articles: Collection[str] | None = None,
        query_vector: np.ndarray | None = None,
    ) -> Answer:
        """`said`: the previous answer of the conversation; a follow-up asks for something
        beyond it, so its sentences rank lower (they may still be chosen). `articles`: read
        only these articles (a follow-up about the ones the previous answer quoted).
        `query_vector`: the query's embedding, when the caller has it."""
        snapshot = snapshot or self.retriever.store.snapshot()
        passages, scored = self.rank(
            question, query, top_k, as_of, said, snapshot, articles, query_vector
        )
        unknown = unknown_names(question, snapshot)
        if unknown:  # "How many S-400s did India buy?" where no article mentions India
            text = f"{ABSTAIN_TEXT[:-1]}: none of them mentions {unknown[0]}."
            return Answer.abstain(question, text, passages[:top_k], query)
        if not scored:
            return Answer.abstain(question, ABSTAIN_TEXT, passages[:top_k], query)
        confidence = self.model.confidence([s.features for s in scored])
        if confidence < self.model.threshold:
            return Answer.abstain(question, ABSTAIN_TEXT, passages[:top_k], query, confidence)
        asked = QuestionProfile.of(question).kind
        if asked in ("number", "date") and scored[0].features["kind_missing"]:
            # "How many missiles...?" whose best sentence gives no count of missiles: a related
            # sentence, not an answer. (Not for a name: a new name is too rough a test of one,
            # "Corpus Christi" in a sentence about a city the question names.)
            text = f"{ABSTAIN_TEXT[:-1]}: none of the passages found gives the {asked} asked for."
            return Answer.abstain(question, text, passages[:top_k], query, confidence)
        chosen = self._select(scored)
        return _compose(question, query, chosen, confidence)

    # ---- scoring -----------------------------------------------------------------------------
    def candidates(self, passages: list[Passage]) -> list[Candidate]:
        seen: set[tuple[str, int, int]] = set()
        found = []
        for rank, passage in enumerate(passages):
            for i, (s, e) in enumerate(sentence_spans(passage.text)):
                key = (passage.article_id, passage.start + s, passage.start + e)
                if key in seen or not passage.is_content(s, e):
                    continue
                seen.add(key)
                lead = passage.start == 0 and i == 0
                found.append(Candidate(passage, rank, key[1], key[2], passage.text[s:e], lead))
        return _without_repeats(found)

    def score(
        self,
        question: str,
        query: str,
        query_vector: np.ndarray,
        passages: list[Passage],
        said: str,
        idf: Callable[[str], float],
    ) -> list[Scored]:
        found = self.candidates(passages)
        if not found:
            return []
        query_terms = set(terms(query)) | set(terms(question))
        asked = set(terms(question))
        # Ranking leans on the latest question's own words; the abstention features weigh the
        # words of earlier turns (a follow-up's topic) at half, and judge names separately.
        rank_weight = {t: idf(t) * (2.0 if t in asked else 1.0) for t in query_terms}
        judge_weight = {t: idf(t) * (1.0 if t in asked else 0.5) for t in query_terms}
        asked_weight = {t: idf(t) for t in asked}
        names = question_names(question)
        said_terms = set(terms(said))
        earlier = set(terms(query.replace(question, " ")))  # the conversation's earlier turns
        new_names = {t for n in names for t in terms(n)} - earlier

        sentence_terms = [set(terms(c.text)) for c in found]
        lexical = [_covered(t, rank_weight) for t in sentence_terms]
        # the sentence right after one that restates the question often holds the answer
        # ("She was asked why she did not shake hands. 'They are two-faced,' she said.")
        after_match = [
            lexical[i - 1] if i and _adjacent(found[i - 1], found[i]) else 0.0
            for i in range(len(found))
        ]
        predicate = _predicate(found, sentence_terms, asked_weight, names)
        support = [_covered(t, judge_weight) for t in sentence_terms]
        coverage, missing = {}, {}  # per passage, title included
        for p in passages:
            text = f"{p.title}\n{p.text}"
            coverage[p.chunk_id] = _covered(set(terms(text)), judge_weight)
            missing[p.chunk_id] = missing_names(names, text)
        # keep the sentences worth embedding: lexical hits first, then passage order
        order = sorted(range(len(found)), key=lambda i: (-lexical[i], found[i].rank))
        keep = sorted(order[: self.max_candidates])
        vectors = self._vectors([found[i] for i in keep])
        context = _Context(
            question=question,
            query=query,
            query_vector=query_vector,
            profile=QuestionProfile.of(question),
            question_terms=float(len(query_terms)),  # the words coverage and support are over
            top_score=max((p.score for p in passages), default=0.0) or 1.0,
            said_terms=said_terms,
            new_names=new_names,
        )
        scored = []
        for i, vector in zip(keep, vectors, strict=True):
            c = found[i]
            features = context.features(c, vector, sentence_terms[i]) | {
                "lexical": lexical[i],
                "support": support[i],
                "coverage": coverage[c.passage.chunk_id],
                "missing_names": missing[c.passage.chunk_id],
                "after_match": after_match[i],
                "predicate": predicate[i],
                "anchored": anchored(
                    context.profile.kind,
                    context.profile.role,
                    c.text,
                    question,
                    asked_weight,
                    said=context.profile.said,
                ),
            }
            features["score"] = self._score(features)
            scored.append(Scored(c, vector, features, features["score"]))
        scored.sort(key=lambda s: -s.score)
        return scored

    def _score(self, features: dict[str, float]) -> float:
        """The learned scorer's logit that the sentence holds the answer."""
        return self.model.sentence.logit(features)

    def _vectors(self, candidates: list[Candidate]) -> np.ndarray:
        """The candidates' vectors: cached ones, the others embedded (each alone, so a vector
        depends on its sentence only). Threads share the cache; an answer uses the vectors it
        read or made, whatever another thread trims meanwhile."""
        keys = [(c.passage.article_id, c.start, c.end) for c in candidates]
        with self._cache_lock:
            found = {k: self._cache[k] for k in keys if k in self._cache}
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            fresh = self.embedder.encode([candidates[i].text for i in missing], alone=True)
            found.update((keys[i], vector) for i, vector in zip(missing, fresh, strict=True))
        with self._cache_lock:
            for k in keys:
                self._cache[k] = found[k]
                self._cache.move_to_end(k)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return np.vstack([found[k] for k in keys])

    def _select(self, scored: list[Scored]) -> list[Scored]:
        chosen = [scored[0]]
        for s in scored[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if s.score < scored[0].score - EXTRA_MARGIN:
                break
            if any(float(s.vector @ c.vector) > 0.9 for c in chosen):
                continue
            chosen.append(s)
        return chosen


def _predicate(
    found: list[Candidate],
    sentence_terms: list[set[str]],
    asked_weight: dict[str, float],
    names: list[str],
) -> list[float]:
    """Per sentence, its share of the question's words beyond the question's names and its
    article's headline: what is asked about them ("broke", "1998" of "Who broke the Maris
    record in 1998?" over an article headlined about the record)."""
    name_terms = {t for n in names for t in terms(n)}
    weights: dict[str, dict[str, float]] = {}  # per passage: its headline's words left out
    shares = []
    for c, present in zip(found, sentence_terms, strict=True):
        if c.passage.chunk_id not in weights:
            skip = name_terms | set(terms(c.passage.title or ""))
            weights[c.passage.chunk_id] = {t: w for t, w in asked_weight.items() if t not in skip}
        shares.append(_covered(present, weights[c.passage.chunk_id]))
    return shares


def _covered(present: set[str], weight: dict[str, float]) -> float:
    """The share of the weighted terms that `present` holds (0 when there are none)."""
    return sum(w for t, w in weight.items() if t in present) / (sum(weight.values()) or 1)


def _adjacent(first: Candidate, second: Candidate) -> bool:
    """Whether `second` is the sentence right after `first` in the same article."""
    return (
        first.passage.article_id == second.passage.article_id and 0 <= second.start - first.end <= 3
    )


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def unknown_names(question: str, snapshot: Snapshot) -> list[str]:
    """Names in the question (past its first word) that no article in the store mentions,
    under any name of the same place ("American" counts as the US); outlets and authors count
    as mentioned."""
    df = snapshot.lexical.document_frequency
    bylines = snapshot.metadata_terms
    found = []
    for match in re.finditer(r"(?<!^)(?<![\w’'-])[A-ZÀ-ÖØ-ÞĞİŞ][\w’'-]*", question.strip()):
        word = match.group().rstrip("'’").removesuffix("'s").removesuffix("’s")
        if not terms(word) or fold(word) in _NOT_NAMES:
            continue
        spellings = name_forms(fold(word)) | aliases(word)
        if not any(
            terms(s) and all(df.get(t, 0) > 0 or t in bylines for t in terms(s)) for s in spellings
        ):
            found.append(word)
    return found


def name_forms(word: str) -> set[str]:
    """Spellings of one name as news text may write it: "s-400s" is also "s-400" (plural),
    "s400" also "s 400" (letters and digits apart), "al-qaeda" also "alqaeda"."""
    forms = {word}
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        forms.add(word[:-1])  # a plural ("S-400s", "Patriots"); "-es" stems the same
    forms |= {f.replace("-", "") for f in forms} | {f.replace("-", " ") for f in forms}
    forms |= {re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", f) for f in forms}
    return forms


def _without_repeats(found: list[Candidate], min_terms: int = 3) -> list[Candidate]:
    """The candidates less the sentences an article repeats: the same content words in two
    places or more (keyword stuffing, or boilerplate) buy no rank."""

    def key(c: Candidate) -> tuple[str, frozenset[str]]:
        return c.passage.article_id, frozenset(terms(c.text))

    counts = Counter(key(c) for c in found)
    return [c for c in found if len(key(c)[1]) < min_terms or counts[key(c)] < 2]


def _repeats(sentence: set[str], said: set[str], share: float = 0.8) -> bool:
    """Whether a sentence says little beyond what was already said (its terms are there)."""
    return bool(sentence and said) and len(sentence & said) >= share * len(sentence)


def _compose(question: str, query: str, chosen: list[Scored], confidence: float) -> Answer:
    sentences = [AnswerSentence(s.candidate.text, (citation_of(s.candidate),)) for s in chosen]
    return Answer(question, sentences, confidence=confidence, query=query)


def citation_of(candidate: Candidate) -> Citation:
    """The citation of a candidate sentence: its exact span in the article text."""
    p = candidate.passage
    return Citation(p.article_id, p.meta, candidate.text, candidate.start, candidate.end)
