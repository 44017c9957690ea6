"""Choose the reranking weights (qa/rerank.py RerankWeights) for questions asked without a date:
gold-article recall@1/@5 over a grid, on the RealTimeQA training questions against a store holding
their gold articles, with the dev questions against the 2,000 articles reported beside them. The
sentence, title and recency weights were first chosen on both sets counted alike (the training
set alone under-rates recency: a training question's gold article was added to a corpus
collected for other questions). The later features (the period a question names, the article's
chunk count among the candidates, 2026-12-03) are swept with those four at their defaults and
ranked on the training questions alone. The blind news test set, never tuned on, reports
retrieval too (`article-qa eval --news test`).

    .venv/bin/python bench/tune_retrieval.py --train-store STORE --store STORE

--train-store: the 2,000 articles plus the training questions' gold articles
(bench/train_answerer.py's docstring says how it is made); --store: the 2,000 articles.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter
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
# the later features, swept with the four above at their defaults, on the training questions
LATER = {
    "period": (0.0, 0.1, 0.2, 0.3, 0.5),
    "chunks": (0.0, 0.01, 0.015, 0.02, 0.025, 0.03, 0.05),
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
    retriever.rerank_weights = replace(
        weights, sentence=0.0, title=0.0, recency=0.0, period=0.0, current=0.0, chunks=0.0
    )
    snapshot = engine.store.snapshot()
    pools = []
    for q in questions:
        gold = set(q.get("answer_urls") or [a["url"] for a in q.get("answer_articles", [])])
        pool = retriever.retrieve(q["question"], retriever.pool, per_article=1, snapshot=snapshot)
        # the fused candidates, every chunk of them: how many of each article they hold
        fused = retriever.retrieve(
            q["question"], retriever.candidates, per_article=retriever.candidates, snapshot=snapshot
        )
        pools.append((q["question"], pool, gold, urls, Counter(p.article_id for p in fused)))
    retriever.rerank_weights = weights
    return pools


def _features(pools, idf) -> list[tuple[list, list[bool]]]:  # noqa: ANN001
    """Per question: the rerank's evidence of each passage of its pool, and which are gold."""
    from qa.rerank import evidence

    return [
        (
            evidence(question, pool, idf, found),
            [bool(urls.get(p.article_id, set()) & gold) for p in pool],
        )
        for question, pool, gold, urls, found in pools
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
    for grid, both in ((GRID, True), (LATER, False)):
        results = []
        for values in itertools.product(*grid.values()):
            weights = replace(RerankWeights(), **dict(zip(grid, values, strict=True)))
            on_train, on_dev = _recall(train_features, weights), _recall(dev_features, weights)
            # both sets alike (recall@1, then @5, summed), or the training questions alone
            key = (on_train[0] + on_dev[0], on_train[1] + on_dev[1]) if both else on_train
            results.append((key, on_train, on_dev, weights))
        results.sort(key=lambda r: r[0], reverse=True)
        ranked_on = "both" if both else "the training questions"
        print(f"no date, {list(grid)} ranked on {ranked_on}; recall@1, @5 on training | dev")
        for _, on_train, on_dev, weights in results[:8]:
            print(f"  {on_train} | {on_dev}  {weights}")
    no_rerank = RerankWeights(0, 0, 0, period=0, current=0, chunks=0)
    for name, weights in (("default", RerankWeights()), ("no rerank", no_rerank)):
        print(f"  {_recall(train_features, weights)} | {_recall(dev_features, weights)}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
