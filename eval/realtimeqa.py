"""The RealTimeQA dev set (../shared/bench/realtimeqa) as an eval dataset: 250 real news-quiz
questions, each asked on a date, over 2,000 articles; gold evidence is the answer's articles."""

from __future__ import annotations

import json
from pathlib import Path

from eval.dataset import Case, DatasetError, Evidence, Turn

DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "realtimeqa"


def corpus_file(folder: Path) -> Path:
    path = Path(folder) / "articles.jsonl"
    if not path.is_file():
        raise DatasetError(f"RealTimeQA articles not found: {path}")
    return path


def load_realtimeqa(folder: Path, limit: int | None = None) -> list[Case]:
    """The dev questions as cases (category single-fact; as_of = the quiz date)."""
    path = Path(folder) / "questions_dev.jsonl"
    if not path.is_file():
        raise DatasetError(f"RealTimeQA questions not found: {path}")
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
            turn = Turn(
                question=q["question"],
                answerable=True,
                answers=((q["answer"],),),
                evidence=tuple(Evidence(url, "") for url in q["answer_urls"]),
                as_of=q["asked_on"],
            )
            cases.append(Case(str(q["id"]), "single-fact", (turn,), number))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DatasetError(
                f"{path}: line {number}: not a RealTimeQA question ({exc})"
            ) from None
        if limit and len(cases) >= limit:
            break
    return cases
