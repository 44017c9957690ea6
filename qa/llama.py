"""llama-index integration: the hybrid retriever as a llama-index `BaseRetriever`.

    from qa.llama import ArticleRetriever
    retriever = ArticleRetriever(engine, top_k=5)
    nodes = retriever.retrieve("How much did Türkiye pay?")   # list[NodeWithScore]

Each node carries the passage text, its article metadata and `start_char_idx`/`end_char_idx`
into the article text, so it plugs into llama-index query engines and postprocessors. No
llama-index global Settings are touched (no default LLM or embedding model is ever reached).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

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
                    metadata={
                        "article_id": p.article_id,
                        "title": p.title,
                        "source": p.source or "",
                        "published": p.published or "",
                        "url": p.url or "",
                    },
                ),
                score=p.score,
            )
            for p in passages
        ]
