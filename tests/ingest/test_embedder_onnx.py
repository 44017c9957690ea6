"""The ONNX embedding backends: the same vectors as torch (fp32) or close ones (int8), an export
made once and reused, and a broken cached file replaced rather than used."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from ingest import onnx_export
from ingest.embedder import Embedder, resolve_model_path
from ingest.errors import InvalidInputError
from ingest.onnx_embedder import length_batches
from tests.conftest import CORPUS

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
FOLDER = Path(resolve_model_path(MODEL))


def corpus_texts() -> list[str]:
    """Real sentences and passages of several lengths, and questions."""
    texts = []
    for path in sorted(CORPUS.iterdir()):
        body = path.read_text(encoding="utf-8")
        texts += [p for p in body.split("\n\n") if p.strip()][:12]
        texts.append(body[:1500])
    return texts + ["How much did Türkiye pay for the S-400 systems?", "When?", "Putin"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder of this module's own, with the fp32 export made once."""
    folder = tmp_path_factory.mktemp("onnx-cache")
    Embedder(MODEL, backend="onnx", cache_dir=folder).encode(["warm up"])
    return folder


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return Embedder(MODEL, backend="torch").encode(corpus_texts())


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_onnx_fp32_gives_the_torch_vectors(cache: Path, torch_vectors: np.ndarray) -> None:
    vectors = Embedder(MODEL, backend="onnx", cache_dir=cache).encode(corpus_texts())
    assert vectors.dtype == np.float32 and vectors.shape == torch_vectors.shape
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert cosines(vectors, torch_vectors).min() > 0.9999  # measured: 0.9999999


def test_onnx_int8_vectors_are_close_to_torch(torch_vectors: np.ndarray, embedder) -> None:  # noqa: ANN001
    int8 = Embedder(MODEL, backend="onnx-int8", cache_dir=embedder.cache_dir)
    found = cosines(int8.encode(corpus_texts()), torch_vectors)
    # measured on these texts: min 0.985, mean 0.995 (news passages: min 0.99)
    assert found.min() > 0.97 and found.mean() > 0.99


def test_batching_by_length_keeps_the_order(cache: Path) -> None:
    texts = corpus_texts()
    embedder = Embedder(MODEL, backend="onnx", cache_dir=cache, batch_size=4)
    together = embedder.encode(texts)
    one_by_one = np.vstack([embedder.encode([t]) for t in texts])
    assert cosines(together, one_by_one).min() > 0.99999  # here: equal bit for bit


def test_an_int8_text_encoded_alone_gets_the_vector_of_its_text_only(embedder) -> None:  # noqa: ANN001
    """int8 quantises a run's activations together, so a batched vector moves with the texts
    beside it; `alone` gives every text the vector it gets by itself, whatever its company."""
    int8 = Embedder(MODEL, backend="onnx-int8", cache_dir=embedder.cache_dir)
    texts = corpus_texts()
    by_itself = np.vstack([int8.encode([t]) for t in texts])
    batched = int8.encode(texts)
    assert cosines(batched, by_itself).min() < 0.9999  # the dependence `alone` removes
    assert np.array_equal(int8.encode(texts, alone=True), by_itself)
    assert np.array_equal(int8.encode(texts[::-1], alone=True), by_itself[::-1])


def test_length_batches_cut_where_padding_costs_more_than_a_run() -> None:
    lengths = [30, 8, 9, 31, 10, 80, 29]
    batches = length_batches(lengths, limit=3, overhead=16)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert batches == [[1, 2, 4], [6, 0, 3], [5]]  # 8-10, 29-31, and 80 on its own
    assert length_batches(lengths, limit=32, overhead=10_000) == [[1, 2, 4, 6, 0, 3, 5]]
    assert all(len(b) == 1 for b in length_batches(lengths, limit=32, overhead=0))
    assert length_batches([], limit=4) == []


def test_token_counts_and_window_match_the_torch_backend(cache: Path) -> None:
    onnx = Embedder(MODEL, backend="onnx", cache_dir=cache)
    torch = Embedder(MODEL, backend="torch")
    texts = corpus_texts()
    assert onnx.count_tokens(texts) == torch.count_tokens(texts)
    assert (onnx.max_tokens, onnx.dimension) == (torch.max_tokens, torch.dimension) == (254, 384)
    assert onnx.encode([]).shape == (0, 384)


def test_the_export_is_reused(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (path,) = cache.glob("*-fp32-*.onnx")
    before = path.stat().st_mtime_ns
    monkeypatch.setattr(onnx_export, "_export", lambda *a: pytest.fail("exported again"))
    Embedder(MODEL, backend="onnx", cache_dir=cache).encode(["reused"])
    assert path.stat().st_mtime_ns == before


@pytest.mark.parametrize("damage", ["partial", "garbage", "other key"])
def test_a_broken_cached_file_is_exported_again(
    cache: Path, torch_vectors: np.ndarray, damage: str
) -> None:
    (path,) = cache.glob("*-fp32-*.onnx")
    whole = path.read_bytes()
    if damage == "partial":  # cut short, as by a crash of something that copied it
        path.write_bytes(whole[: len(whole) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(4096))
    else:  # a whole model, but stamped with another export's key
        path.write_bytes(
            whole.replace(onnx_export.cached_path(cache, FOLDER, "fp32")[1].encode(), b"0" * 24)
        )
    vectors = Embedder(MODEL, backend="onnx", cache_dir=cache).encode(corpus_texts())
    assert cosines(vectors, torch_vectors).min() > 0.9999
    assert path.stat().st_size == len(whole)


def test_two_exports_at_once_make_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def slow_export(model_dir: Path, variant: str, key: str, target: Path) -> None:
        import time

        import onnx

        calls.append(key)
        time.sleep(0.5)
        model = onnx.helper.make_model(onnx.helper.make_graph([], "empty", [], []))
        entry = model.metadata_props.add()
        entry.key, entry.value = onnx_export.KEY_FIELD, key
        partial = tmp_path / f"partial-{threading.get_ident()}"
        onnx.save(model, str(partial))
        os.replace(partial, target)

    monkeypatch.setattr(onnx_export, "_export", slow_export)
    found: list[Path] = []
    threads = [
        threading.Thread(
            target=lambda: found.append(onnx_export.ensure_export(tmp_path, FOLDER, "int8"))
        )
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(set(found)) == 1 and len(found) == 3
    assert [p.name for p in tmp_path.glob("*.onnx")] == [found[0].name]


def test_a_model_the_onnx_backend_cannot_run_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="embedding_backend torch"):
        Embedder("no-such/model-xyz", backend="onnx", cache_dir=tmp_path).encode(["x"])
    folder = tmp_path / "model"
    folder.mkdir()
    with pytest.raises(InvalidInputError, match="tokenizer.json"):
        Embedder(str(folder), backend="onnx-int8", cache_dir=tmp_path).encode(["x"])
    with pytest.raises(InvalidInputError, match="unknown embedding backend"):
        Embedder(MODEL, backend="tensorflow")
