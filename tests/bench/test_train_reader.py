"""bench/train_reader.py: the split between the reader's training questions and those left for
the answerer's fit is fixed by the question id, and the two never overlap."""

from __future__ import annotations

import numpy as np

from bench.train_reader import pairs, ranking_report, reader_share


def _example(source: str, qid: str) -> dict:
    return {
        "source": source,
        "id": qid,
        "question": f"question {qid}?",
        "candidates": [{"text": "holds", "holds": True}, {"text": "not", "holds": False}],
    }


def test_the_split_is_by_id_and_the_halves_do_not_overlap() -> None:
    ids = [str(n) for n in range(400)]
    mine = {i for i in ids if reader_share(i, 0.7)}
    assert mine == {i for i in ids if reader_share(i, 0.7)}  # the same on every call
    assert 0.6 < len(mine) / len(ids) < 0.8
    examples = [_example(s, i) for i in ids for s in ("train-gold", "train-absent")]
    examples.append(_example("news-tune", "case/0"))  # never the reader's
    trained = {p[3] for p in pairs(examples, 0.7, held_out=False)}
    held = {p[3] for p in pairs(examples, 0.7, held_out=True)}
    assert not trained & held
    assert {q.split("/", 1)[1] for q in trained} == mine
    assert not any("case" in q for q in trained | held)


def test_the_ranking_report_counts_the_top_sentence_per_question() -> None:
    items = [("q", "a", 1.0, "x"), ("q", "b", 0.0, "x"), ("r", "c", 0.0, "y"), ("r", "d", 1.0, "y")]
    report = ranking_report(items, np.array([2.0, 1.0, 3.0, 0.0]))
    assert report["questions"] == 2
    assert report["top1_holds"] == 0.5
    assert report["auc"] == 0.25  # of the 4 (positive, negative) pairs, 2.0 > 1.0 only
