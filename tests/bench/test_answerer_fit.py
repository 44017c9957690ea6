"""The answerer models' logistic fit (scikit-learn), its leave-one-out figure and its threshold."""

from __future__ import annotations

import numpy as np
import pytest

from bench.answerer_fit import L2, cheapest_threshold
from bench.answerer_fit import fit_logistic as fit


def test_the_fit_is_the_l2_logistic_regression_on_standardised_features() -> None:
    """At the optimum of mean log-loss + L2/2 |w|^2 (standardised features, free intercept) the
    gradient is zero: checks the C of scikit-learn and the way back to raw feature units."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(200, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -2.0]
    y = (rng.random(200) < 1 / (1 + np.exp(-(x @ [1.0, -0.2, 8.0] + 17.0)))).astype(float)
    w, b = fit(x, y)
    mean, std = x.mean(axis=0), x.std(axis=0)
    z, w_z = (x - mean) / std, w * std  # the same model on standardised features
    p = 1 / (1 + np.exp(-(z @ w_z + b + w @ mean)))
    assert np.allclose(z.T @ (p - y) / len(y) + L2 * w_z, 0, atol=1e-5)
    assert abs(float(np.mean(p - y))) < 1e-5
    assert np.all(np.abs(w_z) > 0.05)  # regularised, not zeroed


def test_the_threshold_is_the_middle_of_the_cheapest_range() -> None:
    threshold, accuracy = cheapest_threshold(
        np.array([0.1, 0.345, 0.655, 0.9]), np.array([0, 0, 1, 1])
    )
    assert (threshold, accuracy) == (pytest.approx(0.5), 1.0)
    # answering the unanswerable (0.595) costs 1.5, abstaining on the answerable (0.4) 1: abstain on both
    threshold, accuracy = cheapest_threshold(np.array([0.4, 0.595]), np.array([1, 0]))
    assert (threshold, accuracy) == (pytest.approx(0.7), 0.5)


def test_the_listwise_scorer_ranks_the_sentences_holding_the_answer_first() -> None:
    """Per question, the candidate holding the answer has the larger `anchored`; the fit learns
    a positive weight for it, ranks it first, and spreads the scores as SCORE_SPREAD says."""
    from bench.answerer_fit import SCORE_SPREAD, SCORED, _sentence_model
    from qa.extractive import SENTENCE_FEATURES

    rng = np.random.default_rng(3)
    examples = []
    for q in range(40):
        candidates = []
        for i in range(6):
            holds = i == 0
            features = {name: float(rng.normal()) for name in SCORED}
            features["anchored"] = (1.0 if holds else 0.0) + 0.3 * float(rng.normal())
            candidates.append({"features": features, "holds": holds})
        examples.append({"id": f"a{q}-x", "source": "news-train", "answerable": True,
                         "candidates": candidates})  # fmt: skip
    w, b = _sentence_model(examples)
    assert b == 0.0 and len(w) == len(SENTENCE_FEATURES)
    weight = dict(zip(SENTENCE_FEATURES, w, strict=True))
    assert weight["anchored"] > 5 * max(abs(weight[n]) for n in SCORED if n != "anchored")
    spreads = []
    first = 0
    for e in examples:
        scores = [sum(weight[n] * c["features"][n] for n in SCORED) for c in e["candidates"]]
        first += int(np.argmax(scores) == 0)
        spreads.append(np.std(scores))
    assert first >= 36
    assert np.mean(spreads) == pytest.approx(SCORE_SPREAD)


def test_news_folds_keep_the_questions_of_one_article_together() -> None:
    from bench.answerer_fit import _folds

    examples = [
        {"id": f"{article}-{name}/0", "source": "news-tune"}
        for article in ("a01", "a02", "t07", "t08", "a09")
        for name in ("who", "when", "chat")
    ]
    folds = _folds(examples)
    by_article: dict[str, set[int]] = {}
    for e, f in zip(examples, folds, strict=True):
        by_article.setdefault(e["id"][:3], set()).add(f)
    assert all(len(f) == 1 for f in by_article.values())
