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
_LEAD = re.compile(r"^\s*(?:answer\s*:|[-*•]\s+|\d+[.)]\s+)", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """One sentence of a retrieved passage, with its offsets into the article text."""

    passage: int  # index into the passages
    citation: Citation


def passage_spans(passages: list[Passage]) -> list[Span]:
    """Every sentence of the passages once, as a ready citation of its exact span (less the
    sentences that give a model instructions)."""
    seen: set[tuple[str, int, int]] = set()
    spans = []
    for index, p in enumerate(passages):
        for s, e in sentence_spans(p.text):
            key = (p.article_id, p.start + s, p.start + e)
            if _INSTRUCTION.search(p.text[s:e]):
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
        self, reply: str, passages: list[Passage], keep_unsupported: bool = False
    ) -> tuple[list[AnswerSentence], list[RemovedSentence]]:
        """The reply's supported sentences with their citations, and the removed ones (kept too,
        uncited and marked, with `keep_unsupported`)."""
        spans = passage_spans(passages)
        kept: list[AnswerSentence] = []
        removed: list[RemovedSentence] = []
        for claim, numbers in split_claims(reply):
            claim = _LEAD.sub("", claim).strip()
            if not any(ch.isalnum() for ch in claim):
                continue
            cited, reason = self._support(claim, numbers, spans, len(passages))
            if cited:
                kept.append(AnswerSentence(claim, cited))
                continue
            removed.append(RemovedSentence(claim, reason))
            if keep_unsupported and not _REFUSALS.search(claim):
                kept.append(AnswerSentence(claim, (), supported=False))
        return kept, removed

    def _support(
        self, claim: str, numbers: list[int], spans: list[Span], n_passages: int
    ) -> tuple[tuple[Citation, ...], str]:
        """The citations that support `claim` (none: the reason it is unsupported)."""
        if _REFUSALS.search(claim):
            return (), "the model said the passages do not answer"
        if not spans:
            return (), "no passage to check it against"
        cited = {n - 1 for n in numbers if 1 <= n <= n_passages}
        order = self._candidates(claim, spans, cited)
        best: Verdict | None = None
        for span in order[: self.tries]:
            verdict = self.checker.check(claim, span.citation.quote)
            if verdict.supported:
                return (span.citation,), ""
            best = best or verdict
        if len(order) >= 2:  # a sentence that joins two facts: the two closest spans together
            pair = order[:2]
            if self.checker.check(claim, [s.citation.quote for s in pair]).supported:
                return tuple(s.citation for s in pair), ""
        reasons = "; ".join(best.reasons) if best and best.reasons else "no passage says this"
        return (), reasons

    def _candidates(self, claim: str, spans: list[Span], cited: set[int]) -> list[Span]:
        """The spans most like the claim, those of the passages it cites first."""
        vectors = self.embedder.encode([claim, *(s.citation.quote for s in spans)])
        similarity = vectors[1:] @ vectors[0]
        order = np.argsort(-similarity)
        first = [spans[i] for i in order if spans[i].passage in cited][: self.tries // 2 or 1]
        rest = [spans[i] for i in order if spans[i] not in first]
        return first + rest
