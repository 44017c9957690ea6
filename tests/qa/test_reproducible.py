"""An answer depends on its question (and conversation), not on what was asked before it in the
process: int8 vectors of sentences embedded in one batch move with each other, and the answerer
caches them, so a sentence first met beside others used to score a little differently."""

from __future__ import annotations

from qa.engine import QAEngine

QUESTIONS = [
    "What is the full name of the Turkish president given in the Kremlin article?",
    "According to Trump, what is the S-400 purchase a very serious challenge to?",
    "Which city is Putin expected to visit in January?",
    "How did Trump describe the Russian military equipment that Turkey acquired?",
    "Where did Putin and Erdogan meet according to the Kremlin article, and which city is Putin "
    "expected to visit according to the Duvar English article?",
    "How senior are the exchanges between Moscow and Caracas, according to the Kremlin?",
]


def reading(answer) -> tuple:  # noqa: ANN001
    return answer.abstained, [s.text for s in answer.sentences], answer.confidence


def fresh(engine: QAEngine) -> QAEngine:
    """The same store and embedder, an answerer with nothing cached."""
    return QAEngine(engine.settings, engine.store, engine.embedder)


def answers_alone(engine: QAEngine) -> dict[str, tuple]:
    """Each question asked by an engine of its own."""
    return {q: reading(fresh(engine).ask(q)) for q in QUESTIONS}


def test_an_answer_does_not_depend_on_the_questions_asked_before_it(engine: QAEngine) -> None:
    alone = answers_alone(engine)
    in_turn = fresh(engine)
    after_others = {q: reading(in_turn.ask(q)) for q in QUESTIONS}
    backwards = fresh(engine)
    in_reverse = {q: reading(backwards.ask(q)) for q in reversed(QUESTIONS)}
    assert after_others == alone
    assert in_reverse == alone


def test_threads_asking_at_once_get_the_answers_each_gets_alone(engine: QAEngine) -> None:
    """One engine shared by threads (the fault kit asks from 8): the sentence cache is read,
    filled and trimmed by all of them. With a cache of 5 vectors it is trimmed on every
    question, below one question's own sentences: an answer must use the vectors it read or
    made, not the cache after a trim (its own or another thread's: it raised KeyError)."""
    from concurrent.futures import ThreadPoolExecutor

    from qa.extractive import ExtractiveAnswerer

    alone = answers_alone(engine)
    shared = fresh(engine)
    shared.answerer = ExtractiveAnswerer(
        shared.retriever,
        shared.embedder,
        max_sentences=shared.settings.max_answer_sentences,
        per_article=shared.settings.answer_passages_per_article,
        cache_size=5,
    )
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda q: (q, reading(shared.ask(q))), QUESTIONS * 4))
    assert all(got == alone[q] for q, got in answers)
