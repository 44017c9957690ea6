"""Fit the abstention model: logistic regression over the best sentence's features, on labelled
questions (answerable by the corpus, or near misses it does not answer), with scikit-learn (the
`bench` extra). Writes qa/abstention.json.

    .venv/bin/python bench/calibrate_abstention.py [--data bench/calibration_bundled.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]
ANSWER_COST = 1.5  # answering an unanswerable question, relative to a false abstention
FEATURES = [
    "dense",
    "support",
    "coverage",
    "kind",
    "missing_names",
    "kind_missing",
    "question_terms",
]


L2 = 0.1  # ridge strength per example, on standardised features; the intercept is not penalised


def _sklearn_missing() -> str | None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return "calibrate_abstention.py needs scikit-learn: pip install 'article-qa[bench]'"
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


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """Coefficients and intercept in raw feature units (what qa/abstention.json holds)."""
    pipeline = model(len(y), l2).fit(x, y)
    scaler, regression = pipeline[0], pipeline[-1]
    w = regression.coef_[0] / scaler.scale_
    return w, float(regression.intercept_[0] - w @ scaler.mean_)


def features_of(engine, question: str, query: str, as_of: str | None = None):  # noqa: ANN001, ANN201
    _, scored = engine.answerer.rank(question, query, as_of=as_of)
    return scored[0] if scored else None


def realtimeqa_examples(store: Path, n: int) -> tuple[list[list[float]], list[float]]:
    """Real questions over 2,000 real articles. Asked on their quiz date, the best sentence is
    an answer when it holds the gold answer (else it is not). Asked 90 days earlier, before
    the event was reported, the corpus has only near misses: the same topics, not the answer."""
    import datetime as dt
    import re

    from qa.engine import QAEngine

    engine = QAEngine.open(store=store)
    data = ROOT.parent / "shared" / "bench" / "realtimeqa" / "questions_dev.jsonl"
    rows = [json.loads(line) for line in data.open()][:n]
    x, y = [], []
    for row in rows:
        gold = re.compile(rf"(?<!\w){re.escape(row['answer'].lower())}(?!\w)")
        early = (dt.date.fromisoformat(row["asked_on"]) - dt.timedelta(days=90)).isoformat()
        for as_of, when_asked in ((row["asked_on"], True), (early, False)):
            best = features_of(engine, row["question"], row["question"], as_of)
            if best is None:
                continue
            holds = gold.search(best.candidate.text.lower()) is not None
            if not when_asked and holds:
                continue  # the answer was already reported: not a near miss
            x.append([best.features[f] for f in FEATURES])
            y.append(1.0 if holds else 0.0)
    return x, y


def leave_one_out(x: np.ndarray, y: np.ndarray) -> float:
    """Accuracy on each example of a model fitted without it (threshold 0.5): an honest figure."""
    from sklearn.model_selection import LeaveOneOut, cross_val_score

    return float(cross_val_score(model(len(y) - 1), x, y, cv=LeaveOneOut()).mean())


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "calibration_bundled.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "qa" / "abstention.json")
    parser.add_argument(
        "--realtimeqa-store",
        type=Path,
        default=ROOT / "bench" / "work" / "realtimeqa-store",
        help="a store with ../shared/bench/realtimeqa ingested (bench/realtimeqa.py makes it); "
        "its questions add examples when it exists",
    )
    parser.add_argument(
        "--realtimeqa-questions",
        type=int,
        default=0,
        help="add examples from this many RealTimeQA questions (default none)",
    )
    args = parser.parse_args()
    missing = _sklearn_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from qa.conversation import contextualize
    from qa.engine import QAEngine

    engine = QAEngine.open(store=tempfile.mkdtemp())
    engine.ensure_corpus()
    rows = [json.loads(line) for line in args.data.open() if line.strip()]
    x, y = [], []
    rows = [r for r in rows if not engine.answerer.unknown_names(r["question"])]  # rule-decided
    for row in rows:
        query = contextualize(row["question"], [("user", h) for h in row.get("history", [])])
        best = features_of(engine, row["question"], query)
        x.append([best.features[f] if best else 0.0 for f in FEATURES])
        y.append(1.0 if row["answerable"] else 0.0)
    if args.realtimeqa_questions and (args.realtimeqa_store / "chroma.sqlite3").exists():
        rx, ry = realtimeqa_examples(args.realtimeqa_store, args.realtimeqa_questions)
        x += rx
        y += ry
        print(f"RealTimeQA: {int(sum(ry))} answered, {int(len(ry) - sum(ry))} not")
    xa, ya = np.array(x), np.array(y)
    w, b = fit(xa, ya)
    p = 1 / (1 + np.exp(-(xa @ w + b)))
    best, accuracy = cheapest_threshold(p, ya)
    result = {
        "coefficients": dict(zip(FEATURES, map(float, w), strict=True)),
        "intercept": float(b),
        "threshold": round(best, 3),
        "fitted_on": f"{args.data.name}: {int(ya.sum())} answerable, {int(len(ya) - ya.sum())} not",
        "answer_cost": ANSWER_COST,
        "training_accuracy": round(accuracy, 3),
        "leave_one_out_accuracy": round(leave_one_out(xa, ya), 3),
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    n_bundled = len(rows)
    bundled_acc = float(np.mean((p[:n_bundled] >= best) == (ya[:n_bundled] == 1)))
    print(f"accuracy on the bundled questions: {bundled_acc:.3f}")
    for row, prob in zip(rows, p, strict=False):
        wrong = (prob >= best) != row["answerable"]
        if wrong:
            print(f"  misjudged ({prob:.2f}): {row['question']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
