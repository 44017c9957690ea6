"""Store faults that used to lose or hide data: a wrong embedding model name stamping an empty
store, and a store folder whose database was deleted being silently re-seeded."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.embedder import canonical_model_name, resolve_model_path
from ingest.errors import InvalidInputError, ModelMismatchError, StoreError
from qa.engine import QAEngine
from qa.settings import load_settings
from tests.conftest import CORPUS
from vectorstore.store import ArticleStore

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def test_aliases_of_the_default_model_are_one_model() -> None:
    assert canonical_model_name("all-MiniLM-L6-v2") == MINILM
    assert canonical_model_name(MINILM) == MINILM
    assert canonical_model_name(resolve_model_path("all-MiniLM-L6-v2")) == MINILM
    assert canonical_model_name("some/other-model") == "some/other-model"


def test_a_wrong_model_name_leaves_the_store_usable_by_the_right_one(make_engine, tmp_path):  # noqa: ANN001
    path = tmp_path / "store"
    wrong = QAEngine.open(store=path, embedding_model="no-such/model-xyz")
    with pytest.raises(InvalidInputError, match="cannot load embedding model"):
        wrong.ingest([CORPUS])
    assert wrong.stats()["articles"] == 0
    right = make_engine(path)  # the configured default model opens the same store
    assert len(right.ingest([CORPUS]).added) == 2
    # the store is now stamped with the model that wrote it; another model is refused
    with pytest.raises(ModelMismatchError, match="all-MiniLM-L6-v2"):
        ArticleStore.open_local(path, right.settings.collection, "some/other-model")


def test_aliases_open_a_store_built_with_the_default_model(engine: QAEngine) -> None:
    path = engine.settings.store_path
    for alias in ("all-MiniLM-L6-v2", MINILM, resolve_model_path("all-MiniLM-L6-v2")):
        store = ArticleStore.open_local(path, engine.settings.collection, alias)
        assert store.snapshot().records


def test_a_store_folder_without_its_database_is_an_error_not_a_reseed(make_engine, tmp_path):  # noqa: ANN001
    path = tmp_path / "store"
    make_engine(path).ingest([CORPUS])
    (path / "chroma.sqlite3").unlink()
    with pytest.raises(StoreError, match="chroma.sqlite3"):
        QAEngine.open(store=path)
    assert not (path / "chroma.sqlite3").exists()  # nothing was created in its place


def test_an_empty_or_new_folder_is_a_new_store(tmp_path: Path) -> None:
    settings = load_settings(store_path=tmp_path / "new")
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "new", tmp_path / "empty"):
        store = ArticleStore.open_local(folder, settings.collection, settings.embedding_model)
        assert store.snapshot().records == {}
