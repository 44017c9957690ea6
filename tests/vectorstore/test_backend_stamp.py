"""The store records the embedding backend that wrote it: vectors of another kind (int8 versus
fp32) are neither written into it nor searched with; torch and onnx fp32 give the same vectors
and share a store; a store stamped before backends were recorded was written by torch."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import ModelMismatchError
from qa.engine import QAEngine
from tests.conftest import CORPUS
from vectorstore.store import ArticleStore

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def written(path: Path, backend: str) -> ArticleStore:
    """A store whose first write was by `backend` (the stamp is what matters here)."""
    store = ArticleStore.open_local(path, "articles", MODEL, backend=backend)
    store.chroma.bump_revision(384)
    return store


def unstamp_backend(store: ArticleStore) -> None:
    """Make it look like a store written before backends were recorded."""
    meta = store.chroma._meta()
    meta.pop("embedding_backend")
    meta.pop("hnsw:space", None)
    store.chroma._chunks.modify(metadata=meta)


def test_another_kind_of_vectors_is_refused_naming_both(tmp_path: Path) -> None:
    written(tmp_path, "onnx-int8")
    for other in ("torch", "onnx"):
        with pytest.raises(ModelMismatchError, match=f"'onnx-int8'.*'{other}'"):
            ArticleStore.open_local(tmp_path, "articles", MODEL, backend=other)
    with pytest.raises(ModelMismatchError, match="embedding backend 'onnx-int8'"):
        QAEngine.open(store=tmp_path, embedding_backend="torch")


def test_torch_and_onnx_fp32_share_a_store(tmp_path: Path) -> None:
    written(tmp_path, "torch")
    store = ArticleStore.open_local(tmp_path, "articles", MODEL, backend="onnx")
    store.chroma.bump_revision(384)  # a write by onnx keeps the first writer's stamp
    assert store.chroma._meta()["embedding_backend"] == "torch"
    with pytest.raises(ModelMismatchError, match="'torch'.*'onnx-int8'"):
        ArticleStore.open_local(tmp_path, "articles", MODEL, backend="onnx-int8")


def test_auto_follows_the_store_and_is_int8_for_a_new_one(tmp_path: Path) -> None:
    assert QAEngine.open(store=tmp_path / "new").embedder.backend == "onnx-int8"
    written(tmp_path / "fp32", "torch")
    assert QAEngine.open(store=tmp_path / "fp32").embedder.backend == "onnx"
    written(tmp_path / "int8", "onnx-int8")
    assert QAEngine.open(store=tmp_path / "int8").embedder.backend == "onnx-int8"


def test_a_store_without_a_backend_stamp_was_written_by_torch(tmp_path: Path) -> None:
    unstamp_backend(written(tmp_path, "torch"))
    with pytest.raises(ModelMismatchError, match="'torch'.*'onnx-int8'"):
        ArticleStore.open_local(tmp_path, "articles", MODEL, backend="onnx-int8")
    assert ArticleStore.open_local(tmp_path, "articles", MODEL).embedding_backend == "onnx"


def test_a_write_of_another_kind_after_the_open_is_refused(tmp_path: Path) -> None:
    """Two processes open a new store; the first write decides, the other's is refused."""
    first = ArticleStore.open_local(tmp_path, "articles", MODEL, backend="torch")
    second = ArticleStore.open_local(tmp_path, "articles", MODEL, backend="onnx-int8")
    first.chroma.bump_revision(384)
    with pytest.raises(ModelMismatchError, match="written by embedding backend 'torch'"):
        second.chroma.bump_revision(384)
    with pytest.raises(ModelMismatchError):
        second.snapshot()  # nor read with int8 query vectors


def test_an_engine_refuses_an_embedder_of_another_kind(make_engine, embedder, tmp_path) -> None:  # noqa: ANN001
    engine = make_engine(tmp_path)
    engine.ingest([CORPUS])
    assert engine.stats()["embedding_backend"] == embedder.backend == "onnx-int8"
    store = ArticleStore.open_local(tmp_path, "articles", MODEL)
    assert store.embedding_backend == "onnx-int8"
    with pytest.raises(ModelMismatchError, match="'onnx-int8'.*'torch'"):
        QAEngine.open(store=tmp_path, embedding_backend="torch")
