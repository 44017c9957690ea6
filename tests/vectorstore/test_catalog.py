"""The catalog spares a commit reading every article record: the next ingest reads only the
records it can touch, and decides exactly as one that reads them all (same reports, same
records), through additions, edits, near and exact copies, moves between files and prunes. A
catalog of another revision is not used."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from qa.engine import QAEngine
from vectorstore.chroma_store import ChromaStore

WORDS = (
    "ferry bridge harvest museum council budget festival library storm court tariff drought "
    "vaccine strike merger election senate harbor rowing orchard mosaic anchor cable tonnes"
).split()


def _text(seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + str(rng.randrange(40)) for _ in range(70))


def _near(text: str) -> str:
    words = text.split()
    return " ".join([*words[:30], "reportedly", *words[30:]])  # a near copy (Jaccard ~0.9)


def _state(engine: QAEngine) -> dict:
    return {
        r.id: (r.title, tuple(sorted(r.origins)), tuple(sorted(d["origin"] for d in r.duplicates)))
        for r in engine.articles()
    }


def _summary(report) -> tuple:  # noqa: ANN001
    return (
        sorted(report.added),
        sorted(report.updated),
        sorted(set(report.unchanged)),
        sorted((d.origin, d.duplicate_of) for d in report.duplicates),
        sorted(report.removed),
    )


def _write(folder: Path, files: dict[str, list[dict]]) -> None:
    for old in folder.glob("*.jsonl"):
        if old.name not in files:
            old.unlink()
    for name, rows in files.items():
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows))


def _steps() -> list[dict[str, list[dict]]]:
    a, b, c, d, e = (_text(i) for i in range(5))
    return [
        {"one.jsonl": [{"title": "A", "text": a}, {"title": "B", "text": b}]},
        {  # an addition, a near copy of A in another file, an exact copy of B
            "one.jsonl": [{"title": "A", "text": a}, {"title": "B", "text": b}],
            "two.jsonl": [{"title": "A2", "text": _near(a)}, {"title": "B", "text": b}],
            "three.jsonl": [{"title": "C", "text": c}],
        },
        {  # A edited (its near copy follows it), C moved to another file, D new
            "one.jsonl": [{"title": "A", "text": a + " Updated."}, {"title": "B", "text": b}],
            "two.jsonl": [{"title": "A2", "text": _near(a)}, {"title": "B", "text": b}],
            "four.jsonl": [{"title": "C", "text": c}, {"title": "D", "text": d}],
        },
        {  # B gone from one file, a near copy of D, E new
            "one.jsonl": [{"title": "A", "text": a + " Updated."}],
            "two.jsonl": [{"title": "A2", "text": _near(a)}, {"title": "B", "text": b}],
            "four.jsonl": [{"title": "C", "text": c}, {"title": "D", "text": d}],
            "five.jsonl": [{"title": "D2", "text": _near(d)}, {"title": "E", "text": e}],
        },
        {  # two files gone
            "one.jsonl": [{"title": "A", "text": a + " Updated."}],
            "four.jsonl": [{"title": "C", "text": c}, {"title": "D", "text": d}],
        },
    ]


def _first_step(make_engine, tmp_path: Path) -> tuple[Path, QAEngine]:  # noqa: ANN001
    """A store that has ingested the first step's feeds (so its catalog exists)."""
    folder = tmp_path / "feeds"
    folder.mkdir()
    _write(folder, _steps()[0])
    engine = make_engine(tmp_path / "store")
    engine.ingest([folder])
    return folder, engine


@pytest.mark.parametrize("prune", [False, True])
def test_the_catalog_decides_as_reading_every_record(make_engine, tmp_path, prune) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    kept = make_engine(tmp_path / "kept")
    fresh = make_engine(tmp_path / "fresh")
    for step in _steps():
        _write(folder, step)
        catalog = fresh.store.catalog(fresh.settings.near_duplicate_threshold).path
        catalog.unlink(missing_ok=True)  # this one reads every record, every time
        expected = fresh.ingest([folder], prune=prune)
        got = kept.ingest([folder], prune=prune)
        assert _summary(got) == _summary(expected)
        assert _state(kept) == _state(fresh)


def test_the_next_ingest_reads_only_what_it_touches(make_engine, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    steps = _steps()
    _write(folder, steps[0])
    engine = make_engine(tmp_path / "store")
    engine.ingest([folder])

    def every_record(self: ChromaStore) -> dict:  # noqa: ARG001
        raise AssertionError("an ingest read every article record")

    monkeypatch.setattr(ChromaStore, "article_records", every_record)
    for step in steps[1:3]:
        _write(folder, step)
        assert engine.ingest([folder]).changed
    monkeypatch.undo()
    assert {r.title for r in engine.articles()} == {"A", "B", "C", "D"}


def test_a_catalog_of_another_revision_is_not_used(make_engine, tmp_path) -> None:
    folder, engine = _first_step(make_engine, tmp_path)
    catalog = engine.store.catalog(engine.settings.near_duplicate_threshold)
    assert catalog.revision() == engine.store.chroma.revision
    engine.store.chroma.bump_revision(engine.embedder.dimension)  # another writer, say
    assert catalog.revision() != engine.store.chroma.revision
    _write(folder, _steps()[1])
    report = engine.ingest([folder])
    assert len(report.added) == 1 and len(report.duplicates) == 2
    assert catalog.revision() == engine.store.chroma.revision


def test_a_damaged_catalog_is_read_around_and_written_anew(make_engine, tmp_path) -> None:
    folder, engine = _first_step(make_engine, tmp_path)
    catalog = engine.store.catalog(engine.settings.near_duplicate_threshold)
    with catalog._db() as db:
        db.execute("DROP TABLE holds")  # damaged, yet naming the current revision
        db.execute("CREATE TABLE holds (junk TEXT)")
    catalog.close()
    _write(folder, _steps()[1])
    report = engine.ingest([folder])
    assert len(report.added) == 1 and len(report.duplicates) == 2
    assert catalog.revision() == engine.store.chroma.revision
    assert catalog.holders([next(iter(engine.articles())).origin])


def test_adding_a_record_reads_no_other(tmp_path: Path) -> None:
    """A new record's place comes from the order index, not a scan of every record."""
    from vectorstore.catalog import Catalog, entry

    catalog = Catalog(tmp_path / "catalog.sqlite3", 0.8)
    catalog.write("r1", [("put", entry(f"a{i}", 1, [f"o{i}"], [], "")) for i in range(3)], [])
    with catalog._db() as db:
        plan = db.execute("EXPLAIN QUERY PLAN SELECT max(ord) FROM records").fetchall()
    assert "records_ord" in str(plan)
    assert catalog.holders(["o2"]) == {"a2"} and catalog.chunk_count() == 3
