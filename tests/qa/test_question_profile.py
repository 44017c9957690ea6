"""What a why / said / job question asks for, and the sentences that offer it."""

from __future__ import annotations

import pytest

from qa.question_profile import QuestionProfile


@pytest.mark.parametrize(
    "sentence",
    [
        # each the answer to a "why" question of a blind training set, once unmarked
        "The party refused to end its blockade, resulting in a scaled-down visit.",
        "The mascot has a new hairdo, all in support of one of the nation's veteran journalists.",
        "SNAP benefits are allocated the month prior, meaning October payments were not hit.",
        "Campaigners argued that they have physical advantages and therefore need protecting.",
        "If we hadn't stopped it, it probably would've spread through the entire hospital.",
        "The prize has increased to $250,000 in recognition of the 10th anniversary.",
    ],
)
def test_causes_are_recognised(sentence: str) -> None:
    profile = QuestionProfile.of("Why was the visit cut back?")
    assert profile.offers(sentence)["why_cause"] == 1.0


def test_a_sentence_with_no_cause_offers_none() -> None:
    profile = QuestionProfile.of("Why was the visit cut back?")
    assert profile.offers("The president arrived in Belfast on Tuesday.")["why_cause"] == 0.0
    # only a why question looks for one
    assert (
        QuestionProfile.of("Where did he land?").offers("He left because of rain.")["why_cause"]
        == 0.0
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "He took a job as a data engineer at the auto marketplace website TrueCar.",
        "Craft is the wife of coal billionaire Joe Craft.",
        "Ariana DeBose is returning to host the event for a second year.",
        "Doctors who treated the Buffalo Bills safety addressed the question on Thursday.",
    ],
)
def test_jobs_and_relations_are_role_words(sentence: str) -> None:
    profile = QuestionProfile.of("What job did Luigi Mangione have at TrueCar?")
    assert profile.role and profile.offers(sentence)["role_word"] == 1.0
