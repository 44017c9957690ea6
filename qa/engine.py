"""QAEngine: the one object the CLI, the UI, the eval suite and Python users talk to."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.chunking import Chunker
from ingest.embedder import Embedder, vector_kind
from ingest.errors import InvalidInputError, ModelMismatchError, StoreBusyError
from ingest.models import Article
from ingest.readers import read_paths
from qa.compound import merge, split_question
from qa.conversation import (
    Message,
    clean_text,
    contextualize,
    follows_up,
    validate_history,
)
from qa.extractive import ExtractiveAnswerer
from qa.focus import focus_articles, last_answer
from qa.generation import TokenCallback
from qa.llm import LLMError
from qa.metadata import MetadataAnswerer, asked_fields
from qa.retrieval import HybridRetriever, as_of_day
from qa.settings import Settings, load_settings
from qa.types import Answer, Passage
from vectorstore.indexer import Indexer, IngestReport
from vectorstore.records import ArticleRecord
from vectorstore.store import ArticleStore, ServerLeaseSettings, Snapshot

if TYPE_CHECKING:
    import numpy as np

    from qa.llm_answerer import LLMAnswerer


class ArticleNotFoundError(InvalidInputError, KeyError):
    """No article with that id is in the store."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "article not found"


def make_embedder(settings: Settings, backend: str | None = None) -> Embedder:
    """The embedder of `settings`, in `backend` (default: the configured one; "auto" is the
    store's to resolve: see `ArticleStore.open_local`)."""
    backend = backend or settings.embedding_backend
    if backend == "auto":
        from ingest.embedder import DEFAULT_BACKEND

        backend = DEFAULT_BACKEND
    return Embedder(
        settings.embedding_model,
        settings.device,
        settings.embed_batch_size,
        backend=backend,
        cache_dir=settings.onnx_cache_path,
    )


class QAEngine:
    def __init__(self, settings: Settings, store: ArticleStore, embedder: Embedder) -> None:
        if vector_kind(embedder.backend) != vector_kind(store.embedding_backend):
            raise ModelMismatchError(
                f"the store at {store.location} is read and written with embedding backend "
                f"{store.embedding_backend!r}, but the embedder is {embedder.backend!r}: "
                "their vectors differ"
            )
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.retriever = HybridRetriever(
            store,
            embedder,
            candidates=settings.candidates,
            recency_weight=settings.recency_weight,
            recency_half_life=settings.recency_half_life_days,
            per_article=settings.max_passages_per_article,
        )
        self.answerer = ExtractiveAnswerer(
            self.retriever,
            embedder,
            max_sentences=settings.max_answer_sentences,
            per_article=settings.answer_passages_per_article,
        )
        self.metadata = MetadataAnswerer(self.retriever)
        self.llm_answerer = self._llm_answerer() if settings.answer_mode == "llm" else None

    def _llm_answerer(self) -> LLMAnswerer:
        from qa.generation import make_llm
        from qa.llm_answerer import LLMAnswerer
        from qa.support import SupportChecker
        from qa.verification import Verifier

        s = self.settings
        return LLMAnswerer(
            make_llm(s),
            str(s.llm_model),
            self.retriever,
            Verifier(SupportChecker(self.embedder), self.embedder),
            passages=s.llm_passages,
            per_article=s.answer_passages_per_article,
            keep_unsupported=s.llm_keep_unsupported,
        )

    @classmethod
    def open(
        cls,
        store: str | os.PathLike | None = None,
        settings: Settings | None = None,
        **overrides: Any,
    ) -> QAEngine:
        """Open (or create) a store: a local folder by default, a Chroma server when
        `chroma_host` is set. `overrides` are settings fields, e.g. top_k=8."""
        if store is not None:
            overrides["store_path"] = Path(store)
        if settings is None:
            settings = load_settings(**overrides)
        elif overrides:
            settings = load_settings(**{**settings.model_dump(), **overrides})
        if settings.chroma_host:
            article_store = ArticleStore.open_server(
                settings.chroma_host,
                settings.chroma_port,
                settings.collection,
                settings.embedding_model,
                settings.chroma_timeout_s,
                ServerLeaseSettings(
                    settings.writer_lease_s,
                    settings.writer_claim_s,
                    settings.writer_wait_s,
                    settings.share_lexical_index,
                ),
                backend=settings.embedding_backend,
            )
        else:
            article_store = ArticleStore.open_local(
                settings.store_path,
                settings.collection,
                settings.embedding_model,
                backend=settings.embedding_backend,
            )
        return cls(
            settings, article_store, make_embedder(settings, article_store.embedding_backend)
        )

    # ---- corpus ------------------------------------------------------------------------------
    def ingest(
        self, paths: Sequence[str | os.PathLike], prune: bool = False, progress: bool = False
    ) -> IngestReport:
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        if not paths:
            raise InvalidInputError("give at least one file or folder to ingest")
        read = read_paths(paths, max_bytes=self.settings.max_file_bytes)
        unreadable = {s.origin for s in read.skipped}  # whole files that failed to read
        try:
            chunker = Chunker(
                self.embedder.count_tokens,
                min(self.settings.chunk_tokens, self.embedder.max_tokens),
                self.settings.chunk_overlap_tokens,
            )
        except ValueError as exc:  # a model window too small for the chunk settings
            raise InvalidInputError(
                f"cannot chunk for model {self.settings.embedding_model}: {exc}"
            ) from None
        indexer = Indexer(
            self.store,
            self.embedder,
            chunker,
            self.settings.near_duplicate_threshold,
            self.settings.commit_batch_chunks,
        )
        return indexer.run(
            read.articles,
            read.skipped,
            files_read=[str(f) for f in read.files if str(f) not in unreadable],
            prune=prune,
            progress=progress,
        )

    def ensure_corpus(self) -> IngestReport | None:
        """Ingest the bundled sample corpus into an empty store. Seeding is a write like any
        other: when another process is writing (seeding too, most likely), this waits for it
        (up to `store_wait_s`) and looks again, so the corpus is ingested once. The report of
        this process's seeding, or None when the store held articles (or another writer seeded
        it meanwhile)."""
        deadline = time.monotonic() + self.settings.store_wait_s
        while self.store.snapshot().empty:
            try:
                report = self.ingest([self.settings.bundled_corpus])
                # another writer may have seeded it between the look and this write
                return None if report.unchanged and not report.added else report
            except StoreBusyError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                self.store.wait_for_writer(left)
        return None

    def articles(self) -> list[ArticleRecord]:
        records = self.store.snapshot().records.values()
        return sorted(records, key=lambda r: (r.published or "", r.title), reverse=True)

    def article(self, article_id: str) -> Article:
        article = self.store.article(article_id)
        if article is None:
            raise ArticleNotFoundError(f"no article with id {article_id!r} in the store")
        return article

    def remove(self, article_id: str) -> None:
        self.article(article_id)
        self.store.remove(
            article_id, self.embedder.dimension, self.settings.near_duplicate_threshold
        )

    def stats(self) -> dict[str, Any]:
        return {
            **self.store.stats(),
            "collection": self.settings.collection,
            "embedding_model": self.settings.embedding_model,
            "embedding_backend": self.embedder.backend,
        }

    # ---- questions ---------------------------------------------------------------------------
    def check_question(self, question: object) -> str:
        if not isinstance(question, str):
            raise InvalidInputError(f"question must be a string, got {type(question).__name__}")
        question = clean_text(question)
        if not any(ch.isalnum() for ch in question):
            raise InvalidInputError("question is empty (it holds no letters or digits)")
        if len(question) > self.settings.max_question_chars:
            raise InvalidInputError(
                f"question is too long ({len(question)} characters; the limit is "
                f"{self.settings.max_question_chars})"
            )
        return " ".join(question.split())

    def retrieve(
        self, question: str, top_k: int | None = None, as_of: dt.date | str | None = None
    ) -> list[Passage]:
        question = self.check_question(question)
        as_of_day(as_of)
        top_k = self.settings.top_k if top_k is None else top_k
        if not isinstance(top_k, int) or top_k <= 0:
            raise InvalidInputError(f"top_k must be > 0, got {top_k}")
        return self.retriever.retrieve(question, top_k, as_of=as_of)

    def ask(
        self,
        question: str,
        history: Sequence[Message] | None = None,
        as_of: dt.date | str | None = None,
        on_token: TokenCallback | None = None,
    ) -> Answer:
        """Answer `question` after `history`; in the llm answer mode `on_token` receives the
        LLM's text as it arrives (unverified: the returned answer is what was verified)."""
        question = self.check_question(question)
        as_of_day(as_of)
        turns = validate_history(
            history, self.settings.max_history_messages, self.settings.max_history_chars
        )
        snapshot = self.store.snapshot()  # one view of the store for the whole question
        parts = [question] if self.llm_answerer else split_question(question)
        if len(parts) == 1:
            return self._ask_one(question, turns, as_of, snapshot, on_token)
        # a compound question: each part on its own, later parts seeing the earlier ones
        answers = []
        for part in parts:
            answers.append(self._ask_one(part, turns, as_of, snapshot))
            turns = [*turns, ("user", part)]
        query = " ".join(dict.fromkeys(a.query for a in answers))
        return merge(question, query, answers)

    def _ask_one(
        self,
        question: str,
        turns: list[tuple[str, str]],
        as_of: dt.date | str | None,
        snapshot: Snapshot,
        on_token: TokenCallback | None = None,
    ) -> Answer:
        query = contextualize(question, turns)
        previous = next((text for role, text in reversed(turns) if role == "user"), None)
        fields = asked_fields(question, previous)
        if fields:  # who wrote it, which outlet, when, what headline
            return self.metadata.answer(question, query, fields, as_of, snapshot)
        if self.llm_answerer is not None:
            try:
                standalone = self.llm_answerer.standalone(question, turns, query)
                return self.llm_answerer.answer(question, standalone, as_of, snapshot, on_token)
            except LLMError as exc:
                answer = self._extractive(question, query, turns, as_of, snapshot)
                notice = f"The LLM could not be used ({exc}); this answer quotes the articles."
                return replace(answer, notice=notice)
        return self._extractive(question, query, turns, as_of, snapshot)

    def _extractive(
        self,
        question: str,
        query: str,
        turns: list[tuple[str, str]],
        as_of: dt.date | str | None,
        snapshot: Snapshot,
    ) -> Answer:
        said = last_answer(turns)
        top_k = self.settings.top_k
        vector = self.embedder.encode([query])[0]  # embedded once for every search below
        focus = self.follow_up_articles(question, query, turns, as_of, snapshot, vector)
        read = partial(
            self.answerer.answer, question, query, top_k, as_of, said=said, snapshot=snapshot,
            query_vector=vector,
        )  # fmt: skip
        if focus:  # first within the articles the conversation is about
            answer = read(articles=focus)
            if not answer.abstained:
                return answer
        return read()

    def follow_up_articles(
        self,
        question: str,
        query: str,
        turns: Sequence[tuple[str, str]],
        as_of: dt.date | str | None,
        snapshot: Snapshot,
        query_vector: np.ndarray | None = None,
    ) -> list[str]:
        """The articles a follow-up is read in first: those the last answer quoted, and the one
        that its search with the conversation (`query`) finds first, since the last answer may
        have quoted a report beside the one the conversation is about. Empty for a question that
        does not follow up, or after answers that quoted nothing."""
        if not follows_up(question):
            return []
        quoted = focus_articles(turns, self.store, snapshot)
        if not quoted:
            return []
        found = self.retriever.retrieve(
            query, 1, as_of=as_of, query_vector=query_vector, snapshot=snapshot
        )
        return list(dict.fromkeys(quoted + [p.article_id for p in found]))
