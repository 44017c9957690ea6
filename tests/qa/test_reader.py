"""The reader (qa/reader.py): the shipped adapter on the real base model, exported once to int8
ONNX and cached; it judges whether a sentence answers a question, beyond sharing its words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.embedder import default_cache_dir
from ingest.errors import InvalidInputError
from qa.reader import ADAPTER, Reader


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(default_cache_dir())


# written for this test (not from any eval set): the answer against a sentence of the same story
# that shares the question's words but does not hold what is asked
PAIRS = [
    (
        "Who was named the new chief executive of Hallmark Foods?",
        "Hallmark Foods named Maria Delgado, its finance chief, as chief executive on Monday.",
        "Hallmark Foods has had three chief executives in the last five years.",
    ),
    (
        "How many people were killed in the ferry accident?",
        "At least 14 people died when the ferry capsized near the harbour, police said.",
        "The ferry accident was the worst on the river since records began.",
    ),
    (
        "When will the new bridge open to traffic?",
        "The bridge is expected to open to traffic in March 2027, the ministry said.",
        "Traffic on the old bridge has doubled since the new bridge was first proposed.",
    ),
    (
        "Why did the union call off the strike?",
        "The union called off the strike after the company agreed to raise wages by 6%.",
        "The strike had been called by the union for the whole of next week.",
    ),
    (
        "Where did the storm make landfall?",
        "The storm made landfall near Port Arthur, Texas, early on Thursday.",
        "Forecasters said the storm would weaken quickly after making landfall.",
    ),
]


@pytest.mark.parametrize(("question", "answer", "near"), PAIRS)
def test_the_sentence_that_answers_scores_above_one_that_only_shares_words(
    reader: Reader, question: str, answer: str, near: str
) -> None:
    answering, related = reader.logits(question, [answer, near])
    assert answering > related


def test_a_sentence_scores_the_same_in_any_batch(reader: Reader) -> None:
    question, answer, near = PAIRS[0]
    alone = reader.logits(question, [answer])
    batched = reader.logits(question, [near, "A much longer sentence " * 12, answer])
    assert batched[2] == pytest.approx(alone[0], abs=1e-4)
    assert len(reader.logits(question, [])) == 0


def test_the_int8_export_ranks_as_the_torch_network_does(reader: Reader) -> None:
    import torch
    from transformers import AutoTokenizer

    from ingest.embedder import resolve_model_path
    from qa.reader_net import load_merged

    model_dir = Path(resolve_model_path("all-MiniLM-L6-v2"))
    net = load_merged(model_dir, ADAPTER)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    questions = [q for q, _, _ in PAIRS for _ in range(2)]
    sentences = [s for _, a, n in PAIRS for s in (a, n)]
    encoded = tokenizer(questions, sentences, padding=True, return_tensors="pt")
    with torch.no_grad():
        exact = net(**{k: encoded[k] for k in ("input_ids", "attention_mask", "token_type_ids")})
    onnx = np.concatenate([reader.logits(q, [a, n]) for q, a, n in PAIRS])
    assert np.abs(exact.numpy() - onnx).max() < 0.5
    assert np.corrcoef(exact.numpy(), onnx)[0, 1] > 0.98


def test_a_second_reader_uses_the_cached_export(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader.logits("Who?", ["Someone."])  # exported (once per cache folder)
    import qa.reader_export

    def export_again(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(qa.reader_export, "export", export_again)
    again = Reader(reader.cache_dir)
    assert again.logits("Who?", ["Someone."])[0] == pytest.approx(
        reader.logits("Who?", ["Someone."])[0], abs=1e-5
    )


def test_a_missing_adapter_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="adapter.*nowhere.npz"):
        Reader(tmp_path, adapter=tmp_path / "nowhere.npz")


def test_a_bad_batch_size_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="batch_size must be > 0, got 0"):
        Reader(tmp_path, batch_size=0)


def test_the_engine_answers_without_a_reader(make_engine, tmp_path: Path) -> None:  # noqa: ANN001
    engine = make_engine(tmp_path / "store", reader=False)
    assert engine.answerer.reader is None
    engine.ingest([Path(__file__).resolve().parents[2] / "data" / "articles"])
    answer = engine.ask("How much did Türkiye pay for the S-400 systems?")
    assert "$2.5 billion" in answer.text
