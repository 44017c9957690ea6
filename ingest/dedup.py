"""Near-duplicate detection with MinHash over 5-word shingles (one wire story, two outlets).

Signatures are datasketch MinHashes (scheme "affine32", N_HASHES permutations from SEED, SHA-1
hashes of the shingles), stored as FORMAT followed by the hash values as little-endian uint32
hex. A stored string in any other form (the earlier hand-rolled signature was bare hex) decodes
as None: the indexer signs such a record again from its stored text.

Lookup goes through a MinHashLSH whose bands are chosen so that LSH only narrows the search and
never loses a match: a stored signature at or above the threshold differs from the query in at
most `max_mismatches` positions, fewer than there are bands, so at least one band matches whole
(pigeonhole). Candidates are then confirmed by estimated Jaccard (the share of equal hash
values), the rule a linear scan over every signature applied, with the same tie-break (the
earliest added), so the results are those of the scan.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # datasketch imports scipy.integrate (0.5 s): only when ingesting
    from datasketch import LeanMinHash, MinHash

N_HASHES = 64
SHINGLE = 5
SEED = 20251218
SCHEME = "affine32"
FORMAT = "v2:"  # prefix of a stored signature; bump when any of the constants above change
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[bytes]:
    """The text's lower-cased word 5-shingles (the whole text when it has fewer words)."""
    tokens = _WORD.findall(text.lower())
    if len(tokens) < SHINGLE:
        return {" ".join(tokens).encode("utf-8")}
    return {
        " ".join(tokens[i : i + SHINGLE]).encode("utf-8") for i in range(len(tokens) - SHINGLE + 1)
    }


def signature(text: str) -> LeanMinHash:
    """MinHash signature (N_HASHES values) of the text's word 5-shingles."""
    from datasketch import LeanMinHash, MinHash

    sketch = MinHash(num_perm=N_HASHES, seed=SEED, scheme=SCHEME)
    sketch.update_batch(list(shingles(text)))
    return LeanMinHash(sketch)


def encode(sig: MinHash) -> str:
    return FORMAT + np.asarray(sig.hashvalues).astype("<u4").tobytes().hex()


def decode_values(text: str) -> np.ndarray | None:
    """The hash values stored as `text`, or None when it is missing, damaged or of an older
    form."""
    if not text.startswith(FORMAT):
        return None
    try:
        values = np.frombuffer(bytes.fromhex(text[len(FORMAT) :]), dtype="<u4")
    except ValueError:
        return None
    return values if values.shape == (N_HASHES,) else None


def decode(text: str) -> LeanMinHash | None:
    """The signature stored as `text`, or None when it is missing, damaged or of an older form."""
    values = decode_values(text)
    if values is None:
        return None
    from datasketch import LeanMinHash

    return LeanMinHash(seed=SEED, hashvalues=values.astype(np.uint32), scheme=SCHEME)


def max_mismatches(threshold: float, n_hashes: int = N_HASHES) -> int:
    """How many hash values two signatures may differ in and still reach `threshold`."""
    return max(m for m in range(n_hashes + 1) if (n_hashes - m) / n_hashes >= threshold)


def lsh_bands(threshold: float, n_hashes: int = N_HASHES) -> tuple[int, int]:
    """(bands, rows per band) with more bands than `max_mismatches`: every signature at or above
    the threshold shares a whole band with the query. Rows are as many as that allows, which
    keeps unrelated articles out of the candidates; at least two bands (MinHashLSH's minimum)."""
    allowed = max_mismatches(threshold, n_hashes)
    rows = max(r for r in range(1, n_hashes // 2 + 1) if n_hashes // r > allowed)
    return n_hashes // rows, rows


class NearDuplicateIndex:
    """Signatures of stored articles; finds the most similar one above a Jaccard threshold."""

    def __init__(self, threshold: float) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=N_HASHES, params=lsh_bands(threshold))
        self._sigs: dict[str, MinHash] = {}
        self._order: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def add(self, article_id: str, sig: MinHash) -> None:
        if article_id in self._sigs:
            return  # an id is a hash of the text: the same id has the same signature
        self._lsh.insert(article_id, sig)
        self._sigs[article_id] = sig
        self._order[article_id] = len(self._order)

    def match(self, sig: MinHash) -> tuple[str, float] | None:
        """(article id, estimated Jaccard) of the closest stored article at or above threshold;
        of equally close ones, the one added first."""
        best: tuple[float, int, str] | None = None
        for article_id in self._lsh.query(sig):
            similarity = float(sig.jaccard(self._sigs[article_id]))
            key = (similarity, -self._order[article_id], article_id)
            if best is None or key > best:
                best = key
        if best is not None and best[0] >= self.threshold:
            return best[2], best[0]
        return None
