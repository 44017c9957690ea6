"""BM25 over chunk texts, kept beside Chroma: local Chroma has no lexical index.

The index is derived data, keyed by the store's revision: a reader loads the one saved for the
revision it reads, or builds it from the chunks stored in Chroma. A writer does not leave the
next reader that rebuild: it applies what its commit changed (`LexicalChange`) to the index of
the revision it started from and saves the result under the new revision (`updated`), so an
ingest costs the index work of its own chunks, not of the whole store.

Scores are BM25 as bm25s computes them (method "lucene": idf = ln(1 + (N - df + 0.5) /
(df + 0.5)), tf / (tf + k1 (1 - b + b len / avglen)), k1 1.5, b 0.75, float32 per term), but
from term counts at query time rather than precomputed, so adding chunks never rewrites the
others' entries. Chunks live in segments (immutable once written: ids, lengths, terms per chunk,
postings per term); a commit adds a segment, and adjacent segments are merged whenever the newer
one is at least half the size of the one before it, so there are O(log n) of them and each chunk
is rewritten O(log n) times. A removed chunk keeps its position, marked dead (its terms leave the
document frequencies at once); when dead positions pass a quarter, everything is rewritten.

On disk (the store's `lexical-<name>` folder): one folder per segment, a file of per-position
arrays (publication day, live) and per-term document frequencies, and a manifest per revision
(`rev-<revision>.json`, written last) naming them. The latest few manifests are kept and files
none of them names are deleted; a reader that misses one takes it as "not cached".
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import json
import math
import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vectorstore.records import UNKNOWN_DAY
from vectorstore.terms import terms

FORMAT = "seg1"  # how chunks are tokenised and stored; part of the cache key
MAX_TERM_REPEATS = 3  # occurrences of a term in a chunk that count: repetition buys no rank
K1 = 1.5
B = 0.75
EMPTY = "<empty>"  # the one term of a chunk that has none (as bm25s indexed such a chunk)
KEEP_REVISIONS = 3  # manifests kept in the cache folder
COMPACT_DEAD_SHARE = 0.25


def saturated(tokens: Sequence[str], cap: int = MAX_TERM_REPEATS) -> list[str]:
    """The tokens with each term kept at most `cap` times (the first ones)."""
    seen: dict[str, int] = {}
    kept = []
    for token in tokens:
        seen[token] = seen.get(token, 0) + 1
        if seen[token] <= cap:
            kept.append(token)
    return kept


def chunk_terms(text: str) -> list[str]:
    """The terms a chunk is indexed by (its length is how many)."""
    return saturated(terms(text)) or [EMPTY]


def byline_terms(byline: str) -> set[str]:
    """Terms of an article's outlet and authors (names known from metadata)."""
    return set(terms(byline))


# ---- segments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Chunks at positions start .. start + n - 1. `terms`: the terms this segment added to the
    vocabulary (term ids are given in segment order); rows: each chunk's term ids and counts;
    postings: each term's chunk positions and counts."""

    name: str
    start: int
    ids: np.ndarray  # bytes, one per position
    lengths: np.ndarray  # int32
    terms: list[str]
    row_ptr: np.ndarray
    row_terms: np.ndarray  # int32
    row_tf: np.ndarray  # uint8 (counts are saturated at MAX_TERM_REPEATS)
    post_ptr: np.ndarray  # over term ids 0 .. highest in this segment
    post_docs: np.ndarray  # int32 global positions
    post_tf: np.ndarray  # uint8
    sorted_ids: np.ndarray  # ids, sorted, for membership
    sorted_pos: np.ndarray  # their local positions

    @property
    def n(self) -> int:
        return len(self.lengths)

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        if term + 1 >= len(self.post_ptr):
            return self.post_docs[:0], self.post_tf[:0]
        lo, hi = int(self.post_ptr[term]), int(self.post_ptr[term + 1])
        return self.post_docs[lo:hi], self.post_tf[lo:hi]

    def row(self, local: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = int(self.row_ptr[local]), int(self.row_ptr[local + 1])
        return self.row_terms[lo:hi], self.row_tf[lo:hi]

    def find(self, chunk_id: bytes) -> int | None:
        """The local position of `chunk_id`, or None."""
        i = int(np.searchsorted(self.sorted_ids, chunk_id))
        if i < len(self.sorted_ids) and self.sorted_ids[i] == chunk_id:
            return int(self.sorted_pos[i])
        return None


_ARRAYS = ("ids", "lengths", "row_ptr", "row_terms", "row_tf", "post_ptr", "post_docs", "post_tf")
_ARRAYS += ("sorted_ids", "sorted_pos")


def make_segment(
    start: int,
    ids: Sequence[str],
    rows: Sequence[tuple[np.ndarray, np.ndarray]],
    lengths: Sequence[int],
    new_terms: list[str],
) -> Segment:
    """A segment of chunks given as rows (term ids, counts), postings sorted out of them."""
    counts = np.fromiter((len(t) for t, _ in rows), dtype=np.int64, count=len(rows))
    row_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=row_ptr[1:])
    row_terms = _concat([t for t, _ in rows], np.int32)
    row_tf = _concat([f for _, f in rows], np.uint8)
    encoded = np.array([c.encode("utf-8") for c in ids], dtype=bytes)
    return _with_postings(start, encoded, lengths, new_terms, row_ptr, row_terms, row_tf)


def _with_postings(  # noqa: PLR0913 - the parts of a segment
    start: int,
    ids: np.ndarray,
    lengths: Sequence[int] | np.ndarray,
    new_terms: list[str],
    row_ptr: np.ndarray,
    row_terms: np.ndarray,
    row_tf: np.ndarray,
) -> Segment:
    docs = np.repeat(np.arange(len(row_ptr) - 1, dtype=np.int32), np.diff(row_ptr)) + start
    order = np.argsort(row_terms, kind="stable")
    top = int(row_terms.max()) + 1 if len(row_terms) else 0
    post_ptr = np.zeros(top + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_terms, minlength=top), out=post_ptr[1:])
    sort = np.argsort(ids, kind="stable")
    return Segment(
        name=f"s-{uuid.uuid4().hex[:16]}",
        start=start,
        ids=ids,
        lengths=np.asarray(lengths, dtype=np.int32),
        terms=list(new_terms),
        row_ptr=row_ptr,
        row_terms=row_terms.astype(np.int32, copy=False),
        row_tf=row_tf.astype(np.uint8, copy=False),
        post_ptr=post_ptr,
        post_docs=docs[order].astype(np.int32, copy=False),
        post_tf=row_tf[order].astype(np.uint8, copy=False),
        sorted_ids=ids[sort],
        sorted_pos=sort.astype(np.int32),
    )


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def merged(first: Segment, second: Segment) -> Segment:
    """One segment holding two adjacent ones (dead positions kept: positions never move)."""
    row_ptr = np.concatenate([first.row_ptr[:-1], second.row_ptr + first.row_ptr[-1]])
    return _with_postings(
        first.start,
        np.concatenate([first.ids, second.ids]),
        np.concatenate([first.lengths, second.lengths]),
        first.terms + second.terms,
        row_ptr,
        np.concatenate([first.row_terms, second.row_terms]),
        np.concatenate([first.row_tf, second.row_tf]),
    )


def save_segment(segment: Segment, folder: Path) -> None:
    """Write the segment's folder (under a temporary name, renamed when complete)."""
    target = folder / segment.name
    if target.exists():
        return
    tmp = folder / f".{segment.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in _ARRAYS:
        np.save(tmp / f"{name}.npy", getattr(segment, name))
    (tmp / "segment.json").write_text(json.dumps({"start": segment.start, "terms": segment.terms}))
    os.replace(tmp, target)


def _load_array(path: Path) -> np.ndarray:
    """Mapped, not read (a reader touches only the postings of its query's terms); an empty
    array cannot be mapped and is read."""
    try:
        return np.load(path, mmap_mode="r")
    except ValueError:
        return np.load(path)


def load_segment(folder: Path, name: str) -> Segment:
    meta = json.loads((folder / name / "segment.json").read_text())
    arrays = {n: _load_array(folder / name / f"{n}.npy") for n in _ARRAYS}
    return Segment(name=name, start=int(meta["start"]), terms=list(meta["terms"]), **arrays)


# ---- what a commit changed ------------------------------------------------------------------


@dataclass
class LexicalChange:
    """What one commit did to the committed chunks, in order: articles added (their chunks),
    removed, or given a new date or byline (same text). Applied by `LexicalIndex.updated`."""

    events: list[tuple] = field(default_factory=list)

    def add(
        self, article_id: str, chunk_ids: Sequence[str], texts: Sequence[str], day: int, byline: str
    ) -> None:
        self.events.append(("add", article_id, list(chunk_ids), list(texts), day, byline))

    def remove(self, article_id: str, n_chunks: int, byline: str) -> None:
        self.events.append(("remove", article_id, n_chunks, byline))

    def relabel(self, article_id: str, n_chunks: int, day: int, old: str, new: str) -> None:
        self.events.append(("relabel", article_id, n_chunks, day, old, new))

    def __bool__(self) -> bool:
        return bool(self.events)


def chunk_ids(article_id: str, n_chunks: int) -> list[str]:
    """The ids of an article's chunks (as `ingest.models.Chunk.id` makes them)."""
    return [f"{article_id}:{i:04d}" for i in range(n_chunks)]


class DocumentFrequency(Mapping[str, int]):
    """How many live chunks contain each term, read through the vocabulary."""

    def __init__(self, vocab: Mapping[str, int], df: np.ndarray) -> None:
        self._vocab = vocab
        self._df = df

    def __getitem__(self, term: str) -> int:
        return int(self._df[self._vocab[term]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._vocab)

    def __len__(self) -> int:
        return len(self._vocab)


# ---- the index -------------------------------------------------------------------------------


class LexicalIndex:
    """BM25 over the committed chunks of one store revision (see the module doc)."""

    def __init__(  # noqa: PLR0913 - the parts of an index
        self,
        segments: Sequence[Segment],
        days: np.ndarray,
        live: np.ndarray,
        df: np.ndarray,
        bylines: Mapping[str, int],
        revision: str,
    ) -> None:
        self.segments = list(segments)
        self.days = np.asarray(
            days, dtype=np.int64
        )  # publication day per position (records.UNKNOWN_DAY: undated)
        self.live = np.asarray(live, dtype=bool)
        self.df = np.asarray(df, dtype=np.int32)
        self.bylines = dict(bylines)  # term of an outlet or author -> articles that have it
        self.revision = revision
        self.n_live = int(self.live.sum())
        self._starts = [s.start for s in self.segments]

    # ---- building ------------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        days: Sequence[int],
        texts: Sequence[str],
        revision: str,
        bylines: Sequence[str] = (),
    ) -> LexicalIndex:
        """The index of these chunks; `bylines`: each article's outlet and authors, once."""
        empty = cls(
            [], np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, np.int32), {}, revision
        )
        change = LexicalChange()
        for cid, day, text in zip(ids, days, texts, strict=True):
            change.events.append(("chunk", cid, text, day))
        for byline in bylines:
            change.events.append(("byline", byline))
        return empty.updated(change, revision)

    def updated(self, change: LexicalChange, revision: str) -> LexicalIndex:
        """This index with `change` applied, as the index of `revision` (a new object: this
        one, which readers may hold, is left as it is)."""
        work = _Work(self)
        for event in change.events:
            work.apply(event)
        return work.finish(revision)

    # ---- reading -------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Live (committed) chunks."""
        return self.n_live

    def chosen(self, mask: np.ndarray) -> list[str]:
        """The live chunks a 0/1 mask over positions (a search's `allowed`) keeps."""
        return [self.id_at(int(p)) for p in np.flatnonzero((mask > 0) & self.live)]

    @functools.cached_property
    def vocab(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(t for s in self.segments for t in s.terms)}

    @functools.cached_property
    def document_frequency(self) -> Mapping[str, int]:
        """How many chunks contain each term (for idf weights elsewhere)."""
        return DocumentFrequency(self.vocab, self.df)

    @functools.cached_property
    def metadata_terms(self) -> frozenset[str]:
        """Terms of every article's outlet and authors."""
        return frozenset(t for t, n in self.bylines.items() if n > 0)

    @functools.cached_property
    def _lengths(self) -> np.ndarray:
        parts = [np.asarray(s.lengths) for s in self.segments]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    @functools.cached_property
    def _norm(self) -> np.ndarray:
        """k1 (1 - b + b len / avglen) per position, in float64 as bm25s computes it."""
        lengths = self._lengths.astype(np.float64)
        average = float(lengths[self.live].sum()) / max(len(self), 1)
        return K1 * ((1 - B) + B * lengths / (average or 1.0))

    @property
    def ids(self) -> list[str]:
        """The live chunk ids, in position order."""
        return [self.id_at(int(p)) for p in np.flatnonzero(self.live)]

    def id_at(self, position: int) -> str:
        segment = self.segments[bisect.bisect_right(self._starts, position) - 1]
        return segment.ids[position - segment.start].decode("utf-8")

    def find(self, chunk_id: str) -> int | None:
        """The position of a live chunk, or None."""
        return _find(self.segments, self.live, chunk_id)

    def day(self, chunk_id: str) -> int | None:
        """The publication day of a live chunk (UNKNOWN_DAY when undated), or None."""
        position = self.find(chunk_id)
        return None if position is None else int(self.days[position])

    def newest_day(self) -> int | None:
        """The latest publication day of a live chunk, or None when none is dated."""
        dated = self.days[self.live & (self.days != UNKNOWN_DAY)]
        return int(dated.max()) if len(dated) else None

    def __contains__(self, chunk_id: object) -> bool:
        return isinstance(chunk_id, str) and self.find(chunk_id) is not None

    def idf(self, term: str) -> float:
        """BM25-style inverse document frequency of a term over the chunks (high when rare)."""
        df = self.document_frequency.get(term, 0)
        n = max(len(self), 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """Top chunks as (chunk id, BM25 score); `allowed` is a 0/1 mask over positions."""
        query_terms = [self.vocab[t] for t in terms(query) if t in self.vocab]
        if not query_terms or not len(self):
            return []
        n = len(self)
        scores = np.zeros(len(self.live), dtype=np.float32)
        for term in query_terms:  # in query order, repeats counted, as bm25s sums them
            df = int(self.df[term])
            idf = np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))
            for segment in self.segments:
                docs, tf = segment.postings(term)
                if len(docs):
                    tf = tf.astype(np.float64)
                    part = (np.float64(idf) * (tf / (self._norm[docs] + tf))).astype(np.float32)
                    scores[docs] += part
        scores[~self.live] = 0
        if allowed is not None:
            scores *= allowed
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]
        return [(self.id_at(int(p)), float(scores[p])) for p in top if scores[p] > 0]

    # ---- cache ---------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write the index into `folder` (segments already there are kept) and name it in the
        manifest of its revision; keep the KEEP_REVISIONS latest manifests and delete what
        none of them names. (Several revisions: a reader that saves the index of a revision in
        progress never takes away the one a writer has just saved for the next.)"""
        from filelock import FileLock

        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(folder.parent / f".{folder.name}.lock", is_singleton=False):
            for segment in self.segments:
                save_segment(segment, folder)
            arrays = f"a-{uuid.uuid4().hex[:16]}.npz"
            with (folder / arrays).open("wb") as out:
                np.savez(out, days=self.days, live=self.live, df=self.df)
            manifest = {
                "format": FORMAT,
                "revision": self.revision,
                "segments": [s.name for s in self.segments],
                "arrays": arrays,
                "bylines": self.bylines,
            }
            tmp = folder / f".manifest.{uuid.uuid4().hex[:8]}"
            tmp.write_text(json.dumps(manifest))
            os.replace(tmp, folder / manifest_name(self.revision))
            _keep_latest(folder)

    @classmethod
    def load(cls, folder: Path, revision: str) -> LexicalIndex | None:
        """The cached index if it was saved for `revision`, else None."""
        try:
            manifest = json.loads((folder / manifest_name(revision)).read_text())
            if manifest.get("format") != FORMAT or manifest.get("revision") != revision:
                return None
            segments = [load_segment(folder, name) for name in manifest["segments"]]
            with np.load(folder / manifest["arrays"]) as arrays:
                days, live, df = arrays["days"], arrays["live"], arrays["df"]
            return cls(segments, days, live, df, manifest["bylines"], revision)
        except (OSError, ValueError, KeyError, TypeError):
            return None


def manifest_name(revision: str) -> str:
    """The file naming the index of `revision` (revisions are hex, "writing-" hex, "empty")."""
    if not re.fullmatch(r"[\w-]{1,100}", revision):
        revision = hashlib.sha256(revision.encode("utf-8")).hexdigest()[:32]
    return f"rev-{revision}.json"


def manifests(folder: Path) -> list[Path]:
    """The folder's manifests, latest first."""
    found = [p for p in folder.glob("rev-*.json") if p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)


def _keep_latest(folder: Path) -> None:
    kept = manifests(folder)[:KEEP_REVISIONS]
    named = {p.name for p in kept}
    for manifest in kept:
        with contextlib.suppress(OSError, ValueError, KeyError):
            saved = json.loads(manifest.read_text())
            named.update([saved["arrays"], *saved["segments"]])
    _remove_unnamed(folder, named)


def _find(segments: Sequence[Segment], live: np.ndarray, chunk_id: str) -> int | None:
    """The position of a live chunk among `segments`, or None."""
    key = chunk_id.encode("utf-8")
    for segment in segments:
        local = segment.find(key)
        if local is not None and live[segment.start + local]:
            return segment.start + local
    return None


def _remove_unnamed(folder: Path, named: set[str]) -> None:
    for entry in folder.iterdir():
        if entry.name in named:
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()


class _Work:
    """An index being updated: the base's segments, mutable copies of its per-position and
    per-term arrays, and the chunks added so far (a new segment when finished)."""

    def __init__(self, base: LexicalIndex) -> None:
        self.base = base
        self.segments = list(base.segments)
        self.vocab = dict(base.vocab)
        self.new_terms: list[str] = []
        self.df = Counter()  # term id -> change of document frequency
        self.days = base.days.copy()
        self.live = base.live.copy()
        self.bylines = Counter(base.bylines)
        self.pending: dict[str, tuple[tuple[np.ndarray, np.ndarray], int, int]] = {}
        self.pending_order: list[str] = []

    def apply(self, event: tuple) -> None:
        kind = event[0]
        if kind == "chunk":
            _, cid, text, day = event
            self._add_chunk(cid, text, day)
        elif kind == "byline":
            self._byline(event[1], +1)
        elif kind == "add":
            _, _, ids, texts, day, byline = event
            for cid, text in zip(ids, texts, strict=True):
                self._add_chunk(cid, text, day)
            self._byline(byline, +1)
        elif kind == "remove":
            _, article_id, n_chunks, byline = event
            for cid in chunk_ids(article_id, n_chunks):
                self._remove_chunk(cid)
            self._byline(byline, -1)
        elif kind == "relabel":
            _, article_id, n_chunks, day, old, new = event
            for cid in chunk_ids(article_id, n_chunks):
                self._redate(cid, day)
            self._byline(old, -1)
            self._byline(new, +1)
        else:
            raise ValueError(f"unknown lexical change {kind!r}")

    def _byline(self, byline: str, sign: int) -> None:
        for term in byline_terms(byline):
            self.bylines[term] += sign

    def _term(self, term: str) -> int:
        if term not in self.vocab:
            self.vocab[term] = len(self.vocab)
            self.new_terms.append(term)
        return self.vocab[term]

    def _add_chunk(self, chunk_id: str, text: str, day: int) -> None:
        self._remove_chunk(chunk_id)  # the same id again replaces it
        counts = Counter(self._term(t) for t in chunk_terms(text))
        row = (np.fromiter(counts, np.int32, len(counts)), np.fromiter(counts.values(), np.uint8))
        length = sum(counts.values())
        for term in counts:
            self.df[term] += 1
        if chunk_id not in self.pending:
            self.pending_order.append(chunk_id)
        self.pending[chunk_id] = (row, length, day)

    def _remove_chunk(self, chunk_id: str) -> None:
        if chunk_id in self.pending:
            (terms_, _), _, _ = self.pending.pop(chunk_id)
            self.pending_order.remove(chunk_id)
            for term in terms_:
                self.df[int(term)] -= 1
            return
        position = self._find(chunk_id)
        if position is None:
            return
        self.live[position] = False
        segment = self.segments[bisect.bisect_right([s.start for s in self.segments], position) - 1]
        for term in segment.row(position - segment.start)[0]:
            self.df[int(term)] -= 1

    def _find(self, chunk_id: str) -> int | None:
        return _find(self.segments, self.live, chunk_id)

    def _redate(self, chunk_id: str, day: int) -> None:
        if chunk_id in self.pending:
            row, length, _ = self.pending[chunk_id]
            self.pending[chunk_id] = (row, length, day)
            return
        position = self._find(chunk_id)
        if position is not None:
            self.days[position] = day

    def finish(self, revision: str) -> LexicalIndex:
        start = len(self.live)
        df = np.zeros(len(self.vocab), dtype=np.int64)
        df[: len(self.base.df)] = self.base.df
        for term, delta in self.df.items():
            df[term] += delta
        if self.pending_order:
            rows = [self.pending[c] for c in self.pending_order]
            segment = make_segment(
                start,
                self.pending_order,
                [r for r, _, _ in rows],
                [n for _, n, _ in rows],
                self.new_terms,
            )
            self.segments.append(segment)
            self.days = np.concatenate([self.days, np.array([d for _, _, d in rows], np.int64)])
            self.live = np.concatenate([self.live, np.ones(len(rows), bool)])
        elif self.new_terms:  # terms seen only in chunks removed again: keep ids dense
            self.segments.append(make_segment(start, [], [], [], self.new_terms))
        while len(self.segments) >= 2 and self.segments[-2].n <= 2 * self.segments[-1].n:
            self.segments[-2:] = [merged(self.segments[-2], self.segments[-1])]
        bylines = {t: n for t, n in self.bylines.items() if n > 0}
        index = LexicalIndex(
            self.segments, self.days, self.live, df.astype(np.int32), bylines, revision
        )
        dead = len(index.live) - len(index)
        if dead and dead >= COMPACT_DEAD_SHARE * len(index.live):
            return compacted(index)
        return index


def compacted(index: LexicalIndex) -> LexicalIndex:
    """The index without its dead positions: one segment, the vocabulary of live chunks only."""
    keep = np.flatnonzero(index.live)
    used = np.flatnonzero(index.df > 0)
    renumber = np.full(len(index.df), -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    vocab = [t for s in index.segments for t in s.terms]
    rows, lengths, ids = [], [], []
    for position in keep:
        segment = index.segments[bisect.bisect_right(index._starts, int(position)) - 1]
        local = int(position) - segment.start
        term_ids, tf = segment.row(local)
        rows.append((renumber[np.asarray(term_ids)].astype(np.int32), np.asarray(tf)))
        lengths.append(int(segment.lengths[local]))
        ids.append(segment.ids[local].decode("utf-8"))
    segment = make_segment(0, ids, rows, lengths, [vocab[i] for i in used])
    return LexicalIndex(
        [segment] if len(keep) or len(used) else [],
        index.days[keep],
        np.ones(len(keep), bool),
        index.df[used],
        index.bylines,
        index.revision,
    )
