"""Benchmark on ../shared/bench/realtimeqa: ingest speed and memory, ask latency, gold-article
recall@1/@5 of `retrieve`, and answer containment of `ask`. Prints figures; writes JSON.

    .venv/bin/python bench/realtimeqa.py                 # ingest (if needed) + questions
    .venv/bin/python bench/realtimeqa.py --no-as-of      # questions without the quiz date
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "realtimeqa"


def contains(answer: str, gold: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(gold.lower())}(?!\w)", answer.lower()) is not None


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--store", type=Path, default=ROOT / "bench" / "work" / "realtimeqa-store")
    parser.add_argument("--questions", type=int, default=0, help="only the first N questions")
    parser.add_argument("--no-as-of", action="store_true", help="do not pass the quiz date")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--ingest-only",
        type=int,
        default=0,
        metavar="N",
        help="measure ingest of the first N articles into a fresh store, then stop",
    )
    parser.add_argument(
        "--recall-only",
        action="store_true",
        help="an existing store as it is (no ingest): recall@1/@5 of retrieve, no ask",
    )
    return parser.parse_args()


def _ingest(engine, source: Path) -> dict[str, object]:  # noqa: ANN001
    """Ingest `source` and measure it (the model is loaded first: start-up is not ingest)."""
    engine.embedder.encode(["warm up"])
    t0 = time.perf_counter()
    report = engine.ingest([source], progress=True)
    ingest_s = time.perf_counter() - t0
    figures: dict[str, object] = {
        "embedding_backend": engine.embedder.backend,
        "ingest_summary": report.summary().splitlines()[0],
    }
    if report.added:
        texts = [a.text for a in (engine.article(i) for i in report.added)]
        article_pieces = sum(engine.embedder.count_tokens(texts))
        figures.update(
            ingest_seconds=round(ingest_s, 1),
            articles_per_s=round(len(report.added) / ingest_s, 2),
            article_word_pieces_per_s=round(article_pieces / ingest_s),
            embedded_word_pieces_per_s=round(report.tokens / ingest_s),
            chunks=report.chunks,
            peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        )
    return figures


def _ask_all(  # noqa: ANN001
    engine, questions: list[dict], no_as_of: bool, recall_only: bool = False
) -> tuple[dict, list[dict]]:
    """Recall@1/@5 of `retrieve`, containment and latency of `ask`, over the questions."""
    urls_of: dict[str, set[str]] = {}
    for record in engine.articles():
        urls = {record.url} if record.url else set()
        urls |= {d.get("url") for d in record.duplicates if d.get("url")}
        urls_of[record.id] = urls
    engine.ask("warm up")  # model load and index cache are not part of the latency
    hits1 = hits5 = contained = abstained = 0
    latencies, cases = [], []
    for q in questions:
        as_of = None if no_as_of else q["asked_on"]
        passages = engine.retrieve(q["question"], top_k=5, as_of=as_of)
        ranked = [bool(urls_of.get(p.article_id, set()) & set(q["answer_urls"])) for p in passages]
        hits1 += bool(ranked[:1] and ranked[0])
        hits5 += any(ranked)
        if recall_only:
            cases.append(
                {"id": q["id"], "hit1": bool(ranked[:1] and ranked[0]), "hit5": any(ranked)}
            )
            continue
        t = time.perf_counter()
        answer = engine.ask(q["question"], as_of=as_of)
        latencies.append((time.perf_counter() - t) * 1000)
        ok = not answer.abstained and contains(answer.text, q["answer"])
        contained += ok
        abstained += answer.abstained
        cases.append(
            {
                "id": q["id"],
                "question": q["question"],
                "gold": q["answer"],
                "answer": answer.text,
                "abstained": answer.abstained,
                "contained": ok,
                "hit5": any(ranked),
            }
        )
    n = len(questions)
    if recall_only:
        figures = {"questions": n, "as_of": not no_as_of}
        return {
            **figures,
            "recall_at_1": round(hits1 / n, 3),
            "recall_at_5": round(hits5 / n, 3),
        }, cases
    latencies.sort()
    figures = {
        "questions": n,
        "as_of": not no_as_of,
        "recall_at_1": round(hits1 / n, 3),
        "recall_at_5": round(hits5 / n, 3),
        "answer_containment": round(contained / n, 3),
        "abstentions": abstained,
        "ask_p50_ms": round(statistics.median(latencies), 1),
        "ask_p95_ms": round(latencies[int(0.95 * (n - 1))], 1),
    }
    return figures, cases


def main() -> int:
    args = _arguments()
    if not (args.data / "articles.jsonl").exists():
        print(f"no benchmark data at {args.data}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from qa.engine import QAEngine

    source = args.data / "articles.jsonl"
    if args.ingest_only:
        work = Path(tempfile.mkdtemp(prefix="aqa-bench-"))
        args.store = work / "store"
        lines = source.read_text().splitlines()[: args.ingest_only]
        source = work / "articles.jsonl"
        source.write_text("\n".join(lines) + "\n")
    engine = QAEngine.open(store=args.store)
    figures = (
        {"embedding_backend": engine.embedder.backend}
        if args.recall_only
        else _ingest(engine, source)
    )
    if not args.ingest_only:
        questions = [json.loads(line) for line in (args.data / "questions_dev.jsonl").open()]
        asked, cases = _ask_all(
            engine, questions[: args.questions or None], args.no_as_of, args.recall_only
        )
        figures.update(asked)
        args.out.mkdir(parents=True, exist_ok=True)
        name = "realtimeqa" + ("-no-as-of" if args.no_as_of else "")
        (args.out / f"{name}.json").write_text(
            json.dumps({"figures": figures, "cases": cases}, indent=1)
        )
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
