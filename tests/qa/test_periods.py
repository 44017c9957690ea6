"""The periods a question names, and whether it places itself relative to now."""

from __future__ import annotations

import pytest

from qa.periods import AFTER, question_periods, relative_time
from vectorstore.records import day_number


@pytest.mark.parametrize(
    ("question", "first", "last"),
    [
        (
            "Which state had the most cases in the November 2018 outbreak?",
            "2018-11-01",
            "2018-11-30",
        ),
        ("What strain is behind the late-2018 outbreak?", "2018-09-01", "2018-12-31"),
        ("How many died in the spring 2018 outbreak?", "2018-03-01", "2018-06-30"),
        ("Who won the 2024 Copa América?", "2024-01-01", "2024-12-31"),
        ("What happened on Nov. 12, 2023?", "2023-11-01", "2023-11-30"),
    ],
)
def test_a_named_period_is_a_range_of_days(question: str, first: str, last: str) -> None:
    assert question_periods(question) == [(day_number(first), day_number(last) + AFTER)]


@pytest.mark.parametrize(
    "question",
    [
        "How many S-2019 missiles were sold?",  # a model number, not a year
        "It cost $2018 to fix.",
        "About 2,019 people came.",
        "How many people came?",
    ],
)
def test_numbers_that_are_not_years_name_no_period(question: str) -> None:
    assert question_periods(question) == []


def test_relative_time() -> None:
    assert relative_time("Which airline suffered a meltdown this week?")
    assert relative_time("What is the latest on the strike?")
    assert not relative_time("Which airline suffered a meltdown in December 2022?")
