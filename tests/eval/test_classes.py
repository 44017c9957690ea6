"""The failure classes of a run (eval/classes.py): counted from its turns, printed in the table
and the HTML report, and compared run against run."""

from __future__ import annotations

from eval.classes import failure_classes
from eval.report import compare, compare_text, html_report, table


def _turn(question: str, **fields: object) -> dict:
    turn = {
        "case": question[:12],
        "turn": 1,
        "question": question,
        "category": "single-fact",
        "answerable": True,
        "abstained": False,
        "correct": True,
        "citations": [],
        "as_of": None,
    }
    return turn | fields


def _run(turns: list[dict]) -> dict:
    summary = {
        "cases": len(turns), "turns": len(turns), "answerable": 0, "unanswerable": 0,
        "citations": 0, "latency_p50_ms": 1, "latency_p95_ms": 1,
        "failure_classes": failure_classes(turns),
    }  # fmt: skip
    return {"summary": summary, "turns": [t | {"verdict": "correct"} for t in turns]}


TURNS = [
    _turn("Why did the union strike?", correct=False),
    _turn("What did the mayor say about the bridge?"),
    _turn("How many ferries sank?", citations=[{"non_content": True}]),
    _turn("Who won?", answerable=False, abstained=True, correct=True),
    _turn("Where is it held?", answerable=False, correct=False),
    _turn("When?", turn=2, correct=False),
    _turn("Who wrote the article?", category="metadata"),
    _turn("What happened this week?", as_of="2024-05-01", abstained=True, correct=False),
]


def test_each_class_counts_its_own_turns() -> None:
    classes = failure_classes(TURNS)
    got = {k: (v["n"], v["of"]) for k, v in classes.items()}
    assert got == {
        "why_said_role": (1, 2),  # the why question was wrong, the said question right
        "near_miss_abstained": (1, 2),
        "false_abstentions": (1, 6),
        "metadata": (1, 1),
        "follow_ups": (0, 1),
        "relative_time": (0, 1),
        "non_content_quoted": (1, 6),
    }
    assert classes["false_abstentions"]["lower_is_better"]


def test_reports_show_the_classes_and_a_comparison_shows_them_before_and_after() -> None:
    before = _run(TURNS)
    after = _run(
        [t | {"abstained": True, "correct": True} if not t["answerable"] else t for t in TURNS]
    )
    assert "near-miss questions abstained on: 1/2 = 0.50" in table(before["summary"])
    assert "Failure classes" in html_report(before)
    text = compare_text(compare(before, after))
    assert "near-miss questions abstained on: 1/2 = 0.50 -> 2/2 = 1.00" in text
