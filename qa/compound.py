"""Compound questions — "How many did Türkiye buy, and when did deliveries begin?" — are answered
part by part, and the parts' cited sentences are merged into one answer."""

from __future__ import annotations

import re

from qa.types import Answer, AnswerSentence
from vectorstore.terms import terms

_WH = r"(?:(?:in|on|at|for|from|by|to|with|since|until)\s+)?(?:what|which|who|whom|whose|where|when|why|how)"
_AUX = r"(?:did|does|do|is|are|was|were|will|has|have|can|could|should)"
# ", and what ...", " and who ...", ", and in which ...", "; how ...", "? Where ..." start a new
# question; after "?" or ";" an auxiliary may open it too ("...? Did he ...")
_SPLIT = re.compile(
    rf"(?:(?:,\s*|\s+)(?:and|but)\s+(?={_WH}\b)|(?:;\s*|\?\s+)(?=(?:{_WH}|{_AUX})\b))", re.I
)
MIN_TERMS = 2  # a part needs this many content words to stand as a question of its own


def split_question(question: str) -> list[str]:
    """The sub-questions of a compound question, each ending with '?' (one part if it is not).
    A part too short to stand alone ("and where?") stays with the part before it."""
    pieces = [p.strip(" ,;") for p in _SPLIT.split(question) if p.strip(" ,;?")]
    if len(pieces) < 2:
        return [question]
    parts: list[str] = []
    for piece in pieces:
        if parts and len(terms(piece)) < MIN_TERMS:
            parts[-1] = f"{parts[-1].rstrip('?')} and {piece}"
            continue
        parts.append(piece)
    if len(parts) < 2 or len(terms(parts[0])) < MIN_TERMS:
        return [question]
    return [p if p.endswith("?") else f"{p.rstrip('.')}?" for p in parts]


def merge(question: str, query: str, answers: list[Answer]) -> Answer:
    """One answer from the parts' answers: their sentences in order (a sentence two parts both
    gave, once); it abstains only when every part does."""
    answered = [a for a in answers if not a.abstained]
    if not answered:
        related = [p for a in answers for p in a.related]
        seen: set[str] = set()
        unique = [p for p in related if not (p.chunk_id in seen or seen.add(p.chunk_id))]
        message = answers[0].message if answers else ""
        return Answer.abstain(question, message, unique[:8], query)
    sentences: list[AnswerSentence] = []
    given: set[tuple[str, tuple]] = set()
    for answer in answered:
        for sentence in answer.sentences:
            key = (sentence.text, tuple(c.span for c in sentence.citations))
            if key not in given:
                given.add(key)
                sentences.append(sentence)
    return Answer(
        question,
        sentences,
        confidence=min(a.confidence for a in answered),
        query=query,
        unanswered=[a.question for a in answers if a.abstained],
    )
