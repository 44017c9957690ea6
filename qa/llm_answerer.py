"""The llm answer mode: an LLM writes the answer from numbered passages, and only the sentences
that verification ties to exact article spans reach the user (see `qa/verification.py`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from qa.extractive import ABSTAIN_TEXT, unknown_names
from qa.generation import TokenCallback, condense, generate, passage_messages
from qa.retrieval import HybridRetriever
from qa.types import Answer
from qa.verification import Verifier
from vectorstore.store import Snapshot

if TYPE_CHECKING:
    from llama_index.core.llms import LLM


class LLMAnswerer:
    def __init__(
        self,
        llm: LLM,
        model: str,
        retriever: HybridRetriever,
        verifier: Verifier,
        passages: int = 5,
        per_article: int = 2,
        keep_unsupported: bool = False,
    ) -> None:
        if passages <= 0:
            raise ValueError(f"passages must be > 0, got {passages}")
        self.llm = llm
        self.model = model
        self.retriever = retriever
        self.verifier = verifier
        self.passages = passages
        self.per_article = per_article
        self.keep_unsupported = keep_unsupported

    def standalone(self, question: str, turns: list[tuple[str, str]], fallback: str) -> str:
        """The question to search for: a follow-up condensed by the LLM (the extractive
        contextualised query when its rewrite is unusable; LLMError when it is unreachable)."""
        if not any(role == "user" for role, _ in turns):
            return question
        try:
            return condense(self.llm, question, turns)
        except ValueError:
            return fallback

    def answer(
        self,
        question: str,
        query: str,
        as_of: dt.date | str | None,
        snapshot: Snapshot,
        on_token: TokenCallback | None = None,
    ) -> Answer:
        """Retrieve for `query`, let the LLM answer `question`, keep what verification supports.
        Raises LLMError when the model cannot be used (the engine then answers by quoting)."""
        passages = self.retriever.retrieve(
            query, self.passages, as_of=as_of, per_article=self.per_article, snapshot=snapshot
        )
        unknown = unknown_names(question, snapshot)
        if unknown or not passages:
            message = (
                f"{ABSTAIN_TEXT[:-1]}: none of them mentions {unknown[0]}."
                if unknown
                else ABSTAIN_TEXT
            )
            return Answer.abstain(question, message, passages, query, mode="llm", model=self.model)
        reply = generate(self.llm, passage_messages(question, passages), on_token)
        sentences, removed = self.verifier.verify(reply, passages, self.keep_unsupported, question)
        if not any(s.supported for s in sentences):
            return Answer.abstain(
                question,
                ABSTAIN_TEXT,
                passages,
                query,
                mode="llm",
                model=self.model,
                removed=removed,
            )
        return Answer(
            question,
            sentences,
            confidence=sum(s.supported for s in sentences) / len(sentences),
            query=query,
            mode="llm",
            model=self.model,
            removed=removed,
        )
