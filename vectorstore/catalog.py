"""What a commit needs to know of every stored article record, without reading them all: which
records hold an origin (a file or JSON record) or a near copy read from one, how many chunks
they count, and their near-duplicate signatures, looked up through the LSH bands of
`ingest.dedup`. Kept in a small SQLite file beside the store (derived data, like the BM25 index),
valid for one store revision: each commit brings it up to date in one transaction that ends by
naming the commit's revision, so a catalog of any other revision (an interrupted commit, another
writer's commit, an older version of this code) is never used: the commit reads every record
instead and writes the catalog anew.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.dedup import N_HASHES, decode_values, lsh_bands

SCHEMA = "1"
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, ord INTEGER, n_chunks INTEGER, sig BLOB);
CREATE INDEX IF NOT EXISTS records_ord ON records (ord);
CREATE TABLE IF NOT EXISTS holds (origin TEXT, id TEXT);
CREATE INDEX IF NOT EXISTS holds_origin ON holds (origin);
CREATE INDEX IF NOT EXISTS holds_id ON holds (id);
CREATE TABLE IF NOT EXISTS bands (band INTEGER, key BLOB, id TEXT);
CREATE INDEX IF NOT EXISTS bands_key ON bands (band, key);
CREATE INDEX IF NOT EXISTS bands_id ON bands (id);
"""
_LOOKUP_BATCH = 500  # origins per query


@dataclass(frozen=True)
class Entry:
    """A record as the catalog keeps it: its origins and its near copies' origins, the chunks
    it counts, its stored signature (empty or unreadable: not matched)."""

    id: str
    n_chunks: int
    origins: tuple[str, ...]
    minhash: str


def entry(
    record_id: str, n_chunks: int, origins: Iterable[str], duplicates: Iterable[dict], minhash: str
) -> Entry:
    held = [*origins, *(str(d.get("origin", "")) for d in duplicates)]
    return Entry(record_id, n_chunks, tuple(dict.fromkeys(o for o in held if o)), minhash)


class Catalog:
    def __init__(self, path: Path, threshold: float) -> None:
        self.path = path
        self.bands, self.rows = lsh_bands(threshold)
        self._params = f"{SCHEMA}:{self.bands}x{self.rows}"
        self._connection: sqlite3.Connection | None = None

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """The catalog's connection, opened on first use and kept (a commit makes a lookup or
        two per article) until `close`."""
        if self._connection is None:
            connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            # a damaged schema is left for the reads to fail on (the commit then reads every
            # record) and for the next full write to replace
            with contextlib.suppress(sqlite3.Error):
                connection.executescript(_TABLES)
            self._connection = connection
        yield self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def revision(self) -> str | None:
        """The store revision the catalog describes (None: none, or built another way)."""
        try:
            with self._db() as db:
                got = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error:
            return None
        return got.get("revision") if got.get("params") == self._params else None

    def holders(self, origins: Iterable[str]) -> set[str]:
        """Ids of the records that hold any of `origins`, or a near copy read from one."""
        wanted = list(dict.fromkeys(origins))
        found: set[str] = set()
        with self._db() as db:
            for i in range(0, len(wanted), _LOOKUP_BATCH):
                part = wanted[i : i + _LOOKUP_BATCH]
                marks = ",".join("?" * len(part))
                query = f"SELECT id FROM holds WHERE origin IN ({marks})"  # noqa: S608 - marks
                found.update(row[0] for row in db.execute(query, part))
        return found

    def chunk_count(self) -> int:
        """Chunks the records count, all together."""
        with self._db() as db:
            return int(db.execute("SELECT total(n_chunks) FROM records").fetchone()[0])

    def candidates(self, values: np.ndarray) -> list[tuple[str, int, np.ndarray]]:
        """(id, order, signature) of the records sharing a whole LSH band with `values`: every
        record at or above the threshold is among them (see `ingest.dedup.lsh_bands`)."""
        ids: set[str] = set()
        with self._db() as db:
            for band, key in enumerate(self._keys(values)):
                rows = db.execute("SELECT id FROM bands WHERE band = ? AND key = ?", (band, key))
                ids.update(row[0] for row in rows)
            found = []
            for record_id in sorted(ids):
                row = db.execute("SELECT ord, sig FROM records WHERE id = ?", (record_id,))
                order, sig = row.fetchone()
                found.append((record_id, int(order), np.frombuffer(sig, dtype="<u4")))
        return found

    def _keys(self, values: np.ndarray) -> list[bytes]:
        values = np.asarray(values).astype("<u4")
        return [values[b * self.rows : (b + 1) * self.rows].tobytes() for b in range(self.bands)]

    def write(
        self, revision: str, events: Sequence[tuple[str, Entry | str]], base: Sequence[Entry] | None
    ) -> None:
        """Apply a commit's record changes, in order ("put" an entry, "drop" an id), on `base`
        (every record as the commit found it: the catalog is written anew) or on the catalog
        as it is, and name `revision`, all in one transaction."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM meta")
                if base is not None:  # anew, tables included (a damaged one is replaced)
                    for table in ("records", "holds", "bands"):
                        db.execute(f"DROP TABLE IF EXISTS {table}")
                    for statement in _TABLES.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    for item in base:
                        self._put(db, item)
                for kind, item in events:
                    if kind == "put":
                        self._put(db, item)  # type: ignore[arg-type]
                    else:
                        self._drop(db, str(item))
                db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("revision", revision), ("params", self._params)],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _drop(self, db: sqlite3.Connection, record_id: str) -> None:
        for table in ("records", "holds", "bands"):
            db.execute(f"DELETE FROM {table} WHERE id = ?", (record_id,))  # noqa: S608

    def _put(self, db: sqlite3.Connection, item: Entry) -> None:
        """Insert or replace a record (a new one comes last in order; a known one keeps its
        place)."""
        row = db.execute("SELECT ord FROM records WHERE id = ?", (item.id,)).fetchone()
        if row is None:  # max() reads the ord index's last entry, not every record
            row = db.execute("SELECT coalesce(max(ord) + 1, 0) FROM records").fetchone()
        self._drop(db, item.id)
        values = decode_values(item.minhash)
        sig = values.astype("<u4").tobytes() if values is not None else b""
        db.execute("INSERT INTO records VALUES (?, ?, ?, ?)", (item.id, row[0], item.n_chunks, sig))
        db.executemany("INSERT INTO holds VALUES (?, ?)", [(o, item.id) for o in item.origins])
        if values is not None:
            keys = self._keys(values)
            db.executemany(
                "INSERT INTO bands VALUES (?, ?, ?)",
                [(band, key, item.id) for band, key in enumerate(keys)],
            )


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard of two signatures (the share of equal hash values), as datasketch's
    `MinHash.jaccard` computes it."""
    return float(np.count_nonzero(a == b)) / float(N_HASHES)
