"""bench/side_by_side.py end to end on a tiny synthetic corpus: both sides run in their own
processes and the JSON has every figure of the table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("llama_index.vector_stores.chroma")

ROOT = Path(__file__).resolve().parents[2]
TOPICS = [
    (
        "Harbor bridge reopens",
        "The Kessel harbor bridge reopened on Monday after repairs costing 40 million dollars.",
    ),
    (
        "Orchard festival draws crowds",
        "The apple orchard festival in Lindvale drew 12,000 visitors this weekend.",
    ),
    (
        "City council passes budget",
        "The Marlow city council passed a budget of 300 million dollars on Tuesday.",
    ),
    (
        "Rowing team wins final",
        "The Ostrava rowing team won the national final by two seconds on Sunday.",
    ),
    (
        "Library extends hours",
        "The central library in Pemberton will stay open until 10 p.m. from June.",
    ),
]


def test_side_by_side_writes_both_sides(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with (data / "articles.jsonl").open("w") as out:
        for i, (title, text) in enumerate(TOPICS):
            record = {
                "url": f"https://news.example/{i}",
                "title": title,
                "published": f"2023-05-0{i + 1}",
            }
            out.write(json.dumps({**record, "authors": [], "text": f"{text} {text}"}) + "\n")
    questions = [
        ("How much did the Kessel harbor bridge repairs cost?", "40 million", 0),
        ("How many visitors did the Lindvale orchard festival draw?", "12,000", 1),
        ("Which rowing team won the national final?", "Ostrava", 3),
    ]
    with (data / "questions_dev.jsonl").open("w") as out:
        for n, (question, answer, i) in enumerate(questions):
            q = {"id": str(n), "asked_on": "2023-05-20", "question": question, "answer": answer}
            out.write(json.dumps({**q, "answer_urls": [f"https://news.example/{i}"]}) + "\n")
    results = tmp_path / "results"
    command = [sys.executable, "bench/side_by_side.py", "--data", str(data), "--articles", "0"]
    command += ["--out", str(results), "--work", str(tmp_path / "work"), "--before", "HEAD"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "llama/aqa" in done.stdout
    result = json.loads((results / "side_by_side.json").read_text())
    assert result["corpus"]["articles"] == 5 and result["corpus"]["questions_asked"] == 3
    common = ["articles_per_s", "article_word_pieces_per_s", "peak_rss_mib", "store_mib"]
    common += ["reingest_s", "retrieve_p50_ms", "retrieve_p95_ms", "cold_ask_s"]
    common += ["recall_at_1", "recall_at_5"]
    assert "before" in done.stdout  # the third column: this code as of a commit
    assert result["sides"]["before"]["code"] == str(tmp_path / "work" / "before-src")
    assert len(result["corpus"]["before_commit"]) == 40
    for side in ("articleqa", "llamaindex", "before"):
        figures = result["sides"][side]
        assert all(figures[key] is not None for key in common), (side, figures)
        assert figures["cold_ask_ok"], figures["cold_ask_output"]
        assert figures["recall_at_5"] == 1.0
    for side in ("articleqa", "before"):
        figures = result["sides"][side]
        assert figures["retrieve_as_of_p50_ms"] > 0 and figures["ask_as_of_p95_ms"] > 0
        assert 0.0 <= figures["answer_containment_as_of"] <= 1.0
    assert (
        result["sides"]["llamaindex"]["store_mib_after_reingest"]
        >= result["sides"]["llamaindex"]["store_mib"]
    )

    # a second run takes llama-index and before from the first and measures article-qa again
    again = subprocess.run(
        [
            *command[:6],
            "--out",
            str(results),
            "--work",
            str(tmp_path / "work2"),
            "--reuse",
            str(results / "side_by_side.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    second = json.loads((results / "side_by_side.json").read_text())
    assert second["sides"]["llamaindex"] == result["sides"]["llamaindex"]
    assert second["sides"]["before"] == result["sides"]["before"]
    assert second["corpus"]["before_commit"] == result["corpus"]["before_commit"]
