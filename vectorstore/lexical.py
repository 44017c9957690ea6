"""BM25 over chunk texts (bm25s), kept beside Chroma: local Chroma has no lexical index.

The index is derived data. It is rebuilt from the chunks stored in Chroma whenever the store's
revision changes, and cached on disk under that revision, so it can never drift out of sync.
"""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vectorstore.terms import terms

_IDS = "chunk_ids.json"
_REVISION = "revision.txt"
FORMAT = "tf3"  # how chunks are tokenised for the index; part of the cache key
MAX_TERM_REPEATS = 3  # occurrences of a term in a chunk that count: repetition buys no rank


def saturated(tokens: Sequence[str], cap: int = MAX_TERM_REPEATS) -> list[str]:
    """The tokens with each term kept at most `cap` times (the first ones)."""
    seen: dict[str, int] = {}
    kept = []
    for token in tokens:
        seen[token] = seen.get(token, 0) + 1
        if seen[token] <= cap:
            kept.append(token)
    return kept


class LexicalIndex:
    def __init__(
        self,
        ids: Sequence[str],
        days: Sequence[int],
        retriever,
        revision: str,  # noqa: ANN001
    ) -> None:
        self.ids = list(ids)
        self.days = np.asarray(days, dtype=np.int64)  # publication day of each chunk (-1 unknown)
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self._bm25 = retriever
        self.revision = revision

    @classmethod
    def build(
        cls, ids: Sequence[str], days: Sequence[int], texts: Sequence[str], revision: str
    ) -> LexicalIndex:
        import bm25s

        if not ids:
            return cls([], [], None, revision)
        retriever = bm25s.BM25()
        retriever.index([saturated(terms(t)) or ["<empty>"] for t in texts], show_progress=False)
        return cls(ids, days, retriever, revision)

    def search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """Top chunks as (chunk id, BM25 score); `allowed` is a 0/1 mask over `self.ids`."""
        query_terms = terms(query)
        if self._bm25 is None or not query_terms:
            return []
        known = [t for t in query_terms if t in self._bm25.vocab_dict]
        if not known:
            return []
        k = min(k, len(self.ids))
        docs, scores = self._bm25.retrieve(
            [known], k=k, show_progress=False, n_threads=1, weight_mask=allowed
        )
        return [
            (self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]

    def chosen(self, mask: np.ndarray) -> list[str]:
        """The chunks a 0/1 mask over `self.ids` (a search's `allowed`) keeps."""
        return self._id_array[mask > 0].tolist()

    @functools.cached_property
    def _id_array(self) -> np.ndarray:
        return np.array(self.ids, dtype=object)

    @functools.cached_property
    def document_frequency(self) -> dict[str, int]:
        """How many chunks contain each term (for idf weights elsewhere)."""
        if self._bm25 is None:
            return {}
        indptr = np.asarray(self._bm25.scores["indptr"])
        counts = np.diff(indptr)
        return {
            term: int(counts[i]) for term, i in self._bm25.vocab_dict.items() if i < len(counts)
        }

    def idf(self, term: str) -> float:
        """BM25-style inverse document frequency of a term over the chunks (high when rare)."""
        df = self.document_frequency.get(term, 0)
        n = max(len(self.ids), 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    # ---- cache --------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write atomically: a half-written cache is never read."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".lexical-"))
        try:
            if self._bm25 is not None:
                self._bm25.save(tmp / "bm25", show_progress=False)
            (tmp / _IDS).write_text(json.dumps({"ids": self.ids, "days": self.days.tolist()}))
            (tmp / _REVISION).write_text(f"{FORMAT}:{self.revision}")
            old = folder.with_name(folder.name + ".old")
            if folder.exists():
                os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, revision: str) -> LexicalIndex | None:
        """The cached index if it was built for `revision`, else None."""
        try:
            if (folder / _REVISION).read_text() != f"{FORMAT}:{revision}":
                return None
            saved = json.loads((folder / _IDS).read_text())
            ids, days = saved["ids"], saved["days"]
            retriever = None
            if ids:
                import bm25s

                retriever = bm25s.BM25.load(folder / "bm25", show_progress=False, verbosity=0)
            return cls(ids, days, retriever, revision)
        except (OSError, ValueError, KeyError, TypeError):
            return None
