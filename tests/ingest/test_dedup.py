"""Near-duplicate lookup: MinHash signatures, their stored form, and the LSH index that finds a
near copy without comparing against every stored article, yet loses none a full scan finds."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH

from ingest import dedup
from ingest.dedup import NearDuplicateIndex, decode, encode, lsh_bands, max_mismatches, signature


def unrelated_articles(count: int, words: int = 80) -> list[str]:
    rng = random.Random(7)
    vocabulary = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=7)) for _ in range(5000)]
    return [" ".join(rng.choices(vocabulary, k=words)) for _ in range(count)]


def original_text() -> str:
    rng = random.Random(3)
    return " ".join(
        f"the {rng.choice(['council', 'mayor', 'port', 'union'])} said {rng.randrange(10**6)}"
        for _ in range(50)
    )


ORIGINAL = original_text()  # 200 words, 196 distinct 5-shingles
WORDS = ORIGINAL.split()
NEAR_COPY = " ".join([*WORDS[:60], "reportedly", *WORDS[60:140], "also", *WORDS[140:]])


@pytest.fixture(scope="module")
def crowded() -> NearDuplicateIndex:
    """The original among 600 unrelated articles, added in the middle."""
    index = NearDuplicateIndex(0.8)
    others = unrelated_articles(600)
    for i, text in enumerate(others[:300]):
        index.add(f"other-{i}", signature(text))
    index.add("original", signature(ORIGINAL))
    for i, text in enumerate(others[300:], start=300):
        index.add(f"other-{i}", signature(text))
    return index


def count_comparisons(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = MinHash.jaccard

    def counting(self: MinHash, other: MinHash) -> float:
        calls[0] += 1
        return real(self, other)

    monkeypatch.setattr(MinHash, "jaccard", counting)
    return calls


def test_a_near_copy_is_found_among_many_unrelated_articles(crowded, monkeypatch):
    queried = []
    real_query = MinHashLSH.query
    monkeypatch.setattr(
        MinHashLSH, "query", lambda self, m: queried.append(m) or real_query(self, m)
    )
    found = crowded.match(signature(NEAR_COPY))
    assert found is not None
    kept, similarity = found
    assert kept == "original" and 0.8 <= similarity < 1.0
    assert len(queried) == 1  # through the LSH index
    assert crowded.match(signature(ORIGINAL)) == ("original", 1.0)


def test_lookup_compares_with_the_lsh_candidates_only(crowded, monkeypatch):
    comparisons = count_comparisons(monkeypatch)
    assert crowded.match(signature(NEAR_COPY))[0] == "original"
    assert 1 <= comparisons[0] <= 5 and len(crowded) == 601
    comparisons[0] = 0
    assert crowded.match(signature(unrelated_articles(601)[-1])) is None
    assert comparisons[0] <= 5


def scan(stored: dict[str, np.ndarray], query: np.ndarray, threshold: float):
    """The linear scan the index replaced: first of the most similar, if at the threshold."""
    ids = list(stored)
    similarity = (np.vstack([stored[i] for i in ids]) == query[None, :]).mean(axis=1)
    best = int(similarity.argmax())
    return (ids[best], float(similarity[best])) if similarity[best] >= threshold else None


def lean(values: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=dedup.SEED, hashvalues=values, scheme=dedup.SCHEME)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8, 0.85, 0.9, 0.95, 1.0])
def test_the_index_finds_what_a_full_scan_finds(threshold):
    rng = np.random.default_rng(11)
    n = dedup.N_HASHES
    for _ in range(40):
        query = rng.integers(0, 2**32, size=n, dtype=np.uint32)
        stored: dict[str, np.ndarray] = {}
        for k in rng.permutation(n + 1)[:25]:  # signatures differing in k positions
            values = query.copy()
            spots = rng.choice(n, size=int(k), replace=False)
            values[spots] = rng.integers(0, 2**32, size=int(k), dtype=np.uint32)
            stored[f"k{k}-{len(stored)}"] = values
        index = NearDuplicateIndex(threshold)
        for article_id, values in stored.items():
            index.add(article_id, lean(values))
        assert index.match(lean(query)) == scan(stored, query, threshold)


def test_bands_outnumber_the_mismatches_a_match_may_have():
    for threshold in np.linspace(0.01, 1.0, 100):
        bands, rows = lsh_bands(float(threshold))
        assert bands > max_mismatches(float(threshold)) and bands >= 2
        assert bands * rows <= dedup.N_HASHES
    assert lsh_bands(0.8) == (16, 4)  # 12 mismatches allowed: 16 bands of 4 rows


def test_equally_close_articles_resolve_to_the_first_added():
    index = NearDuplicateIndex(0.8)
    index.add("first", signature(ORIGINAL))
    index.add("second", signature(ORIGINAL + " "))
    assert index.match(signature(NEAR_COPY))[0] == "first"


def test_stored_form_round_trips_and_older_forms_are_not_read():
    sig = signature(ORIGINAL)
    text = encode(sig)
    assert text.startswith(dedup.FORMAT)
    assert decode(text).jaccard(sig) == 1.0
    old_form = np.arange(dedup.N_HASHES, dtype="<u4").tobytes().hex()  # bare hex, before
    assert decode(old_form) is None
    assert decode("") is None
    assert decode(dedup.FORMAT + "zz") is None
    assert decode(text[:-8]) is None
