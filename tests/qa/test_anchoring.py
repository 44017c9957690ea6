"""Whether a sentence puts a candidate answer next to the question's own words."""

from __future__ import annotations

from qa.anchoring import anchored, answer_spans
from vectorstore.terms import terms


def _score(question: str, sentence: str, kind: str | None = "name", role: bool = False) -> float:
    weights = {t: 1.0 for t in terms(question)}
    return anchored(kind, role, sentence, question, weights)


def test_a_name_given_where_the_sentence_speaks_of_the_asked_thing_is_anchored() -> None:
    question = "Who led the research team behind the superconductor claim?"
    answering = "The research team, led by Ada Park and Ben Cho of a Seoul start-up, published it."
    restating = (
        "Since news of the superconductor claim broke at the end of July, the team has been busy."
    )
    assert _score(question, answering) > _score(question, restating)
    assert _score(question, restating) == 0.0  # a month is no name, and no name is given


def test_who_asks_for_a_name_in_full() -> None:
    question = "Who recommended her for the job?"
    assert answer_spans("name", False, "Senate leader Mitch McConnell recommended her.", question)
    assert not answer_spans("name", False, "The Senate recommended her.", question)


def test_what_the_question_already_names_is_no_answer() -> None:
    question = "What did Acme Corp announce on Friday?"
    assert _score(question, "Acme Corp announced a recall on Friday.") == 0.0


def test_a_job_question_looks_for_a_title_next_to_the_person() -> None:
    question = "What is Dana Reyes's job?"
    titled = "Dana Reyes, the city's police chief, spoke first."
    named = "Dana Reyes spoke first, and others followed later in the day."
    assert _score(question, titled, kind=None, role=True) > 0.0
    assert _score(question, named, kind=None, role=True) == 0.0


def test_an_open_question_has_no_candidate_answers() -> None:
    assert (
        _score("Why did the talks fail?", "The talks failed over money, officials said.", None)
        == 0.0
    )


def test_a_number_question_wants_the_kind_of_number_it_asks_for() -> None:
    question = "How much was the payment to the former president?"
    paid = "The payment of 2 million Swiss francs went to the former president in 2011."
    assert answer_spans("number", False, paid, question) == [
        (15, 37)
    ]  # "2 million Swiss francs", not the year


def test_a_said_question_looks_for_a_quotation_next_to_the_speaker() -> None:
    question = "How did Zelensky describe the annexation?"
    weights = {t: 1.0 for t in terms(question)}
    quoted = "Zelensky called the annexation “a farce” in a video address."
    unquoted = "Zelensky spoke after the annexation, officials said."
    assert anchored(None, False, quoted, question, weights, said=True) > 0.0
    assert anchored(None, False, unquoted, question, weights, said=True) == 0.0


def test_a_quotation_is_not_judged_as_a_name() -> None:
    # a "what did X say" question that also asks "which": its candidate answers are quotations,
    # kept unless the question holds them, not dropped because their last word is the question's
    question = "What did Reyes say about the flood in which town?"
    sentence = 'Reyes said it was "worse than any flood" she had seen.'
    start = sentence.index('"')
    spans = answer_spans("name", False, sentence, question, said=True)
    assert spans == [(start, sentence.index('"', start + 1) + 1)]
