"""What a question asks for, and whether a sentence offers it."""

from __future__ import annotations

import pytest

from qa.answer_types import counted, expected_kind, offers


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("How many drones were spotted near the airport?", "drone"),
        ("How many people died in the outbreak?", "people"),
        ("How many S-400 systems did Türkiye buy?", "s-400"),
        ("How many of the four have been activated?", None),
        ("How many times has he tested positive?", None),
        ("How much did it cost?", None),
    ],
)
def test_what_a_how_many_question_counts(question: str, noun: str | None) -> None:
    assert counted(question) == noun


@pytest.mark.parametrize(
    ("question", "sentence", "offered"),
    [
        # a number, but not a count of what is asked for (a near miss: the article never says)
        (
            "How many households have already ordered free COVID tests?",
            "American households will be able to order free COVID-19 tests in September.",
            0.0,
        ),
        (
            "How many police officers attended the ceremony?",
            "Leaders gathered on Jan. 6 to present the medal to the officers of the police.",
            0.0,
        ),
        ("How many people died in the outbreak?", "Five people died.", 1.0),
        ("How many people died?", "Thirty-two people have been sickened and 13 died.", 1.0),
        ("How many people were killed?", "The blast killed one person and hurt others.", 1.0),
        ("How many people must leave Gaza?", "He wants to clear 2 million human beings.", 1.0),
        ("How many planes does the airline fly?", "It has a fleet of about 700 planes.", 1.0),
        ("How much did the systems cost?", "Türkiye paid $2.5 billion for them.", 1.0),
    ],
)
def test_a_count_is_offered_only_next_to_what_is_counted(
    question: str, sentence: str, offered: float
) -> None:
    assert offers("number", sentence, question) == offered


@pytest.mark.parametrize(
    ("question", "sentence", "offered"),
    [
        # near misses answered before: a year or a count is not the price asked for
        (
            "How much did the mayor claim in expenses in 2020-21?",
            "From 2020 to 2021, five former mayors were reimbursed by the council.",
            0.0,
        ),
        (
            "How much does a box of the new limited edition chocolate biscuits cost?",
            "The limited edition biscuits come in 2 flavours, the company said.",
            0.0,
        ),
        ("How much money has the start-up raised?", "The start-up has 12 employees.", 0.0),
        ("How much money has the start-up raised?", "It raised $4 million last year.", 1.0),
        ("How much did they pay?", "They paid 2.5 billion euros for the fleet.", 1.0),
        ("How much did the club earn?", "The club earned 300,000 pounds.", 1.0),
        ("How much did the systems cost?", "Türkiye paid $2.5 billion for them.", 1.0),
        ("How much did prices rise in May?", "Prices rose 4% in May.", 1.0),  # not money
        (
            "What share of the vote did the candidate win in the primary?",
            "The candidate was chosen ahead of 5 rivals in the 2023 primary.",
            0.0,
        ),
        ("What share of the vote did she win?", "She won 58.3% of the vote.", 1.0),
        ("What percentage of voters backed it?", "More than half of voters backed it.", 1.0),
        ("How long was the host suspended?", "The host was suspended in 2022 by ABC.", 0.0),
        ("How long was the host suspended?", "She was suspended for two weeks.", 1.0),
        ("How long is the new bridge?", "The bridge is 1,200 metres long.", 1.0),
        ("How long will the ban last?", "The ban stays until March 2027.", 1.0),
        ("How long did the talks go on?", "The talks went on for hours.", 1.0),
    ],
)
def test_money_and_durations_are_offered_only_by_a_sum_or_a_span(
    question: str, sentence: str, offered: float
) -> None:
    assert expected_kind(question) == "number"
    assert offers("number", sentence, question) == offered
