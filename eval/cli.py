"""`article-qa eval` / `python -m eval`: run a dataset, print the table, write JSON and HTML,
compare two runs, and check the regression floors."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ingest.errors import InvalidInputError

HERE = Path(__file__).resolve().parent
BUNDLED_DATASET = HERE / "data" / "bundled.jsonl"
FLOORS = {"bundled": HERE / "floors.json", "realtimeqa": HERE / "floors-realtimeqa.json"}


def add_arguments(parser: argparse.ArgumentParser, store_option: bool = True) -> None:
    parser.add_argument(
        "--dataset",
        type=Path,
        help=f"JSONL dataset (default: the curated set, {BUNDLED_DATASET.name})",
    )
    parser.add_argument(
        "--corpus",
        nargs="+",
        metavar="PATH",
        help="article files/folders to ingest first (default: the bundled corpus, unless --store)",
    )
    if store_option:
        parser.add_argument("--store", help="store folder to evaluate (default: a temporary one)")
    parser.add_argument(
        "--realtimeqa",
        nargs="?",
        const="",
        metavar="DIR",
        help="run the RealTimeQA dev set (default DIR: ../shared/bench/realtimeqa)",
    )
    parser.add_argument(
        "--news",
        choices=["tune", "test"],
        help="the blind news question set (eval/data/news-*.jsonl), half `tune` or `test`, "
        "asked against the RealTimeQA articles (give --store to reuse an ingested store)",
    )
    parser.add_argument("--limit", type=int, help="only the first N cases")
    parser.add_argument("--no-as-of", action="store_true", help="ignore the cases' as_of dates")
    parser.add_argument("-k", type=int, default=5, help="depth of retrieval hit@k (default 5)")
    parser.add_argument("--out", type=Path, default=Path("eval-results"), help="report folder")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a score is below its floor"
    )
    parser.add_argument("--floors", type=Path, help="floors file (default: eval/floors*.json)")
    parser.add_argument("--no-judge", action="store_true", help="skip the LLM judge even if set")
    parser.add_argument(
        "--llm",
        action="store_true",
        help="answer in the llm mode (the LLM of ARTICLE_QA_LLM_* or the --llm-* options)",
    )
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument(
        "--compare", nargs=2, type=Path, metavar=("A.json", "B.json"), help="compare two runs"
    )


def _compare(a: Path, b: Path) -> int:
    from eval.report import compare, compare_text, load_run

    result = compare(load_run(a), load_run(b))
    print(compare_text(result))
    return 0


def _engine(args: argparse.Namespace, workdir: Path):  # noqa: ANN202
    from qa.cli import llm_overrides
    from qa.engine import QAEngine
    from qa.settings import load_settings

    store = args.store or str(workdir / "store")
    overrides = llm_overrides(args) | ({"answer_mode": "llm"} if args.llm else {})
    engine = QAEngine.open(store=store, **overrides)
    corpus = args.corpus
    if corpus is None and not args.store:
        corpus = [str(load_settings().bundled_corpus)]
    if corpus:
        missing = [p for p in corpus if not Path(p).exists()]
        if missing:
            raise InvalidInputError(f"corpus path not found: {', '.join(missing)}")
        report = engine.ingest(corpus, progress=not args.no_progress and sys.stderr.isatty())
        print(report.summary().splitlines()[0], file=sys.stderr)
    return engine, corpus


def run(args: argparse.Namespace) -> int:
    if args.compare:
        return _compare(*args.compare)
    if args.limit is not None and args.limit <= 0:
        raise InvalidInputError(f"--limit must be > 0, got {args.limit}")
    if args.k <= 0:
        raise InvalidInputError(f"-k must be > 0, got {args.k}")

    from eval.dataset import load_dataset
    from eval.judge import LLMJudge
    from eval.realtimeqa import DEFAULT_DIR, corpus_file, load_realtimeqa
    from eval.report import check_floors, failure_lines, html_report, load_floors, table
    from eval.runner import Evaluator, run_meta
    from qa.llm import ChatClient
    from qa.support import SupportChecker

    if args.news and (args.realtimeqa is not None or args.dataset):
        raise InvalidInputError("--news takes neither --realtimeqa nor --dataset")
    if args.news:
        path = HERE / "data" / f"news-{args.news}.jsonl"
        cases = load_dataset(path)[: args.limit or None]
        name, dataset = f"news-{args.news}", str(path)
        if args.corpus is None:
            args.corpus = [str(corpus_file(DEFAULT_DIR))]
    elif args.realtimeqa is not None:
        folder = Path(args.realtimeqa) if args.realtimeqa else DEFAULT_DIR
        cases = load_realtimeqa(folder, args.limit)
        name = "realtimeqa"
        if args.corpus is None:
            args.corpus = [str(corpus_file(folder))]
        dataset = str(folder)
    else:
        path = args.dataset or BUNDLED_DATASET
        cases = load_dataset(path)[: args.limit or None]
        name = "bundled" if path == BUNDLED_DATASET else Path(path).stem
        dataset = str(path)
    floors = {}
    if args.check or args.floors:
        floors_path = args.floors or FLOORS.get(name)
        if floors_path is None:
            raise InvalidInputError("--check needs --floors FILE for this dataset")
        floors = load_floors(floors_path)

    with tempfile.TemporaryDirectory(prefix="article-qa-eval-") as workdir:
        engine, corpus = _engine(args, Path(workdir))
        client = None if args.no_judge else ChatClient.from_settings(engine.settings)
        evaluator = Evaluator(
            engine,
            SupportChecker(engine.embedder),
            judge=LLMJudge(client) if client else None,
            k=args.k,
        )
        result = evaluator.run(cases, strict=name != "realtimeqa", progress=not args.no_progress,
                               as_of=not args.no_as_of)  # fmt: skip
        result.meta = run_meta(engine, dataset, corpus) | {"as_of": not args.no_as_of}

    print(table(result.summary, floors))
    print()
    print(failure_lines(result.turns))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    json_path = args.out / f"{name}-{stamp}.json"
    html_path = json_path.with_suffix(".html")
    data = result.to_dict()
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    html_path.write_text(html_report(data, floors), encoding="utf-8")
    print(f"\nwrote {json_path} and {html_path}")
    if args.check:
        missed = check_floors(result.summary, floors)
        if missed:
            print("FLOORS MISSED:\n  " + "\n  ".join(missed), file=sys.stderr)
            return 1
        print("all floors met")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval",
        description="Grounding eval: are answers right and inside the sources?",
    )
    add_arguments(parser)
    from qa.cli import add_llm_options, guarded

    add_llm_options(parser)
    args = parser.parse_args(argv)

    return guarded("article-qa eval", lambda: run(args))
