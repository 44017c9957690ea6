"""The eval dataset: JSON Lines of cases, each one question or a conversation of turns, with gold
answers (aliases), gold evidence (article + quote) and whether the corpus can answer at all.

    {"id": "s400-price", "category": "single-fact", "question": "How much did Türkiye pay?",
     "answerable": true, "answers": ["$2.5 billion", "2.5 billion"],
     "evidence": [{"article": "<title, id or url>", "quote": "<exact text>"}]}
    {"id": "visit", "category": "follow-up", "turns": [{"question": ..., "answerable": ...}, ...]}

`answers` is a list of aliases of one answer, or a list of parts (each a list of aliases) that
must all appear. Evidence `field` (default "text") may name article metadata: authors, source,
published, title. Optional: `note`, and `as_of` (ISO date) on a case or a turn.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import InvalidInputError

CATEGORIES = (
    "single-fact",
    "multi-sentence",
    "cross-article",
    "paraphrase",
    "follow-up",
    "unanswerable",
    "metadata",
)
EVIDENCE_FIELDS = ("text", "authors", "source", "published", "title")
_CASE_KEYS = {"id", "category", "question", "answerable", "answers", "evidence", "note", "as_of"}
_TURN_KEYS = {"question", "answerable", "answers", "evidence", "note", "as_of"}
_MULTI_KEYS = {"id", "category", "turns", "note", "as_of"}


class DatasetError(InvalidInputError):
    """The dataset file is missing or has bad rows (every problem with its line number)."""


@dataclass(frozen=True)
class Evidence:
    article: str  # an article id, url or exact title
    quote: str
    field: str = "text"


@dataclass(frozen=True)
class Turn:
    question: str
    answerable: bool
    answers: tuple[tuple[str, ...], ...] = ()  # parts, each a tuple of aliases
    evidence: tuple[Evidence, ...] = ()
    as_of: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    turns: tuple[Turn, ...]
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def multi_turn(self) -> bool:
        return len(self.turns) > 1


def _str(value: Any, what: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{what} must be a non-empty string")
        return ""
    return value


def _answers(value: Any, problems: list[str], where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not value:
        problems.append(f"{where}answers must be a non-empty list")
        return ()
    if all(isinstance(v, str) for v in value):
        parts = [value]
    elif all(isinstance(v, list) for v in value):
        parts = value
    else:
        problems.append(f"{where}answers must be a list of strings or a list of lists of strings")
        return ()
    out = []
    for part in parts:
        if not part or not all(isinstance(a, str) and a.strip() for a in part):
            problems.append(f"{where}every answer alias must be a non-empty string")
            return ()
        out.append(tuple(part))
    return tuple(out)


def _evidence(value: Any, problems: list[str], where: str) -> tuple[Evidence, ...]:
    if not isinstance(value, list):
        problems.append(f"{where}evidence must be a list")
        return ()
    out = []
    for i, item in enumerate(value):
        at = f"{where}evidence[{i}]: "
        if not isinstance(item, dict):
            problems.append(f"{at}must be an object")
            continue
        unknown = set(item) - {"article", "quote", "field"}
        if unknown:
            problems.append(f"{at}unknown key(s) {', '.join(sorted(unknown))}")
        name = item.get("field", "text")
        if name not in EVIDENCE_FIELDS:
            problems.append(f"{at}field must be one of {', '.join(EVIDENCE_FIELDS)}, got {name!r}")
        article = _str(item.get("article"), f"{at}article", problems)
        quote = item.get("quote", "")
        if not isinstance(quote, str):
            problems.append(f"{at}quote must be a string")
            quote = ""
        out.append(Evidence(article, quote, name))
    return tuple(out)


def _date(value: Any, problems: list[str], where: str) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        problems.append(f"{where}as_of must be an ISO date (YYYY-MM-DD), got {value!r}")
        return None


def _turn(raw: dict[str, Any], problems: list[str], where: str, as_of: str | None) -> Turn:
    question = _str(raw.get("question"), f"{where}question", problems)
    answerable = raw.get("answerable")
    if not isinstance(answerable, bool):
        problems.append(f"{where}answerable must be true or false")
        answerable = True
    answers: tuple[tuple[str, ...], ...] = ()
    evidence: tuple[Evidence, ...] = ()
    if answerable:
        answers = _answers(raw.get("answers"), problems, where)
        evidence = _evidence(raw.get("evidence", []), problems, where)
    elif raw.get("answers") or raw.get("evidence"):
        problems.append(f"{where}an unanswerable question has no answers or evidence")
    note = raw.get("note")
    return Turn(
        question=question,
        answerable=answerable,
        answers=answers,
        evidence=evidence,
        as_of=_date(raw.get("as_of"), problems, where) or as_of,
        note=note if isinstance(note, str) else None,
    )


def parse_case(raw: Any, line: int) -> tuple[Case | None, list[str]]:
    """One row, and its problems (empty when it is valid)."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        return None, ["a case must be a JSON object"]
    case_id = _str(raw.get("id"), "id", problems)
    category = raw.get("category", "single-fact")
    if category not in CATEGORIES:
        problems.append(f"category must be one of {', '.join(CATEGORIES)}, got {category!r}")
    as_of = _date(raw.get("as_of"), problems, "")
    if "turns" in raw:
        unknown = set(raw) - _MULTI_KEYS
        if unknown:
            problems.append(f"unknown key(s) {', '.join(sorted(unknown))}")
        raw_turns = raw["turns"]
        if not isinstance(raw_turns, list) or not raw_turns:
            problems.append("turns must be a non-empty list")
            raw_turns = []
        turns = []
        for i, t in enumerate(raw_turns):
            if not isinstance(t, dict):
                problems.append(f"turns[{i}]: must be an object")
                continue
            unknown = set(t) - _TURN_KEYS
            if unknown:
                problems.append(f"turns[{i}]: unknown key(s) {', '.join(sorted(unknown))}")
            turns.append(_turn(t, problems, f"turns[{i}]: ", as_of))
    else:
        unknown = set(raw) - _CASE_KEYS
        if unknown:
            problems.append(f"unknown key(s) {', '.join(sorted(unknown))}")
        turns = [_turn(raw, problems, "", None)]
        if as_of:
            turns = [Turn(**{**turns[0].__dict__, "as_of": turns[0].as_of or as_of})]
    if problems:
        return None, problems
    return Case(case_id, category, tuple(turns), line), []


def load_dataset(path: str | Path, max_problems: int = 20) -> list[Case]:
    """Read and validate a dataset; raises DatasetError listing bad rows by line number."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"dataset not found: {path}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read dataset {path}: {exc}") from None
    cases: list[Case] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not valid JSON ({exc.msg}, column {exc.colno})")
            continue
        case, errors = parse_case(raw, number)
        problems.extend(f"line {number}: {e}" for e in errors)
        if case is None:
            continue
        if case.id in seen:
            problems.append(
                f"line {number}: duplicate id {case.id!r} (first on line {seen[case.id]})"
            )
            continue
        seen[case.id] = number
        cases.append(case)
    if problems:
        shown = problems[:max_problems]
        more = len(problems) - len(shown)
        tail = f"\n  ... and {more} more" if more else ""
        raise DatasetError(f"{path}: {len(problems)} problem(s)\n  " + "\n  ".join(shown) + tail)
    if not cases:
        raise DatasetError(f"{path}: no cases")
    return cases
