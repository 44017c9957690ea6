"""article-qa: ask questions of news articles; every answer sentence is cited to its exact span.

import qa
ans = qa.ask("How much did Türkiye pay for the S-400 systems?")
ans.text, ans.abstained, ans.citations
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ingest.errors import (
    ArticleQAError,
    InvalidInputError,
    ModelMismatchError,
    StoreBusyError,
    StoreError,
)
from qa.types import Answer, Citation, Passage

if TYPE_CHECKING:
    from qa.engine import QAEngine

__all__ = [
    "Answer",
    "ArticleQAError",
    "Citation",
    "InvalidInputError",
    "ModelMismatchError",
    "Passage",
    "QAEngine",
    "StoreBusyError",
    "StoreError",
    "ask",
    "default_engine",
]

_default: QAEngine | None = None
_default_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    if name == "QAEngine":  # heavy imports wait until the engine is wanted
        from qa.engine import QAEngine

        return QAEngine
    raise AttributeError(f"module 'qa' has no attribute {name!r}")


def default_engine() -> QAEngine:
    """The engine on the default store (settings from ARTICLE_QA_* variables), opened once; the
    bundled sample corpus is ingested when the store is empty."""
    global _default
    with _default_lock:
        if _default is None:
            from qa.engine import QAEngine

            engine = QAEngine.open()
            engine.ensure_corpus()
            _default = engine
        return _default


def ask(
    question: str,
    history: Sequence[dict[str, Any]] | None = None,
    as_of: datetime.date | str | None = None,
) -> Answer:
    """Answer `question` from the default store; `history` is the conversation so far as
    OpenAI-style messages; `as_of` limits the articles to those published by that date."""
    return default_engine().ask(question, history=history, as_of=as_of)
