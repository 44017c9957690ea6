"""A follow-up's answer may come from a sentence the last answer already quoted when that
sentence holds what is now asked; otherwise a repeat ranks lower."""

from __future__ import annotations

import numpy as np

from ingest.models import ArticleMeta
from qa.extractive import Candidate, _Context
from qa.question_profile import QuestionProfile
from qa.types import Passage
from vectorstore.terms import terms

SAID = "Attal, 34, replaced Élisabeth Borne following her resignation on Monday."


def _repeated(
    question: str, sentence: str, said: str = SAID, new_names: str = "", query: str = ""
) -> float:
    context = _Context(
        question=question,
        query=query or question,
        query_vector=np.zeros(2, dtype=np.float32),
        profile=QuestionProfile.of(question),
        question_terms=1.0,
        top_score=1.0,
        said_terms=set(terms(said)),
        new_names=set(terms(new_names)),
    )
    passage = Passage("c", "a", ArticleMeta(title="t"), sentence, 0, len(sentence), 1.0)
    candidate = Candidate(passage, 0, 0, len(sentence), sentence)
    features = context.features(candidate, np.zeros(2, dtype=np.float32), set(terms(sentence)))
    return features["repeated"]


def _features(engine, question: str, text: str, title: str) -> dict[str, dict[str, float]]:  # noqa: ANN001
    """The features of each sentence of one passage (`text`, headlined `title`), by its text."""
    passage = Passage("c", "a", ArticleMeta(title=title), text, 0, len(text), 1.0)
    vector = engine.embedder.encode([question])[0]
    scored = engine.answerer.score(question, question, vector, [passage], "", lambda t: 1.0)
    return {s.candidate.text: s.features for s in scored}


def test_a_repeat_that_holds_the_asked_number_is_not_marked() -> None:
    assert _repeated("How old was he when he got the job?", SAID) == 0.0


def test_a_repeat_that_holds_nothing_asked_is_marked() -> None:
    assert _repeated("Why did she resign?", SAID) == 1.0


TARIFFS = "Southeast Asian countries were hit hardest, led by Cambodia, 49%; and Vietnam, 46%."


def test_a_repeat_that_names_what_the_conversation_had_not_asked_about_is_not_marked() -> None:
    """ "And what rate did Vietnam get?" after the Cambodia answer quoted the sentence with both
    rates (a blind training set's follow-up)."""
    question = "And what rate did Vietnam get?"
    assert _repeated(question, TARIFFS, said=TARIFFS, new_names="Vietnam") == 0.0
    assert _repeated(question, TARIFFS, said=TARIFFS) == 1.0


def test_a_repeat_whose_date_the_conversation_asked_about_is_marked() -> None:
    """ "And on what dates?" after "Which city hosts the Final Four for the first time in 2028?":
    the quoted sentence's "2028" is what the conversation said, not the dates now asked."""
    said = "2028 will be the first time the Final Four will be played in Las Vegas."
    query = "Which city will host the Final Four for the first time in 2028? And on what dates?"
    assert _repeated("And on what dates?", said, said=said, query=query) == 1.0
    assert _repeated("And on what dates?", said, said=said) == 0.0  # without the conversation
    row = "2028: Las Vegas – Allegiant Stadium, April 1 and 3"
    assert _repeated("And on what dates?", row, said=f"{said} {row}", query=query) == 0.0


def test_new_names_are_the_question_names_its_conversation_had_not_asked(engine) -> None:  # noqa: ANN001
    passage = Passage("c", "a", ArticleMeta(title="Tariffs"), TARIFFS, 0, len(TARIFFS), 1.0)
    query = "What rate did Trump set for Cambodia? And what rate did Vietnam get?"
    vector = engine.embedder.encode([query])[0]
    question = "And what rate did Vietnam get?"
    (scored,) = engine.answerer.score(question, query, vector, [passage], TARIFFS, lambda t: 1.0)
    assert scored.features["repeated"] == 0.0
    query = "What rates did Trump set for Cambodia and Vietnam? And what rate did Vietnam get?"
    (scored,) = engine.answerer.score(question, query, vector, [passage], TARIFFS, lambda t: 1.0)
    assert scored.features["repeated"] == 1.0  # Vietnam was asked about before


def test_the_sentence_after_one_that_restates_the_question_is_marked(engine) -> None:  # noqa: ANN001
    text = (
        "The mayor was asked why the bridge was closed. "
        "Engineers found cracks in two beams, she said. "
        "The city also repaved three roads."
    )
    by_text = _features(engine, "Why was the bridge closed?", text, "City news")
    restating = by_text["The mayor was asked why the bridge was closed."]
    answering = by_text["Engineers found cracks in two beams, she said."]
    assert answering["after_match"] == restating["lexical"] > 0
    assert by_text["The city also repaved three roads."]["after_match"] == 0.0
    assert restating["after_match"] == 0.0  # the first sentence follows nothing


def test_predicate_weighs_the_question_words_beyond_its_names_and_the_headline(engine) -> None:  # noqa: ANN001
    """'Who broke Maris's record in 1998?' over an article headlined about Maris's record: the
    sentence with 'broken' and '1998' holds what is asked; the one restating Maris and the
    record holds only the names and the headline's words."""
    text = (
        "Aaron Judge chased the home run record of Roger Maris all season. "
        "The record stood until 1998, when it was broken by Mark McGwire."
    )
    question = "Who broke the Roger Maris home run record in 1998?"
    by_text = _features(engine, question, text, "Roger Maris home run record")
    restating = by_text["Aaron Judge chased the home run record of Roger Maris all season."]
    answering = by_text["The record stood until 1998, when it was broken by Mark McGwire."]
    assert restating["predicate"] == 0.0
    assert answering["predicate"] == 0.5  # "1998" of "broke" and "1998" ("broken" stems apart)
