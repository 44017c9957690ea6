"""The article store: Chroma (embedded or a server) plus the BM25 index derived from it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout
from platformdirs import user_cache_dir

from ingest.chunking import embedding_text
from ingest.errors import InvalidInputError, StoreBusyError, StoreError
from vectorstore.chroma_store import ChromaStore
from vectorstore.lexical import LexicalIndex
from vectorstore.records import day_number


def _chroma_settings():  # noqa: ANN202
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class ArticleStore:
    """One store: `chroma` holds the data; `lexical()` gives a BM25 index in sync with it."""

    def __init__(self, chroma: ChromaStore, lexical_dir: Path, lock_path: Path | None) -> None:
        """`lock_path` is the single-writer lock of an embedded store; None for a server."""
        self.chroma = chroma
        self.lexical_dir = lexical_dir
        self.lock_path = lock_path
        self._lexical: LexicalIndex | None = None
        self._guard = threading.Lock()

    @property
    def orphan_grace(self) -> float:
        """How old uncommitted chunks must be before a run removes them: at once under the
        embedded store's lock; after an hour on a server, where another client may be writing."""
        return 0.0 if self.lock_path is not None else 3600.0

    @property
    def location(self) -> str:
        return self.chroma.location

    @classmethod
    def open_local(cls, path: Path, name: str, model_name: str) -> ArticleStore:
        import chromadb

        path = Path(path).expanduser()
        if path.exists() and not path.is_dir():
            raise InvalidInputError(f"store path is not a folder: {path}")
        try:
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        except InvalidInputError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        chroma = ChromaStore(client, name, model_name, location=str(path))
        return cls(chroma, path / f"lexical-{name}", path / ".article-qa.lock")

    @classmethod
    def open_server(cls, host: str, port: int, name: str, model_name: str) -> ArticleStore:
        import chromadb

        location = f"http://{host}:{port}"
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=_chroma_settings())
            client.heartbeat()
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {location}: {exc}") from exc
        chroma = ChromaStore(client, name, model_name, location=location)
        cache = Path(user_cache_dir("article-qa", appauthor=False))
        return cls(chroma, cache / f"lexical-{host}-{port}-{name}", None)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the single-writer lock of an embedded store (a server serialises writes itself).

        Never waits: a store being written to raises StoreBusyError. Each call takes the lock
        through a new FileLock (its own descriptor), so a second writer in this process, from
        another ArticleStore, another thread or a nested call, is refused like another process.
        """
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
            yield
        finally:
            lock.release()

    def lexical(self) -> LexicalIndex:
        """The BM25 index for the store's current revision: from memory, the disk cache, or built."""
        revision = self.chroma.revision
        with self._guard:
            if self._lexical is not None and self._lexical.revision == revision:
                return self._lexical
            index = LexicalIndex.load(self.lexical_dir, revision)
            if index is None:
                committed = set(self.chroma.article_records())
                chunks = [c for c in self.chroma.all_chunks() if c.article_id in committed]
                index = LexicalIndex.build(
                    [c.id for c in chunks],
                    [day_number(c.published) for c in chunks],
                    [embedding_text(c.title, c.text) for c in chunks],
                    revision,
                )
                with contextlib.suppress(OSError):
                    index.save(self.lexical_dir)
            self._lexical = index
            return index
