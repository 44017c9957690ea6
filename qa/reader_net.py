"""The reader's network in torch: the embedder's transformer (all-MiniLM-L6-v2) reading a question
and a sentence together, mean-pooled, then one linear unit: the logit that the sentence answers the
question. It is fine-tuned with low-rank adapters (LoRA) on the attention and feed-forward layers,
so what ships is small (qa/reader_adapter.npz) and the base weights come from the embedder's own
package. Used by bench/train_reader.py (training) and qa/reader_export.py (the one-time ONNX
export); a question never imports it (qa/reader.py runs the exported graph)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

# the Linear layers of each transformer layer that get an adapter
ADAPTED = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


class LoRALinear(nn.Module):
    """A frozen Linear plus a trainable low-rank update: W x + (B A x) * alpha / rank."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        if rank <= 0:
            raise ValueError(f"rank must be > 0, got {rank}")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.scale = alpha / rank
        self.a = nn.Parameter(torch.randn(rank, base.in_features) / np.sqrt(base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale

    def merged(self) -> nn.Linear:
        with torch.no_grad():
            self.base.weight += (self.b @ self.a) * self.scale
        return self.base


class ReaderNet(nn.Module):
    def __init__(self, bert: nn.Module) -> None:
        super().__init__()
        self.bert = bert
        self.head = nn.Linear(int(bert.config.hidden_size), 1)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor,
    ) -> torch.Tensor:
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled).squeeze(-1)


def _adapted(net: ReaderNet) -> dict[str, LoRALinear]:
    return {name: m for name, m in net.named_modules() if isinstance(m, LoRALinear)}


def _set(net: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, leaf = name.rpartition(".")
    setattr(net.get_submodule(parent) if parent else net, leaf, module)


def base_net(model_dir: Path) -> ReaderNet:
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    return ReaderNet(bert)


def with_adapters(net: ReaderNet, rank: int, alpha: float) -> ReaderNet:
    """`net` with adapters on every ADAPTED layer; only the adapters and the head train."""
    for p in net.bert.parameters():
        p.requires_grad_(False)
    names = [n for n, m in net.named_modules() if isinstance(m, nn.Linear) and n.endswith(ADAPTED)]
    for name in names:
        _set(net, name, LoRALinear(net.get_submodule(name), rank, alpha))
    return net


def save_adapter(net: ReaderNet, path: Path, meta: dict) -> None:
    arrays: dict[str, np.ndarray] = {}
    for name, m in _adapted(net).items():
        arrays[f"{name}.a"] = m.a.detach().numpy().astype(np.float16)
        arrays[f"{name}.b"] = m.b.detach().numpy().astype(np.float16)
    arrays["head.weight"] = net.head.weight.detach().numpy().astype(np.float32)
    arrays["head.bias"] = net.head.bias.detach().numpy().astype(np.float32)
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def read_meta(path: Path) -> dict:
    with np.load(path) as data:
        return json.loads(str(data["meta"]))


def load_merged(model_dir: Path, adapter: Path) -> ReaderNet:
    """The base network with the adapter's updates folded into its weights (plain Linears)."""
    net = base_net(model_dir)
    with np.load(adapter) as data:
        meta = json.loads(str(data["meta"]))
        scale = float(meta["alpha"]) / int(meta["rank"])
        with torch.no_grad():
            for key in data.files:
                if not key.endswith(".a"):
                    continue
                name = key[: -len(".a")]
                linear = net.get_submodule(name)
                a = torch.from_numpy(data[f"{name}.a"].astype(np.float32))
                b = torch.from_numpy(data[f"{name}.b"].astype(np.float32))
                linear.weight += (b @ a) * scale
            net.head.weight.copy_(torch.from_numpy(data["head.weight"]))
            net.head.bias.copy_(torch.from_numpy(data["head.bias"]))
    return net.eval()
