"""The RealTimeQA paths on a small slice of the real data (../shared/bench/realtimeqa): the eval
loader (`article-qa eval --realtimeqa`) and the benchmark's ingest and question measurements.
The slice holds the gold articles of a few questions and some others around them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.realtimeqa import _ask_all, _ingest, contains
from eval.dataset import DatasetError
from eval.realtimeqa import DEFAULT_DIR, corpus_file, load_realtimeqa
from eval.runner import Evaluator
from qa.engine import QAEngine
from qa.support import SupportChecker

QUESTIONS = 3
pytestmark = pytest.mark.skipif(
    not (DEFAULT_DIR / "questions_dev.jsonl").is_file(), reason="no ../shared/bench/realtimeqa"
)


def _slice(folder: Path) -> tuple[Path, list[dict]]:
    """The first questions, and a JSONL of their gold articles plus the next few articles."""
    questions = [
        json.loads(line)
        for line in (DEFAULT_DIR / "questions_dev.jsonl").read_text().splitlines()[:QUESTIONS]
    ]
    gold = {url for q in questions for url in q["answer_urls"]}
    kept, others = [], 0
    for line in corpus_file(DEFAULT_DIR).open(encoding="utf-8"):
        url = json.loads(line)["url"]
        if url in gold or others < 5:
            kept.append(line)
            others += url not in gold
    path = folder / "slice.jsonl"
    path.write_text("".join(kept), encoding="utf-8")
    return path, questions


@pytest.fixture(scope="module")
def sliced(make_engine, tmp_path_factory) -> tuple[QAEngine, dict, list[dict]]:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("rtqa")
    path, questions = _slice(folder)
    engine = make_engine(folder / "store")
    return engine, _ingest(engine, path), questions


def test_the_benchmark_measures_ingest(sliced) -> None:  # noqa: ANN001
    engine, figures, _ = sliced
    assert figures["ingest_summary"].startswith("added ")
    assert figures["articles_per_s"] > 0 and figures["chunks"] == engine.stats()["chunks"]
    assert figures["article_word_pieces_per_s"] <= figures["embedded_word_pieces_per_s"] * 2


def test_the_benchmark_measures_recall_containment_and_latency(sliced) -> None:  # noqa: ANN001
    engine, _, questions = sliced
    figures, cases = _ask_all(engine, questions, no_as_of=False)
    assert figures["questions"] == QUESTIONS == len(cases)
    assert figures["recall_at_5"] == 1.0  # every gold article is among few others
    assert 0.0 <= figures["answer_containment"] <= 1.0
    assert figures["ask_p50_ms"] <= figures["ask_p95_ms"]
    for case in cases:
        assert case["contained"] == (
            not case["abstained"] and contains(case["answer"], case["gold"])
        )
    recall, cases = _ask_all(engine, questions, no_as_of=False, recall_only=True)
    assert {k: recall[k] for k in ("recall_at_1", "recall_at_5")} == {
        k: figures[k] for k in ("recall_at_1", "recall_at_5")
    }
    assert "answer_containment" not in recall and len(cases) == QUESTIONS


def test_the_eval_loader_reads_questions_as_dated_cases(sliced, embedder) -> None:  # noqa: ANN001
    engine, _, questions = sliced
    cases = load_realtimeqa(DEFAULT_DIR, limit=QUESTIONS)
    assert [c.id for c in cases] == [str(q["id"]) for q in questions]
    turn = cases[0].turns[0]
    assert turn.as_of == questions[0]["asked_on"] and turn.answers == ((questions[0]["answer"],),)
    run = Evaluator(engine, SupportChecker(embedder)).run(cases, progress=False)
    assert run.summary["turns"] == QUESTIONS and run.summary["hit@5"] == 1.0
    assert run.summary["citation_validity"] in (None, 1.0)


def test_the_eval_loader_names_a_bad_line(tmp_path: Path) -> None:
    (tmp_path / "questions_dev.jsonl").write_text('{"id": 1, "question": "Q?"}\n')
    with pytest.raises(DatasetError, match="line 1: not a RealTimeQA question"):
        load_realtimeqa(tmp_path)
    with pytest.raises(DatasetError, match="articles not found"):
        corpus_file(tmp_path)
