"""Writes articles into the store: incremental, idempotent, duplicate-aware, safe to interrupt.

Ids are derived from content, so unchanged articles cost no embedding work. A run first decides,
without writing, which article holds each origin (file or record) it read: the article read
from it, or, for a near copy, the article it copies. Then it commits new articles one at a time
(chunks, then the record), and finally takes every origin read in this run off any other
article, deleting articles left with none. An interrupted run leaves uncommitted chunks (removed
by the next run) and perhaps an old version still holding an origin (taken off by the next run),
so running again gives the same store as one clean run.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from tqdm import tqdm

from ingest.chunking import Chunker, embedding_text
from ingest.dedup import decode, encode, signature
from ingest.embedder import Embedder
from ingest.models import Article, Chunk, Skipped
from vectorstore.catalog import entry
from vectorstore.chroma_store import WRITING, NewArticle
from vectorstore.lexical import LexicalChange
from vectorstore.record_view import RecordView, entry_of
from vectorstore.records import ArticleRecord, byline, day_number
from vectorstore.store import ArticleStore

EMBED_BATCH_CHUNKS = 256
COMMIT_BATCH_CHUNKS = 1024  # a shared store: chunks embedded outside the lease per commit


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
    relabelled: list[str] = field(default_factory=list)  # same text, new metadata, not re-embedded
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
        return bool(
            self.added or self.updated or self.relabelled or self.removed or self.repaired_chunks
        )

    def summary(self) -> str:
        lines = [
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"duplicates {len(self.duplicates)}, skipped {len(self.skipped)}, "
            f"removed {len(self.removed)} ({self.chunks} chunks, {self.tokens} word pieces "
            f"embedded in {self.seconds:.1f}s)"
        ]
        if self.relabelled:
            lines.append(f"  metadata updated (not re-embedded): {len(self.relabelled)}")
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
    new: list[Article] = field(default_factory=list)  # to embed and commit, in order
    holder: dict[str, str] = field(default_factory=dict)  # origin read -> article id holding it
    origins: dict[str, list[str]] = field(default_factory=dict)  # id -> origins it gains
    duplicates: dict[str, list[dict]] = field(default_factory=dict)  # id -> near copies it gains
    minhash: dict[str, str] = field(default_factory=dict)
    rewrite: list[str] = field(default_factory=list)  # same text, new title: re-added
    relabel: list[Article] = field(default_factory=list)  # same text, other new metadata
    replaces: set[str] = field(default_factory=set)  # new ids read from an origin held before
    copies: list[tuple[Article, ArticleRecord]] = field(default_factory=list)  # known, new origin


class Indexer:
    def __init__(
        self,
        store: ArticleStore,
        embedder: Embedder,
        chunker: Chunker,
        near_duplicate: float,
        commit_chunks: int = COMMIT_BATCH_CHUNKS,
    ) -> None:
        self.store = store
        self.commit_chunks = commit_chunks
        self.embedder = embedder
        self.chunker = chunker
        self.near_duplicate = near_duplicate
        self._vectors: dict[str, np.ndarray] = {}  # embedding text -> vector, until committed
        self._chunked: dict[tuple[str, str], list[Chunk]] = {}
        self._signatures: dict[str, object] = {}
        self._change = LexicalChange()  # what the commit under way did to the committed chunks
        self._view: RecordView | None = None  # the records the commit under way reads

    def run(
        self,
        articles: Sequence[Article],
        skipped: Sequence[Skipped] = (),
        files_read: Sequence[str] = (),
        prune: bool = False,
        progress: bool = False,
        exists: Callable[[str], bool] | None = None,
    ) -> IngestReport:
        """Ingest `articles`. `files_read` are the files that were read whole (their records are
        all in `articles`): with `prune`, their origins that no longer appear are removed, as are
        origins whose files are gone."""
        started = time.perf_counter()
        exists = exists or may_exist
        if self.store.shared:
            report = self._run_shared(articles, files_read, prune, progress, exists)
        else:
            with self.store.writing():
                report = self._commit(articles, files_read, prune, progress, exists, True)
        report.skipped[:0] = list(skipped)
        report.seconds = time.perf_counter() - started
        return report

    def _commit(
        self,
        articles: Sequence[Article],
        files_read: Sequence[str],
        prune: bool,
        progress: bool,
        exists: Callable[[str], bool],
        repair: bool,
    ) -> IngestReport:
        """One commit under the writer lock or lease: plan against what is committed now,
        write (embedding what `_vectors` lacks), settle origins, prune, bump the revision."""
        report = IngestReport()
        chroma = self.store.chroma
        base = self.store.lexical_base()
        self._change = LexicalChange()
        catalog = self.store.catalog(self.near_duplicate)
        view = self._view = RecordView(chroma, catalog if catalog.revision() == base[0] else None)
        if repair:
            report.repaired_chunks = chroma.repair(self.store.orphan_grace, view.chunk_count())
        view.prepare(articles)
        self._sign_again(view.records)
        plan = self._plan(articles, view, report, exists)
        records = view.records
        started_writing = done = False
        try:
            if plan.new or plan.rewrite or plan.relabel:
                # a reader that opens the store while this run writes rebuilds its lexical
                # index from what is committed by then, never from a stale cache
                chroma.bump_revision(self.embedder.dimension, settled=False)
                started_writing = True
            for article_id in plan.rewrite:
                chroma.delete_article(article_id)
                old = records.pop(article_id)
                view.drop(article_id)
                self._change.remove(article_id, old.n_chunks, byline(old.meta))
            for article in plan.relabel:  # the title is embedded; the rest is not
                self._relabel(article, records)
                report.relabelled.append(article.id)
            self._embed_and_write(plan, report, progress)
            view.load(plan.duplicates)  # stored articles that gain near copies
            self._settle(records, plan, report)
            if prune:
                self._prune(view.load_all(), articles, set(files_read), exists, report)
            done = True
        finally:
            revision = base[0]
            if report.changed or started_writing:
                revision = uuid.uuid4().hex
                if done:  # the index first: a reader of the new revision finds it at once
                    self.store.advance_lexical(base, revision, self._change)
                chroma.bump_revision(self.embedder.dimension, revision=revision)
            if done and (view.events or view.complete) and not revision.startswith(WRITING):
                view.save(catalog, revision)  # nothing written: a full read still makes one
            catalog.close()
        return report

    def _relabel(self, article: Article, records: dict[str, ArticleRecord]) -> None:
        """New metadata for a stored article (same text and title): no new embeddings."""
        old = records[article.id]
        self.store.chroma.update_article_meta(article)
        records[article.id] = replace(old, meta=article.meta)
        day = day_number(article.published)
        self._change.relabel(article.id, old.n_chunks, day, byline(old.meta), byline(article.meta))

    def _run_shared(
        self,
        articles: Sequence[Article],
        files_read: Sequence[str],
        prune: bool,
        progress: bool,
        exists: Callable[[str], bool],
    ) -> IngestReport:
        """Ingest into a store that other processes write to as well (a server store with its
        writer lease). What looks new now is embedded outside the lease, a batch of about
        `commit_chunks` chunks at a time, and each batch is committed under the lease by
        `_commit`, which plans again against what is committed by then: an article another
        worker committed meanwhile is known (its origin added), a near copy of one is a
        duplicate, and its vectors go unused. A last commit over every article settles origins
        and prunes, as a single run would."""
        report = IngestReport()
        guess = self._plan(articles, RecordView(self.store.chroma, None), IngestReport(), exists)
        bar = tqdm(
            total=len(guess.new),
            unit="article",
            desc="ingest",
            disable=not progress or len(guess.new) < 20,
        )
        repair = True
        for batch in self._batches(guess.new):
            self._embed([t for a in batch for t in self._texts(a)])
            with self.store.writing():
                _merge(report, self._commit(batch, (), False, False, exists, repair))
            repair = False
            self._vectors.clear()
            bar.update(len(batch))
        bar.close()
        with self.store.writing():
            final = self._commit(articles, files_read, prune, False, exists, repair)
        fresh = set(report.added) | set(report.updated)
        final.unchanged = [i for i in final.unchanged if i not in fresh]
        _merge(report, final)
        self._chunked.clear()
        self._signatures.clear()
        return report

    def _batches(self, articles: Sequence[Article]) -> list[list[Article]]:
        batches: list[list[Article]] = [[]]
        size = 0
        for article in articles:
            if size >= self.commit_chunks:
                batches.append([])
                size = 0
            batches[-1].append(article)
            size += len(self._chunks_of(article) or ())
        return [batch for batch in batches if batch]

    def _chunks_of(self, article: Article) -> list[Chunk] | None:
        """The article's chunks (remembered for its commit); None when it cannot be chunked."""
        key = (article.id, article.title)
        if key not in self._chunked:
            try:
                self._chunked[key] = self.chunker.chunk(article)
            except ValueError:
                return None
        return self._chunked[key]

    def _texts(self, article: Article) -> list[str]:
        return [embedding_text(article.title, c.text) for c in self._chunks_of(article) or ()]

    def _embed(self, texts: Sequence[str]) -> None:
        """Embed the texts not embedded yet into `_vectors`."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            vectors = self.embedder.encode(missing)
            self._vectors.update(zip(missing, np.asarray(vectors), strict=True))

    def _sign_again(self, records: dict[str, ArticleRecord]) -> None:
        """Give a record whose near-duplicate signature is missing or of an older form (see
        ingest.dedup) a current one, computed from its stored text, so it can still be matched."""
        for record in list(records.values()):
            if decode(record.minhash) is not None:
                continue
            article = self.store.chroma.article(record.id)
            if article is None:
                continue
            minhash = encode(signature(article.text))
            self.store.chroma.update_record(record, minhash=minhash)
            records[record.id] = replace(record, minhash=minhash)
            self._noted(records[record.id])

    # ---- planning (no writes) ----------------------------------------------------------------
    def _plan(
        self,
        articles: Sequence[Article],
        view: RecordView,
        report: IngestReport,
        exists: Callable[[str], bool],
    ) -> _Plan:
        plan = _Plan()
        incoming = {a.id for a in articles}
        reread = {a.origin for a in articles}
        records = view.records
        held_before = {o for r in records.values() for o in r.origins}
        vanishing = {
            r.id
            for r in records.values()
            if r.id not in incoming and all(o in reread for o in r.origins)
        }
        near = view.near(self.near_duplicate, vanishing)
        accepted: set[str] = set()
        for article in articles:
            if article.origin in plan.holder:
                continue  # the same record twice in one run
            if article.id in records:
                self._known(article, records[article.id], plan, report)
            elif article.id in accepted:
                plan.holder[article.origin] = article.id
                plan.origins[article.id].append(article.origin)
                report.duplicates.append(Duplicate(article.origin, article.title, article.id, 1.0))
            else:
                sig = self._signature(article)
                match = near.match(sig)
                if match:
                    kept, similarity = match
                    plan.holder[article.origin] = kept
                    plan.duplicates.setdefault(kept, []).append(_entry(article, similarity))
                    report.duplicates.append(
                        Duplicate(article.origin, article.title, kept, similarity)
                    )
                    continue
                accepted.add(article.id)
                near.add(article.id, sig)
                plan.new.append(article)
                plan.minhash[article.id] = encode(sig)
                plan.holder[article.origin] = article.id
                plan.origins[article.id] = [article.origin]
                if article.origin in held_before:
                    plan.replaces.add(article.id)
        self._classify_copies(plan, report, exists)
        return plan

    def _signature(self, article: Article):  # noqa: ANN202 - a datasketch MinHash
        """MinHash of the article's text, computed once per run (a shared run plans twice)."""
        if article.id not in self._signatures:
            self._signatures[article.id] = signature(article.text)
        return self._signatures[article.id]

    def _known(
        self,
        article: Article,
        record: ArticleRecord,
        plan: _Plan,
        report: IngestReport,
    ) -> None:
        """An article whose text is already stored."""
        plan.holder[article.origin] = record.id
        if article.origin == record.origin and _metadata_differs(article, record):
            if article.title == record.title:  # new authors or date: no new embeddings
                if all(a.id != record.id for a in plan.relabel):
                    plan.relabel.append(article)
                report.unchanged.append(record.id)
            elif record.id not in plan.rewrite:  # a corrected title: embedded again
                plan.rewrite.append(record.id)
                plan.new.append(article)
                plan.minhash[article.id] = record.minhash
                plan.origins[article.id] = list(record.origins)
                plan.replaces.add(article.id)
            return
        if article.origin in record.origins:
            report.unchanged.append(record.id)
            return
        plan.origins.setdefault(record.id, []).append(article.origin)
        plan.copies.append((article, record))

    def _classify_copies(self, plan: _Plan, report: IngestReport, exists) -> None:  # noqa: ANN001
        """A known text read from a new origin is a copy when the article still has another
        place that exists and that it keeps; otherwise it moved (or moved inside its file)."""
        for article, record in plan.copies:
            kept_elsewhere = any(
                o != article.origin
                and plan.holder.get(o, record.id) == record.id
                and exists(_path(o))
                for o in record.origins
            )
            if kept_elsewhere:
                report.duplicates.append(Duplicate(article.origin, article.title, record.id, 1.0))
            else:
                report.unchanged.append(record.id)

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
            try:
                chunks = self._chunked.get((article.id, article.title)) or self.chunker.chunk(
                    article
                )
            except ValueError as exc:  # e.g. a title that leaves no room for text
                report.skipped.append(Skipped(article.origin, str(exc)))
                for origin in plan.origins.pop(article.id, []):
                    plan.holder.pop(origin, None)
                bar.update(1)
                continue
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
        self._embed(texts)
        vectors = np.stack([self._vectors[t] for t in texts])
        for text in texts:
            self._vectors.pop(text, None)
        new: list[NewArticle] = []
        spans: list[slice] = []  # of each article's chunks in `texts` and `vectors`
        for article, chunks in pending:
            start = spans[-1].stop if spans else 0
            spans.append(slice(start, start + len(chunks)))
            new.append(
                NewArticle(
                    article,
                    chunks,
                    np.asarray(vectors[spans[-1]]),
                    origins=tuple(dict.fromkeys(plan.origins[article.id])),
                    duplicates=tuple(plan.duplicates.pop(article.id, ())),
                    minhash=plan.minhash[article.id],
                )
            )
        self.store.chroma.add_articles(new)
        for item, span in zip(new, spans, strict=True):
            article, chunks = item.article, item.chunks
            if self._view is not None:
                self._view.put(
                    entry(article.id, len(chunks), item.origins, item.duplicates, item.minhash)
                )
            self._change.add(
                article.id,
                [c.id for c in chunks],
                texts[span],
                day_number(article.published),
                byline(article.meta),
            )
            (report.updated if article.id in plan.replaces else report.added).append(article.id)
            report.chunks += len(chunks)
            report.tokens += sum(c.n_tokens for c in chunks)
            bar.update(1)

    # ---- bookkeeping and removal -------------------------------------------------------------
    def _settle(self, records: dict[str, ArticleRecord], plan: _Plan, report: IngestReport) -> None:
        """Every origin read in this run belongs to its holder alone: take it off the others."""
        for record in list(records.values()):
            gained = plan.origins.get(record.id, [])
            origins = [o for o in record.origins if plan.holder.get(o, record.id) == record.id]
            origins = list(dict.fromkeys([*origins, *gained]))
            fresh = plan.duplicates.get(record.id, [])
            renewed = {d["origin"] for d in fresh}
            duplicates = [
                d
                for d in record.duplicates
                if plan.holder.get(d.get("origin", ""), record.id) == record.id
                and d.get("origin") not in renewed
            ] + fresh
            self._update(records, record, origins, duplicates, report)

    def _update(
        self,
        records: dict[str, ArticleRecord],
        record: ArticleRecord,
        origins: list[str],
        duplicates: list[dict],
        report: IngestReport,
    ) -> None:
        if not origins:
            self.store.chroma.delete_article(record.id)
            del records[record.id]
            self._change.remove(record.id, record.n_chunks, byline(record.meta))
            if self._view is not None:
                self._view.drop(record.id)
            report.removed.append(record.id)
        elif tuple(origins) != record.origins or tuple(duplicates) != record.duplicates:
            self.store.chroma.update_record(record, origins=origins, duplicates=duplicates)
            records[record.id] = replace(
                record, origins=tuple(origins), duplicates=tuple(duplicates)
            )
            self._noted(records[record.id])

    def _noted(self, record: ArticleRecord) -> None:
        """A record rewritten by this commit (for the catalog)."""
        if self._view is not None:
            self._view.put(entry_of(record))

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
            path = _path(origin)
            return not exists(path) or (path in files_read and origin not in seen)

        for record in list(records.values()):
            origins = [o for o in record.origins if not gone(o)]
            duplicates = [d for d in record.duplicates if not gone(d.get("origin", ""))]
            self._update(records, record, origins, duplicates, report)


def _merge(report: IngestReport, part: IngestReport) -> None:
    """Add one commit's report to the run's (duplicates and skips once per origin)."""
    report.added += part.added
    report.updated += part.updated
    report.unchanged += part.unchanged
    report.relabelled += [i for i in part.relabelled if i not in report.relabelled]
    report.removed += part.removed
    report.repaired_chunks += part.repaired_chunks
    report.chunks += part.chunks
    report.tokens += part.tokens
    seen = {d.origin for d in report.duplicates}
    report.duplicates += [d for d in part.duplicates if d.origin not in seen]
    skipped = {(s.origin, s.reason) for s in report.skipped}
    report.skipped += [s for s in part.skipped if (s.origin, s.reason) not in skipped]


def may_exist(path: str) -> bool:
    """False only when the file is surely gone. A file that cannot be looked at (a folder
    without permission, an I/O error) may well be there: prune must not take it as deleted."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return True


def _path(origin: str) -> str:
    return origin.split("#", 1)[0]


def _entry(article: Article, similarity: float) -> dict:
    return {
        "origin": article.origin,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "similarity": round(similarity, 3),
    }


def _metadata_differs(article: Article, record: ArticleRecord) -> bool:
    return (
        article.title != record.title
        or (article.source or None) != record.source
        or tuple(article.authors) != record.authors
        or (article.published or None) != record.published
        or (article.url or None) != record.url
        or (article.section or None) != record.section
    )
