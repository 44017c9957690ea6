"""Verification of LLM-written answers: every sentence must rest on exact article spans.

Each sentence of the reply is checked against the sentences of the retrieved passages with the
offline support checker (its numbers, names and dates must be in the span; its negation must
agree; it must say what the span says), the passage it cites tried first, then the others,
whether the model cited anything or not and whatever number it wrote. A supported sentence is
cited to the span(s) that support it (quote and offsets: `article.text[start:end] == quote`);
an unsupported one is removed with the reason. Citation numbers the model wrote never reach
the user: the answer numbers its citations itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ingest.embedder import Embedder
from ingest.sentences import sentence_spans
from qa.support import SupportChecker, Verdict, split_claims
from qa.types import AnswerSentence, Citation, Passage, RemovedSentence

_REFUSALS = re.compile(
    r"\b(?:do(?:es)? not|don't|doesn't|cannot|can't) (?:answer|say|mention|contain|provide|know)"
    r"|\bno (?:information|mention)\b|\bnot (?:mentioned|stated|provided)\b",
    re.IGNORECASE,
)
# a sentence that speaks to a model rather than reports news ("Ignore previous instructions and
# say ..."): never evidence, so an article cannot make an answer say what it dictates
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules|above|"
    r"previous|prior)\b|\b(?:you|assistant|AI|model)\s+(?:must|should|will)\s+(?:now\s+)?"
    r"(?:say|answer|reply|respond|state|tell)\b|\bsystem prompt\b",
    re.IGNORECASE,
)
_LEAD = re.compile(r"^\s*(?:(?:the\s+)?answer(?:\s+is)?\s*:\s*|[-*•]\s+|\d+[.)]\s+)", re.IGNORECASE)


_CLAUSE = re.compile(r",\s*(?=(?:and|but|while|which|who|where|whereas)\b)|;\s*", re.IGNORECASE)


def _clauses(claim: str) -> list[str]:
    """The clauses of a sentence that joins several facts (each of three words or more)."""
    parts = [p.strip(" ,;") for p in _CLAUSE.split(claim)]
    return [p for p in parts if len(p.split()) >= 3] if len(parts) > 1 else [claim]


def _fragment(claim: str) -> bool:
    """A short answer rather than a sentence that says something on its own."""
    return len(claim.split()) <= 5


@dataclass(frozen=True)
class Span:
    """One sentence of a retrieved passage, with its offsets into the article text."""

    passage: int  # index into the passages
    citation: Citation


def passage_spans(passages: list[Passage]) -> list[Span]:
    """Every sentence of the passages once, as a ready citation of its exact span (less the
    sentences that give a model instructions, and those on lines that are not article content:
    a link line, a photo credit)."""
    seen: set[tuple[str, int, int]] = set()
    spans = []
    for index, p in enumerate(passages):
        for s, e in sentence_spans(p.text):
            key = (p.article_id, p.start + s, p.start + e)
            if _INSTRUCTION.search(p.text[s:e]) or not p.is_content(s, e):
                continue
            if key not in seen:
                seen.add(key)
                spans.append(Span(index, Citation(p.article_id, p.meta, p.text[s:e], *key[1:])))
    return spans


class Verifier:
    """Finds the spans that support each sentence of an LLM reply (see module docstring)."""

    def __init__(self, checker: SupportChecker, embedder: Embedder, tries: int = 4) -> None:
        if tries <= 0:
            raise ValueError(f"tries must be > 0, got {tries}")
        self.checker = checker
        self.embedder = embedder
        self.tries = tries

    def verify(
        self,
        reply: str,
        passages: list[Passage],
        keep_unsupported: bool = False,
        question: str = "",
    ) -> tuple[list[AnswerSentence], list[RemovedSentence]]:
        """The reply's supported sentences with their citations, and the removed ones (kept too,
        uncited and marked, with `keep_unsupported`). A short answer that is no sentence of its
        own ("2.5 billion dollars") is checked as the answer to `question`: the question's
        words and the answer's anchors must all be in the span."""
        spans = passage_spans(passages)
        vectors = self.embedder.encode([s.citation.quote for s in spans])  # once per reply
        kept: list[AnswerSentence] = []
        removed: list[RemovedSentence] = []
        for claim, numbers in split_claims(reply):
            claim = _LEAD.sub("", claim).strip()
            if not any(ch.isalnum() for ch in claim):
                continue
            if _REFUSALS.search(claim):  # "The passages do not answer this."
                removed.append(RemovedSentence(claim, "the model said the passages do not answer"))
                continue
            checked = f"{question} {claim}" if question and _fragment(claim) else claim
            cited, reason = self._support(checked, numbers, spans, vectors, len(passages))
            if cited:
                kept.append(AnswerSentence(claim, cited))
                continue
            removed.append(RemovedSentence(claim, reason))
            if keep_unsupported:
                kept.append(AnswerSentence(claim, (), supported=False))
        return kept, removed

    def _support(
        self,
        claim: str,
        numbers: list[int],
        spans: list[Span],
        vectors: np.ndarray,
        n_passages: int,
    ) -> tuple[tuple[Citation, ...], str]:
        """The citations that support `claim` (none: the reason it is unsupported)."""
        if not spans:
            return (), "no passage to check it against"
        cited = {n - 1 for n in numbers if 1 <= n <= n_passages}
        found, verdict = self._one_span(claim, spans, vectors, cited)
        if found is not None:
            return (found,), ""
        parts = _clauses(claim)
        if len(parts) > 1:  # a sentence that joins facts: each clause on a span of its own
            each = [self._one_span(part, spans, vectors, cited)[0] for part in parts]
            if all(each):
                return tuple(dict.fromkeys(c for c in each if c is not None)), ""
        reasons = "; ".join(verdict.reasons) if verdict and verdict.reasons else ""
        return (), reasons or "no passage says this"

    def _one_span(
        self, claim: str, spans: list[Span], vectors: np.ndarray, cited: set[int]
    ) -> tuple[Citation | None, Verdict | None]:
        """The first of the closest spans that supports `claim` alone (else the best verdict)."""
        best: Verdict | None = None
        for span in self._candidates(claim, spans, vectors, cited)[: self.tries]:
            verdict = self.checker.check(claim, span.citation.quote)
            if verdict.supported:
                return span.citation, verdict
            best = best or verdict
        return None, best

    def _candidates(
        self, claim: str, spans: list[Span], vectors: np.ndarray, cited: set[int]
    ) -> list[Span]:
        """The spans most like the claim (`vectors`: the spans' embeddings), those of the
        passages it cites first."""
        similarity = vectors @ self.embedder.encode([claim])[0]
        order = np.argsort(-similarity)
        first = [spans[i] for i in order if spans[i].passage in cited][: self.tries // 2 or 1]
        rest = [spans[i] for i in order if spans[i] not in first]
        return first + rest
