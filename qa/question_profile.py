"""What a question asks for beyond its answer kind: a reason ("why"), what someone said, a
person's job or title; and the sentence features that tell whether a sentence offers that."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer_types import expected_kind

_WHY = re.compile(
    r"\bwhy\b|\bwhat (?:was|is) the reason\b|\bfor what reason\b|\bwhat (?:led|caused|prompted|drove)\b",
    re.I,
)
_SAID = re.compile(
    r"\bwhat (?:did|does|has|had|do|will)\b.*\b(?:say|said|tell|told|describe|call|write|"
    r"claim|warn|argue|announce|reveal|admit|explain|add|note)\b|\bhow did\b.*\b(?:describe|"
    r"react|respond|characteri[sz]e)\b|\baccording to\b",
    re.I,
)
_ROLE = re.compile(
    r"\bwhat (?:is|was|'s)\b.*\b(?:job|title|role|position|post|profession|occupation)\b|"
    r"\bwhat (?:position|role|title|job|post) (?:does|did|do|is|was|has|had)\b|\bwho is\b",
    re.I,
)
_CAUSE = re.compile(
    r"\b(?:because|due to|after|since|as a result|in order to|so that|following|amid|over|"
    r"reason|caused|led to|prompted|blamed|citing|to (?:protest|avoid|prevent|help|ensure)|"
    r"[‘'’]cause|because of|thanks to|result(?:ed|ing)? (?:in|from)|meaning|therefore|thus|"
    r"hence|in (?:recognition|support|honor|memory|response|protest) of|in an effort to|"
    r"in hopes? of|aimed at|intended to|designed to|out of (?:concern|fear|respect)|for fear|"
    r"accus\w*|violat\w*|in the aftermath of|would(?:[‘'’]ve| have))\b",
    re.I,
)
_QUOTE = re.compile(r"[\"“”]|\b(?:said|says|told|according to|added|wrote|stated|warned)\b", re.I)
ROLE_WORD = re.compile(
    r"\b(?:president|minister|secretary|spokes(?:man|woman|person)|chief|ceo|chair(?:man|"
    r"woman)?|director|governor|senator|representative|mayor|ambassador|general|commander|"
    r"head|founder|executive|officer|manager|coach|captain|editor|reporter|correspondent|"
    r"professor|judge|attorney|lawyer|adviser|advisor|aide|king|queen|prince|princess|"
    r"leader|member|candidate|nominee|analyst|economist|researcher|scientist|author|actor|"
    r"actress|singer|player|star|owner|chancellor|deputy|vice|assistant|lieutenant|"
    r"commissioner|official|prosecutor|sheriff|police chief|valet|butler|treasurer|host|"
    r"anchor|engineer|designer|developer|producer|columnist|journalist|writer|teacher|nurse|"
    r"doctor|physician|surgeon|pilot|quarterback|linebacker|receiver|safety|pitcher|catcher|"
    r"goalkeeper|striker|defender|rapper|comedian|musician|puppeteer|activist|wife|husband|"
    r"spouse|fianc[ée]e?|partner)\b",
    re.I,
)


@dataclass(frozen=True)
class QuestionProfile:
    kind: str | None  # "number", "date", "name" or None (see qa.answer_types)
    why: bool
    said: bool
    role: bool

    @classmethod
    def of(cls, question: str) -> QuestionProfile:
        role = bool(_ROLE.search(question))
        return cls(
            kind=None if role else expected_kind(question),
            why=bool(_WHY.search(question)),
            said=bool(_SAID.search(question)),
            role=role,
        )

    def offers(self, sentence: str) -> dict[str, float]:
        """Features of `sentence` for this question: whether it holds a cause for a "why",
        a statement for a "what did X say", a job title for a "what is X's job"."""
        return {
            "why_cause": float(self.why and bool(_CAUSE.search(sentence))),
            "said_quote": float(self.said and bool(_QUOTE.search(sentence))),
            "role_word": float(self.role and bool(ROLE_WORD.search(sentence))),
            "asks_why": float(self.why),
            "asks_said": float(self.said),
            "asks_role": float(self.role),
        }
