"""Whether a sentence puts an answer next to the question's own words.

A sentence that answers "Who led the research team?" usually says so where it names the team:
"The research team, led by Sukbae Lee and Ji-Hoon Kim, ...". A sentence that only restates the
question's story matches as many of its words, and may hold a name too, but far from them. The
feature here is the share of the question's term weight found within a few words of a candidate
answer: a name, number or date of the kind the question asks for (a job title for "what is X's
job", a quotation for "what did X say"), that the question itself does not contain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from qa.answer_types import DATE, NAME, TIME, new_name, specific_number, without_date
from qa.question_profile import ROLE_WORD
from vectorstore.terms import fold, terms

WINDOW = 6  # words either side of a candidate answer that count as next to it
_WORD = re.compile(r"\w+")
_WHO = re.compile(r"\bwho(?:m|se)?\b", re.IGNORECASE)
_QUOTATION = re.compile(r"“[^”]{3,}”|\"[^\"]{3,}\"")


_OPENERS = frozenset("the a an in on at as by for but and when after before".split())


def _name_span(match: re.Match[str]) -> tuple[int, int]:
    """The span of a capitalised run less an opening function word ("The Senate" -> "Senate")."""
    first = match.group().split(" ", 1)[0]
    if first.lower() in _OPENERS and " " in match.group():
        return match.start() + len(first) + 1, match.end()
    return match.span()


def answer_spans(
    kind: str | None, role: bool, sentence: str, question: str, *, said: bool = False
) -> list[tuple[int, int]]:
    """Character spans of the sentence's candidate answers that the question lacks (for "what
    did X say about Y", its quotations)."""
    if said:
        found = [m.span() for m in _QUOTATION.finditer(sentence)]
    elif role:
        found = [m.span() for m in ROLE_WORD.finditer(sentence)]
    elif kind == "number":
        found = [m.span() for m in specific_number(question).finditer(sentence)]
    elif kind == "date":
        found = [m.span() for p in (DATE, TIME) for m in p.finditer(sentence)]
    elif kind == "name":
        return _names(sentence, question)
    else:
        return []
    asked = fold(question)
    return [(s, e) for s, e in found if fold(sentence[s:e]).strip(" .,'’") not in asked]


def _names(sentence: str, question: str) -> list[tuple[int, int]]:
    """Spans of the sentence's names that are news to the question (`new_name`). A capital
    that only opens the sentence is not a name, nor is a month or weekday; "who" asks for a
    person, named in full where the answer is given."""
    person = _WHO.search(question) is not None
    found = []
    for start, end in map(_name_span, NAME.finditer(sentence)):
        name = without_date(sentence[start:end])  # "Tucker Carlson Wednesday"
        end = start + len(name)
        if (
            (start > 0 or " " in name)
            and not DATE.fullmatch(name.rstrip("."))
            and (not person or " " in name.strip())
            and new_name(name, question)
        ):
            found.append((start, end))
    return found


def anchored(
    kind: str | None,
    role: bool,
    sentence: str,
    question: str,
    weights: Mapping[str, float],
    window: int = WINDOW,
    *,
    said: bool = False,
) -> float:
    """The largest share of `weights` (the question's terms) found within `window` words of
    one candidate answer of the sentence; 0.0 when it holds none."""
    total = sum(weights.values())
    spans = answer_spans(kind, role, sentence, question, said=said)
    if not spans or not total:
        return 0.0
    tokens = [(m.start(), m.end(), terms(m.group())) for m in _WORD.finditer(sentence)]
    best = 0.0
    for start, end in spans:
        inside = [i for i, (s, e, _) in enumerate(tokens) if s < end and e > start]
        if not inside:
            continue
        first, last = inside[0], inside[-1]
        near = {
            t
            for i in range(max(first - window, 0), min(last + window + 1, len(tokens)))
            if not first <= i <= last
            for t in tokens[i][2]
        }
        best = max(best, sum(w for t, w in weights.items() if t in near) / total)
    return best
