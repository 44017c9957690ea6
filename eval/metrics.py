"""The measures, each a small pure function (defined in the README's eval section)."""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Sequence

from qa.support import MARKER, SupportChecker, Verdict
from vectorstore.terms import fold

_PUNCT = re.compile(r"[^\w\s]")
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")


def normalize(text: str) -> str:
    """SQuAD-style: lower case, accents folded, possessives, punctuation and articles dropped,
    spaces squeezed ('The $2.5 billion' -> '25 billion'; "Erdoğan's" -> 'erdogan')."""
    text = MARKER.sub(" ", text)
    text = fold(text.replace("’", "'"))
    text = re.sub(r"'s\b", "", text)  # possessives: "Erdogan's" matches "Erdogan"
    text = _PUNCT.sub("", text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def contains(answer: str, aliases: Sequence[str]) -> bool:
    """Whether one alias appears in the answer as whole words, after normalisation."""
    padded = f" {normalize(answer)} "
    return any(f" {normalize(a)} " in padded for a in aliases if normalize(a))


def containment(answer: str, parts: Sequence[Sequence[str]]) -> bool:
    """Every part of the gold answer appears (one of its aliases)."""
    return bool(parts) and all(contains(answer, aliases) for aliases in parts)


def token_f1(answer: str, parts: Sequence[Sequence[str]], max_combinations: int = 256) -> float:
    """Token F1 between the answer and the gold (its parts joined), best over alias choices."""
    predicted = normalize(answer).split()
    if not predicted or not parts:
        return 0.0
    best = 0.0
    for choice in itertools.islice(itertools.product(*parts), max_combinations):
        gold = normalize(" ".join(choice)).split()
        common = sum((Counter(predicted) & Counter(gold)).values())
        if common == 0:
            continue
        precision, recall = common / len(predicted), common / len(gold)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def reciprocal_rank(relevant: Sequence[bool]) -> float:
    for i, hit in enumerate(relevant):
        if hit:
            return 1.0 / (i + 1)
    return 0.0


def hit_at(relevant: Sequence[bool], k: int) -> bool:
    return any(relevant[:k])


def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def citation_support(
    claims: Sequence[tuple[str, Sequence[int]]],
    evidence_of: dict[int, str],
    checker: SupportChecker,
) -> dict:
    """ALCE-style citation recall and precision of one answer.

    `evidence_of` maps a citation number to the text it points at (read from the article at
    the citation's offsets, so a citation that points elsewhere than it claims is judged on what
    it really points at). Recall: the share of answer sentences supported by the union of their
    citations (a sentence with no citation is unsupported). Precision: the share of citations
    that are needed — a citation of a supported sentence counts unless it supports nothing on
    its own while the other citations suffice; citations of an unsupported sentence count as
    imprecise.
    """
    sentences = []
    supported_claims = 0
    precise = 0
    total = 0
    for claim, numbers in claims:
        cited = [n for n in dict.fromkeys(numbers) if n in evidence_of]
        verdict: Verdict | None = (
            checker.check(claim, [evidence_of[n] for n in cited]) if cited else None
        )
        ok = verdict is not None and verdict.supported
        supported_claims += ok
        needed = []
        for n in cited:
            if not ok:
                needed.append(False)
                continue
            alone = checker.check(claim, evidence_of[n]).supported
            others = [evidence_of[m] for m in cited if m != n]
            rest = bool(others) and checker.check(claim, others).supported
            needed.append(alone or not rest)
        precise += sum(needed)
        total += len(numbers)
        sentences.append(
            {
                "claim": claim,
                "citations": list(numbers),
                "supported": ok,
                "reasons": list(verdict.reasons) if verdict else ["no citation"],
                "needed": needed,
            }
        )
    return {
        "recall": supported_claims / len(claims) if claims else 0.0,
        "precision": precise / total if total else 0.0,
        "sentences": sentences,
    }


def mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 1)
