"""Does an answer depend on anything but its question, its conversation and the store? Prints:

- order: the dataset's first --questions questions asked in file order and in a shuffled order,
  each by a fresh engine (own process state, nothing cached), and how many answers (text,
  abstention) and confidences differ;
- search: Chroma's dense search against exact search over the store's own chunk vectors, for
  RealTimeQA's dev questions and the first training ones: how often the nearest chunk is found
  first, and recall@40. Run it in several processes: Chroma re-inserts the chunks written since
  its graph was last persisted each time a process opens the store.

    .venv/bin/python bench/determinism.py order --store STORE --dataset bench/data/news-train2.jsonl
    .venv/bin/python bench/determinism.py search --store STORE
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "realtimeqa"


def _reading(answer) -> tuple:  # noqa: ANN001
    return answer.abstained, answer.text, answer.confidence


def order(store: Path, dataset: Path, n: int, seed: int) -> dict:
    from qa.engine import QAEngine

    rows = [json.loads(line) for line in dataset.open() if line.strip()]
    questions = [r["question"] for r in rows if isinstance(r.get("question"), str)][:n]

    def ask_all(sequence: list[int]) -> dict[int, tuple]:
        engine = QAEngine.open(store=store)
        return {i: _reading(engine.ask(questions[i])) for i in sequence}

    indices = list(range(len(questions)))
    shuffled = indices[:]
    random.Random(seed).shuffle(shuffled)
    first, second = ask_all(indices), ask_all(shuffled)
    gaps = [abs(first[i][2] - second[i][2]) for i in indices]
    return {
        "questions": len(questions),
        "answers_differing": sum(first[i][:2] != second[i][:2] for i in indices),
        "confidences_differing_by_over_0.001": sum(g > 0.001 for g in gaps),
        "largest_confidence_gap": round(max(gaps, default=0.0), 4),
    }


def search(store: Path, n_train: int, k: int) -> dict:
    from qa.engine import QAEngine

    questions = [json.loads(line)["question"] for line in (DATA / "questions_dev.jsonl").open()]
    train = [json.loads(line)["question"] for line in (DATA / "questions_train.jsonl").open()]
    questions += train[:n_train]
    engine = QAEngine.open(store=store)
    chunk_ids, vectors = engine.store.chunk_vectors()
    ids = np.array(chunk_ids)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first = found = 0.0
    spent = 0.0
    for query in engine.embedder.encode(questions):
        exact = ids[np.argsort(-(vectors @ query))[:k]]
        start = time.perf_counter()
        hits = [chunk_id for chunk_id, _ in engine.store.dense_search(query, k)]
        spent += time.perf_counter() - start
        first += hits[:1] == list(exact[:1])
        found += len(set(hits) & set(exact)) / k
    n = len(questions)
    return {
        "questions": n,
        "nearest_chunk_first": f"{int(first)} of {n}",
        f"recall_at_{k}": round(found / n, 4),
        "search_ms": round(1000 * spent / n, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("order", "search"))
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument(
        "--dataset", type=Path, default=ROOT / "bench" / "data" / "news-train2.jsonl"
    )
    parser.add_argument("--questions", type=int, default=200, help="order: how many questions")
    parser.add_argument("--seed", type=int, default=7, help="order: the shuffle's seed")
    parser.add_argument("--train", type=int, default=250, help="search: training questions added")
    parser.add_argument("-k", type=int, default=40, help="search: depth compared")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.what == "order":
        figures = order(args.store, args.dataset, args.questions, args.seed)
    else:
        if not (DATA / "questions_dev.jsonl").exists():
            print(f"no benchmark data at {DATA}", file=sys.stderr)
            return 2
        figures = search(args.store, args.train, args.k)
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
