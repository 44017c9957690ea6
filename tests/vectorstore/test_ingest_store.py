"""Ingest into a real Chroma store: metadata, chunk limits, idempotence, prune, duplicates,
bad files, interruption, model mismatch and the single-writer lock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.chunking import embedding_text
from ingest.errors import ModelMismatchError, StoreBusyError
from qa.engine import ArticleNotFoundError, QAEngine
from tests.conftest import CORPUS, article_id
from vectorstore.store import ArticleStore

KREMLIN = "000_571dbf1d854c2ca6.txt"
VISIT = "003_6717c59d2c368da4.txt"


def snapshot(engine: QAEngine) -> tuple:
    chroma = engine.store.chroma
    records = chroma.article_records()
    chunks = sorted((c.id, c.start, c.end, c.text) for c in chroma.all_chunks())
    return tuple(sorted((r.id, r.title, r.origins) for r in records.values())), tuple(chunks)


def test_bundled_metadata(engine: QAEngine):
    kremlin = engine.article(article_id(engine, "Putin, Erdogan did not discuss"))
    assert kremlin.source == "Anadolu Agency"
    assert kremlin.authors == ("Elena Teslova",)
    assert kremlin.published == "2025-12-18"
    assert "subscription" not in kremlin.text
    visit = engine.article(article_id(engine, "Putin planning visit"))
    assert visit.title == "Putin planning visit to Turkey in January: Erdoğan aide"
    assert visit.source == "Duvar English"
    with pytest.raises(ArticleNotFoundError):
        engine.article("nope")


def test_chunks_fit_the_model_window_and_point_into_the_text(engine: QAEngine):
    chunks = list(engine.store.chroma.all_chunks())
    assert len(chunks) >= 2
    limit = engine.embedder.max_tokens
    texts = [embedding_text(c.title, c.text) for c in chunks]
    assert max(engine.embedder.count_tokens(texts)) <= limit
    for c in chunks:
        assert engine.article(c.article_id).text[c.start : c.end] == c.text


def test_reingest_is_idempotent_and_does_no_embedding(engine: QAEngine):
    before = snapshot(engine)
    report = engine.ingest([CORPUS])
    assert len(report.unchanged) == 2 and not report.added and report.tokens == 0
    assert snapshot(engine) == before


def test_changed_article_replaces_its_chunks_and_prune_removes_gone_files(make_engine, tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(CORPUS, folder)
    engine = make_engine(tmp_path / "store")
    engine.ingest([folder])
    old_id = article_id(engine, "Putin planning visit")
    path = folder / VISIT
    path.write_text(path.read_text().replace("first week of January", "second week of March"))
    report = engine.ingest([folder])
    assert len(report.updated) == 1 and report.removed == [old_id]
    new_id = report.updated[0]
    assert not engine.store.chroma.chunk_ids_of(old_id)
    assert "second week of March" in engine.article(new_id).text
    (folder / KREMLIN).unlink()
    report = engine.ingest([folder], prune=True)
    assert len(report.removed) == 1
    assert [r.id for r in engine.articles()] == [new_id]
    assert "March" in engine.ask("When is Putin planning to visit Turkey?").text


def test_exact_and_near_duplicates_are_stored_once(make_engine, tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(CORPUS, folder)
    shutil.copy(folder / KREMLIN, folder / "copy.txt")
    text = (folder / KREMLIN).read_text()
    (folder / "wire.txt").write_text(
        text.replace("Anadolu Agency website", "Agency website").replace("Thursday", "Wednesday")
    )
    engine = make_engine(tmp_path / "store")
    report = engine.ingest([folder])
    assert len(report.added) == 2
    assert len(report.duplicates) == 2
    assert {d.similarity == 1.0 for d in report.duplicates} == {True, False}
    assert "duplicate" in report.summary()
    assert engine.stats()["articles"] == 2


def test_bad_files_are_skipped_and_the_run_goes_on(make_engine, tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(CORPUS, folder)
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "latin.txt").write_bytes(b"\xff\xfe\x00\x00" * 50)
    (folder / "broken.json").write_text('{"title": "x", "text": ')
    (folder / "lines.jsonl").write_text(
        '{"title": "Good", "text": "A perfectly fine article about ferries in Istanbul."}\n{oops\n'
    )
    (folder / "image.png").write_bytes(b"\x89PNG....")
    engine = make_engine(tmp_path / "store")
    report = engine.ingest([folder])
    assert len(report.added) == 3
    reasons = {Path(s.origin.split("#")[0]).name: s.reason for s in report.skipped}
    assert set(reasons) >= {
        "empty.txt",
        "binary.txt",
        "latin.txt",
        "broken.json",
        "lines.jsonl",
        "image.png",
    }
    assert all(reason for reason in reasons.values())


def test_interrupted_ingest_then_rerun_equals_a_clean_run(make_engine, tmp_path, monkeypatch):
    clean = make_engine(tmp_path / "clean")
    clean.ingest([CORPUS])
    engine = make_engine(tmp_path / "store")
    chroma = engine.store.chroma
    real_add = chroma.add_articles

    def add_then_die(new):  # noqa: ANN001
        """The first article lands whole; the second one's chunks land, its record never does."""
        real_add(new[:1])
        article, chunks = new[1].article, new[1].chunks
        chroma._chunks.upsert(
            ids=[c.id for c in chunks],
            embeddings=new[1].vectors,
            documents=[c.text for c in chunks],
            metadatas=[
                {
                    "article_id": article.id,
                    "index": c.index,
                    "start": c.start,
                    "end": c.end,
                    "title": article.title,
                }
                for c in chunks
            ],
        )
        raise KeyboardInterrupt

    monkeypatch.setattr(chroma, "add_articles", add_then_die)
    with pytest.raises(KeyboardInterrupt):
        engine.ingest([CORPUS])
    monkeypatch.setattr(chroma, "add_articles", real_add)
    assert len(engine.articles()) == 1
    assert all(
        p.article_id in {r.id for r in engine.articles()}
        for p in engine.retrieve("TurkStream pipeline Kalın", top_k=5)
    )
    report = engine.ingest([CORPUS])
    assert report.repaired_chunks > 0
    assert snapshot(engine) == snapshot(clean)


def test_opening_with_another_model_is_a_clear_error(engine: QAEngine):
    with pytest.raises(ModelMismatchError, match="all-MiniLM-L6-v2"):
        ArticleStore.open_local(
            engine.settings.store_path, engine.settings.collection, "other/model"
        )


def test_one_writer_at_a_time(engine: QAEngine):
    with engine.store.writing(), pytest.raises(StoreBusyError, match="another process"):
        # a second handle on the lock file stands in for a second process
        other = ArticleStore(engine.store.chroma, engine.store.lexical_dir, engine.store.lock_path)
        with other.writing():
            pass
