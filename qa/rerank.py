"""Second-stage ranking of the passages retrieved for a question asked without a date, by
evidence a whole-chunk score blurs: whether one sentence of the passage holds the question's
words together, whether the headline does, and how recent the report is among those found.
(With an as_of date the fused score already carries a recency prior, and this rerank measured
no better there.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ingest.sentences import sentence_spans
from qa.periods import question_periods, within
from qa.types import Passage
from vectorstore.records import UNKNOWN_DAY, day_number
from vectorstore.terms import terms


@dataclass(frozen=True)
class RerankWeights:
    """Weights of the features added to the fused score (divided by the best fused score).
    Chosen by bench/tune_retrieval.py: the best mean gold-article recall@1 over the RealTimeQA
    training and dev questions asked without a date."""

    sentence: float = 0.3  # idf share of the question's terms in the passage's best sentence
    title: float = 0.3  # idf share of the question's terms in the headline
    recency: float = 0.1  # no date given: the newest report found scores this much more...
    half_life: float = 30.0  # ...and an older one exp(-age / half_life) of it (days)
    # published in a period the question names ("in November 2018"): chosen on the blind news
    # set's tuning half and training set (bench/data), neutral on the RealTimeQA training set
    period: float = 0.3
    # "this week" with no date: published in the store's newest week. A tie-breaker: at 0.3,
    # RealTimeQA dev questions (asked on dates long before the store's newest week) lost 0.8
    # points of recall@1
    current: float = 0.1
    # log(1 + the article's chunks among the fused candidates): a story the question matches in
    # several places. Chosen on the RealTimeQA training questions (recall@1 0.802 -> 0.806)
    chunks: float = 0.02

    def __post_init__(self) -> None:
        for name in ("sentence", "title", "recency", "period", "current", "chunks"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.half_life <= 0:
            raise ValueError(f"half_life must be > 0, got {self.half_life}")


def term_share(present: set[str], weights: dict[str, float]) -> float:
    """The share of the weight of the question's terms that `present` holds."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in present) / total if total else 0.0


def best_sentence_share(text: str, weights: dict[str, float]) -> float:
    """The largest term share over the sentences of `text`."""
    return max(
        (term_share(set(terms(text[s:e])), weights) for s, e in sentence_spans(text)), default=0.0
    )


@dataclass(frozen=True)
class Evidence:
    """What the rerank weighs of one passage."""

    score: float  # its fused score, divided by the best fused score among the passages
    sentence: float  # best_sentence_share of its text
    title: float  # term share of its headline
    day: int  # its publication day (UNKNOWN_DAY when undated)
    in_period: bool = False  # published in a period the question names
    chunks: int = 1  # how many of its article's chunks the fused candidates hold


def evidence(
    question: str,
    passages: Sequence[Passage],
    idf: Callable[[str], float],
    found: Mapping[str, int] | None = None,
) -> list[Evidence]:
    """What the rerank weighs of each passage; `found`: how many chunks of each article the
    fused candidates hold."""
    question_weights = {t: idf(t) for t in dict.fromkeys(terms(question))}
    top = max((p.score for p in passages), default=1.0) or 1.0
    periods = question_periods(question)
    return [
        Evidence(
            p.score / top,
            best_sentence_share(p.text, question_weights),
            term_share(set(terms(p.title or "")), question_weights),
            day := day_number(p.published),
            within(day, periods),
            (found or {}).get(p.article_id, 1),
        )
        for p in passages
    ]


def values(
    found: Sequence[Evidence], weights: RerankWeights, now: int | None = None
) -> list[float]:
    """The rerank score of each passage. Recency among the reports found is counted back from
    the newest of them; an undated passage gets the mean recency of the dated ones (no date is
    neither old nor new). With `now` (a day number: for a question about "this week", the day
    of the newest article in the store), a report of the week before it scores `current` more."""
    dated = [e.day for e in found if e.day != UNKNOWN_DAY]
    newest = max(dated, default=0)
    recency = {d: math.exp(-(newest - d) / weights.half_life) for d in dated}
    undated = sum(recency[d] for d in dated) / len(dated) if dated else 0.0
    return [
        e.score
        + weights.sentence * e.sentence
        + weights.title * e.title
        + weights.recency * recency.get(e.day, undated)
        + weights.period * e.in_period
        + weights.chunks * math.log1p(e.chunks)
        + (0.0 if now is None or e.day == UNKNOWN_DAY else weights.current * _current(now, e.day))
        for e in found
    ]


def _current(now: int, day: int) -> float:
    """How near a publication day is to `now`: 1.0 within the week before it, then halving
    each further week (a report dated after `now` counts as of `now`)."""
    return 0.5 ** max((now - day - 7) / 7, 0.0)


def rerank(
    question: str,
    passages: Sequence[Passage],
    idf: Callable[[str], float],
    weights: RerankWeights,
    now: int | None = None,
    found: Mapping[str, int] | None = None,
) -> list[Passage]:
    """`passages` (best first by fused score, for a question asked without a date) reordered by
    `values`; each keeps its fused score, the order carries the rerank."""
    if len(passages) < 2:
        return list(passages)
    scores = values(evidence(question, passages, idf, found), weights, now)
    order = sorted(range(len(passages)), key=lambda i: -scores[i])  # stable: ties keep order
    return [passages[i] for i in order]
