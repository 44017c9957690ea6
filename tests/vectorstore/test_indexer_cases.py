"""Edge cases of incremental ingest: records moving inside a file, swapped files, near copies,
copies within one run, metadata-only edits, unreadable files under --prune, an interruption
between committing and bookkeeping."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest import dedup
from qa.engine import QAEngine
from vectorstore.indexer import Indexer

TOPICS = {
    "ferry": "The new ferry line between Kadikoy and Karakoy carried twelve thousand passengers "
    "in its first week, the municipality said on Monday, adding that two more boats will join.",
    "bridge": "Engineers finished the cable inspection of the old suspension bridge over the river "
    "and reported corrosion on four anchors, which the city council plans to replace next spring.",
    "harvest": "Hazelnut farmers on the Black Sea coast expect a harvest of seven hundred thousand "
    "tonnes this year, a cooperative official said, citing a wet spring and fewer frost days.",
    "museum": "The archaeology museum reopened its Byzantine hall after a three year restoration "
    "that revealed mosaics hidden under plaster, curators told reporters during a guided tour.",
}


def body(key: str, extra: str = "") -> str:
    return (TOPICS[key] + " " + extra).strip()


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def titles(engine: QAEngine) -> set[str]:
    return {r.title for r in engine.articles()}


def origins(engine: QAEngine) -> dict[str, tuple[str, ...]]:
    return {r.title: tuple(sorted(r.origins)) for r in engine.articles()}


def test_records_moving_inside_a_jsonl_file_keep_every_article(make_engine, tmp_path):
    feed = tmp_path / "feed.jsonl"
    write_jsonl(
        feed,
        [{"title": "Ferry", "text": body("ferry")}, {"title": "Bridge", "text": body("bridge")}],
    )
    engine = make_engine(tmp_path / "store")
    engine.ingest([feed])
    write_jsonl(
        feed,
        [
            {"title": "Harvest", "text": body("harvest")},
            {"title": "Ferry", "text": body("ferry")},
            {"title": "Bridge", "text": body("bridge")},
        ],
    )
    report = engine.ingest([feed], prune=True)
    assert not report.duplicates and not report.removed
    assert titles(engine) == {"Ferry", "Bridge", "Harvest"}
    assert all(len(o) == 1 for o in origins(engine).values())
    again = engine.ingest([feed], prune=True)
    assert len(again.unchanged) == 3 and not again.changed


def test_swapped_files_end_with_the_right_origins(make_engine, tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "p.txt").write_text("Ferry\n\n" + body("ferry"))
    (folder / "q.txt").write_text("Bridge\n\n" + body("bridge"))
    engine = make_engine(tmp_path / "store")
    engine.ingest([folder])
    (folder / "p.txt").write_text("Bridge\n\n" + body("bridge"))
    (folder / "q.txt").write_text("Ferry\n\n" + body("ferry"))
    engine.ingest([folder], prune=True)
    found = origins(engine)
    assert set(found) == {"Ferry", "Bridge"}
    assert found["Ferry"] == (str(folder / "q.txt"),)
    assert found["Bridge"] == (str(folder / "p.txt"),)


def test_a_file_edited_into_a_near_copy_loses_its_old_version(make_engine, tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    long_text = " ".join(TOPICS.values())
    (folder / "a.txt").write_text("Museum\n\n" + long_text)
    (folder / "b.txt").write_text("Harvest\n\n" + body("harvest"))
    engine = make_engine(tmp_path / "store")
    engine.ingest([folder])
    (folder / "b.txt").write_text("Museum again\n\n" + long_text.replace("three year", "3-year"))
    report = engine.ingest([folder])
    assert len(report.duplicates) == 1 and len(report.removed) == 1
    assert titles(engine) == {"Museum"}
    kept = engine.articles()[0]
    assert [d["origin"] for d in kept.duplicates] == [str(folder / "b.txt")]
    assert not engine.ingest([folder]).changed


def test_a_record_signed_in_the_older_form_is_signed_again_and_still_matched(
    make_engine, tmp_path, monkeypatch
):
    folder = tmp_path / "a"
    folder.mkdir()
    long_text = " ".join(TOPICS.values())
    (folder / "a.txt").write_text("Museum\n\n" + long_text)
    engine = make_engine(tmp_path / "store")
    engine.ingest([folder])
    chroma = engine.store.chroma
    museum = engine.articles()[0]
    older_form = np.arange(dedup.N_HASHES, dtype="<u4").tobytes().hex()  # bare hex, before
    chroma.update_record(museum, minhash=older_form)
    assert chroma.article_records()[museum.id].minhash == older_form
    (folder / "b.txt").write_text("Museum again\n\n" + long_text.replace("three year", "3-year"))
    report = engine.ingest([folder])
    assert [d.duplicate_of for d in report.duplicates] == [museum.id]
    signed = chroma.article_records()[museum.id].minhash
    assert signed == dedup.encode(dedup.signature(engine.article(museum.id).text))
    rewritten = []
    real_update = chroma.update_record
    monkeypatch.setattr(
        chroma,
        "update_record",
        lambda record, **changes: rewritten.append(changes) or real_update(record, **changes),
    )
    assert not engine.ingest([folder]).changed
    assert not [c for c in rewritten if "minhash" in c]  # signed once, kept


def test_copies_in_one_run_are_recorded_and_survive_an_edit_of_one(make_engine, tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "a.txt").write_text("Ferry\n\n" + body("ferry"))
    (folder / "b.txt").write_text("Ferry\n\n" + body("ferry"))
    engine = make_engine(tmp_path / "store")
    report = engine.ingest([folder])
    assert len(report.added) == 1 and len(report.duplicates) == 1
    assert len(engine.articles()[0].origins) == 2
    second = engine.ingest([folder])
    assert len(second.unchanged) == 2 and not second.duplicates
    (folder / "a.txt").write_text("Bridge\n\n" + body("bridge"))
    engine.ingest([folder / "a.txt"])
    assert titles(engine) == {"Ferry", "Bridge"}
    assert origins(engine)["Ferry"] == (str(folder / "b.txt"),)


def test_a_corrected_title_or_date_is_stored(make_engine, tmp_path):
    feed = tmp_path / "feed.jsonl"
    write_jsonl(
        feed,
        [
            {
                "title": "Ferry",
                "text": body("ferry"),
                "url": "https://x.test/1",
                "published": "2024-01-02",
            }
        ],
    )
    engine = make_engine(tmp_path / "store")
    engine.ingest([feed])
    write_jsonl(
        feed,
        [
            {
                "title": "Ferry line opens",
                "text": body("ferry"),
                "url": "https://x.test/1",
                "published": "2024-01-03",
            }
        ],
    )
    report = engine.ingest([feed])
    assert len(report.updated) == 1
    (record,) = engine.articles()
    assert (record.title, record.published) == ("Ferry line opens", "2024-01-03")
    passage = engine.retrieve("ferry passengers", top_k=1)[0]
    assert passage.title == "Ferry line opens" and passage.published == "2024-01-03"


def test_prune_keeps_articles_of_a_file_that_failed_to_read(make_engine, tmp_path):
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps(
            [{"title": "Ferry", "text": body("ferry")}, {"title": "Bridge", "text": body("bridge")}]
        )
    )
    engine = make_engine(tmp_path / "store")
    engine.ingest([tmp_path])
    feed.write_text(feed.read_text()[:40])  # saved half-way
    report = engine.ingest([tmp_path], prune=True)
    assert report.skipped and not report.removed
    assert titles(engine) == {"Ferry", "Bridge"}


def test_interrupted_after_commit_is_healed_by_the_next_run(make_engine, tmp_path, monkeypatch):
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "a.txt").write_text("Ferry\n\n" + body("ferry"))
    engine = make_engine(tmp_path / "store")
    engine.ingest([folder])
    (folder / "a.txt").write_text("Ferry\n\n" + body("ferry", "A third boat arrives in May."))

    def die(*args, **kwargs):  # noqa: ANN002, ANN003
        raise KeyboardInterrupt

    monkeypatch.setattr(Indexer, "_settle", die)
    with pytest.raises(KeyboardInterrupt):
        engine.ingest([folder])
    monkeypatch.undo()
    assert len(engine.articles()) == 2  # the new version is committed; the old one still holds
    assert any("third boat" in p.text for p in engine.retrieve("third boat May", top_k=3))
    report = engine.ingest([folder])
    assert len(report.removed) == 1
    (record,) = engine.articles()
    assert "third boat" in engine.article(record.id).text


def test_an_article_that_cannot_be_chunked_is_skipped_not_a_crash(make_engine, tmp_path):
    feed = tmp_path / "feed.jsonl"
    long_title = "A very long headline " * 8
    write_jsonl(
        feed,
        [{"title": long_title, "text": body("ferry")}, {"title": "Bridge", "text": body("bridge")}],
    )
    engine = make_engine(tmp_path / "store", chunk_tokens=40, chunk_overlap_tokens=8)
    report = engine.ingest([feed])
    assert len(report.added) == 1
    assert any("no room for text" in s.reason for s in report.skipped)
    assert titles(engine) == {"Bridge"}


def test_new_authors_or_date_for_a_stored_text_update_metadata_without_embedding(
    make_engine, tmp_path, monkeypatch
):
    """A store written before authors were read from footers (or before non-content spans were
    kept) is brought up to date by ingesting the same corpus again, with no embedding."""
    feed = tmp_path / "feed.jsonl"
    footer = "Contact reporter Ada Quill at aquill@x.test."
    record = {"title": "Ferry", "text": body("ferry") + "\n\n" + footer, "url": "https://x.test/1"}
    write_jsonl(feed, [record])
    engine = make_engine(tmp_path / "store")
    engine.ingest([feed])
    chroma = engine.store.chroma
    (record_id,) = [r.id for r in engine.articles()]
    chunk_ids = chroma.chunk_ids_of(record_id)
    older = {"authors": "[]", "noncontent": None}  # as the earlier code wrote them
    chroma._chunks.update(ids=chunk_ids, metadatas=[older] * len(chunk_ids))
    chroma._articles.update(ids=[record_id], metadatas=[{"authors": "[]"}])
    chroma.bump_revision(engine.embedder.dimension)
    assert engine.articles()[0].authors == ()

    def no_embedding(texts):  # noqa: ANN001, ANN202
        raise AssertionError(f"re-embedded {len(texts)} texts")

    monkeypatch.setattr(engine.embedder, "encode", no_embedding)
    record["published"] = "2024-01-03"
    write_jsonl(feed, [record])
    report = engine.ingest([feed])
    assert report.relabelled == [record_id] and not (report.added or report.updated)
    (stored,) = engine.articles()
    assert (stored.authors, stored.published) == (("Ada Quill",), "2024-01-03")
    assert chroma.chunk_ids_of(record_id) == chunk_ids
    chunks = chroma.chunks(chunk_ids)
    assert all(c.authors == ("Ada Quill",) and c.published == "2024-01-03" for c in chunks.values())
    metas = chroma._chunks.get(ids=chunk_ids, include=["metadatas"])["metadatas"]
    assert all("noncontent" in m for m in metas)
    record.pop("published")
    write_jsonl(feed, [record])
    assert engine.ingest([feed]).relabelled == [record_id]
    assert engine.articles()[0].published is None
    assert all(c.published is None for c in chroma.chunks(chunk_ids).values())
    assert engine.ingest([feed]).relabelled == []
