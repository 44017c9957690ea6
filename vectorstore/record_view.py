"""The committed article records one commit reads: every one of them, read from Chroma, or, when
the store's catalog (vectorstore.catalog) describes the revision the commit starts from, only
those the commit can touch: the articles read again, the records holding an origin read in this
run (or a near copy read from one), near-duplicate candidates, fetched by id. Either way the
commit plans and settles alike; the catalog only spares reading records it would leave as they
are. The view also notes the commit's record writes, which bring the catalog up to date."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence

from ingest.dedup import NearDuplicateIndex, decode
from ingest.errors import StoreError
from ingest.models import Article
from vectorstore.catalog import Catalog, Entry, entry, similarity
from vectorstore.chroma_store import ChromaStore
from vectorstore.records import ArticleRecord


def entry_of(record: ArticleRecord) -> Entry:
    return entry(record.id, record.n_chunks, record.origins, record.duplicates, record.minhash)


class RecordView:
    def __init__(self, chroma: ChromaStore, catalog: Catalog | None) -> None:
        """`catalog`: the store's catalog when it describes the revision the commit starts
        from; None: every record is read now."""
        self.chroma = chroma
        self.catalog = catalog
        self.records: dict[str, ArticleRecord] = {} if catalog else chroma.article_records()
        self.base = None if catalog else [entry_of(r) for r in self.records.values()]
        self.events: list[tuple[str, Entry | str]] = []
        self._dropped: set[str] = set()

    @property
    def complete(self) -> bool:
        """Every committed record is in `records`."""
        return self.catalog is None

    def load(self, ids: Iterable[str]) -> None:
        """Read the records of `ids` the view lacks (nothing to do when it holds them all)."""
        if self.catalog is None:
            return
        missing = [
            i for i in dict.fromkeys(ids) if i not in self.records and i not in self._dropped
        ]
        if missing:
            self.records.update(self.chroma.records(missing))

    def prepare(self, articles: Sequence[Article]) -> None:
        """Read what planning `articles` looks at: their records when their texts are stored,
        and the records holding their origins (or near copies read from them)."""
        if self.catalog is None:
            return
        self.load(a.id for a in articles)
        try:
            self.load(self.catalog.holders(a.origin for a in articles))
        except sqlite3.Error:  # a damaged catalog: read every record, and write it anew
            self.load_all()

    def load_all(self) -> dict[str, ArticleRecord]:
        """Every committed record (as written so far); the view holds them all from now on."""
        if self.catalog is not None:
            self.records = self.chroma.article_records()
            self.catalog = None  # the catalog is written anew, from the records as they are now
            self.base = [entry_of(r) for r in self.records.values()]
            self.events = []
        return self.records

    def chunk_count(self) -> int:
        """Chunks the committed records count, all together."""
        if self.catalog is not None:
            return self.catalog.chunk_count()
        return sum(r.n_chunks for r in self.records.values())

    def near(self, threshold: float, excluded: set[str]) -> NearMatcher:
        """Near-duplicate lookup among the records (but `excluded`), then among the articles
        added to it in this run."""
        return NearMatcher(threshold, self.catalog, excluded, self.records)

    # ---- the commit's record writes, for the catalog ------------------------------------------
    def put(self, item: Entry) -> None:
        self.events.append(("put", item))
        self._dropped.discard(item.id)

    def drop(self, record_id: str) -> None:
        self.events.append(("drop", record_id))
        self._dropped.add(record_id)

    def save(self, catalog: Catalog, revision: str) -> None:
        """Bring the catalog to `revision`: the commit's writes on the catalog it started
        from, or on every record it read. A catalog that cannot be written (a full disk) is
        left as it was: derived data, of another revision, so the next commit reads all."""
        with contextlib.suppress(sqlite3.Error, OSError):
            catalog.write(revision, self.events, self.base)


class NearMatcher:
    """The closest stored record at or above the threshold, else the closest article added in
    this run; of equally close ones, the one stored (or added) first, as `NearDuplicateIndex`."""

    def __init__(
        self,
        threshold: float,
        catalog: Catalog | None,
        excluded: set[str],
        records: dict[str, ArticleRecord],
    ) -> None:
        self.threshold = threshold
        self.catalog = catalog
        self.excluded = excluded
        self.local = NearDuplicateIndex(threshold)
        if catalog is None:  # every record is at hand: index their signatures now
            for record in records.values():
                sig = decode(record.minhash)
                if sig is not None and record.id not in excluded:
                    self.local.add(record.id, sig)

    def add(self, article_id: str, sig) -> None:  # noqa: ANN001 - a datasketch MinHash
        self.local.add(article_id, sig)

    def match(self, sig) -> tuple[str, float] | None:  # noqa: ANN001 - a datasketch MinHash
        local = self.local.match(sig)
        if self.catalog is None:
            return local
        best: tuple[float, int, str] | None = None
        try:
            candidates = self.catalog.candidates(sig.hashvalues)
        except sqlite3.Error as exc:
            raise StoreError(
                f"the catalog {self.catalog.path} cannot be read ({exc}); it is derived data: "
                "delete it and ingest again"
            ) from exc
        for record_id, order, values in candidates:
            if record_id in self.excluded:
                continue
            key = (similarity(values, sig.hashvalues), -order, record_id)
            if best is None or key > best:
                best = key
        stored_wins = best is not None and best[0] >= self.threshold
        if stored_wins and (local is None or best[0] >= local[1]):
            return best[2], best[0]
        return local
