"""What a question asks for, and whether a sentence offers it."""

from __future__ import annotations

import pytest

from qa.answer_types import counted, offers


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
