"""Chunk vectors looked up instead of computed: each distinct sentence (and title) of the real
articles is embedded once, for real, and cached in a file; a chunk's vector is then the
normalised mean of the vectors of its title and its sentences.

`LookupEmbedder` is an `Embedder` of the same model and backend as the real one (so the real
query embedder searches what it wrote, and the store's model and backend checks pass); it counts
word pieces with the real tokenizer, and a sentence it does not know (a long sentence the chunker
cut, a title it shortened) is embedded for real once and remembered.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest.embedder import Embedder
from ingest.sentences import sentence_spans

BLOCK = 4096  # sentences embedded per progress line


def cache_key(sentences: Sequence[str], embedder: Embedder) -> str:
    digest = hashlib.sha256(f"{embedder.model_name}\0{embedder.backend}".encode())
    for sentence in sentences:
        digest.update(sentence.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


def sentence_vectors(sentences: list[str], embedder: Embedder, folder: Path) -> np.ndarray:
    """The real vectors of `sentences` (one row each): from the cache file in `folder` when it
    was made for these sentences and this model and backend, else embedded now and cached."""
    path = folder / f"sentence-vectors-{cache_key(sentences, embedder)}.npy"
    if path.exists():
        vectors = np.load(path)
        if vectors.shape == (len(sentences), embedder.dimension):
            return vectors
    started = time.perf_counter()
    blocks = []
    for i in range(0, len(sentences), BLOCK):
        blocks.append(embedder.encode(sentences[i : i + BLOCK]))
        done = min(i + BLOCK, len(sentences))
        rate = done / (time.perf_counter() - started)
        print(f"  embedded {done:,}/{len(sentences):,} sentences ({rate:.0f}/s)", flush=True)
    vectors = np.concatenate(blocks) if blocks else np.zeros((0, embedder.dimension), np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, vectors.astype(np.float32))
    tmp.replace(path)
    (folder / f"{path.stem}.json").write_text(
        json.dumps({"sentences": len(sentences), "seconds": round(time.perf_counter() - started)})
    )
    return vectors


class LookupEmbedder(Embedder):
    """Looks chunk vectors up (see the module doc) instead of running the model on them."""

    def __init__(self, real: Embedder, sentences: list[str], vectors: np.ndarray) -> None:
        super().__init__(
            real.model_name, real.device, real.batch_size, real.backend, real.cache_dir
        )
        self.real = real
        self.row = {s: i for i, s in enumerate(sentences)}
        self.vectors = [vectors]
        self.size = len(sentences)
        self.looked_up = 0
        self.embedded = 0  # sentences it did not know, embedded for real

    @property
    def max_tokens(self) -> int:
        return self.real.max_tokens

    @property
    def dimension(self) -> int:
        return self.real.dimension

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.real.count_tokens(texts)

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [_parts(text) for text in texts]
        self._learn([s for p in parts for s in p])
        table = np.concatenate(self.vectors) if len(self.vectors) > 1 else self.vectors[0]
        self.vectors = [table]
        rows = [[self.row[s] for s in p] for p in parts]
        means = np.stack([table[r].mean(axis=0) for r in rows])
        self.looked_up += sum(len(r) for r in rows)
        return (means / np.linalg.norm(means, axis=1, keepdims=True).clip(1e-9)).astype(np.float32)

    def _learn(self, sentences: Sequence[str]) -> None:
        """Embed (for real) the sentences the table lacks, once."""
        missing = [s for s in dict.fromkeys(sentences) if s not in self.row]
        if not missing:
            return
        self.vectors.append(self.real.encode(missing))
        for sentence in missing:
            self.row[sentence] = self.size
            self.size += 1
        self.embedded += len(missing)


def _parts(text: str) -> list[str]:
    """A chunk's embedding text (`ingest.chunking.embedding_text`: title, a line break, the
    passage) as its title and the passage's sentences."""
    title, _, passage = text.partition("\n")
    sentences = [passage[s:e] for s, e in sentence_spans(passage)]
    return [title, *sentences] if title else sentences or [text]
