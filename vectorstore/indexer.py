"""Writes articles into the store: incremental, idempotent, duplicate-aware, safe to interrupt.

Ids are derived from content, so unchanged articles cost no embedding work. Each article is
committed on its own (chunks, then its record), so an interrupted run leaves only uncommitted
chunks, which the next run removes before it starts: running again gives the same store as one
clean run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from tqdm import tqdm

from ingest.chunking import Chunker, embedding_text
from ingest.dedup import NearDuplicateIndex, decode, encode, signature
from ingest.embedder import Embedder
from ingest.models import Article, Chunk, Skipped
from vectorstore.records import ArticleRecord
from vectorstore.store import ArticleStore

EMBED_BATCH_CHUNKS = 256


@dataclass(frozen=True)
class Duplicate:
    origin: str
    title: str
    duplicate_of: str  # article id that is stored instead
    similarity: float  # 1.0 for an exact copy


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)  # article ids
    updated: list[str] = field(default_factory=list)  # new ids of changed articles
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # ids deleted (pruned or replaced)
    repaired_chunks: int = 0
    chunks: int = 0
    tokens: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.repaired_chunks)

    def summary(self) -> str:
        lines = [
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"duplicates {len(self.duplicates)}, skipped {len(self.skipped)}, "
            f"removed {len(self.removed)} ({self.chunks} chunks, {self.tokens} word pieces "
            f"embedded in {self.seconds:.1f}s)"
        ]
        lines += [
            f"  duplicate: {d.origin} is {'a copy' if d.similarity >= 1 else 'a near copy'} "
            f"of article {d.duplicate_of} ({d.similarity:.0%} similar)"
            for d in self.duplicates
        ]
        lines += [f"  skipped: {s.origin}: {s.reason}" for s in self.skipped]
        if self.repaired_chunks:
            lines.append(f"  removed {self.repaired_chunks} chunks left by an interrupted run")
        return "\n".join(lines)


@dataclass
class _Plan:
    new: list[Article] = field(default_factory=list)
    replaced: dict[str, str] = field(default_factory=dict)  # new article id -> old article id
    minhash: dict[str, str] = field(default_factory=dict)


class Indexer:
    def __init__(
        self, store: ArticleStore, embedder: Embedder, chunker: Chunker, near_duplicate: float
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.near_duplicate = near_duplicate

    def run(
        self,
        articles: Sequence[Article],
        skipped: Sequence[Skipped] = (),
        files_read: Sequence[str] = (),
        prune: bool = False,
        progress: bool = False,
        exists: Callable[[str], bool] = os.path.exists,
    ) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport(skipped=list(skipped))
        chroma = self.store.chroma
        with self.store.writing():
            report.repaired_chunks = chroma.repair()
            records = chroma.article_records()
            plan = self._plan(articles, records, report)
            self._embed_and_write(plan, report, progress)
            for new_id, old_id in plan.replaced.items():
                self._detach(
                    records, old_id, {a.origin for a in plan.new if a.id == new_id}, report
                )
            if prune:
                self._prune(records, articles, set(files_read), exists, report)
            if report.changed:
                chroma.bump_revision(self.embedder.dimension)
        report.seconds = time.perf_counter() - started
        return report

    # ---- planning ----------------------------------------------------------------------------
    def _plan(
        self, articles: Sequence[Article], records: dict[str, ArticleRecord], report: IngestReport
    ) -> _Plan:
        plan = _Plan()
        by_origin = {o: r.id for r in records.values() for o in r.origins}
        near = NearDuplicateIndex(self.near_duplicate)
        for record in records.values():
            sig = decode(record.minhash)
            if sig is not None:
                near.add(record.id, sig)
        planned: dict[str, Article] = {}
        for article in articles:
            previous = by_origin.get(article.origin)
            if article.id in records or article.id in planned:
                self._same_text(article, records, planned, report)
                if previous and previous != article.id:
                    self._detach(records, previous, {article.origin}, report)
                continue
            sig = signature(article.text)
            match = near.match(sig)
            if match and match[0] != previous:
                report.duplicates.append(Duplicate(article.origin, article.title, *match))
                self._note_near_duplicate(records, match[0], article, match[1])
                continue
            planned[article.id] = article
            plan.new.append(article)
            near.add(article.id, sig)
            plan.minhash[article.id] = encode(sig)
            if previous:
                plan.replaced[article.id] = previous
        return plan

    def _same_text(
        self,
        article: Article,
        records: dict[str, ArticleRecord],
        planned: dict[str, Article],
        report: IngestReport,
    ) -> None:
        if article.id in planned:
            first = planned[article.id]
            if first.origin != article.origin:
                report.duplicates.append(Duplicate(article.origin, article.title, article.id, 1.0))
            return
        record = records[article.id]
        known = record.origins
        if article.origin in known:
            report.unchanged.append(article.id)
        elif any(os.path.exists(o.split("#", 1)[0]) for o in known):
            report.duplicates.append(Duplicate(article.origin, article.title, article.id, 1.0))
            self._set_origins(records, record, (*record.origins, article.origin))
        else:  # the file moved: same article, new place
            report.unchanged.append(article.id)
            self._set_origins(records, record, (article.origin,))

    def _set_origins(
        self, records: dict[str, ArticleRecord], record: ArticleRecord, origins: tuple[str, ...]
    ) -> None:
        origins = tuple(dict.fromkeys(origins))
        self.store.chroma.update_record(record, origins=origins)
        records[record.id] = replace(record, origins=origins)

    def _note_near_duplicate(
        self, records: dict[str, ArticleRecord], kept: str, article: Article, similarity: float
    ) -> None:
        record = records.get(kept)
        if record is None:
            return  # kept article is new in this run; its record is written later
        entry = {
            "origin": article.origin,
            "title": article.title,
            "source": article.source,
            "url": article.url,
            "similarity": round(similarity, 3),
        }
        others = tuple(d for d in record.duplicates if d.get("origin") != article.origin)
        duplicates = (*others, entry)
        self.store.chroma.update_record(record, duplicates=duplicates)
        records[kept] = replace(record, duplicates=duplicates)

    # ---- writing -----------------------------------------------------------------------------
    def _embed_and_write(self, plan: _Plan, report: IngestReport, progress: bool) -> None:
        bar = tqdm(
            total=len(plan.new),
            unit="article",
            desc="ingest",
            disable=not progress or len(plan.new) < 20,
        )
        pending: list[tuple[Article, list[Chunk]]] = []
        size = 0
        for article in plan.new:
            chunks = self.chunker.chunk(article)
            pending.append((article, chunks))
            size += len(chunks)
            if size >= EMBED_BATCH_CHUNKS:
                self._flush(pending, plan, report, bar)
                pending, size = [], 0
        self._flush(pending, plan, report, bar)
        bar.close()

    def _flush(self, pending, plan: _Plan, report: IngestReport, bar) -> None:  # noqa: ANN001
        if not pending:
            return
        texts = [embedding_text(a.title, c.text) for a, chunks in pending for c in chunks]
        vectors = self.embedder.encode(texts)
        offset = 0
        for article, chunks in pending:
            part = vectors[offset : offset + len(chunks)]
            offset += len(chunks)
            self.store.chroma.add_article(
                article,
                chunks,
                np.asarray(part),
                origins=(article.origin,),
                minhash=plan.minhash[article.id],
            )
            (report.updated if article.id in plan.replaced else report.added).append(article.id)
            report.chunks += len(chunks)
            report.tokens += sum(c.n_tokens for c in chunks)
            bar.update(1)

    # ---- removal -----------------------------------------------------------------------------
    def _detach(
        self,
        records: dict[str, ArticleRecord],
        article_id: str,
        origins: set[str],
        report: IngestReport,
    ) -> None:
        """Take `origins` off an article; an article left with none is deleted."""
        record = records.get(article_id)
        if record is None:
            return
        left = tuple(o for o in record.origins if o not in origins)
        if left:
            self._set_origins(records, record, left)
        else:
            self.store.chroma.delete_article(article_id)
            del records[article_id]
            report.removed.append(article_id)

    def _prune(
        self,
        records: dict[str, ArticleRecord],
        articles: Sequence[Article],
        files_read: set[str],
        exists: Callable[[str], bool],
        report: IngestReport,
    ) -> None:
        seen = {a.origin for a in articles}

        def gone(origin: str) -> bool:
            path = origin.split("#", 1)[0]
            return not exists(path) or (path in files_read and origin not in seen)

        for record in list(records.values()):
            stale = {o for o in record.origins if gone(o)}
            if stale:
                self._detach(records, record.id, stale, report)
