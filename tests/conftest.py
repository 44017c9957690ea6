"""Shared fixtures: one real embedder and one real Chroma store with the bundled corpus."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ingest.embedder import Embedder  # noqa: E402
from qa.engine import QAEngine, make_embedder  # noqa: E402
from qa.settings import load_settings  # noqa: E402
from vectorstore.store import ArticleStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "articles"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return make_embedder(load_settings())


@pytest.fixture(scope="session")
def make_engine(embedder: Embedder) -> Callable[..., QAEngine]:
    """A fresh engine on its own store folder, sharing the loaded embedder."""

    def make(path: Path, **overrides: object) -> QAEngine:
        settings = load_settings(store_path=path, **overrides)
        store = ArticleStore.open_local(
            path, settings.collection, settings.embedding_model, backend=embedder.backend
        )
        return QAEngine(settings, store, embedder)

    return make


@pytest.fixture(scope="session")
def engine(make_engine, tmp_path_factory) -> QAEngine:  # noqa: ANN001
    """The bundled corpus, ingested once for the whole session. Tests must not modify it."""
    built = make_engine(tmp_path_factory.mktemp("store"))
    report = built.ingest([CORPUS])
    assert len(report.added) == 2
    return built


def article_id(engine: QAEngine, title_start: str) -> str:
    return next(r.id for r in engine.articles() if r.title.startswith(title_start))
