"""The answerer's failure classes (issue 11), counted on a run's turns, so a report says how
each class fares and a comparison of two runs shows it before and after: questions that ask why,
what someone said or someone's job; near misses; false abstentions; questions about the article
itself; follow-up turns; relative-time questions; answers that quote a non-content line."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

WHY_SAID_ROLE = re.compile(
    r"\bwhy\b|\b(?:say|said|tell|told|describe|call)\b|\b(?:job|title|role|position)\b", re.I
)

Turn = dict[str, Any]
# (key, label, the turns the class is about, which of them count, lower is better)
CLASSES: tuple[tuple[str, str, Callable[[Turn], bool], Callable[[Turn], bool], bool], ...] = (
    (
        "why_said_role",
        "why / what-did-X-say / job questions (first turns)",
        lambda t: t["answerable"] and t["turn"] == 1 and bool(WHY_SAID_ROLE.search(t["question"])),
        lambda t: t["correct"],
        False,
    ),
    (
        "near_miss_abstained",
        "near-miss questions abstained on",
        lambda t: not t["answerable"],
        lambda t: t["abstained"],
        False,
    ),
    (
        "false_abstentions",
        "false abstentions",
        lambda t: t["answerable"],
        lambda t: t["abstained"],
        True,
    ),
    (
        "metadata",
        "questions about the article itself",
        lambda t: t["category"] == "metadata",
        lambda t: t["correct"],
        False,
    ),
    ("follow_ups", "follow-up turns (2+)", lambda t: t["turn"] > 1, lambda t: t["correct"], False),
    (
        "relative_time",
        "relative-time questions (as_of rows)",
        lambda t: bool(t.get("as_of")),
        lambda t: t["correct"],
        False,
    ),
    (
        "non_content_quoted",
        "answers quoting a non-content line",
        lambda t: not t["abstained"],
        lambda t: any(c.get("non_content") for c in t["citations"]),
        True,
    ),
)


def failure_classes(turns: list[Turn]) -> dict[str, dict[str, Any]]:
    """Per class: how many of its turns count (`n`), of how many (`of`)."""
    found = {}
    for key, label, about, counts, lower in CLASSES:
        members = [t for t in turns if about(t)]
        found[key] = {
            "label": label,
            "n": sum(1 for t in members if counts(t)),
            "of": len(members),
            "lower_is_better": lower,
        }
    return found


def fraction(entry: dict[str, Any] | None) -> str:
    if not entry or not entry["of"]:
        return "—"
    return f"{entry['n']}/{entry['of']} = {entry['n'] / entry['of']:.2f}"


def class_lines(classes: dict[str, dict[str, Any]]) -> list[str]:
    return [f"  {c['label']}: {fraction(c)}" for c in classes.values() if c["of"]]


def compare_lines(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[str]:
    """The classes of two runs side by side (A -> B)."""
    lines = []
    for key, entry in b.items():
        before = a.get(key)
        if not entry["of"] and not (before and before["of"]):
            continue
        lines.append(f"  {entry['label']}: {fraction(before)} -> {fraction(entry)}")
    return lines
