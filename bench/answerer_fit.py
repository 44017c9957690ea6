"""The fitting stage of bench/train_answerer.py: a logistic sentence scorer (does this sentence
hold the answer?) and a logistic abstention model over the best sentence (is the answer right?),
both cross-validated by question; writes their coefficients in raw feature units."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.extractive import ABSTENTION_FEATURES, SENTENCE_FEATURES

ROOT = Path(__file__).resolve().parents[1]

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

FOLDS = 5
ANSWER_COST = 1.5  # answering an unanswerable question, relative to a false abstention
L2 = 0.1  # ridge strength per example, on standardised features; the intercept is not penalised
SENTENCE_L2 = 0.003  # the listwise scorer's ridge strength (raw features), chosen by fold
SCORE_SPREAD = 0.33  # mean within-question std of the hand-set scorer's candidate scores
# the sentence features the scorer weighs; the question's own (asks_*, question_terms) are the
# same for all its candidates and rank nothing
SCORED = [
    "dense", "lexical", "passage", "kind", "novelty", "short", "anchored", "after_match",
    "coverage", "support", "passage_score", "title_overlap", "lead", "words", "why_cause",
    "said_quote", "role_word", "predicate",
]  # fmt: skip
# a sentence the last answer already gave says nothing new: a fixed penalty, not fitted (the
# training conversations replay the gold evidence as the last answer, which teaches the opposite)
REPEATED = -0.3
# a blind set of other articles that no model is fitted on by default: `fit` reports on it
HELD_OUT = "news-holdout"


def _sklearn_missing() -> str | None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return "bench/train_answerer.py needs scikit-learn: pip install 'article-qa[bench]'"
    return None


def model(n: int, l2: float = L2) -> Pipeline:
    """Standardised features, then an L2 logistic regression. scikit-learn minimises
    C * sum(log-loss) + |w|^2 / 2, which is mean(log-loss) + l2 * |w|^2 / 2 when C = 1 / (l2 n)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), LogisticRegression(C=1 / (l2 * n), tol=1e-6, max_iter=1000)
    )


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """Coefficients and intercept in raw feature units (what qa/answerer_model.json holds)."""
    pipeline = model(len(y), l2).fit(x, y)
    scaler, regression = pipeline[0], pipeline[-1]
    w = regression.coef_[0] / scaler.scale_
    return w, float(regression.intercept_[0] - w @ scaler.mean_)


def cheapest_threshold(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The threshold with the least cost on the labelled questions, where answering a question
    the articles do not answer costs ANSWER_COST times a false abstention (a wrong answer reads
    as a fact, an abstention still shows the related passages); and the accuracy there."""
    thresholds = np.linspace(0.2, 0.8, 61)
    cost = [
        ANSWER_COST * float(np.sum((p >= t) & (y == 0))) + float(np.sum((p < t) & (y == 1)))
        for t in thresholds
    ]
    cheapest = np.flatnonzero(np.isclose(cost, min(cost)))
    best = float(thresholds[int(cheapest[len(cheapest) // 2])])  # the middle of the cheapest range
    return best, float(np.mean((p >= best) == (y == 1)))


def _load(path) -> list[dict]:  # noqa: ANN001
    return [json.loads(line) for line in path.open()]


def _matrix(candidates: list[dict], names: list[str]) -> np.ndarray:
    return np.array([[c["features"].get(n, 0.0) for n in names] for c in candidates], dtype=float)


def _group(example: dict) -> str:
    """The article a question is about: its case id's prefix ("a07" of "a07-chat/1"); questions
    of one article stay in one fold, so a fold's articles are new to the models fitted without it."""
    return (
        example["id"].split("/")[0].split("-")[0]
        if example["source"].startswith("news")
        else example["id"]
    )


def _folds(examples: list[dict]) -> list[int]:
    """A fold per article (news) or question (others)."""
    ids = sorted({_group(e) for e in examples})
    fold_of = {q: i % FOLDS for i, q in enumerate(np.random.default_rng(13).permutation(ids))}
    return [fold_of[_group(e)] for e in examples]


def _sentence_model(examples: list[dict]) -> tuple[np.ndarray, float]:
    """A listwise (conditional logit) sentence scorer: per question, the candidates holding
    the answer should take the softmax's mass. Fitted on the questions with such a candidate,
    L2-penalised, then scaled so a question's candidate scores spread as much (SCORE_SPREAD)
    as those of the hand-set scorer EXTRA_MARGIN was chosen for. No intercept: a constant
    shifts no ranking."""
    from scipy.optimize import minimize

    lists = [
        (_matrix(e["candidates"], SCORED), np.array([c["holds"] for c in e["candidates"]], float))
        for e in examples
        if e["answerable"] and any(c["holds"] for c in e["candidates"])
    ]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for x, y in lists:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            held = p * y
            total -= float(np.log(held.sum()))
            grad -= (held / held.sum() - p) @ x
        n = len(lists)
        return total / n + SENTENCE_L2 * float(w @ w), grad / n + 2 * SENTENCE_L2 * w

    w = minimize(loss, np.zeros(len(SCORED)), jac=True, method="L-BFGS-B").x
    spread = np.mean([np.std(x @ w) for x, _ in lists])
    w = w * (SCORE_SPREAD / spread)
    fixed = {"repeated": REPEATED}
    full = np.array(
        [w[SCORED.index(n)] if n in SCORED else fixed.get(n, 0.0) for n in SENTENCE_FEATURES]
    )
    return full, 0.0


def _top(example: dict, w: np.ndarray, b: float) -> tuple[dict, dict]:
    """The example's best candidate under (w, b), with its logit and margin added."""
    cands = example["candidates"]
    logits = _matrix(cands, SENTENCE_FEATURES) @ w + b
    order = np.argsort(-logits)
    best = cands[int(order[0])]
    margin = float(logits[order[0]] - logits[order[1]]) if len(order) > 1 else 5.0
    features = {**best["features"], "logit": float(logits[order[0]]), "margin": margin}
    return best, features


def _abstention_rows(
    examples: list[dict], w: np.ndarray, b: float
) -> tuple[np.ndarray, np.ndarray]:
    x, y = [], []
    for e in examples:
        best, features = _top(e, w, b)
        x.append([features.get(n, 0.0) for n in ABSTENTION_FEATURES])
        y.append(1.0 if e["answerable"] else 0.0)  # is there an answer to give
    return np.array(x), np.array(y)


def _has_gold(example: dict) -> bool:
    """Whether the example's question came with a gold answer to find in its sentences (the
    bundled calibration questions say only whether they are answerable)."""
    return example.get("gold", example["source"] != "bundled")


def _report(examples: list[dict], predictions: list[tuple[bool, bool]]) -> dict[str, dict]:
    """Per source: top-1 holds (answerable), answered right, abstained when unanswerable."""
    by: dict[str, list] = defaultdict(list)
    for e, p in zip(examples, predictions, strict=True):
        by[e["source"]].append((e, p))
    report = {}
    for source, items in sorted(by.items()):
        answerable = [p for e, p in items if e["answerable"] and _has_gold(e)]
        other = [p for e, p in items if not e["answerable"]]
        report[source] = {
            "questions": len(items),
            "top1_holds": round(np.mean([h for h, _ in answerable]), 3) if answerable else None,
            "answered_right": round(np.mean([h and a for h, a in answerable]), 3)
            if answerable
            else None,
            "false_abstention": round(np.mean([not a for _, a in answerable]), 3)
            if answerable
            else None,
            "abstained_unanswerable": round(np.mean([not a for _, a in other]), 3)
            if other
            else None,
        }
    return report


def _cross_validate(examples: list[dict]) -> dict[str, dict]:
    folds = _folds(examples)
    predictions: list[tuple[bool, bool] | None] = [None] * len(examples)
    for k in range(FOLDS):
        train = [e for e, f in zip(examples, folds, strict=True) if f != k]
        w, b = _sentence_model(train)
        xa, ya = _abstention_rows(train, w, b)
        wa, ba = fit_logistic(xa, ya)
        threshold, _ = cheapest_threshold(1 / (1 + np.exp(-(xa @ wa + ba))), ya)
        for i, e in enumerate(examples):
            if folds[i] == k:
                predictions[i] = _prediction(e, (w, b), (wa, ba, threshold))
    return _report(examples, predictions)  # type: ignore[arg-type]


def _prediction(
    example: dict,
    sentence: tuple[np.ndarray, float],
    abstention: tuple[np.ndarray, float, float],
) -> tuple[bool, bool]:
    """Whether the best sentence under `sentence` holds the answer, and whether the abstention
    model (weights, intercept, threshold) answers with it."""
    wa, ba, threshold = abstention
    best, features = _top(example, *sentence)
    z = sum(wa[j] * features.get(n, 0.0) for j, n in enumerate(ABSTENTION_FEATURES))
    return bool(best["holds"]), bool(1 / (1 + np.exp(-(z + ba))) >= threshold)


def _baseline(examples: list[dict]) -> dict[str, dict]:
    """The shipped models (qa/answerer_model.json) on the same examples: the best candidate
    by the score it had when collected, the shipped abstention model on it."""
    from qa.answerer_model import AnswererModel

    shipped = AnswererModel.load()
    predictions = []
    for e in examples:
        ranked = sorted(e["candidates"], key=lambda c: -c["features"]["score"])
        best = ranked[0]
        margin = (
            best["features"]["score"] - ranked[1]["features"]["score"] if len(ranked) > 1 else 5.0
        )
        features = best["features"] | {"logit": best["features"]["score"], "margin": margin}
        answers = shipped.answer_probability(features) >= shipped.threshold
        predictions.append((bool(best["holds"]), answers))
    return _report(examples, predictions)


def fit(args: argparse.Namespace) -> int:
    missing = _sklearn_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    sources = set(args.sources.split(","))
    loaded = [e for e in _load(args.examples) if e["candidates"]]
    examples = [e for e in loaded if e["source"] in sources]
    held_out = [e for e in loaded if e["source"] == HELD_OUT and HELD_OUT not in sources]
    print("shipped models (qa/answerer_model.json):")
    print(json.dumps(_baseline(examples), indent=1))
    cv = _cross_validate(examples)
    print(f"cross-validated ({FOLDS} folds by article):")
    print(json.dumps(cv, indent=1))
    w, b = _sentence_model(examples)
    xa, ya = _abstention_rows(examples, w, b)
    wa, ba = fit_logistic(xa, ya)
    threshold, accuracy = cheapest_threshold(1 / (1 + np.exp(-(xa @ wa + ba))), ya)
    if held_out:
        print(f"held out ({HELD_OUT}): shipped, then the new models")
        print(json.dumps(_baseline(held_out), indent=1))
        predictions = [_prediction(e, (w, b), (wa, ba, threshold)) for e in held_out]
        print(json.dumps(_report(held_out, predictions), indent=1))
    counts = defaultdict(int)
    for e in examples:
        counts[e["source"]] += 1
    model = {
        "sentence": {
            "coefficients": dict(zip(SENTENCE_FEATURES, map(float, w), strict=True)),
            "intercept": float(b),
        },
        "abstention": {
            "coefficients": dict(zip(ABSTENTION_FEATURES, map(float, wa), strict=True)),
            "intercept": float(ba),
            "threshold": round(threshold, 3),
            "answer_cost": ANSWER_COST,
            "training_accuracy": round(accuracy, 3),
        },
        "fitted_on": dict(counts),
        "cross_validated": cv,
    }
    args.out.write_text(json.dumps(model, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0
