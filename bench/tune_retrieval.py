"""Choose the reranking weights (qa/rerank.py RerankWeights) for questions asked without a date:
gold-article recall@1/@5 over a grid, on the RealTimeQA training questions against a store holding
their gold articles and on the dev questions against the 2,000 articles, both counted alike (the
two stores differ: a training question's gold article was added to a corpus collected for other
questions, so the training set alone under-rates recency). The blind news test set, never tuned
on, reports retrieval too (`article-qa eval --news test`).

    .venv/bin/python bench/tune_retrieval.py --train-store STORE --store STORE

--train-store: the 2,000 articles plus the training questions' gold articles
(bench/train_answerer.py's docstring says how it is made); --store: the 2,000 articles.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "realtimeqa"
GRID = {
    "sentence": (0.0, 0.1, 0.2, 0.3, 0.5, 0.8),
    "title": (0.0, 0.1, 0.2, 0.3),
    "recency": (0.0, 0.05, 0.1, 0.15, 0.2, 0.3),
    "half_life": (30.0, 60.0, 180.0, 365.0),
}


def _questions(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).open()]


def _urls(engine) -> dict[str, set[str]]:  # noqa: ANN001
    return {
        r.id: ({r.url} if r.url else set()) | {d.get("url") for d in r.duplicates if d.get("url")}
        for r in engine.articles()
    }


def _pools(engine, questions: list[dict]) -> list[tuple[str, list, set[str]]]:  # noqa: ANN001
    """Each question's candidate pool (before reranking), with its gold urls."""
    retriever = engine.retriever
    urls = _urls(engine)
    weights = retriever.rerank_weights
    retriever.rerank_weights = replace(weights, sentence=0.0, title=0.0, recency=0.0)
    snapshot = engine.store.snapshot()
    pools = []
    for q in questions:
        gold = set(q.get("answer_urls") or [a["url"] for a in q.get("answer_articles", [])])
        pool = retriever.retrieve(q["question"], retriever.pool, per_article=1, snapshot=snapshot)
        pools.append((q["question"], pool, gold, urls))
    retriever.rerank_weights = weights
    return pools


def _features(pools, idf) -> list[tuple[list, list[bool]]]:  # noqa: ANN001
    """Per question: the rerank's evidence of each passage of its pool, and which are gold."""
    from qa.rerank import evidence

    return [
        (
            evidence(question, pool, idf),
            [bool(urls.get(p.article_id, set()) & gold) for p in pool],
        )
        for question, pool, gold, urls in pools
    ]


def _recall(features, weights) -> tuple[float, float]:  # noqa: ANN001
    """Recall@1/@5 of the rerank with `weights` (qa.rerank.values over the saved evidence)."""
    from qa.rerank import values

    hit1 = hit5 = 0
    for found, gold in features:
        scores = values(found, weights)
        order = sorted(range(len(found)), key=lambda i: -scores[i])[:5]
        hit1 += bool(order and gold[order[0]])
        hit5 += any(gold[i] for i in order)
    return round(hit1 / len(features), 3), round(hit5 / len(features), 3)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-store", type=Path, required=True)
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from qa.engine import QAEngine
    from qa.rerank import RerankWeights

    train = QAEngine.open(store=args.train_store)
    train_features = _features(
        _pools(train, _questions("questions_train.jsonl")), train.store.snapshot().lexical.idf
    )
    dev = QAEngine.open(store=args.store)
    dev_features = _features(
        _pools(dev, _questions("questions_dev.jsonl")), dev.store.snapshot().lexical.idf
    )
    results = []
    for values in itertools.product(*GRID.values()):
        weights = RerankWeights(**dict(zip(GRID, values, strict=True)))
        on_train, on_dev = _recall(train_features, weights), _recall(dev_features, weights)
        # both sets count alike: recall@1, then recall@5, averaged over the two
        key = (on_train[0] + on_dev[0], on_train[1] + on_dev[1])
        results.append((key, on_train, on_dev, weights))
    results.sort(key=lambda r: r[0], reverse=True)
    print("no date; recall@1, @5 on the training questions | on the dev questions")
    for _, on_train, on_dev, weights in results[:8]:
        print(f"  {on_train} | {on_dev}  {weights}")
    for name, weights in (("default", RerankWeights()), ("no rerank", RerankWeights(0, 0, 0))):
        print(f"  {_recall(train_features, weights)} | {_recall(dev_features, weights)}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
