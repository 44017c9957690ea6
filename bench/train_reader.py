"""Train the reader (qa/reader.py): all-MiniLM-L6-v2 reading a question and a candidate sentence
together, fine-tuned with low-rank adapters to say whether the sentence holds the answer.

    .venv/bin/python bench/train_answerer.py collect      # the candidates, with their texts
    .venv/bin/python bench/train_reader.py train          # writes bench/work/reader_adapter.npz

It trains on the RealTimeQA training questions (questions_train.jsonl) whose id falls in the
reader's share (--share, by a hash of the id, so the split is the same on every run): their
candidate sentences asked against the store holding their gold articles (a sentence holding the
gold answer is a positive, the others negatives) and against the 2,000 articles without them
(near misses: negatives unless a sentence happens to hold the answer). The other training
questions, the blind news set's tuning half and the bundled calibration questions are left for
fitting how the answerer weighs the reader (bench/train_answerer.py fit), so that fit sees the
reader's scores on questions it never trained on. Prints the held-out figures as it goes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
WORK = ROOT / "bench" / "work"
DATA = ROOT.parent / "shared" / "bench" / "realtimeqa"
TRAIN_SOURCES = ("train-gold", "train-absent")


def reader_share(example_id: str, share: float) -> bool:
    """Whether a training question is the reader's (else it is left for the answerer's fit)."""
    digest = hashlib.sha256(example_id.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def _questions() -> dict[str, str]:
    path = DATA / "questions_train.jsonl"
    return {r["id"]: r["question"] for r in map(json.loads, path.open())} if path.exists() else {}


def pairs(examples: list[dict], share: float, held_out: bool) -> list[tuple[str, str, float, str]]:
    """(question, sentence, label, question id) of the training questions in (or out of) the
    reader's share."""
    known = _questions()
    found = []
    for e in examples:
        if e["source"] not in TRAIN_SOURCES or reader_share(e["id"], share) == held_out:
            continue
        question = e.get("question") or known[e["id"]]
        qid = f"{e['source']}/{e['id']}"
        found += [(question, c["text"], float(c["holds"]), qid) for c in e["candidates"]]
    return found


def _batches(items: list, size: int, rng: random.Random) -> list[list]:
    """Batches of similar length (less padding), in random order."""
    order = sorted(items, key=lambda p: len(p[0]) + len(p[1]) + rng.random() * 40)
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def _encode(tokenizer, batch: list, max_length: int):  # noqa: ANN001, ANN202
    return tokenizer(
        [b[0] for b in batch],
        [b[1] for b in batch],
        padding=True,
        truncation="only_second",
        max_length=max_length,
        return_tensors="pt",
    )


def _scores(net, tokenizer, items: list, max_length: int) -> np.ndarray:  # noqa: ANN001
    import torch

    out = []
    net.eval()
    with torch.no_grad():
        for i in range(0, len(items), 64):
            enc = _encode(tokenizer, items[i : i + 64], max_length)
            out.append(net(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]).numpy())
    net.train()
    return np.concatenate(out) if out else np.zeros(0)


def ranking_report(items: list, scores: np.ndarray) -> dict[str, float]:
    """Per question: whether the top-scored sentence holds the answer (of questions with one)."""
    by: dict[str, list[tuple[float, float]]] = {}
    for (_, _, label, qid), s in zip(items, scores, strict=True):
        by.setdefault(qid, []).append((float(s), label))
    answerable = [v for v in by.values() if any(label for _, label in v)]
    top1 = [max(v)[1] for v in answerable]
    labels = np.array([p[2] for p in items])
    pos, neg = scores[labels == 1], scores[labels == 0]
    auc = float((pos[:, None] > neg[None, :]).mean()) if len(pos) and len(neg) else float("nan")
    return {"questions": len(answerable), "top1_holds": float(np.mean(top1)), "auc": auc}


def train(args: argparse.Namespace) -> int:
    import torch
    from transformers import AutoTokenizer

    from ingest.embedder import resolve_model_path
    from qa.reader_net import base_net, save_adapter, with_adapters

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    examples = [json.loads(line) for line in args.examples.open()]
    train_items = pairs(examples, args.share, held_out=False)
    held_items = pairs(examples, args.share, held_out=True)
    print(f"training pairs {len(train_items)} (positives {sum(p[2] for p in train_items):.0f}), "
          f"held-out pairs {len(held_items)}", flush=True)  # fmt: skip
    model_dir = Path(resolve_model_path(args.model))
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    net = with_adapters(base_net(model_dir), args.rank, args.alpha).train()
    trainable = [p for p in net.parameters() if p.requires_grad]
    print(f"trainable parameters {sum(p.numel() for p in trainable):,}", flush=True)
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    batches = [b for _ in range(args.epochs) for b in _batches(train_items, args.batch, rng)]
    if args.max_steps:
        batches = batches[: args.max_steps]
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, total_steps=len(batches), pct_start=0.1
    )
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(args.pos_weight))
    started = time.perf_counter()
    for step, batch in enumerate(batches, start=1):
        enc = _encode(tokenizer, batch, args.max_length)
        logits = net(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
        loss = loss_fn(logits, torch.tensor([b[2] for b in batch]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 50 == 0 or step == len(batches):
            rate = step / (time.perf_counter() - started)
            print(f"step {step}/{len(batches)} loss {loss.item():.3f} {rate:.2f} steps/s",
                  flush=True)  # fmt: skip
    figures = ranking_report(held_items, _scores(net, tokenizer, held_items, args.max_length))
    print("held-out training questions:", json.dumps(figures), flush=True)
    meta = {
        "base": "all-MiniLM-L6-v2",
        "rank": args.rank,
        "alpha": args.alpha,
        "max_length": args.max_length,
        "share": args.share,
        "epochs": args.epochs,
        "steps": len(batches),
        "lr": args.lr,
        "pos_weight": args.pos_weight,
        "trained_on": len(train_items),
        "held_out": figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_adapter(net, args.out, meta)
    print(f"wrote {args.out}")
    return 0


def annotate(args: argparse.Namespace) -> int:
    """Add the reader's logit ("reader") to every candidate of the examples, as the answerer
    computes it (qa/reader.py on the exported int8 graph, the question as the answerer reads
    it: the contextualised query of a follow-up)."""
    from ingest.embedder import default_cache_dir
    from qa.reader import Reader

    reader = Reader(default_cache_dir(), adapter=args.out)
    examples = [json.loads(line) for line in args.examples.open()]
    known = _questions()
    for n, e in enumerate(examples, start=1):
        question = e.get("query") or e.get("question") or known[e["id"]]
        logits = reader.logits(question, [c["text"] for c in e["candidates"]])
        for c, logit in zip(e["candidates"], logits, strict=True):
            c["features"]["reader"] = float(logit)
        if n % 100 == 0:
            print(f"annotated {n}/{len(examples)}", file=sys.stderr, flush=True)
    target = args.annotated or args.examples.with_name(args.examples.stem + "-reader.jsonl")
    with target.open("w") as out:
        for e in examples:
            out.write(json.dumps(e) + "\n")
    print(f"wrote {target}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", choices=["train", "annotate"])
    parser.add_argument("--annotated", type=Path, help="annotate: where (default: *-reader.jsonl)")
    parser.add_argument("--examples", type=Path, default=WORK / "answerer-examples.jsonl")
    parser.add_argument("--out", type=Path, default=WORK / "reader_adapter.npz")
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--share", type=float, default=0.7, help="of the training questions")
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16.0)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--pos-weight", type=float, default=2.0)
    parser.add_argument("--max-steps", type=int, default=0, help="stop early (a speed check)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    return train(args) if args.stage == "train" else annotate(args)


if __name__ == "__main__":
    sys.exit(main())
