"""llama-index integration: the hybrid retriever as a llama-index `BaseRetriever`, and the
whole answerer as a `BaseQueryEngine`.

    from qa.llama import ArticleQueryEngine, ArticleRetriever
    nodes = ArticleRetriever(engine, top_k=5).retrieve("How much did Türkiye pay?")
    response = ArticleQueryEngine(engine).query("How much did Türkiye pay?")
    str(response)            # the answer with [n] markers
    response.source_nodes    # one node per citation: the quoted span, offsets into the article
    response.metadata        # {"abstained", "sentences": [{"text", "citations"}], "answer"}

Retrieved nodes carry the passage text, its article metadata and `start_char_idx`/
`end_char_idx` into the article text, so they plug into llama-index query engines and
postprocessors. No llama-index global Settings are touched (no default LLM or embedding model
is ever reached).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.response.schema import Response
from llama_index.core.callbacks import CallbackManager
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from ingest.models import ArticleMeta
from qa.types import Answer, Citation

if TYPE_CHECKING:
    from qa.engine import QAEngine


class ArticleRetriever(BaseRetriever):
    def __init__(
        self, engine: QAEngine, top_k: int | None = None, as_of: dt.date | str | None = None
    ) -> None:
        super().__init__()
        self._engine = engine
        self._top_k = top_k
        self._as_of = as_of

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self._engine.retrieve(query_bundle.query_str, self._top_k, as_of=self._as_of)
        return [
            NodeWithScore(
                node=TextNode(
                    id_=p.chunk_id,
                    text=p.text,
                    start_char_idx=p.start,
                    end_char_idx=p.end,
                    metadata={"article_id": p.article_id, **_node_meta(p.meta)},
                ),
                score=p.score,
            )
            for p in passages
        ]


class ArticleQueryEngine(BaseQueryEngine):
    """Answers with the article-qa answerer; the response's source nodes are its citations."""

    def __init__(self, engine: QAEngine, as_of: dt.date | str | None = None) -> None:
        super().__init__(callback_manager=CallbackManager([]))
        self._engine = engine
        self._as_of = as_of

    def _get_prompt_modules(self) -> dict:
        return {}

    def _query(self, query_bundle: QueryBundle) -> Response:
        return to_response(self._engine.ask(query_bundle.query_str, as_of=self._as_of))

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        return self._query(query_bundle)


def to_response(answer: Answer) -> Response:
    """A llama-index `Response` built from the answer's structure (never from its text)."""
    return Response(
        response=answer.text,
        source_nodes=[NodeWithScore(node=_citation_node(c), score=None) for c in answer.citations],
        metadata={
            "abstained": answer.abstained,
            "sentences": [{"text": s.text, "citations": s.numbers} for s in answer.sentences],
            "answer": answer,
        },
    )


def _citation_node(c: Citation) -> TextNode:
    return TextNode(
        id_=f"{c.article_id}:{c.field}:{c.start}-{c.end}",
        text=c.quote,
        start_char_idx=c.start,
        end_char_idx=c.end,
        metadata={
            "number": c.number,
            "article_id": c.article_id,
            "field": c.field,
            **_node_meta(c.meta),
        },
    )


def _node_meta(meta: ArticleMeta) -> dict[str, str]:
    """Article metadata as node metadata (strings only: llama-index stores and filters them)."""
    return {
        "title": meta.title,
        "source": meta.source or "",
        "published": meta.published or "",
        "url": meta.url or "",
    }
