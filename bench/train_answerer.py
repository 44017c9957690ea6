"""Train the extractive answerer's sentence scorer and abstention model on far more than the
bundled questions, with scikit-learn (the `bench` extra). Writes qa/answerer_model.json.

    .venv/bin/python bench/train_answerer.py collect   # ask the questions, keep every candidate
    .venv/bin/python bench/train_answerer.py fit       # fit, cross-validate, write the model

Examples (every candidate sentence the answerer considered, with its features; a sentence that
holds the gold answer is a positive, the question's other candidates negatives):
- the tuning half of the blind news set (eval/data/news-tune.jsonl), the blind training sets
  (bench/data/news-train.jsonl and news-train2.jsonl: 50 and 120 other articles, written the
  same way) and the blind held-out set
  (bench/data/news-holdout.jsonl: 60 more articles, only reported on) against --store, each
  follow-up read within the articles the conversation is about, as the engine reads it; `fit`
  uses these by default (--sources);
- with --realtimeqa, the RealTimeQA training questions (questions_train.jsonl, 681) asked on
  their quiz date against a store holding the 2,000 articles plus their gold articles
  (--train-store), and the same questions against the 2,000 articles alone (--store), which
  hold none of their gold articles: the same stories, not the answer — near misses;
- the bundled calibration questions (bench/calibration_bundled.jsonl) against the bundled corpus.
The RealTimeQA dev questions and the news test half are never trained on: they are reported.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "bench" / "realtimeqa"
WORK = ROOT / "bench" / "work"


def _gold(aliases: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(a.lower()) for a in aliases if a.strip())
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _candidates(  # noqa: PLR0913
    engine,  # noqa: ANN001
    question: str,
    query: str,
    as_of,  # noqa: ANN001
    said: str,
    gold,  # noqa: ANN001
    history: Sequence[tuple[str, str]] = (),
) -> list[dict]:
    """Every candidate sentence the answerer weighs, read as the engine reads it: a follow-up
    within the articles the conversation is about (QAEngine.follow_up_articles)."""
    snapshot = engine.store.snapshot()
    focus = engine.follow_up_articles(question, query, history, as_of, snapshot)
    _, scored = engine.answerer.rank(
        question, query, as_of=as_of, said=said, snapshot=snapshot,
        articles=focus or None,
    )  # fmt: skip
    return [
        {
            "features": s.features,
            "holds": bool(gold and gold.search(s.candidate.text.lower())),
            "text": s.candidate.text,
        }
        for s in scored
    ]


def _realtimeqa(engine, source: str, limit: int) -> Iterator[dict]:  # noqa: ANN001
    rows = [json.loads(line) for line in (DATA / "questions_train.jsonl").open()][: limit or None]
    for row in rows:
        gold = _gold([row["answer"]])
        found = _candidates(engine, row["question"], row["question"], row["asked_on"], "", gold)
        answerable = source == "train-gold" or any(c["holds"] for c in found)
        yield {"source": source, "id": row["id"], "question": row["question"],
               "answerable": answerable, "candidates": found}  # fmt: skip


def _dataset(engine, path: Path, source: str) -> Iterator[dict]:  # noqa: ANN001
    from eval.dataset import load_dataset
    from qa.conversation import contextualize

    for case in load_dataset(path):
        history: list[tuple[str, str]] = []
        for i, turn in enumerate(case.turns):
            aliases = [a for part in turn.answers for a in part]
            query = contextualize(turn.question, history)
            said = next((t for r, t in reversed(history) if r == "assistant"), "")
            gold = _gold(aliases) if aliases else None
            found = _candidates(engine, turn.question, query, turn.as_of, said, gold, history)
            yield {
                "source": source,
                "id": f"{case.id}/{i}",
                "question": turn.question,
                "query": query,
                "answerable": turn.answerable,
                "candidates": found,
            }
            reply = " ".join(e.quote for e in turn.evidence) or "The articles do not answer this."
            history += [("user", turn.question), ("assistant", reply)]


def _calibration(engine) -> Iterator[dict]:  # noqa: ANN001
    from qa.conversation import contextualize

    path = ROOT / "bench" / "calibration_bundled.jsonl"
    for n, row in enumerate(json.loads(line) for line in path.open() if line.strip()):
        history = [("user", h) for h in row.get("history", [])]
        query = contextualize(row["question"], history)
        found = _candidates(engine, row["question"], query, None, "", None)
        yield {"source": "bundled", "id": str(n), "question": row["question"], "query": query,
               "answerable": row["answerable"],
               "gold": False, "candidates": found}  # fmt: skip


def collect(args: argparse.Namespace) -> int:
    from qa.engine import QAEngine

    out = args.examples.open("w")
    jobs = [
        (lambda: QAEngine.open(store=args.store),
         lambda e: _dataset(e, ROOT / "eval" / "data" / "news-tune.jsonl", "news-tune")),
        (lambda: QAEngine.open(store=args.store),
         lambda e: _dataset(e, ROOT / "bench" / "data" / "news-train.jsonl", "news-train")),
        (lambda: QAEngine.open(store=args.store),
         lambda e: _dataset(e, ROOT / "bench" / "data" / "news-train2.jsonl", "news-train2")),
        (lambda: QAEngine.open(store=args.store),
         lambda e: _dataset(e, ROOT / "bench" / "data" / "news-holdout.jsonl", "news-holdout")),
    ]  # fmt: skip
    if args.realtimeqa:
        jobs += [
            (lambda: QAEngine.open(store=args.train_store),
             lambda e: _realtimeqa(e, "train-gold", args.limit)),
            (lambda: QAEngine.open(store=args.store),
             lambda e: _realtimeqa(e, "train-absent", args.limit)),
        ]  # fmt: skip
    for open_engine, examples in jobs:
        engine = open_engine()
        for n, example in enumerate(examples(engine), start=1):
            out.write(json.dumps(example) + "\n")
            if n % 50 == 0:
                print(f"{example['source']}: {n}", file=sys.stderr, flush=True)
    bundled = QAEngine.open(store=tempfile.mkdtemp(prefix="aqa-train-"))
    bundled.ensure_corpus()
    for example in _calibration(bundled):
        out.write(json.dumps(example) + "\n")
    out.close()
    print(f"wrote {args.examples}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("stage", choices=["collect", "fit"])
    parser.add_argument("--store", type=Path, default=WORK / "realtimeqa-store")
    parser.add_argument("--train-store", type=Path, default=WORK / "realtimeqa-train-store")
    parser.add_argument("--examples", type=Path, default=WORK / "answerer-examples.jsonl")
    parser.add_argument("--out", type=Path, default=WORK / "answerer_model.json")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    parser.add_argument(
        "--realtimeqa", action="store_true",
        help="collect: also the RealTimeQA training questions (needs --train-store)",
    )  # fmt: skip
    parser.add_argument(
        "--sources", default="news-tune,news-train,news-train2",
        help="fit: the example sources to fit on (news-tune, news-train, news-train2, "
        "news-holdout, train-gold, train-absent, bundled)",
    )  # fmt: skip
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.stage == "collect":
        return collect(args)
    from bench.answerer_fit import fit

    return fit(args)


if __name__ == "__main__":
    sys.exit(main())
