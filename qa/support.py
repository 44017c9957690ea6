"""Does a cited passage really support the sentence that cites it? An offline judge, no LLM.

A claim is supported when
- every *anchor* of the claim — its numbers (with their scale: "$2.5 billion" = 2.5e9, "four" =
  4), dates (years, months, weekdays) and names — appears in the evidence;
- its negation agrees with the evidence sentence closest to it ("was not on the agenda" does not
  support "was on the agenda");
- and it says what the evidence says: enough of its content words occur in the evidence, or its
  embedding is close to one of the evidence sentences (a paraphrase shares few words).

Used by the eval suite for ALCE-style citation recall and precision, and meant for an LLM answer
mode to verify its own sentences before showing them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ingest.embedder import Embedder
from ingest.sentences import sentence_spans
from qa.places import mentioned
from vectorstore.terms import STOPWORDS, fold, terms, words

_SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "mln": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
}
_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12}
_NUMBER = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)*|" + "|".join(_WORD_NUMBERS) + r")"
    r"(?:\s*(thousand|million|mln|billion|bn|trillion)\b)?",
    re.IGNORECASE,
)
_MONTHS = {
    m[:3]: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_MONTH = re.compile(
    r"\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)
_CAPITALISED = re.compile(r"(?<!\w)[A-ZÀ-ÖØ-ÞĞİŞ][\w’'-]*")
_NEGATION = frozenset(
    {"not", "no", "never", "none", "nothing", "neither", "nor", "without", "deny", "denied",
     "denies", "dismissed", "rejected", "refused"}
)  # fmt: skip
# Capitalised words that are not names when they open a sentence.
_NOT_NAMES = frozenset(STOPWORDS) | {"yes", "however", "meanwhile", "asked", "according"}


@dataclass(frozen=True)
class Verdict:
    """The checker's judgement of one claim against its evidence, with the reasons."""

    supported: bool
    missing: tuple[str, ...] = ()  # anchors of the claim that the evidence lacks
    overlap: float = 0.0  # share of the claim's content words found in the evidence
    similarity: float = 0.0  # best cosine between the claim and an evidence sentence
    negation_mismatch: bool = False
    reasons: tuple[str, ...] = field(default_factory=tuple)


def _number_value(token: str) -> float | None:
    token = token.lower()
    if token in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[token])
    digits = token.replace(",", "")
    if digits.count(".") > 1:  # 18.12.2025
        return None
    try:
        return float(digits)
    except ValueError:
        return None


def number_mentions(text: str) -> list[tuple[float, str]]:
    """Numeric values in `text` with the words that say them ("$2.5 billion" -> 2.5e9)."""
    found: list[tuple[float, str]] = []
    for match in _NUMBER.finditer(text):
        raw, scale = match.group(1), match.group(2)
        if "." in raw and raw.count(".") > 1:  # dates written 18.12.2025
            found.extend((float(p), p) for p in raw.split(".") if p.isdigit())
            continue
        value = _number_value(raw)
        if value is None:
            continue
        found.append((value * _SCALES[scale.lower()] if scale else value, match.group(0)))
    return found


def numbers(text: str) -> set[float]:
    """Numeric values in `text`, scaled ("$2.5 billion" -> 2.5e9; "four" -> 4.0)."""
    return {value for value, _ in number_mentions(text)}


_CURRENCIES = {
    "dollar": re.compile(r"\$|\b(?:US|U\.S\.)?\s?dollars?\b|\bUSD\b", re.I),
    "euro": re.compile(r"€|\beuros?\b|\bEUR\b", re.I),
    "pound": re.compile(r"£|\bpounds? sterling\b|\bGBP\b|\bpounds\b", re.I),
    "lira": re.compile(r"\bliras?\b|\bTRY\b|₺", re.I),
    "rouble": re.compile(r"\br[ou]+bles?\b|\bRUB\b|₽", re.I),
    "yen": re.compile(r"¥|\byen\b|\bJPY\b", re.I),
}


def currencies(text: str) -> set[str]:
    """Currencies named in `text` ("$2.5 billion" -> {"dollar"})."""
    return {name for name, pattern in _CURRENCIES.items() if pattern.search(text)}


def dates(text: str) -> set[str]:
    """Months and weekdays named in `text` ('month:11', 'day:thursday')."""
    found = {f"month:{_MONTHS[m.group(1)[:3].lower()]}" for m in _MONTH.finditer(text)}
    # "may" is a month only when it looks like one (capitalised, or next to a number)
    if "month:5" in found and not re.search(r"(?:\bMay\b|\bmay\s+\d)", text):
        found.discard("month:5")
    found.update(f"day:{m.group(1).lower()}" for m in _WEEKDAY.finditer(text))
    return found


def names(text: str) -> list[str]:
    """Folded names in `text`: capitalised words; a sentence's first word counts only when a
    capitalised word follows it ("Vladimir Putin") or it is no common word ("Putin said")."""
    found = []
    for s, e in sentence_spans(text) or [(0, len(text))]:
        sentence = text[s:e]
        for match in _CAPITALISED.finditer(sentence):
            word = fold(match.group()).strip("'’").removesuffix("'s").removesuffix("’s")
            if not word or word in _NOT_NAMES or _MONTH.fullmatch(word) or _WEEKDAY.fullmatch(word):
                continue
            opens = not sentence[: match.start()].strip(" \"“‘'([")
            if opens and word in _COMMON_STARTS:
                continue
            found.append(word)
    return found


# Words that often open a sentence capitalised without being names.
_COMMON_STARTS = frozenset(
    "the a an in on at for this that these those it its he she they we i his her their there "
    "officials analysts critics experts reports media president presidents spokesman minister "
    "ministers leaders talks negotiations both two after before during while when as since".split()
)


def _present(name: str, evidence_words: set[str], evidence_folded: str) -> bool:
    parts = [p for p in words(name) if len(p) > 1 or p.isdigit()]
    if all(p in evidence_words or _derived(p, evidence_words) for p in parts):
        return True
    return mentioned(name, evidence_folded)  # "Ankara" for Türkiye, "American" for the US


def _derived(word: str, evidence_words: set[str]) -> bool:
    """'Russian' names Russia, 'Iranians' Iran: one word extends the other (5+ letters)."""
    if len(word) < 5 or not word.isalpha():
        return False
    return any(
        len(w) >= 5 and (w.startswith(word) or word.startswith(w)) and abs(len(w) - len(word)) <= 3
        for w in evidence_words
    )


def _negated(text: str) -> bool:
    ws = words(text)
    return any(w in _NEGATION for w in ws) or "n't" in text.lower() or "n’t" in text.lower()


def _close(value: float, pool: set[float]) -> bool:
    return any(abs(value - v) <= 1e-9 * max(1.0, abs(v)) for v in pool)


class SupportChecker:
    """Judges whether evidence text supports a claim. `embedder` is optional: without it the
    checker relies on anchors and word overlap alone."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        min_overlap: float = 0.6,
        min_similarity: float = 0.72,
        floor_similarity: float = 0.45,
    ) -> None:
        for name, value in (
            ("min_overlap", min_overlap),
            ("min_similarity", min_similarity),
            ("floor_similarity", floor_similarity),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        self.embedder = embedder
        self.min_overlap = min_overlap
        self.min_similarity = min_similarity
        self.floor_similarity = floor_similarity

    def check(self, claim: str, evidence: str | Sequence[str]) -> Verdict:
        """Is `claim` supported by `evidence` (one text, or several passages read together)?"""
        passages = [evidence] if isinstance(evidence, str) else list(evidence)
        claim = _strip_markers(claim)
        joined = "\n".join(p for p in passages if p)
        if not claim.strip():
            return Verdict(False, reasons=("empty claim",))
        if not joined.strip():
            return Verdict(False, reasons=("no evidence",))

        reasons: list[str] = []
        missing = self._missing_anchors(claim, joined)
        if missing:
            reasons.append("evidence lacks " + ", ".join(missing))

        claim_terms = set(terms(claim))
        overlap = len(claim_terms & set(terms(joined))) / len(claim_terms) if claim_terms else 1.0

        sentences = [
            p[s:e] for p in passages for s, e in (sentence_spans(p) or [(0, len(p))]) if p[s:e]
        ]
        similarity, closest = self._similarity(claim, sentences)
        negation_mismatch = closest is not None and _negated(claim) != _negated(closest)
        if negation_mismatch:
            reasons.append("negation differs from the closest evidence sentence")

        if self.embedder is None:
            says_it = overlap >= self.min_overlap
        else:
            says_it = similarity >= self.min_similarity or (
                overlap >= self.min_overlap and similarity >= self.floor_similarity
            )
        if not says_it:
            reasons.append(
                f"content differs (word overlap {overlap:.2f}, similarity {similarity:.2f})"
            )
        supported = not missing and not negation_mismatch and says_it
        return Verdict(
            supported=supported,
            missing=tuple(missing),
            overlap=round(overlap, 4),
            similarity=round(similarity, 4),
            negation_mismatch=negation_mismatch,
            reasons=tuple(reasons),
        )

    def _missing_anchors(self, claim: str, evidence: str) -> list[str]:
        missing: list[str] = []
        evidence_numbers = numbers(evidence)
        # a bare "2.5" is found in "$2.5 billion" too
        evidence_numbers |= {
            float(v) for v in re.findall(r"\d+(?:\.\d+)?", evidence.replace(",", ""))
        }
        for value, said in dict(sorted(number_mentions(claim))).items():
            if not _close(value, evidence_numbers):
                missing.append(said)
        evidence_dates = dates(evidence)
        missing.extend(sorted(d for d in dates(claim) if d not in evidence_dates))
        missing.extend(sorted(currencies(claim) - currencies(evidence)))
        evidence_words = set(words(evidence))
        evidence_folded = fold(evidence)
        for name in dict.fromkeys(names(claim)):
            if name.replace("-", "").isdigit():
                continue  # numbers are checked above
            if not _present(name, evidence_words, evidence_folded):
                missing.append(name)
        return missing

    def _similarity(self, claim: str, sentences: list[str]) -> tuple[float, str | None]:
        if not sentences:
            return 0.0, None
        if self.embedder is None:
            claim_terms = set(terms(claim))
            best = max(sentences, key=lambda s: len(claim_terms & set(terms(s))))
            return 0.0, best
        vectors = self.embedder.encode([claim, *sentences], alone=True)
        sims = vectors[1:] @ vectors[0]
        best = int(np.argmax(sims))
        return float(sims[best]), sentences[best]


MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


def _strip_markers(text: str) -> str:
    """'... $2.5 billion. [1]' -> '... $2.5 billion.'"""
    return MARKER.sub("", text).strip()


def split_claims(answer_text: str) -> list[tuple[str, list[int]]]:
    """An answer's sentences with the citation numbers each carries: a marker belongs to the
    sentence it follows ('A. [1] B. [2][3]' -> [('A.', [1]), ('B.', [2, 3])])."""
    claims: list[tuple[str, list[int]]] = []
    pos = 0
    pending = ""
    for match in re.finditer(r"(\s*\[(\d+(?:\s*,\s*\d+)*)\])+", answer_text):
        sentence = (pending + answer_text[pos : match.start()]).strip()
        cited = [int(n) for n in re.findall(r"\d+", match.group())]
        if sentence:
            claims.append((sentence, cited))
        elif claims:
            claims[-1][1].extend(cited)
        pos = match.end()
        pending = ""
    tail = answer_text[pos:].strip()
    if tail:
        for s, e in sentence_spans(tail) or [(0, len(tail))]:
            if tail[s:e].strip():
                claims.append((tail[s:e].strip(), []))
    return claims
