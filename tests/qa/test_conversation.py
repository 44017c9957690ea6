"""Which questions lean on the conversation, and what gets searched for them."""

from __future__ import annotations

import pytest

from qa.conversation import contextualize, depends_on_context


@pytest.mark.parametrize(
    "question",
    [
        "How much did they cost?",
        "And who sold them?",
        "Where?",
        "And the US?",
        "What did he say?",
        "What did the US do about it?",
        "How old is he?",
        # a demonstrative before a noun points back, even in a question that names a place
        "How far is that town from San Antonio?",
        "Who chaired those meetings in Ankara?",
    ],
)
def test_follow_ups(question: str):
    assert depends_on_context(question)


@pytest.mark.parametrize(
    "question",
    [
        "How much did Türkiye pay for its S-400 systems?",
        "Is there a date for the TurkStream talks?",
        "What did Peskov say about Venezuela?",
        "Who is Kalın?",
        "When will Putin visit Turkey?",
        "What did Erdogan announce this week?",  # a time, not a thing pointed back to
        "Who said that prices in Ohio rose?",
    ],
)
def test_standalone_questions(question: str):
    assert not depends_on_context(question)


def test_follow_up_is_searched_with_its_topic_a_naming_follow_up_and_the_last_one():
    history = [
        ("user", "When is Putin expected to visit Turkey?"),
        ("assistant", "In January."),
        ("user", "And Erdogan?"),
        ("assistant", "..."),
    ]
    assert contextualize("What did he say?", history) == (
        "When is Putin expected to visit Turkey? And Erdogan? What did he say?"
    )
    history = [
        ("user", "What did Türkiye buy from Russia in 2017?"),
        ("user", "And who sold them?"),
    ]
    assert contextualize("How much did they cost?", history) == (
        "What did Türkiye buy from Russia in 2017? And who sold them? How much did they cost?"
    )
    # the third turn leans on the second ("their letter": the senators' of the second answer)
    history = [
        ("user", "What started the fires on the Grand Canyon's North Rim?"),
        ("user", "Which two senators asked for an investigation into how it was handled?"),
        ("user", "And Erdogan?"),
        ("user", "What did he say?"),
    ]
    assert contextualize("When?", history) == (
        "What started the fires on the Grand Canyon's North Rim? And Erdogan? What did he say? When?"
    )
    assert contextualize("Who was their letter addressed to?", history[:2]) == (
        "What started the fires on the Grand Canyon's North Rim? "
        "Which two senators asked for an investigation into how it was handled? "
        "Who was their letter addressed to?"
    )
    assert contextualize("What did Peskov say about Venezuela?", history) == (
        "What did Peskov say about Venezuela?"
    )


def test_a_follow_up_asks_for_more_than_the_last_answer(engine) -> None:  # noqa: ANN001
    first = "Which fighter jets has Washington stopped selling to Turkey?"
    said = engine.ask(first)
    assert "F-35" in said.text
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": said.text}]
    more = engine.ask("What else did it do?", history=history)
    assert not more.abstained
    # what else it did (removed Turkey from the F-35 programme) is told in one of the two
    # answers, and the follow-up leads with something not said before
    assert "multinational" in said.text + more.text
    assert more.citations[0].quote not in said.text
