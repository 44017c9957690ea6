"""The hybrid retriever works as a llama-index retriever, offsets included."""

from __future__ import annotations

from qa.engine import QAEngine
from qa.llama import ArticleQueryEngine, ArticleRetriever


def test_llama_index_retriever_returns_nodes_with_offsets(engine: QAEngine):
    nodes = ArticleRetriever(engine, top_k=3).retrieve("TurkStream natural gas pipeline")
    assert 1 <= len(nodes) <= 3
    first = nodes[0]
    assert "TurkStream" in first.node.get_content()
    article = engine.article(first.node.metadata["article_id"])
    node = first.node
    assert article.text[node.start_char_idx : node.end_char_idx] == node.get_content()
    assert first.node.metadata["source"] == "Duvar English"


def test_llama_index_query_engine_sources_are_the_citations(engine: QAEngine):
    response = ArticleQueryEngine(engine).query("How much did Türkiye pay for the S-400 systems?")
    answer = response.metadata["answer"]
    assert not response.metadata["abstained"] and str(response) == answer.text
    assert len(response.source_nodes) == len(answer.citations) >= 1
    for node, c in zip(response.source_nodes, answer.citations, strict=True):
        article = engine.article(node.node.metadata["article_id"])
        start, end = node.node.start_char_idx, node.node.end_char_idx
        assert article.text[start:end] == node.node.get_content() == c.quote
        assert node.node.metadata["number"] == c.number
    numbers = [n for s in response.metadata["sentences"] for n in s["citations"]]
    assert set(numbers) == {c.number for c in answer.citations}


def test_llama_index_query_engine_abstains_without_sources(engine: QAEngine):
    response = ArticleQueryEngine(engine).query("Which country won the 2018 World Cup?")
    assert response.metadata["abstained"] and response.source_nodes == []
