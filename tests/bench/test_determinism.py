"""bench/determinism.py: the order check asks in two orders with fresh engines and finds no
answer that differs (the figure the README quotes for the blind training set is 0 of 200)."""

from __future__ import annotations

from pathlib import Path

from bench.determinism import order
from qa.engine import QAEngine

DATASET = Path(__file__).resolve().parents[2] / "eval" / "data" / "bundled.jsonl"


def test_the_order_check_finds_answers_independent_of_order(engine: QAEngine) -> None:
    figures = order(Path(engine.store.location), DATASET, 8, seed=7)
    assert figures["questions"] == 8
    assert figures["answers_differing"] == 0
    assert figures["largest_confidence_gap"] == 0.0
