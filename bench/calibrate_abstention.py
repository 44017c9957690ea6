"""Fit the abstention model: logistic regression over the best sentence's features, on labelled
questions (answerable by the corpus, or near misses it does not answer). Writes qa/abstention.json.

    .venv/bin/python bench/calibrate_abstention.py [--data bench/calibration_bundled.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ["dense", "support", "coverage", "kind"]


def fit(
    x: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 5000
) -> tuple[np.ndarray, float]:
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / std
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= 0.1 * (z.T @ (p - y) / len(y) + l2 * w)
        b -= 0.1 * float(np.mean(p - y))
    return w / std, b - float((w / std) @ mean)  # back to raw feature units


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "calibration_bundled.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "qa" / "abstention.json")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from qa.conversation import contextualize
    from qa.engine import QAEngine

    engine = QAEngine.open(store=tempfile.mkdtemp())
    engine.ensure_corpus()
    rows = [json.loads(line) for line in args.data.open() if line.strip()]
    x, y = [], []
    for row in rows:
        query = contextualize(row["question"], [("user", h) for h in row.get("history", [])])
        query_vector = engine.embedder.encode([query])[0]
        passages = engine.retriever.retrieve(query, 8, query_vector=query_vector)
        scored = engine.answerer.score(row["question"], query, query_vector, passages)
        x.append([scored[0].features[f] if scored else 0.0 for f in FEATURES])
        y.append(1.0 if row["answerable"] else 0.0)
    xa, ya = np.array(x), np.array(y)
    w, b = fit(xa, ya)
    p = 1 / (1 + np.exp(-(xa @ w + b)))
    # the threshold that best separates the labelled questions, leaning toward answering
    thresholds = np.linspace(0.2, 0.8, 61)
    accuracy = [float(np.mean((p >= t) == (ya == 1))) for t in thresholds]
    best = float(thresholds[int(np.argmax(accuracy))])
    result = {
        "coefficients": dict(zip(FEATURES, map(float, w), strict=True)),
        "intercept": float(b),
        "threshold": round(best, 3),
        "fitted_on": f"{args.data.name}: {int(ya.sum())} answerable, {int(len(ya) - ya.sum())} not",
        "training_accuracy": round(max(accuracy), 3),
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    for row, prob in zip(rows, p, strict=True):
        wrong = (prob >= best) != row["answerable"]
        if wrong:
            print(f"  misjudged ({prob:.2f}): {row['question']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
