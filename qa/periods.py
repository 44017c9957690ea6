"""The periods a question names ("in November 2018", "the late-2018 outbreak", "the 2024 Copa
América", "spring 2018"), as ranges of days: news about a period is mostly published during it
or soon after, so an article dated inside a period the question names is likelier its source."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from vectorstore.records import day_number

AFTER = 45  # days after a period's end in which reporting about it still counts as "during"

_MONTH_NAMES = {
    **{m.lower(): i for i, m in enumerate(calendar.month_name) if m},
    **{m.lower(): i for i, m in enumerate(calendar.month_abbr) if m},
    "sept": 9,
}
_PART = {  # (first month, last month) of a part of a year
    "early": (1, 4),
    "mid": (5, 8),
    "late": (9, 12),
    "spring": (3, 6),
    "summer": (6, 9),
    "fall": (9, 12),
    "autumn": (9, 12),
    "winter": (1, 3),
}
_PERIOD = re.compile(
    r"(?:\b(?P<part>early|mid|late|spring|summer|fall|autumn|winter)[\s-]+(?:of\s+)?|"
    r"\b(?P<month>" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\.?\s+"
    r"(?:\d{1,2},?\s+)?)?"
    r"(?<![\d.,$])(?<!(?-i:[A-Z])-)(?P<year>(?:19[5-9]|20[0-4])\d)(?![\d%,.]\d|s\b)",
    re.IGNORECASE,
)


# words that place a question relative to now: without an as_of date, "now" is the day of the
# newest article in the store
_RELATIVE = re.compile(
    r"\b(?:this|last|past) (?:week|weekend|month|year)\b|\b(?:latest|recently|recent|newest|"
    r"yesterday|today|tonight|currently|upcoming|next (?:week|month))\b",
    re.IGNORECASE,
)


def relative_time(question: str) -> bool:
    """Whether a question places itself relative to now ("this week", "latest", "recently")."""
    return _RELATIVE.search(question) is not None


def _day(year: int, month: int, day: int) -> int:
    return day_number(dt.date(year, month, day).isoformat())


def question_periods(question: str) -> list[tuple[int, int]]:
    """The (first day, last day) ranges of the periods a question names, each extended by
    AFTER days of later reporting; [] when it names none."""
    found = []
    for match in _PERIOD.finditer(question):
        year = int(match.group("year"))
        first, last = 1, 12
        if match.group("month"):
            first = last = _MONTH_NAMES[match.group("month").lower()]
        elif match.group("part"):
            first, last = _PART[match.group("part").lower()]
        end = _day(year, last, calendar.monthrange(year, last)[1]) + AFTER
        found.append((_day(year, first, 1), end))
    return found


def within(day: int, periods: list[tuple[int, int]]) -> bool:
    """Whether a publication day falls in one of the periods."""
    return any(first <= day <= last for first, last in periods)
