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


def test_an_answer_does_not_depend_on_the_questions_asked_before_it(engine: QAEngine) -> None:
    def fresh() -> QAEngine:  # the same store and embedder, an answerer with nothing cached
        return QAEngine(engine.settings, engine.store, engine.embedder)

    alone = {q: reading(fresh().ask(q)) for q in QUESTIONS}
    in_turn = fresh()
    after_others = {q: reading(in_turn.ask(q)) for q in QUESTIONS}
    backwards = fresh()
    in_reverse = {q: reading(backwards.ask(q)) for q in reversed(QUESTIONS)}
    assert after_others == alone
    assert in_reverse == alone
