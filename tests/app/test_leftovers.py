"""Temporary files the chat UI writes are cleaned up: Markdown exports are kept in one folder per
process (the latest few only, all removed at exit), and uploaded files that were not ingested do
not stay behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

from qa.ui.export import ExportFolder
from qa.ui.render import Turn
from qa.ui.service import ChatService


def _exports_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("aqa-export-*"))


def test_exports_share_one_folder_keep_the_latest_and_go_at_cleanup(engine, tmp_path) -> None:  # noqa: ANN001
    service = ChatService(engine)
    turn: Turn = service.ask(
        "What did Türkiye buy from Russia in 2017?", [], service.default_options()
    )
    exports = ExportFolder(keep=3, parent=tmp_path)
    paths = [exports.write([turn] * (i + 1)) for i in range(8)]
    assert len(_exports_in(tmp_path)) == 1  # one folder, not one per answer
    assert sorted(paths[-1].parent.iterdir()) == sorted(paths[-3:])  # the latest three
    assert "## Q8." in paths[-1].read_text(encoding="utf-8")
    exports.cleanup()
    assert _exports_in(tmp_path) == []
    exports.cleanup()  # twice is fine


def test_exports_default_to_the_temp_folder(engine) -> None:  # noqa: ANN001
    exports = ExportFolder()
    path = exports.write([])
    assert Path(tempfile.gettempdir()) in path.parents
    exports.cleanup()
    assert not path.parent.exists()


def test_uploads_that_are_not_ingested_leave_nothing_behind(make_engine, tmp_path) -> None:  # noqa: ANN001
    engine = make_engine(tmp_path / "store")
    uploads = tmp_path / "uploads"
    service = ChatService(engine, uploads)
    short = tmp_path / "short.txt"
    short.write_text("Too short.")
    good = tmp_path / "good.txt"
    good.write_text(
        "Ferry strike ends\n\nThe ferry workers' strike in the harbour town ended on Monday "
        "after nine days, the union said. Boats will sail again from Tuesday morning, and the "
        "timetable returns to normal within the week, according to the operator."
    )
    report, _ = service.ingest_uploads([("short.txt", str(short))], 10_000, 5)
    assert report.skipped and not report.added
    assert list(uploads.rglob("*.txt")) == []  # the refused file is not kept
    report, _ = service.ingest_uploads([("good.txt", str(good)), ("s.txt", str(short))], 10_000, 5)
    assert len(report.added) == 1
    kept = list(uploads.rglob("*.txt"))
    assert [p.name for p in kept] == ["01-good.txt"]  # kept: prune must not drop the article
    assert [p for p in uploads.iterdir() if not any(p.iterdir())] == []  # no empty folders
