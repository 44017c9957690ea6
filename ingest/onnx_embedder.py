"""A sentence-transformers model run by ONNX Runtime: the `tokenizers` library, onnxruntime and
numpy only (no torch, transformers or sentence-transformers), so a question loads fast.

The model folder is a sentence-transformers one (modules.json: Transformer, mean Pooling,
optionally Normalize; tokenizer.json). Its ONNX file comes from `ingest.onnx_export`, which
exports it once (that needs torch) into a cache folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import InvalidInputError

_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}


def physical_cores() -> int:
    """Physical CPU cores (hyper-threads share one core's arithmetic units)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            cores, physical = set(), "0"
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() == "physical id":
                    physical = value.strip()
                elif key.strip() == "core id":
                    cores.add((physical, value.strip()))
    except OSError:
        cores = set()
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    found = len(cores) or available or os.cpu_count() or 1
    return max(1, min(found, available or found))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"cannot read {path}: {exc}") from None


def check_layout(folder: Path) -> tuple[int, int]:
    """(max sequence length, dimension) of a sentence-transformers folder that mean-pools a
    transformer's tokens; anything else is an InvalidInputError that names the torch backend."""
    advice = "use embedding_backend torch (ARTICLE_QA_EMBEDDING_BACKEND=torch) for this model"
    if not (folder / "tokenizer.json").is_file() or not (folder / "modules.json").is_file():
        raise InvalidInputError(
            f"the onnx backends need a local sentence-transformers folder with tokenizer.json "
            f"and modules.json; {folder} is not one: {advice}"
        )
    modules = _read_json(folder / "modules.json")
    types = [m.get("type", "") for m in modules]
    pooling_dir = next((m["path"] for m in modules if m.get("type", "").endswith("Pooling")), None)
    if not set(types) <= _MODULES or pooling_dir is None:
        raise InvalidInputError(f"the onnx backends cannot run the modules {types}: {advice}")
    pooling = _read_json(folder / pooling_dir / "config.json")
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        raise InvalidInputError(f"the onnx backends mean-pool only; this model uses {modes}")
    config = _read_json(folder / "sentence_bert_config.json")
    return int(config.get("max_seq_length", 256)), int(pooling["word_embedding_dimension"])


class OnnxEncoder:
    """Tokenises, runs the ONNX graph in length-sorted batches, mean-pools, L2-normalises."""

    def __init__(self, folder: Path, cache_dir: Path, variant: str, batch_size: int) -> None:
        from tokenizers import Tokenizer

        self.max_length, self.dimension = check_layout(folder)
        self.batch_size = batch_size
        self.counter = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.counter.no_truncation()
        self.counter.no_padding()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_length)
        pad = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=0 if pad is None else pad)
        self.session = _session(folder, cache_dir, variant)
        self.inputs = {i.name for i in self.session.get_inputs()}

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        encoded = self.counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encoded]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors, in the order of `texts`. Texts are batched by length
        (sorted by characters, a cheap proxy), so a batch pads little."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            out[batch] = self._run([texts[i] for i in batch])
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def _session(folder: Path, cache_dir: Path, variant: str) -> Any:
    """An inference session on the cached export; the file is exported first when it is missing,
    and again when it is partial, corrupt or of another key (never used as it is)."""
    import onnxruntime as ort

    from ingest.onnx_export import KEY_FIELD, cached_path

    path, key = cached_path(cache_dir, folder, variant)
    options = ort.SessionOptions()
    options.intra_op_num_threads = physical_cores()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    if path.is_file():
        try:
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception:  # partial or corrupt: export again below
            session = None
        if (
            session is not None
            and session.get_modelmeta().custom_metadata_map.get(KEY_FIELD) == key
        ):
            return session
    from ingest.onnx_export import ensure_export  # imports torch: only when exporting

    try:
        path = ensure_export(cache_dir, folder, variant)
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except InvalidInputError:
        raise
    except Exception as exc:
        raise InvalidInputError(f"cannot export or load the ONNX model at {path}: {exc}") from exc
