"""Embedding throughput of each backend on real chunks of ../shared/bench/realtimeqa, in word
pieces per second. The backends take turns, several rounds, and each keeps its best round: on a
shared machine that is the figure least disturbed by other work. Also the cosine of each
backend's vectors to torch's.

    .venv/bin/python bench/embedding_speed.py                       # 200 chunks, 3 rounds
    .venv/bin/python bench/embedding_speed.py --chunks 400 --rounds 5 --backend onnx-int8
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "realtimeqa" / "articles.jsonl"


def chunk_texts(embedder, limit: int) -> list[str]:  # noqa: ANN001
    """The texts ingest embeds (title + passage) of the first articles, `limit` of them."""
    from ingest.chunking import Chunker, embedding_text
    from ingest.jsonformat import parse_jsonl
    from ingest.models import Article

    chunker = Chunker(embedder.count_tokens, 254, 48)
    texts: list[str] = []
    lines = DATA.read_text(encoding="utf-8").splitlines()[: limit // 2]
    for article in parse_jsonl("\n".join(lines), str(DATA)):
        if not isinstance(article, Article):
            continue
        texts += [embedding_text(article.title, c.text) for c in chunker.chunk(article)]
        if len(texts) >= limit:
            return texts[:limit]
    return texts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", action="append", help="default: torch, onnx, onnx-int8")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from ingest.embedder import Embedder

    names = args.backend or ["torch", "onnx", "onnx-int8"]
    model = "sentence-transformers/all-MiniLM-L6-v2"
    embedders = {name: Embedder(model, backend=name) for name in names}
    first = next(iter(embedders.values()))
    texts = chunk_texts(first, args.chunks)
    pieces = sum(first.count_tokens(texts))
    vectors = {name: e.encode(texts) for name, e in embedders.items()}  # loads; warms up
    best = dict.fromkeys(names, 0.0)
    for _ in range(args.rounds):
        for name, embedder in embedders.items():
            start = time.perf_counter()
            embedder.encode(texts)
            best[name] = max(best[name], pieces / (time.perf_counter() - start))
    reference = vectors.get("torch", Embedder(model).encode(texts))
    result = {
        "chunks": len(texts),
        "word_pieces": pieces,
        "load_average": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "backends": {
            name: {
                "word_pieces_per_s": round(best[name]),
                "cosine_to_torch_min": round(float((vectors[name] * reference).sum(1).min()), 5),
                "cosine_to_torch_mean": round(float((vectors[name] * reference).sum(1).mean()), 5),
            }
            for name in names
        },
    }
    print(json.dumps(result, indent=1))
    return 0 if np.isfinite(list(best.values())).all() else 1


if __name__ == "__main__":
    sys.exit(main())
