"""Export a sentence-transformers model to ONNX once, offline, and cache the file on disk.

The only module of the ONNX backends that needs torch (and transformers, onnx, the ONNX Runtime
tools): it runs the first time a model and variant is used, and never again while the cached
file is intact. The cache is keyed by the model folder, its weights (size and time) and the
export options; a file is written to a temporary name and renamed, under a file lock, so two
processes exporting at once leave one whole file. The key is also written into the file's
metadata, so a reader can tell a file of this key from a stale or foreign one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

from filelock import FileLock, Timeout

from ingest.errors import InvalidInputError

EXPORT_VERSION = 1  # bump when the export pipeline changes: old files are then not reused
KEY_FIELD = "article_qa_export_key"
VARIANTS = ("fp32", "int8")
OPSET = 17


def weights_file(model_dir: Path) -> Path:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (model_dir / name).is_file():
            return model_dir / name
    raise InvalidInputError(f"no model.safetensors or pytorch_model.bin in {model_dir}")


def export_key(model_dir: Path, variant: str) -> str:
    """Names one export: the model folder, its weights as they are now, and the options."""
    weights = weights_file(model_dir)
    stat = weights.stat()
    described = {
        "model": str(model_dir.resolve()),
        "weights": [weights.name, stat.st_size, stat.st_mtime_ns],
        "variant": variant,
        "opset": OPSET,
        "version": EXPORT_VERSION,
    }
    text = json.dumps(described, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def cached_path(cache_dir: Path, model_dir: Path, variant: str) -> tuple[Path, str]:
    key = export_key(model_dir, variant)
    return Path(cache_dir) / f"{model_dir.name}-{variant}-{key}.onnx", key


def ensure_export(cache_dir: Path, model_dir: Path, variant: str) -> Path:
    """The cached ONNX file for `model_dir` in `variant`: exported unless a whole file of this
    key is there (a missing, partial, corrupt or stale file is replaced)."""
    if variant not in VARIANTS:
        raise InvalidInputError(f"unknown ONNX variant {variant!r}; use one of {VARIANTS}")
    target, key = cached_path(cache_dir, model_dir, variant)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(target) + ".lock", timeout=900):
            # another process may have exported it while this one waited for the lock
            if target.is_file() and _has_key(target, key):
                return target
            _quietly(_export, model_dir, variant, key, target)
    except Timeout:
        raise InvalidInputError(
            f"another process has been exporting {target.name} for 15 minutes; try again"
        ) from None
    return target


def _quietly(export, *args: object) -> None:  # noqa: ANN001
    """Run `export`, undoing the logging set-up its tools do (a root handler printing DEBUG
    lines of every library afterwards)."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        export(*args)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _has_key(path: Path, key: str) -> bool:
    try:
        import onnx

        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # a partial or corrupt file
        return False
    return any(p.key == KEY_FIELD and p.value == key for p in model.metadata_props)


def _export(model_dir: Path, variant: str, key: str, target: Path) -> None:
    """Export, optimise (fused attention, layer norms and GELU), for int8 quantise the weights
    per channel; then stamp the key and rename into place."""
    try:
        import onnx
    except ImportError as exc:
        raise InvalidInputError(
            f"the onnx backends need the onnx package to export the model once: {exc}"
        ) from None
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as work:
        raw = Path(work) / "raw.onnx"
        _torch_export(model_dir, raw)
        fused = Path(work) / "fused.onnx"
        _optimize(raw, fused, model_dir)
        final = fused
        if variant == "int8":
            final = Path(work) / "int8.onnx"
            _quantize(fused, final)
        model = onnx.load(str(final))
        entry = model.metadata_props.add()
        entry.key, entry.value = KEY_FIELD, key
        partial = Path(work) / "stamped.onnx"
        onnx.save(model, str(partial))
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)


def _torch_export(model_dir: Path, out: Path) -> None:
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    # eager attention exports as plain MatMul/Softmax, which the optimiser fuses
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    ids = torch.ones(2, 16, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(None):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder(model),
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(out),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _optimize(raw: Path, out: Path, model_dir: Path) -> None:
    from onnxruntime.transformers import optimizer

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    with contextlib.redirect_stdout(None):
        optimized = optimizer.optimize_model(
            str(raw),
            model_type="bert",
            num_heads=int(config["num_attention_heads"]),
            hidden_size=int(config["hidden_size"]),
        )
    optimized.save_model_to_file(str(out))


def _quantize(fused: Path, out: Path) -> None:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing": not for this graph
    quantize_dynamic(
        str(fused),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
