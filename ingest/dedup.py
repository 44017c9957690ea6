"""Near-duplicate detection with MinHash over 5-word shingles (one wire story, two outlets)."""

from __future__ import annotations

import re
import zlib

import numpy as np

N_HASHES = 64
SHINGLE = 5
_rng = np.random.default_rng(20251218)
_A = _rng.integers(1, 2**63, size=N_HASHES, dtype=np.uint64) | np.uint64(1)  # odd multipliers
_B = _rng.integers(0, 2**63, size=N_HASHES, dtype=np.uint64)
_WORD = re.compile(r"\w+")


def signature(text: str) -> np.ndarray:
    """MinHash signature (N_HASHES uint32 values) of the text's word 5-shingles."""
    tokens = _WORD.findall(text.lower())
    if len(tokens) < SHINGLE:
        shingles = [" ".join(tokens)]
    else:
        shingles = [" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)]
    hashes = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in set(shingles)), dtype=np.uint64)
    # multiply-shift hashing: the high 32 bits of (a*x + b) mod 2**64, one (a, b) per hash
    with np.errstate(over="ignore"):
        mixed = hashes[:, None] * _A[None, :] + _B[None, :]
    return (mixed >> np.uint64(32)).min(axis=0).astype(np.uint32)


def encode(sig: np.ndarray) -> str:
    return sig.astype("<u4").tobytes().hex()


def decode(text: str) -> np.ndarray | None:
    try:
        sig = np.frombuffer(bytes.fromhex(text), dtype="<u4")
    except ValueError:
        return None
    return sig if sig.shape == (N_HASHES,) else None


class NearDuplicateIndex:
    """Signatures of stored articles; finds the most similar one above a Jaccard threshold."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._ids: list[str] = []
        self._sigs: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None

    def add(self, article_id: str, sig: np.ndarray) -> None:
        self._ids.append(article_id)
        self._sigs.append(sig)
        self._matrix = None

    def match(self, sig: np.ndarray) -> tuple[str, float] | None:
        """(article id, estimated Jaccard) of the closest stored article at or above threshold."""
        if not self._ids:
            return None
        if self._matrix is None:
            self._matrix = np.vstack(self._sigs)
        similarity = (self._matrix == sig[None, :]).mean(axis=1)
        best = int(similarity.argmax())
        if similarity[best] >= self.threshold:
            return self._ids[best], float(similarity[best])
        return None
