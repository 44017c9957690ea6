"""Discovery under hostile folder layouts: symlink loops, links leaving the folder, broken
links, and folders that cannot be read (reported, never silently dropped)."""

from __future__ import annotations

import os
from pathlib import Path

from ingest.readers import discover, read_paths

BODY = (
    "The harbour ferry strike ended on Monday after nine days, the union said, and boats will "
    "sail again from Tuesday morning according to the operator."
)


def _article(path: Path, title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{BODY} {title}.", encoding="utf-8")
    return path


def test_symlink_loops_are_skipped_and_the_rest_is_read(tmp_path: Path) -> None:
    root = tmp_path / "news"
    real = _article(root / "a.txt", "Ferry strike")
    _article(root / "sub" / "b.txt", "Bridge opens")
    os.symlink(root, root / "sub" / "loop")  # a folder link back up: a loop
    os.symlink(root / "self.txt", root / "self.txt")  # a file link to itself
    os.symlink(real, root / "again.txt")  # a file link inside the folder: the same file
    result = read_paths([root])
    assert sorted(a.title for a in result.articles) == ["Bridge opens", "Ferry strike"]
    reasons = {Path(s.origin).name: s.reason for s in result.skipped}
    assert "loop" in reasons["loop"] and "loop" in reasons["self.txt"]


def test_links_leaving_the_folder_are_skipped_and_links_inside_are_followed_once(
    tmp_path: Path,
) -> None:
    outside = _article(tmp_path / "elsewhere" / "secret.txt", "Outside story")
    root = tmp_path / "news"
    _article(root / "a.txt", "Ferry strike")
    _article(tmp_path / "news" / "deep" / "c.txt", "Deep story")
    os.symlink(outside, root / "out.txt")
    os.symlink(outside.parent, root / "outdir")
    os.symlink(root / "deep", root / "shortcut")  # inside: followed, files not doubled
    os.symlink(root / "missing.txt", root / "broken.txt")
    files, skipped = discover([root])
    assert [f.name for f in files] == ["a.txt", "c.txt"]
    reasons = {Path(s.origin).name: s.reason for s in skipped}
    assert "leaves" in reasons["out.txt"] and "leaves" in reasons["outdir"]
    assert "broken" in reasons["broken.txt"]


def test_an_unreadable_folder_is_reported(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    root = tmp_path / "news"
    _article(root / "a.txt", "Ferry strike")
    locked = root / "locked"
    _article(locked / "b.txt", "Bridge opens")
    real_scandir = os.scandir

    def scandir(path=".", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if Path(path) == locked:  # what a folder without read permission does
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    result = read_paths([root])
    assert [a.title for a in result.articles] == ["Ferry strike"]
    (skip,) = [s for s in result.skipped if Path(s.origin) == locked]
    assert "cannot read folder" in skip.reason and "Permission denied" in skip.reason
