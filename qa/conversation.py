"""Follow-up questions: fold the conversation so far into the query that gets searched.

History comes as OpenAI-style messages. A question that leans on earlier turns (a pronoun, an
elliptical "And the US?", "Where?", or too few words of its own) is searched together with the
question it follows; a question that stands on its own starts a new topic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ingest.errors import InvalidInputError
from qa.answer_types import question_names
from qa.settings import Settings
from vectorstore.terms import terms, words

Message = dict[str, Any]
ROLES = {"user", "assistant", "system"}
# pronouns that need an antecedent from earlier turns
_POINTERS = frozenset(
    {"it", "they", "them", "he", "she", "him", "these", "those", "former", "latter"}
)
# possessives and place/time words, which often point inside the question itself ("Türkiye ...
# its S-400", "Is there ...", "this week"): they count only in a question that names nothing
_WEAK_POINTERS = frozenset(
    {"its", "their", "theirs", "his", "her", "there", "then", "that", "this"}
)
# words that ask about the last topic without naming one ("On which day?", "Who said so?")
_GENERIC = frozenset(
    {"so", "day", "date", "year", "month", "time", "place", "else", "exactly", "happen",
     "happened", "mean", "meant", "detail", "details", "reason", "first", "next", "then"}
)  # fmt: skip
# "that town", "this company": a demonstrative before a noun for a thing or a person points back
# even in a question that names someone ("How far is that town from San Antonio?"); before a
# word of time it does not ("this week")
_DEMONSTRATIVE = re.compile(
    r"\b(?:that|this|these|those)\s+(?!(?:week|weekend|month|year|day|morning|afternoon|"
    r"evening|night|time|season|summer|winter|spring|fall|autumn|century|decade)s?\b)"
    r"(?:town|city|village|country|nation|state|region|area|place|site|man|woman|men|women|"
    r"person|people|boy|girl|child|company|firm|group|team|club|agency|organi[sz]ation|event|"
    r"attack|incident|shooting|crash|storm|fire|disaster|ship|plane|vessel|bill|law|deal|"
    r"agreement|case|trial|ruling|decision|report|statement|announcement|meeting|conference|"
    r"trip|visit|election|vote|plan|program|programme|policy|product|move|change|offer|"
    r"mission|crew|official|leader|family|chain|store|school|university|hospital|church|"
    r"building|game|match|show|film|movie|book|song|word|record|award|prize)s?\b",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(
    r"^\s*(and|but|also|so|or|what about|how about|what else)\b",
    re.IGNORECASE,
)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Text as valid Unicode: a lone surrogate (invalid UTF-8 read by a broken client or
    terminal, or a half of a pair) becomes U+FFFD, a split pair is joined, and control
    characters other than tab and line breaks are dropped."""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _CONTROL.sub("", text)


def _content(message: Message, index: int) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return clean_text(content)
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        if all(isinstance(p, str) for p in parts):
            return clean_text(" ".join(parts))
    raise InvalidInputError(f"history[{index}].content must be text")


def validate_history(
    history: Sequence[Message] | None, max_messages: int = 50, max_chars: int = 50_000
) -> list[tuple[str, str]]:
    """(role, text) pairs; a malformed or oversized history is a clear InvalidInputError."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise InvalidInputError("history must be a list of {'role': ..., 'content': ...} messages")
    if len(history) > max_messages:
        raise InvalidInputError(
            f"history holds {len(history)} messages; pass at most {max_messages} messages "
            "(the latest turns are enough to follow up)"
        )
    turns = []
    for i, message in enumerate(history):
        if not isinstance(message, dict):
            raise InvalidInputError(f"history[{i}] must be a dict with 'role' and 'content'")
        role = message.get("role")
        if role not in ROLES:
            raise InvalidInputError(
                f"history[{i}].role must be user, assistant or system, got {role!r}"
            )
        turns.append((role, _content(message, i)))
    total = sum(len(text) for _, text in turns)
    if total > max_chars:
        raise InvalidInputError(
            f"history holds {total:,} characters; the limit is {max_chars:,} "
            "(pass only the latest turns)"
        )
    return turns


def latest_messages(history: Sequence[Message], settings: Settings) -> list[Message]:
    """The latest messages of a conversation that fit the history bounds of `ask`
    (`max_history_messages`, `max_history_chars`): what a chat passes on as it grows."""
    kept: list[Message] = []
    chars = 0
    for message in reversed(history[-settings.max_history_messages :]):
        content = message.get("content")
        chars += len(content) if isinstance(content, str) else 0
        if chars > settings.max_history_chars:
            break
        kept.append(message)
    return kept[::-1]


def depends_on_context(question: str) -> bool:
    """Whether a question cannot be searched on its own words: it has none ("Where?"), it
    continues the last one ("And the US?"), or it points back ("How much did they cost?") and
    names nothing itself."""
    own_terms = terms(question)
    if not own_terms:
        return True
    if all(w in _GENERIC for w in words(question) if terms(w)):  # "On which day?"
        return True
    if _CONTINUATION.match(question) and len(own_terms) <= 3:
        return True
    tokens = set(words(question))
    if tokens & _POINTERS or _DEMONSTRATIVE.search(question):
        return True
    return bool(tokens & _WEAK_POINTERS) and not question_names(question)


def follows_up(question: str) -> bool:
    """Whether a question asked after an answer is about what that answer reported: it leans
    on it (see `depends_on_context`) or names no one and nothing of its own ("Who is the
    club's president?", "What happened to the shooter?"; a capitalised first word is taken
    for the start of the sentence, not a name: "Until what date?")."""
    rest = question.split(maxsplit=1)[1] if len(question.split()) > 1 else ""
    return depends_on_context(question) or not question_names(rest)


def contextualize(question: str, history: Sequence[tuple[str, str]]) -> str:
    """The query to search for `question` after `history`: a question that leans on earlier turns
    is searched with the last user question that stood on its own (the topic), the latest
    follow-up since then that named someone ("And Erdogan?" before "What did he say?") and the
    follow-up right before it, which "their letter" or "that deal" may point at."""
    if not follows_up(question) or not any(role == "user" for role, _ in history):
        return question
    topic, named, last = "", "", ""
    for role, text in history:
        if role != "user" or not text.strip():
            continue
        if not topic or not depends_on_context(text):
            topic, named, last = text.strip(), "", ""
            continue
        last = text.strip()
        if question_names(text):  # "And Erdogan?" brings in whom "he" is next
            named = last
    return " ".join(dict.fromkeys(p for p in (topic, named, last, question) if p))
