"""Chroma holds everything: chunk vectors with their text, and article records with full text.

Two collections per store: `<name>-chunks` (one vector per chunk) and `<name>-articles` (one per
article: the mean of its chunk vectors, the article text as document). An article record is
written after its chunks and deleted before them, so it marks a committed article: chunks whose
article record is missing are leftovers of an interrupted run, ignored by readers and removed by
`repair()`. Chroma's default embedding function is never used: vectors are always passed in.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ingest.chunking import embedding_text
from ingest.embedder import DEFAULT_BACKEND, canonical_model_name, preferred_backend, vector_kind
from ingest.errors import ArticleQAError, ModelMismatchError, StoreError
from ingest.models import Article, Chunk
from vectorstore.records import (
    ArticleRecord,
    StoredChunk,
    article_metadata,
    chunk_metadata,
    cleared,
    day_of,
    meta_fields,
    record_from_metadata,
    refreshed_chunk_metadata,
    stored_chunk,
)

T = TypeVar("T")


@dataclass(frozen=True)
class NewArticle:
    """An article to write: its chunks, their vectors, and its record's bookkeeping."""

    article: Article
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    origins: tuple[str, ...]
    duplicates: tuple[dict, ...] = ()
    minhash: str = ""

    def mean_vector(self) -> np.ndarray:
        """The article record's vector: the normalised mean of its chunks' vectors."""
        mean = np.asarray(self.vectors).mean(axis=0)
        return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)

    def record_metadata(self) -> dict[str, Any]:
        return article_metadata(
            self.article, len(self.chunks), self.origins, self.duplicates, self.minhash
        )


SCHEMA_VERSION = 1
WRITING = "writing-"  # prefix of a revision taken at the start of a commit


def _timed_out(exc: BaseException) -> bool:
    import httpx

    return isinstance(exc, (httpx.TimeoutException, TimeoutError))


def _timeout_of(client: object) -> str:
    session = getattr(getattr(client, "_server", None), "_session", None)
    timeout = getattr(getattr(session, "timeout", None), "read", None)
    return f"{timeout:g}" if isinstance(timeout, (int, float)) else "the timeout of"


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """Chroma and transport failures (a server gone away, a broken folder) become StoreError."""

    @functools.wraps(method)
    def wrapper(self: ChromaStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (ArticleQAError, KeyboardInterrupt):
            raise
        except Exception as exc:
            kind = "server" if self.location.startswith("http") else "store"
            if _timed_out(exc):
                raise StoreError(
                    f"the Chroma {kind} at {self.location} did not answer within "
                    f"{_timeout_of(self.client)} s (ARTICLE_QA_CHROMA_TIMEOUT_S); it may be "
                    "overloaded or frozen"
                ) from exc
            raise StoreError(f"the Chroma {kind} at {self.location} failed: {exc}") from exc

    return wrapper


PAGE = 2000
# HNSW search beam. Chroma's default, 100, missed the nearest chunk of 4-6 of 500 RealTimeQA
# questions on the 2,000-article store (recall@40 against exact search 0.984), a different few in
# each process: the chunks written since the graph was last persisted (up to 1,000) are inserted
# again, in a new order, whenever a process opens the store. At 400: 500 of 500, recall@40
# 0.999, 1.7 against 1.0 ms a search (800: 0.9996, 2.3 ms).
EF_SEARCH = 400


def written_by(meta: dict[str, Any]) -> str | None:
    """The embedding backend that wrote a store's vectors: its stamp; a store written before
    backends were stamped was written by torch; None for a store nothing was written to."""
    if meta.get("embedding_backend"):
        return str(meta["embedding_backend"])
    return "torch" if meta.get("embedding_model") else None


def _widen_search(collection: Any) -> None:
    """A collection created with a narrower search beam (Chroma's default, before EF_SEARCH)
    searches with EF_SEARCH from now on: a setting of the collection, kept in the store."""
    hnsw = (collection.configuration_json or {}).get("hnsw") or {}
    if int(hnsw.get("ef_search", EF_SEARCH)) < EF_SEARCH:
        with warnings.catch_warnings():  # Chroma calls a collection made without its own
            warnings.simplefilter("ignore", DeprecationWarning)  # embedding function "legacy"
            collection.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})


class ChromaStore:
    def __init__(
        self, client: Any, name: str, model_name: str, location: str, backend: str = "auto"
    ) -> None:
        """`backend`: the embedding backend of this process, or "auto": the fastest one of the
        kind that wrote the store (see `ingest.embedder`), the default for a new store."""
        self.client = client
        self.name = name
        self.model_name = model_name
        self.location = location
        # called before every write: the server store's writer lease checks it still holds
        self.before_write: Callable[[], None] | None = None
        self.backend = backend
        self._chunks = self._collection(f"{name}-chunks")
        self._articles = self._collection(f"{name}-articles")
        if self.backend == "auto":
            self.backend = preferred_backend(
                written_by(self._chunks.metadata or {}) or DEFAULT_BACKEND
            )

    def _check_backend(self, meta: dict[str, Any]) -> None:
        """Vectors of another kind must not be mixed in, nor searched with this backend's."""
        stamped = written_by(meta)
        if stamped and self.backend != "auto" and vector_kind(stamped) != vector_kind(self.backend):
            raise ModelMismatchError(
                f"the store at {self.location} was written by embedding backend {stamped!r}, "
                f"but the configured backend is {self.backend!r}: their vectors differ; use "
                f"{stamped!r} (or auto) in ARTICLE_QA_EMBEDDING_BACKEND, or another store"
            )

    def _collection(self, full_name: str) -> Any:
        """Open or create a collection. A new one is not stamped with the model yet: the first
        write stamps it (`bump_revision`), once the model has loaded, so a misspelt model name
        never claims an empty store."""
        meta = {"schema_version": SCHEMA_VERSION}
        try:
            collection = self.client.get_or_create_collection(
                full_name,
                embedding_function=None,
                metadata=meta,
                configuration={"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}},
            )
            _widen_search(collection)
        except Exception as exc:
            raise StoreError(
                f"cannot open collection {full_name!r} at {self.location}: {exc}"
            ) from exc
        built_with = (collection.metadata or {}).get("embedding_model")
        if built_with and canonical_model_name(built_with) != canonical_model_name(self.model_name):
            raise ModelMismatchError(
                f"the store at {self.location} was built with embedding model {built_with!r} "
                f"(dimension {(collection.metadata or {}).get('embedding_dim', '?')}), but the "
                f"configured model is {self.model_name!r}; use the same model or another store"
            )
        self._check_backend(collection.metadata or {})
        return collection

    def _may_write(self) -> None:
        if self.before_write is not None:
            self.before_write()

    # ---- metadata -------------------------------------------------------------------------
    @_guarded
    def _meta(self) -> dict[str, Any]:
        self._chunks = self.client.get_collection(f"{self.name}-chunks", embedding_function=None)
        meta = dict(self._chunks.metadata or {})
        self._check_backend(meta)  # another process may have written first since the open
        return meta

    @property
    def revision(self) -> str:
        """Changes whenever the set of committed articles changes (keys the lexical index cache)."""
        return str(self._meta().get("revision", "empty"))

    @_guarded
    def bump_revision(self, dimension: int, settled: bool = True, revision: str = "") -> str:
        """A new revision (`revision`, else a fresh one); `settled=False` marks one taken while
        a commit is still writing (`WRITING`...): what is read under it may change, so its BM25
        index is not shared."""
        meta = self._meta()
        self._may_write()
        known = meta.get("embedding_dim")
        if known and int(known) != dimension:
            raise ModelMismatchError(
                f"the store holds {known}-dimensional vectors, the model gives {dimension}"
            )
        built_with = meta.get("embedding_model")
        if built_with and canonical_model_name(built_with) != canonical_model_name(self.model_name):
            raise ModelMismatchError(
                f"the store at {self.location} was built with embedding model {built_with!r}, "
                f"but the configured model is {self.model_name!r}"
            )
        meta.update(
            embedding_dim=dimension,
            embedding_model=canonical_model_name(self.model_name),
            embedding_backend=written_by(meta) or self.backend,
            revision=revision or ("" if settled else WRITING) + uuid.uuid4().hex,
        )
        meta.pop("hnsw:space", None)
        self._chunks.modify(metadata=meta)
        return meta["revision"]

    # ---- reads ------------------------------------------------------------------------------
    def _pages(
        self, collection: Any, include: list[str], where: dict | None = None
    ) -> Iterator[dict]:
        """Everything in `collection` (matching `where`), PAGE records at a time: the ids at
        once, then the records by id. (Paging by offset costs Chroma a walk past every earlier
        record per page: reading 840,000 chunks took 350 s that way, 70 s by id.)"""
        ids = collection.get(include=[], where=where)["ids"]
        for start in range(0, len(ids), PAGE):
            page = collection.get(ids=ids[start : start + PAGE], include=include)
            if page["ids"]:
                yield page

    @_guarded
    def article_records(self) -> dict[str, ArticleRecord]:
        records = {}
        for page in self._pages(self._articles, ["metadatas"]):
            for article_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                records[article_id] = record_from_metadata(article_id, meta)
        return records

    @_guarded
    def article(self, article_id: str) -> Article | None:
        got = self._articles.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return record_from_metadata(article_id, got["metadatas"][0]).to_article(got["documents"][0])

    @_guarded
    def records(self, ids: Sequence[str]) -> dict[str, ArticleRecord]:
        """The records (no text) of those of `ids` the store holds."""
        found = {}
        for i in range(0, len(ids), PAGE):
            got = self._articles.get(ids=list(ids[i : i + PAGE]), include=["metadatas"])
            for article_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                found[article_id] = record_from_metadata(article_id, meta)
        return found

    @_guarded
    def record(self, article_id: str) -> ArticleRecord | None:
        """One article's record (no text), or None."""
        return self.records([article_id]).get(article_id)

    @_guarded
    def count_chunks(self) -> int:
        return int(self._chunks.count())

    @_guarded
    def count_articles(self) -> int:
        return int(self._articles.count())

    @_guarded
    def chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        if not ids:
            return {}
        got = self._chunks.get(ids=list(ids), include=["metadatas", "documents"])
        return {
            cid: stored_chunk(cid, doc, meta)
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }

    @_guarded
    def chunk_vectors(self) -> tuple[list[str], np.ndarray]:
        """Every chunk's id and stored vector (rows in the ids' order)."""
        ids, rows = [], []
        for page in self._pages(self._chunks, ["embeddings"]):
            ids += page["ids"]
            rows.append(np.asarray(page["embeddings"], dtype=np.float32))
        return ids, np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    @_guarded
    def all_chunks(self) -> list[StoredChunk]:
        return [
            stored_chunk(cid, doc, meta)
            for page in self._pages(self._chunks, ["metadatas", "documents"])
            for cid, doc, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            )
        ]

    @_guarded
    def chunk_texts(self) -> list[tuple[str, str, str, int]]:
        """Every stored chunk as (chunk id, article id, embedding text, publication day): what
        the BM25 index is built from (no non-content spans, which it does not need)."""
        return [
            (cid, meta["article_id"], embedding_text(meta["title"], doc), day_of(meta))
            for page in self._pages(self._chunks, ["metadatas", "documents"])
            for cid, doc, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            )
        ]

    @_guarded
    def chunk_ids_of(self, article_ids: str | Sequence[str]) -> list[str]:
        if isinstance(article_ids, str):
            where: dict[str, Any] = {"article_id": article_ids}
        elif not article_ids:
            return []
        else:
            where = {"article_id": {"$in": list(article_ids)}}
        return list(self._chunks.get(where=where, include=[])["ids"])

    @_guarded
    def query(
        self,
        vector: np.ndarray,
        k: int,
        where: dict | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Nearest chunks as (chunk id, cosine similarity); `ids`: among these chunks only (an
        id Chroma does not hold is an error). (Chroma returns fewer when the store holds fewer:
        counting them first cost a scan per question.)"""
        if ids is not None and not ids:
            return []
        found = self._chunks.query(
            query_embeddings=[vector.astype(np.float32)],
            n_results=k if ids is None else min(k, len(ids)),
            where=where,
            ids=None if ids is None else list(ids),
            include=["distances"],
        )
        return [
            (cid, 1.0 - float(d))
            for cid, d in zip(found["ids"][0], found["distances"][0], strict=True)
        ]

    # ---- writes -----------------------------------------------------------------------------
    def add_article(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        origins: tuple[str, ...],
        duplicates: tuple[dict, ...] = (),
        minhash: str = "",
    ) -> None:
        """Write the chunks, then the article record that commits them."""
        self.add_articles([NewArticle(article, chunks, vectors, origins, duplicates, minhash)])

    @_guarded
    def add_articles(self, new: Sequence[NewArticle]) -> None:
        """Write the chunks of several articles, then their records, which commit them: a few
        large writes instead of two per article (Chroma's cost is mostly per write). A run
        interrupted in between leaves only uncommitted chunks, which `repair` removes."""
        rows = [(item, i) for item in new for i in range(len(item.chunks))]
        batch = max(1, min(PAGE, self.client.get_max_batch_size()))
        now = int(time.time())
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            self._may_write()
            self._chunks.upsert(
                ids=[item.chunks[i].id for item, i in part],
                embeddings=np.stack([item.vectors[i] for item, i in part]),
                documents=[item.chunks[i].text for item, i in part],
                metadatas=[chunk_metadata(item.article, item.chunks[i], now) for item, i in part],
            )
        for start in range(0, len(new), batch):
            part = new[start : start + batch]
            self._may_write()
            self._articles.upsert(
                ids=[item.article.id for item in part],
                embeddings=np.stack([item.mean_vector() for item in part]),
                documents=[item.article.text for item in part],
                metadatas=[item.record_metadata() for item in part],
            )

    @_guarded
    def update_record(self, record: ArticleRecord, **changes: Any) -> None:
        """Rewrite an article record's bookkeeping (origins, duplicates, its near-duplicate
        signature `minhash`) without touching vectors."""
        current = self._articles.get(ids=[record.id], include=["metadatas"])
        if not current["ids"]:
            return
        meta = dict(current["metadatas"][0])
        for key, value in changes.items():
            if key in ("origins", "duplicates"):
                meta[key] = json.dumps(list(value), ensure_ascii=False)
            elif key == "minhash":
                meta[key] = str(value)
            else:
                raise ValueError(f"cannot update {key!r} of an article record")
        self._may_write()
        self._articles.update(ids=[record.id], metadatas=[meta])

    @_guarded
    def update_article_meta(self, article: Article) -> None:
        """Give a stored article (same id, same text) and its chunks new metadata (authors,
        date, outlet...) and current non-content spans, keeping their vectors."""
        got = self._chunks.get(where={"article_id": article.id}, include=["metadatas"])
        for i in range(0, len(got["ids"]), PAGE):
            self._chunks.update(
                ids=got["ids"][i : i + PAGE],
                metadatas=[
                    refreshed_chunk_metadata(article, m) for m in got["metadatas"][i : i + PAGE]
                ],
            )
        self._articles.update(ids=[article.id], metadatas=[cleared(meta_fields(article.meta))])

    @_guarded
    def delete_article(self, article_id: str) -> None:
        """Remove the record first (uncommitting the article), then its chunks."""
        self._may_write()
        self._articles.delete(ids=[article_id])
        self._may_write()
        self._chunks.delete(where={"article_id": article_id})

    @_guarded
    def repair(self, min_age: float = 0.0, committed_chunks: int | None = None) -> int:
        """Delete chunks left by an interrupted run (no committed article record) that are at
        least `min_age` seconds old; returns how many. (In a shared server store, a younger
        orphan may belong to a run still in progress elsewhere.) `committed_chunks`: how many
        chunks the committed records count; when the store holds exactly that many there is
        nothing to look for, and the chunks are not read."""
        if committed_chunks is not None and self.count_chunks() == committed_chunks:
            return 0
        committed = set(self._articles.get(include=[])["ids"])
        cutoff = time.time() - min_age
        orphans: set[str] = set()
        for page in self._pages(self._chunks, ["metadatas"]):
            for chunk_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                if meta["article_id"] not in committed and meta.get("written_at", 0) <= cutoff:
                    orphans.add(chunk_id)
        ids = sorted(orphans)
        for i in range(0, len(ids), PAGE):
            self._may_write()
            self._chunks.delete(ids=ids[i : i + PAGE])
        return len(ids)
