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
