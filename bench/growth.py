"""How cost grows with the corpus: ask latency, memory, index load times, near-duplicate lookup
and ingest rate on stores of growing size (README "Benchmarks", "How cost grows").

The smallest store holds the real articles of --data (ingested for real); each larger one is a
copy of the one below plus synthetic articles recombined from the real articles' sentences, whose
chunk vectors are looked up (the mean of their sentences' real vectors) instead of computed (see
bench/growthkit/synthetic.py and lookup.py). Stores, synthetic files and the sentence vectors are
kept under --work and reused; a size's figures replace its entry in --out/growth.json, so one
size can be measured again alone:

    .venv/bin/python bench/growth.py                                  # build, measure, plot
    .venv/bin/python bench/growth.py --sizes 2000,20000,100000 --steps build
    .venv/bin/python bench/growth.py --sizes 20000 --steps measure    # re-measure one size
    .venv/bin/python bench/growth.py --steps plot,table               # PNG, README table
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's packages come from the checkout
    sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "bench" / "realtimeqa"
WORK = ROOT.parent / "growth-data"
STEPS = ("build", "measure", "plot", "table")


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be whole numbers, got {text!r}") from None
    if not sizes or sizes[0] <= 0:
        raise argparse.ArgumentTypeError(f"give positive sizes, got {text!r}")
    return sizes


def _steps(text: str) -> list[str]:
    steps = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in steps if s not in STEPS]
    if unknown or not steps:
        raise argparse.ArgumentTypeError(f"steps are some of {','.join(STEPS)}, got {text!r}")
    return steps


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=DATA, help="articles.jsonl, questions_dev.jsonl"
    )
    parser.add_argument("--work", type=Path, default=WORK, help="stores, synthetic files, vectors")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[2000, 20000, 100000],
        help="store sizes in articles, comma-separated; the smallest is the number of real ones",
    )
    parser.add_argument(
        "--steps", type=_steps, default=list(STEPS), help="some of build,measure,plot,table"
    )
    parser.add_argument("--questions", type=int, default=40, help="dev questions asked warm")
    parser.add_argument("--cold", type=int, default=3, help="cold `article-qa ask` runs")
    parser.add_argument("--probe", type=int, default=100, help="articles per ingest probe")
    parser.add_argument("--seed", type=int, default=0, help="of the synthetic articles")
    parser.add_argument(
        "--before", type=Path, help="plot: a growth.json of earlier code, drawn dashed beside"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # a measuring subprocess
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("payload", nargs="?", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _questions(data: Path, n: int) -> list[dict]:
    path = data / "questions_dev.jsonl"
    questions = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not questions:
        raise SystemExit(f"no questions in {path}")
    return questions[:n] if n > 0 else questions


def save(results: Path, figures: dict) -> None:
    """Put one size's figures into the results file (other sizes' entries are kept)."""
    saved = json.loads(results.read_text()) if results.exists() else {}
    saved.setdefault("sizes", {})[str(figures["size"])] = figures
    saved["sizes"] = dict(sorted(saved["sizes"].items(), key=lambda item: int(item[0])))
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(saved, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.worker:
        from bench.growthkit.measure import run_worker

        return run_worker(args.worker, args.store, Path(args.payload))
    from bench.growthkit.build import Builder, Workspace
    from bench.growthkit.measure import measure

    space = Workspace(args.work, args.data / "articles.jsonl")
    builder = Builder(space, args.seed)
    results = args.out / "growth.json"
    if "build" in args.steps:
        builder.build(args.sizes)
    if "measure" in args.steps:
        questions = _questions(args.data, args.questions)
        for size in args.sizes:
            print(f"measuring n{size}", flush=True)
            figures = measure(builder, size, questions, args.cold, args.probe)
            save(results, figures)
            print(json.dumps(figures), flush=True)
    if "plot" in args.steps:
        from bench.growthkit.plot import plot

        print(plot(results, args.out / "growth.png", args.before))
    if "table" in args.steps:
        from bench.growthkit.table import table

        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
