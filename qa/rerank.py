"""Second-stage ranking of the passages retrieved for a question asked without a date, by
evidence a whole-chunk score blurs: whether one sentence of the passage holds the question's
words together, whether the headline does, and how recent the report is among those found.
(With an as_of date the fused score already carries a recency prior, and this rerank measured
no better there.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.sentences import sentence_spans
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

    def __post_init__(self) -> None:
        for name in ("sentence", "title", "recency"):
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


def rerank(
    question: str,
    passages: Sequence[Passage],
    idf: Callable[[str], float],
    weights: RerankWeights,
) -> list[Passage]:
    """`passages` (best first by fused score) reordered by fused score plus the features above;
    for a question asked without a date. An undated passage gets the mean recency of the dated
    ones: no date is neither old nor new.
    Each passage keeps its fused score; the order carries the rerank."""
    if len(passages) < 2:
        return list(passages)
    question_weights = {t: idf(t) for t in dict.fromkeys(terms(question))}
    top = max(p.score for p in passages) or 1.0
    days = [day_number(p.published) for p in passages]
    dated = [d for d in days if d != UNKNOWN_DAY]
    newest = max(dated, default=None)
    recency = {d: math.exp(-(newest - d) / weights.half_life) for d in dated} if dated else {}
    if dated:
        recency[UNKNOWN_DAY] = sum(recency[d] for d in dated) / len(dated)

    def value(item: tuple[Passage, int]) -> float:
        passage, day = item
        score = passage.score / top
        score += weights.sentence * best_sentence_share(passage.text, question_weights)
        score += weights.title * term_share(set(terms(passage.title or "")), question_weights)
        if newest is not None:
            score += weights.recency * recency[day]
        return score

    ranked = sorted(zip(passages, days, strict=True), key=value, reverse=True)
    return [p for p, _ in ranked]
