"""Fault injection: the reliability cases of article-qa, run against real stores, real
processes and a real Chroma server. One line per case (PASS/FAIL and what was checked); the
last line counts them; exit code 1 when a case failed.

    .venv/bin/python bench/faults.py                       # every case (6.5 min on 2 cores)
    .venv/bin/python bench/faults.py --quick               # fewer repetitions
    .venv/bin/python bench/faults.py --only kill-ingest --only full-disk
    .venv/bin/python bench/faults.py --keep                # keep the work folder (printed)

Everything happens in a temporary work folder (removed at the end unless --keep); every
subprocess and server is bounded in time and killed in `finally`; servers listen on 127.0.0.1.
Two cases need root: `full-disk` mounts a small tmpfs, and `unreadable-folder` runs its ingest
without the capabilities that let root read anything (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH),
so that a chmod 000 folder is unreadable; without them they are reported as SKIP.
The larger ingests use the first articles of ../shared/bench/realtimeqa (`--data`).
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # also as `python -m bench.faults`
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from faultkit.common import DATA, CheckFailed, Context, Skip, one_line  # noqa: E402
from faultkit.concurrency_cases import (  # noqa: E402
    case_concurrent_asks,
    case_first_use,
    case_kill_ingest,
)
from faultkit.disk_case import case_full_disk  # noqa: E402
from faultkit.input_cases import (  # noqa: E402
    case_invalid_text,
    case_leftovers,
    case_missing_database,
    case_model_name,
    case_stuffing,
    case_symlinks,
    case_unreadable_folder,
)
from faultkit.server_cases import case_frozen_server, case_server_restart  # noqa: E402
from faultkit.workers import worker_main  # noqa: E402

# ---- running the cases --------------------------------------------------------------------------

CASES: dict[str, Callable[[Context], tuple[bool, str]]] = {
    "symlinks": case_symlinks,
    "unreadable-folder": case_unreadable_folder,
    "invalid-text": case_invalid_text,
    "first-use": case_first_use,
    "frozen-server": case_frozen_server,
    "model-name": case_model_name,
    "missing-database": case_missing_database,
    "stuffing": case_stuffing,
    "leftovers": case_leftovers,
    "kill-ingest": case_kill_ingest,
    "concurrent-asks": case_concurrent_asks,
    "server-restart": case_server_restart,
    "full-disk": case_full_disk,
}
NEEDS_DATA = {"kill-ingest", "concurrent-asks", "full-disk"}


def run_case(ctx: Context, name: str) -> tuple[str, str, float]:
    """(PASS | FAIL | SKIP, what was checked or what went wrong, seconds)."""
    started = time.monotonic()
    try:
        passed, what = CASES[name](ctx)
        status = "PASS" if passed else "FAIL"
    except Skip as exc:
        status, what = "SKIP", str(exc)
    except CheckFailed as exc:
        status, what = "FAIL", str(exc)
    except Exception as exc:  # noqa: BLE001 - a crash of the case is a failure, on one line
        where = traceback.extract_tb(exc.__traceback__)[-1]
        status = "FAIL"
        what = (
            f"{type(exc).__name__}: {one_line(exc)} (at {Path(where.filename).name}:{where.lineno})"
        )
    finally:
        ctx.reap()
    return status, one_line(what, 2000), time.monotonic() - started


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the realtimeqa folder")
    parser.add_argument("--only", action="append", choices=list(CASES), metavar="CASE",
                        help=f"run only this case (repeatable): {', '.join(CASES)}")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1:])
    args = _arguments(argv)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # kill -USR1 <pid>: where it hangs
    names = args.only or list(CASES)
    if NEEDS_DATA & set(names) and not (args.data / "articles.jsonl").exists():
        print(f"no benchmark data at {args.data} (articles.jsonl); give --data", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    work = Path(tempfile.mkdtemp(prefix="faults-"))
    work.chmod(0o755)
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # server stores' BM25 cache
    ctx = Context(work, args.data / "articles.jsonl", args.quick, random.Random(seed))
    print(f"fault injection: {len(names)} cases, seed {seed}, work folder {work}", flush=True)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    started = time.monotonic()
    try:
        for name in names:
            status, what, seconds = run_case(ctx, name)
            counts[status] += 1
            print(f"{status}  {name:<17}  {what} ({seconds:.0f} s)", flush=True)
    finally:
        ctx.reap()
        if args.keep:
            print(f"kept the work folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"total {time.monotonic() - started:.0f} s")
    skipped = f", {counts['SKIP']} skipped" if counts["SKIP"] else ""
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed{skipped}")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
