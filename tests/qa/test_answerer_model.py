"""The answerer's models: the abstention model judges the best sentence of the scorer it was
fitted with, which need not be the sentence scorer that picks the answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.answerer_model import AnswererModel


def _model(tmp_path: Path, judged_by: dict | None) -> AnswererModel:
    abstention = {"coefficients": {"dense": 4.0}, "intercept": -2.0, "threshold": 0.5}
    if judged_by is not None:
        abstention["judged_by"] = judged_by
    path = tmp_path / "model.json"
    path.write_text(
        json.dumps(
            {
                "sentence": {"coefficients": {"lexical": 1.0}, "intercept": 0.0},
                "abstention": abstention,
            }  # fmt: skip
        )
    )
    return AnswererModel.load(path)


CANDIDATES = [{"lexical": 0.9, "dense": 0.1}, {"lexical": 0.2, "dense": 0.9}]


def test_the_abstention_model_judges_the_best_sentence_of_its_own_scorer(tmp_path: Path) -> None:
    model = _model(tmp_path, {"coefficients": {"dense": 1.0}, "intercept": 0.0})
    # the sentence scorer prefers the first sentence; the judge the second (dense 0.9)
    assert model.sentence.logit(CANDIDATES[0]) > model.sentence.logit(CANDIDATES[1])
    assert model.confidence(CANDIDATES) == pytest.approx(model.answer_probability({"dense": 0.9}))


def test_without_a_judge_the_sentence_scorer_judges(tmp_path: Path) -> None:
    model = _model(tmp_path, None)
    assert model.judge == model.sentence
    assert model.confidence(CANDIDATES) == pytest.approx(model.answer_probability({"dense": 0.1}))


def test_the_shipped_model_judges_with_the_scorer_its_abstention_was_fitted_on() -> None:
    shipped = AnswererModel.load()
    assert shipped.judge != shipped.sentence
    assert set(shipped.sentence.coefficients) >= {"dense", "lexical", "coverage", "anchored"}
