"""The article store: Chroma (embedded or a server) plus the BM25 index derived from it."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from platformdirs import user_cache_dir

from ingest.errors import InvalidInputError, StoreBusyError, StoreError
from ingest.models import Article
from vectorstore.catalog import Catalog
from vectorstore.chroma_store import WRITING, ChromaStore
from vectorstore.lease import WriterLease
from vectorstore.lexical import LexicalChange, LexicalIndex
from vectorstore.records import ArticleRecord, StoredChunk, byline
from vectorstore.shared_lexical import SharedLexical

_SEGMENT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _earlier_store_traces(path: Path) -> list[str]:
    """What of an earlier store a folder holds when its database is missing (none: a new or an
    intact store): our BM25 cache, Chroma's vector segment folders (lock files are no trace:
    a process creating the store takes them before the database exists)."""
    if not path.is_dir() or (path / "chroma.sqlite3").exists():
        return []
    found = []
    for entry in sorted(path.iterdir()):
        if entry.name.startswith(("lexical-", "catalog-")):
            found.append(entry.name)
        elif entry.is_dir() and _SEGMENT.fullmatch(entry.name):
            found.append(f"vector segment {entry.name}")
    return found


def _set_timeout(client: object, seconds: float) -> None:
    """chromadb's HTTP client waits for ever (httpx timeout=None); give its session a limit."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        raise StoreError("this chromadb version offers no way to set a request timeout")
    session.timeout = httpx.Timeout(seconds)


def _open_chroma(path: Path, name: str, model_name: str, backend: str) -> ChromaStore:
    """Chroma on a store folder. A new store is created under a lock: processes that create the
    same store at once race in chromadb's schema set-up ("table collections already exists")."""
    import chromadb

    try:
        path.mkdir(parents=True, exist_ok=True)
        with FileLock(path / ".article-qa.create.lock", timeout=120, is_singleton=False):
            client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
            return ChromaStore(client, name, model_name, location=str(path), backend=backend)
    except (InvalidInputError, StoreError):
        raise
    except Timeout:
        raise StoreBusyError(f"another process has been creating the store at {path}") from None
    except Exception as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}") from exc


def _chroma_settings():  # noqa: ANN202
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


@dataclass(frozen=True)
class ServerLeaseSettings:
    """How writers share a server store (from qa.settings: writer_lease_s, writer_claim_s,
    writer_wait_s, share_lexical_index)."""

    lease_s: float = 30.0
    claim_s: float = 1.0
    wait_s: float = 300.0
    share_lexical: bool = True


class ArticleStore:
    """One store: Chroma holds the data; `snapshot()` gives what a request reads (the committed
    articles and a BM25 index in sync with them), and a few reads and writes complete it.
    Callers above the vectorstore layer use these, never `chroma` itself."""

    def __init__(
        self,
        chroma: ChromaStore,
        lexical_dir: Path,
        lock_path: Path | None,
        lease: WriterLease | None = None,
        shared_lexical: SharedLexical | None = None,
        writer_wait_s: float = 300.0,
    ) -> None:
        """`lock_path` is the single-writer lock of an embedded store; a server store has a
        `lease` instead (None: writes are not serialised) and may share its BM25 index."""
        self.chroma = chroma
        self.lexical_dir = lexical_dir
        self.lock_path = lock_path
        self.lease = lease
        self.shared_lexical = shared_lexical
        self.writer_wait_s = writer_wait_s
        self._snapshot: Snapshot | None = None
        self._failed_write = False  # a write failed on a full disk: reopen before the next
        self._guard = threading.Lock()

    @property
    def orphan_grace(self) -> float:
        """How old uncommitted chunks must be before a run removes them: at once under the
        embedded store's lock or the server's writer lease (no other writer can be midway);
        after an hour on a server without a lease, where another client may be writing."""
        return 0.0 if self.lock_path is not None or self.lease is not None else 3600.0

    @property
    def shared(self) -> bool:
        """Several processes may write (a server store with its writer lease): an ingest
        embeds outside the lease and holds it only to commit each batch."""
        return self.lease is not None

    @property
    def location(self) -> str:
        return self.chroma.location

    @property
    def embedding_backend(self) -> str:
        """The embedding backend this store is read and written with (never "auto")."""
        return self.chroma.backend

    @classmethod
    def open_local(
        cls, path: Path, name: str, model_name: str, backend: str = "auto"
    ) -> ArticleStore:
        """`backend`: the embedding backend, or "auto": the one that wrote the store (see
        `ChromaStore`); `embedding_backend` says which it is once open."""
        path = Path(path).expanduser()
        if path.exists() and not path.is_dir():
            raise InvalidInputError(f"store path is not a folder: {path}")
        traces = _earlier_store_traces(path)
        if traces:
            raise StoreError(
                f"the store folder {path} holds an earlier store ({', '.join(traces)}) but not "
                "its database chroma.sqlite3: restore that file from a backup, or use another "
                "(empty) store folder; nothing was changed"
            )
        chroma = _open_chroma(path, name, model_name, backend)
        return cls(chroma, path / f"lexical-{name}", path / ".article-qa.lock")

    def _reopen(self, stop: bool = False) -> None:
        """A fresh Chroma client on an embedded store: chromadb keeps one in-process system per
        folder, whose vector segment readers do not see segments another process created after
        they were opened (a store that was empty when this process opened it), and which a
        failed write (a full disk) leaves unable to write again. `stop`: close the old one."""
        from chromadb.api.shared_system_client import SharedSystemClient

        path = Path(self.chroma.location)
        old = SharedSystemClient._identifier_to_system.pop(str(path), None)
        if stop and old is not None:
            with contextlib.suppress(Exception):
                old.stop()
        chroma = self.chroma
        self.chroma = _open_chroma(path, chroma.name, chroma.model_name, chroma.backend)

    @classmethod
    def open_server(
        cls,
        host: str,
        port: int,
        name: str,
        model_name: str,
        timeout: float = 30.0,
        lease: ServerLeaseSettings | None = None,
        backend: str = "auto",
    ) -> ArticleStore:
        """A store on a Chroma server; every request to it gives up after `timeout` seconds
        (a frozen server is a StoreError, never a hang). Writers take the store's writer
        lease (vectorstore.lease), and the BM25 index is shared through the server."""
        import chromadb

        lease = lease or ServerLeaseSettings()
        location = f"http://{host}:{port}"
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=_chroma_settings())
            _set_timeout(client, timeout)
            client.heartbeat()
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {location}: {exc}") from exc
        chroma = ChromaStore(client, name, model_name, location=location, backend=backend)
        try:
            writer = WriterLease(
                client, f"{name}-writer", lease.lease_s, lease.claim_s, location=location
            )
            shared = SharedLexical(client, f"{name}-lexical") if lease.share_lexical else None
        except (InvalidInputError, StoreError):
            raise
        except ValueError as exc:
            raise InvalidInputError(f"invalid writer lease settings: {exc}") from None
        except Exception as exc:
            raise StoreError(f"cannot open the store at {location}: {exc}") from exc
        cache = Path(user_cache_dir("article-qa", appauthor=False))
        lexical_dir = cache / f"lexical-{host}-{port}-{name}"
        return cls(chroma, lexical_dir, None, writer, shared, lease.wait_s)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the single-writer lock of an embedded store, or a server store's writer lease.

        The lock never waits: a store being written to raises StoreBusyError. Each call takes
        the lock through a new FileLock (its own descriptor), so a second writer in this
        process, from another ArticleStore, another thread or a nested call, is refused like
        another process. The lease waits up to `writer_wait_s` (other writers hold it briefly,
        per batch); while it is held every write checks it first.
        """
        if self.lease is not None:
            with self._leased():
                yield
            return
        if self.lock_path is None:
            yield
            return
        lock = FileLock(self.lock_path, timeout=0, is_singleton=False)
        try:
            lock.acquire()
        except Timeout:
            raise StoreBusyError(
                f"another process is writing to the store at {self.location}; "
                "wait for it, or use a Chroma server to share a store"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot lock the store at {self.location}: {exc}") from exc
        try:
            if self._failed_write:  # chromadb's system was left mid-write: start a new one
                with self._guard:
                    self._reopen()
                self._failed_write = False
            yield
        except StoreError as exc:
            self._failed_write = "disk is full" in str(exc)
            raise
        finally:
            lock.release()

    @contextlib.contextmanager
    def _leased(self) -> Iterator[None]:
        assert self.lease is not None
        with self.lease.hold(self.writer_wait_s) as held:
            self.chroma.before_write = held.check
            try:
                if held.needs_repair:  # a writer died or failed holding it: drop its leftovers
                    self.chroma.repair(min_age=0.0)
                    held.needs_repair = False
                yield
            finally:
                self.chroma.before_write = None

    def wait_for_writer(self, timeout: float) -> None:
        """Block until no process writes to this embedded store (at most `timeout` seconds:
        then StoreBusyError); returns at once on a server."""
        if self.lock_path is None:
            return
        lock = FileLock(self.lock_path, timeout=timeout, is_singleton=False)
        try:
            lock.acquire()
        except Timeout:
            raise StoreBusyError(
                f"another process has been writing to the store at {self.location} for over "
                f"{timeout:g} s; try again when it is done"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot lock the store at {self.location}: {exc}") from exc
        lock.release()

    # ---- reads: one snapshot per request --------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The committed articles and their BM25 index at the store's current revision: from
        memory, or once per revision from the index's disk cache (or built, when not cached).
        The article records are read when first asked for."""
        revision = self.chroma.revision
        with self._guard:
            if self._snapshot is None or self._snapshot.revision != revision:
                lexical = LexicalIndex.load(self.lexical_dir, revision)
                if lexical is None:
                    lexical = self._lexical(revision)
                self._snapshot = Snapshot(revision, lexical, self._read_records)
            return self._snapshot

    def _read_records(self) -> dict[str, ArticleRecord]:
        return self.chroma.article_records()

    def _lexical(self, revision: str) -> LexicalIndex:
        """The index of `revision` from the server's shared copy, or built from the chunks."""
        if self.shared_lexical is not None:
            index = self.shared_lexical.fetch(revision, self.lexical_dir)
            if index is not None:
                return index
        records = self.chroma.article_records()
        chunks = [c for c in self.chroma.chunk_texts() if c[1] in records]
        index = LexicalIndex.build(
            [cid for cid, _, _, _ in chunks],
            [day for _, _, _, day in chunks],
            [text for _, _, text, _ in chunks],
            revision,
            bylines=[byline(r.meta) for r in records.values()],
        )
        if self.chroma.revision != revision:  # a commit ran meanwhile: what was read may be newer
            return index
        with contextlib.suppress(OSError):
            index.save(self.lexical_dir)
        if self.shared_lexical is not None and not revision.startswith(WRITING):
            self.shared_lexical.publish(index, current=revision)
        return index

    def catalog(self, threshold: float) -> Catalog:
        """The catalog of article records beside the BM25 index (see vectorstore.catalog)."""
        name = self.lexical_dir.name.replace("lexical-", "catalog-", 1)
        return Catalog(self.lexical_dir.with_name(f"{name}.sqlite3"), threshold)

    def lexical_base(self) -> tuple[str, LexicalIndex | None]:
        """At the start of a commit (under the writer lock or lease): the revision and, when
        it is cached, its BM25 index, which `advance_lexical` brings up to the commit's end."""
        revision = self.chroma.revision
        if revision.startswith(WRITING):  # an interrupted commit: its index may not be exact
            return revision, None
        with self._guard:
            if self._snapshot is not None and self._snapshot.revision == revision:
                return revision, self._snapshot.lexical
        return revision, LexicalIndex.load(self.lexical_dir, revision)

    def advance_lexical(
        self, base: tuple[str, LexicalIndex | None], revision: str, change: LexicalChange
    ) -> None:
        """For a commit that takes the store from `base` to `revision` making `change`, before
        the revision is written: save the BM25 index of `revision` (the base's with the change
        applied), so no reader has to build it from every chunk. Without a base index, the next
        reader builds it."""
        index = base[1]
        if index is None or revision.startswith(WRITING):
            return
        try:
            index.updated(change, revision).save(self.lexical_dir)
        except Exception:  # noqa: BLE001 - derived data: the next reader builds it instead
            return

    def article(self, article_id: str) -> Article | None:
        """One article with its text, or None when the store does not hold it."""
        return self.chroma.article(article_id)

    def dense_search(
        self,
        vector: np.ndarray,
        n: int,
        where: dict | None = None,
        among: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """The `n` chunks nearest to `vector` (ids and cosine similarities), optionally filtered
        by `where`. `among`: the committed chunks `where` selects, by id. An embedded store
        searches among those: Chroma's metadata filter reads every row it selects from SQLite
        (about 45 ms a question on 16,666 chunks, against 5 for the ids). A server store is
        sent `where`, smaller than the ids."""
        if among is not None and self.lock_path is not None:
            try:
                return self._dense_search(vector, n, ids=among)
            except StoreError:  # a chunk removed since the snapshot: filter instead
                pass
        return self._dense_search(vector, n, where=where)

    def _dense_search(
        self,
        vector: np.ndarray,
        n: int,
        where: dict | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        try:
            return self.chroma.query(vector, n, where=where, ids=ids)
        except StoreError as exc:
            if self.lock_path is None or "segment reader" not in str(exc):
                raise
        with self._guard:
            self._reopen()  # another process wrote the first vectors since this one opened
        return self.chroma.query(vector, n, where=where, ids=ids)

    def chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        return self.chroma.chunks(ids)

    def chunk_vectors(self) -> tuple[list[str], np.ndarray]:
        """Every chunk's id and stored vector, committed or not (for measuring the search)."""
        return self.chroma.chunk_vectors()

    def records_of(self, article_ids: Sequence[str]) -> dict[str, ArticleRecord]:
        """The records (no text) of those of `article_ids` the store holds."""
        return self.chroma.records(list(dict.fromkeys(article_ids))) if article_ids else {}

    def count_articles(self) -> int:
        return self.chroma.count_articles()

    def chunk_ids_of(self, article_ids: Sequence[str]) -> list[str]:
        """The ids of the stored chunks of these articles."""
        return self.chroma.chunk_ids_of(article_ids)

    def stats(self) -> dict[str, int | str]:
        return {
            "articles": self.count_articles(),
            "chunks": self.chroma.count_chunks(),
            "store": self.location,
        }

    # ---- writes -------------------------------------------------------------------------------
    def remove(self, article_id: str, dimension: int, threshold: float) -> None:
        """Delete an article and its chunks, under the writer lock. (`threshold`: the
        near-duplicate threshold, which the catalog's lookup bands follow.)"""
        with self.writing():
            record = self.chroma.record(article_id)
            base = self.lexical_base()
            catalog = self.catalog(threshold)
            current = catalog.revision() == base[0]
            self.chroma.bump_revision(dimension, settled=False)
            self.chroma.delete_article(article_id)
            revision = uuid.uuid4().hex
            if record is not None:  # the index first: a reader of the new revision finds it
                change = LexicalChange()
                change.remove(record.id, record.n_chunks, byline(record.meta))
                self.advance_lexical(base, revision, change)
            self.chroma.bump_revision(dimension, revision=revision)
            if current:
                with contextlib.suppress(sqlite3.Error, OSError):  # derived data: rebuilt
                    catalog.write(revision, [("drop", article_id)], None)
            catalog.close()


@dataclass(frozen=True)
class Snapshot:
    """The store as one request reads it: a revision, its BM25 index, and its committed
    articles' records (read from the store when first used: most questions never need them)."""

    revision: str
    lexical: LexicalIndex
    read_records: Callable[[], dict[str, ArticleRecord]] = field(repr=False, compare=False)

    @cached_property
    def records(self) -> dict[str, ArticleRecord]:
        return self.read_records()

    @property
    def empty(self) -> bool:
        """No committed article (every article has at least one chunk)."""
        return len(self.lexical) == 0

    @property
    def metadata_terms(self) -> frozenset[str]:
        """Terms of every article's outlet and authors (names known only from metadata)."""
        return self.lexical.metadata_terms
