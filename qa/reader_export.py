"""The reader's one-time export: base weights plus adapter, folded together, to an int8 ONNX
file in the cache (torch is needed here only)."""

from __future__ import annotations

import contextlib
from pathlib import Path


def export(target: Path, key: str, model_dir: Path, adapter: Path) -> Path:
    from ingest.onnx_export import ensure_file

    def write_raw(raw: Path) -> None:
        _torch_export(model_dir, adapter, raw)

    return ensure_file(target, key, write_raw, model_dir, "int8")


def _torch_export(model_dir: Path, adapter: Path, out: Path) -> None:
    import warnings

    import torch

    from ingest.onnx_export import OPSET
    from qa.reader_net import load_merged

    net = load_merged(model_dir, adapter)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    ids = torch.ones(2, 16, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in names} | {"logit": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(None):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(out),
            input_names=names,
            output_names=["logit"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
