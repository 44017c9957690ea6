"""The hybrid retriever works as a llama-index retriever, offsets included."""

from __future__ import annotations

from qa.engine import QAEngine
from qa.llama import ArticleRetriever


def test_llama_index_retriever_returns_nodes_with_offsets(engine: QAEngine):
    nodes = ArticleRetriever(engine, top_k=3).retrieve("TurkStream natural gas pipeline")
    assert 1 <= len(nodes) <= 3
    first = nodes[0]
    assert "TurkStream" in first.node.get_content()
    article = engine.article(first.node.metadata["article_id"])
    node = first.node
    assert article.text[node.start_char_idx : node.end_char_idx] == node.get_content()
    assert first.node.metadata["source"] == "Duvar English"
