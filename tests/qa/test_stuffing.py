"""Keyword stuffing: an article that repeats a question's words must not flip a correct answer
to an abstention, nor buy rank by repetition."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.engine import QAEngine
from tests.conftest import CORPUS
from vectorstore.lexical import LexicalIndex, saturated

S400 = "How much did Türkiye pay for the S-400 systems?"
ECHO = "How much did Türkiye pay for the S-400 systems? Türkiye pay S-400 systems much."
STUFFED = (
    "Türkiye S-400 systems pay\n\n"
    + " ".join([ECHO] * 40)
    + "\n\n"
    + " ".join(["Türkiye S-400 systems pay much pay Türkiye."] * 30)
)


@pytest.fixture(scope="module")
def stuffed(make_engine, tmp_path_factory) -> QAEngine:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("stuffing")
    shutil.copytree(CORPUS, folder / "corpus")
    (folder / "corpus" / "stuffed.txt").write_text(STUFFED, encoding="utf-8")
    engine = make_engine(folder / "store")
    assert len(engine.ingest([folder / "corpus"]).added) == 3
    return engine


def test_a_stuffed_article_does_not_flip_the_answer(stuffed: QAEngine) -> None:
    answer = stuffed.ask(S400)
    assert not answer.abstained, answer.text
    assert "$2.5 billion" in answer.text
    assert all(c.title != "Türkiye S-400 systems pay" for c in answer.citations)


def test_repeated_sentences_are_never_quoted(stuffed: QAEngine) -> None:
    for question in (S400, "What did Türkiye pay for?", "Türkiye S-400 systems pay much?"):
        answer = stuffed.ask(question)
        assert all(ECHO.split("?")[0] not in s.text for s in answer.sentences)


def test_repetition_buys_no_bm25_rank(tmp_path: Path) -> None:
    once = " ".join([ECHO] * 3)
    index = LexicalIndex.build(["many", "few"], [0, 0], [" ".join([ECHO] * 40), once], "r")
    scores = dict(index.search(S400, 2))
    assert scores["many"] == pytest.approx(scores["few"])
    assert saturated(["a", "b", "a", "a", "a", "b"], cap=2) == ["a", "b", "a", "b"]
