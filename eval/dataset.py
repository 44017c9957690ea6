"""The eval dataset: JSON Lines of cases, each one question or a conversation of turns, with gold
answers (aliases), gold evidence (article + quote) and whether the corpus can answer at all.

    {"id": "s400-price", "category": "single-fact", "question": "How much did Türkiye pay?",
     "answerable": true, "answers": ["$2.5 billion", "2.5 billion"],
     "evidence": [{"article": "<title, id or url>", "quote": "<exact text>"}]}
    {"id": "visit", "category": "follow-up", "turns": [{"question": ..., "answerable": ...}, ...]}

`answers` is a list of aliases of one answer, or a list of parts (each a list of aliases) that
must all appear. Evidence `field` (default "text") may name article metadata: authors, source,
published, title. Optional: `note`, and `as_of` (ISO date) on a case or a turn.

The row schema is a set of pydantic models (unknown keys forbidden, strict types); a row's
validation errors become one-line messages with its line number, and valid rows become the frozen
dataclasses `Case`, `Turn` and `Evidence` that the runner reads.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from ingest.errors import InvalidInputError

Category = Literal[
    "single-fact",
    "multi-sentence",
    "cross-article",
    "paraphrase",
    "follow-up",
    "unanswerable",
    "metadata",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
EvidenceField = Literal["text", "authors", "source", "published", "title"]
EVIDENCE_FIELDS: tuple[str, ...] = get_args(EvidenceField)


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


# ---- the row schema (pydantic); rows become the frozen dataclasses above -------------------------
_ROW = "dataset_row"  # the error type of the schema's own messages, written as they are shown


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError(_ROW, message)


def _non_empty(value: str) -> str:
    if not value.strip():  # reported with the field's rule, as an empty string
        raise PydanticCustomError("string_blank", "blank string")
    return value


def _iso_date(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise _problem(f"as_of must be an ISO date (YYYY-MM-DD), got {value!r}") from None


def _answers(value: Any) -> tuple[tuple[str, ...], ...]:
    """Aliases of one answer (["a", "b"]) or parts, each a list of aliases ([["a"], ["b"]])."""
    if not isinstance(value, list) or not value:
        raise _problem("answers must be a non-empty list")
    if all(isinstance(v, str) for v in value):
        parts = [value]
    elif all(isinstance(v, list) for v in value):
        parts = value
    else:
        raise _problem("answers must be a list of strings or a list of lists of strings")
    for part in parts:
        if not part or not all(isinstance(a, str) and a.strip() for a in part):
            raise _problem("every answer alias must be a non-empty string")
    return tuple(tuple(part) for part in parts)


NonEmptyStr = Annotated[str, AfterValidator(_non_empty)]
IsoDate = Annotated[str | None, PlainValidator(_iso_date)]
Answers = Annotated[tuple[tuple[str, ...], ...], PlainValidator(_answers)]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class EvidenceRow(_Schema):
    article: NonEmptyStr
    quote: str = ""
    field: EvidenceField = "text"


class TurnRow(_Schema):
    question: NonEmptyStr
    answerable: bool
    answers: Answers = Field(default=(), validate_default=True)
    evidence: list[EvidenceRow] = Field(default_factory=list, validate_default=True)
    note: str | None = None
    as_of: IsoDate = None

    @field_validator("answers", "evidence", mode="wrap")
    @classmethod
    def _gold_only_when_answerable(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        """Answers (and evidence) are required when answerable, absent when not. An answerable
        flag that failed its own check is taken as true, so the gold is still checked."""
        if info.data.get("answerable", True):
            return handler(value)
        if value:
            raise _problem("an unanswerable question has no answers or evidence")
        return () if info.field_name == "answers" else []

    def to_turn(self, as_of: str | None = None) -> Turn:
        return Turn(
            question=self.question,
            answerable=self.answerable,
            answers=self.answers,
            evidence=tuple(Evidence(e.article, e.quote, e.field) for e in self.evidence),
            as_of=self.as_of or as_of,
            note=self.note,
        )


class SingleCaseRow(TurnRow):
    """One question: the turn's keys plus the case's."""

    id: NonEmptyStr
    category: Category = "single-fact"

    def to_case(self, line: int) -> Case:
        return Case(self.id, self.category, (self.to_turn(),), line)


class ConversationRow(_Schema):
    id: NonEmptyStr
    category: Category = "single-fact"
    turns: list[TurnRow] = Field(min_length=1)
    note: str | None = None
    as_of: IsoDate = None

    def to_case(self, line: int) -> Case:
        turns = tuple(t.to_turn(self.as_of) for t in self.turns)
        return Case(self.id, self.category, turns, line)


# What a field must be, for pydantic's own errors (missing, wrong type, not one of a choice).
_FIELD_RULES = {
    "id": "must be a non-empty string",
    "question": "must be a non-empty string",
    "article": "must be a non-empty string",
    "answerable": "must be true or false",
    "quote": "must be a string",
    "note": "must be a string",
    "evidence": "must be a list",
    "turns": "must be a non-empty list",
    "category": f"must be one of {', '.join(CATEGORIES)}, got {{input!r}}",
    "field": f"must be one of {', '.join(EVIDENCE_FIELDS)}, got {{input!r}}",
}


def _where(loc: tuple[int | str, ...]) -> str:
    """("turns", 0, "evidence", 1) -> "turns[0]: evidence[1]: "."""
    out = ""
    for part in loc:
        out = out[:-2] + f"[{part}]: " if isinstance(part, int) else out + f"{part}: "
    return out


def _split(loc: tuple[int | str, ...]) -> tuple[str, str | None]:
    """The prefix of the containing object, and the field name (None when the object itself)."""
    if loc and isinstance(loc[-1], str):
        return _where(loc[:-1]), loc[-1]
    return _where(loc), None


def _message(error: ErrorDetails) -> str:
    where, name = _split(tuple(error["loc"]))
    if error["type"] == _ROW:
        return f"{where}{error['msg']}"
    if error["type"] in ("model_type", "model_attributes_type", "dict_type") or name is None:
        return f"{where}must be an object"
    rule = _FIELD_RULES.get(name)
    if rule is None:  # not expected: every field has a rule; fall back to pydantic's words
        return f"{where}{name}: {error['msg']}"
    return f"{where}{name} {rule.format(input=error.get('input'))}"


def _problems(exc: ValidationError) -> list[str]:
    """One readable line per problem; unknown keys of one object on one line; no repeats."""
    problems: list[str] = []
    unknown: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        if error["type"] == "extra_forbidden":
            where, name = _split(tuple(error["loc"]))
            unknown.setdefault(where, []).append(str(name))
            continue
        message = _message(error)
        if message not in problems:
            problems.append(message)
    for where, keys in unknown.items():
        problems.append(f"{where}unknown key(s) {', '.join(sorted(keys))}")
    return problems


def parse_case(raw: Any, line: int) -> tuple[Case | None, list[str]]:
    """One row, and its problems (empty when it is valid)."""
    if not isinstance(raw, dict):
        return None, ["a case must be a JSON object"]
    schema = ConversationRow if "turns" in raw else SingleCaseRow
    try:
        row = schema.model_validate(raw)
    except ValidationError as exc:
        return None, _problems(exc)
    return row.to_case(line), []


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
