"""The second-stage rerank of passages retrieved without a date."""

from __future__ import annotations

import pytest

from ingest.models import ArticleMeta
from qa.rerank import RerankWeights, best_sentence_share, rerank
from qa.types import Passage


def passage(chunk_id: str, text: str, score: float = 1.0, title: str = "", day: str | None = None):  # noqa: ANN201
    meta = ArticleMeta(title=title, published=day)
    return Passage(chunk_id, chunk_id, meta, text, 0, len(text), score)


def idf(term: str) -> float:
    return 1.0


SENTENCE_ONLY = RerankWeights(sentence=1.0, title=0.0, recency=0.0)


def test_a_sentence_holding_the_question_words_together_moves_up() -> None:
    spread = passage("spread", "The council met on Monday. Its budget for the library grew.")
    together = passage("together", "The council approved the library budget. It met on Monday.")
    question = "Did the council approve the library budget?"
    assert best_sentence_share(together.text, {"council": 1, "approv": 1}) == 1.0
    ranked = rerank(question, [spread, together], idf, SENTENCE_ONLY)
    assert [p.chunk_id for p in ranked] == ["together", "spread"]


def test_the_fused_score_still_counts() -> None:
    weak = passage("weak", "The council approved the library budget.", score=0.2)
    strong = passage("strong", "The council met.", score=1.0)
    ranked = rerank("Did the council approve the budget?", [weak, strong], idf, SENTENCE_ONLY)
    assert ranked[0].chunk_id == "strong"  # 1.0 + 1/3 beats 0.2 + 1


def test_the_later_report_is_preferred_and_an_undated_one_is_neutral() -> None:
    weights = RerankWeights(sentence=0.0, title=0.0, recency=0.5, half_life=30.0)
    old = passage("old", "Fares rise.", day="2024-01-01")
    new = passage("new", "Fares rise.", day="2024-06-01")
    undated = passage("undated", "Fares rise.", score=1.0)
    ranked = [p.chunk_id for p in rerank("Do fares rise?", [old, undated, new], idf, weights)]
    assert ranked == ["new", "undated", "old"]  # undated gets the mean of the dated ones


def test_weights_are_validated() -> None:
    with pytest.raises(ValueError, match="recency must be >= 0, got -1"):
        RerankWeights(recency=-1)
    with pytest.raises(ValueError, match="half_life must be > 0, got 0"):
        RerankWeights(half_life=0)


def test_with_a_date_the_fused_order_is_kept(engine, monkeypatch) -> None:  # noqa: ANN001
    """With as_of the recency prior orders the reports; the rerank is for undated questions."""
    import qa.retrieval

    calls = []
    monkeypatch.setattr(qa.retrieval, "rerank", lambda *args: calls.append(args) or list(args[1]))
    question = "When did Putin and Erdogan meet?"
    dated = engine.retriever.retrieve(question, 3, as_of="2026-01-01", per_article=2)
    assert dated and calls == []
    engine.retriever.retrieve(question, 3, per_article=2)
    assert len(calls) == 1


def test_a_report_from_the_period_the_question_names_moves_up() -> None:
    weights = RerankWeights(sentence=0.0, title=0.0, recency=0.0, period=0.3)
    later = passage("later", "The outbreak was traced to a farm.", score=1.0, day="2020-05-01")
    then = passage("then", "The outbreak was traced to a farm.", score=0.9, day="2018-11-20")
    question = "Which farm was behind the November 2018 outbreak?"
    assert [p.chunk_id for p in rerank(question, [later, then], idf, weights)] == ["then", "later"]
    undated_question = "Which farm was behind the outbreak?"
    ranked = rerank(undated_question, [later, then], idf, weights)
    assert [p.chunk_id for p in ranked] == ["later", "then"]


def test_this_week_without_a_date_means_the_newest_week_of_the_store() -> None:
    from vectorstore.records import day_number

    weights = RerankWeights(sentence=0.0, title=0.0, recency=0.0, current=0.3)
    old = passage("old", "The mayor resigned.", score=1.0, day="2024-01-01")
    new = passage("new", "The mayor resigned.", score=0.9, day="2024-06-28")
    now = day_number("2024-06-30")
    question = "Which mayor resigned this week?"
    assert [p.chunk_id for p in rerank(question, [old, new], idf, weights, now)] == ["new", "old"]
    assert [p.chunk_id for p in rerank(question, [old, new], idf, weights)] == ["old", "new"]


def test_a_story_matched_in_several_chunks_moves_up() -> None:
    weights = RerankWeights(sentence=0.0, title=0.0, recency=0.0, chunks=0.1)
    once = passage("once", "The mayor resigned.", score=1.0)
    often = passage("often", "The mayor resigned.", score=0.95)
    found = {"once": 1, "often": 4}
    question = "Which mayor resigned?"
    assert [p.chunk_id for p in rerank(question, [once, often], idf, weights)] == ["once", "often"]
    ranked = rerank(question, [once, often], idf, weights, found=found)
    assert [p.chunk_id for p in ranked] == ["often", "once"]
