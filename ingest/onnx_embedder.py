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

# what running one more batch costs, in token slots (a token of one text): measured with
# all-MiniLM-L6-v2 on 2 cores, a run costs about 12-16 slots besides its tokens
BATCH_OVERHEAD = 16

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
        self.tokenizer.no_padding()  # batches are padded in `_run`, each to its own longest
        pad = self.tokenizer.token_to_id("[PAD]")
        self.pad_id = 0 if pad is None else pad
        self.variant = variant
        self.session = _session(folder, cache_dir, variant)
        self.inputs = {i.name for i in self.session.get_inputs()}

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        encoded = self.counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encoded]

    def encode(self, texts: Sequence[str], alone: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, in the order of `texts`. The texts are tokenised, then
        run in batches of similar length (`length_batches`), so a batch pads little. In fp32 a
        text's vector does not depend on the batch it runs in (padding is masked out); int8
        quantises a run's activations over the whole run, so its vector moves a little with the
        texts beside it (cosine 0.983 at worst, 0.994 on average, against the text run alone).
        `alone` runs each int8 text by itself, so that its vector depends on its text only (as
        close to fp32's as a batched one, and about 18% slower): what is embedded to answer a
        question, whose answer must not depend on what was asked before it. Ingest batches."""
        encoded = self.tokenizer.encode_batch(list(texts))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if alone and self.variant == "int8":
            batches = [[i] for i in range(len(texts))]
        else:
            batches = length_batches([len(e.ids) for e in encoded], self.batch_size)
        for batch in batches:
            out[batch] = self._run([encoded[i].ids for i in batch])
        return out

    def _run(self, pieces: list[list[int]]) -> np.ndarray:
        ids = np.full((len(pieces), max(map(len, pieces))), self.pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, text_ids in enumerate(pieces):
            ids[row, : len(text_ids)] = text_ids
            mask[row, : len(text_ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def length_batches(
    lengths: Sequence[int], limit: int, overhead: int = BATCH_OVERHEAD
) -> list[list[int]]:
    """The indices of `lengths` (token counts) in batches of at most `limit`, shortest first,
    cut where it costs least: a batch runs at its longest length, and costs `overhead` token
    slots besides (a dynamic programme over the sorted lengths)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    cost = [0] + [0] * len(order)
    cut = [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        width = lengths[order[end - 1]]
        cost[end], cut[end] = min(
            (cost[start] + overhead + (end - start) * width, start)
            for start in range(max(0, end - limit), end)
        )
    batches = []
    end = len(order)
    while end > 0:
        batches.append(order[cut[end] : end])
        end = cut[end]
    return batches[::-1]


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
    # idle threads sleep instead of spinning: a question runs the model a few times for a few
    # milliseconds each, and spinning threads took the cores from everything between the runs
    # (and from other processes) -- ask p50 202 -> 133 ms with the machine at load 3-4
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
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
