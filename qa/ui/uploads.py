"""Uploaded article files: check type and size, then copy them under generated safe names.

An uploaded file's name is never used as a path: each file is copied into a fresh folder as
`NN-<stem>.<ext>`, where the stem keeps only letters, digits, '-' and '_' of the original name
(for display) and the extension must be one that ingest reads.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from ingest.errors import InvalidInputError
from qa.settings import Settings

ALLOWED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")
_STEM_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
MAX_STEM = 60


@dataclass
class Staged:
    folder: Path
    files: list[Path] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # staged path -> name shown to the user


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def _basename(name: str) -> str:
    return re.split(r"[\\/]", name or "")[-1]


def suffix_of(name: str) -> str:
    """The lower-cased extension of an uploaded name ('' when there is none)."""
    base = _basename(name)
    stem, dot, ext = base.rpartition(".")
    return f".{ext.lower()}" if dot and stem.strip(".") else ""


def safe_stem(name: str) -> str:
    """The original name without folders or extension, reduced to [A-Za-z0-9_-] (for display)."""
    base = _basename(name)
    stem = base[: -len(suffix_of(base))] if suffix_of(base) else base
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = _STEM_CHARS.sub("-", stem).strip("-_")[:MAX_STEM].strip("-_")
    return stem or "article"


def check_uploads(files: Sequence[tuple[str, int]], max_bytes: int, max_files: int) -> list[str]:
    """Problems with (original name, size) uploads, one readable line each; [] when all fine."""
    problems = []
    if len(files) > max_files:
        problems.append(f"{len(files)} files chosen; upload at most {max_files} at a time.")
    for name, size in files:
        shown = _basename(name) or "(unnamed)"
        suffix = suffix_of(name)
        if suffix not in ALLOWED_SUFFIXES:
            kind = suffix or "no extension"
            problems.append(
                f"{shown}: {kind} files are not accepted (accepted: {' '.join(ALLOWED_SUFFIXES)})."
            )
        elif size > max_bytes:
            problems.append(
                f"{shown}: {human_size(size)} is over the {human_size(max_bytes)} upload limit."
            )
        elif size == 0:
            problems.append(f"{shown}: the file is empty.")
    return problems


def stage_uploads(
    uploads: Sequence[tuple[str, str | os.PathLike]],
    max_bytes: int,
    max_files: int,
    parent: Path | None = None,
) -> Staged:
    """Copy (original name, temp path) uploads into a fresh folder under `parent`.

    Raises InvalidInputError listing every rejected file; nothing is copied then."""
    if not uploads:
        raise InvalidInputError("Choose one or more article files to upload first.")
    sized = [(name, os.path.getsize(path)) for name, path in uploads]
    problems = check_uploads(sized, max_bytes, max_files)
    if problems:
        raise InvalidInputError("Upload refused. " + " ".join(problems))
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=parent))
    staged = Staged(folder)
    for i, (name, path) in enumerate(uploads, start=1):
        target = folder / f"{i:02d}-{safe_stem(name)}{suffix_of(name)}"
        with open(path, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, length=1 << 20)
        if target.stat().st_size > max_bytes:  # changed since it was measured
            shutil.rmtree(folder, ignore_errors=True)
            raise InvalidInputError(f"Upload refused. {_basename(name)} is over the limit.")
        staged.files.append(target)
        staged.names[str(target)] = f"{safe_stem(name)}{suffix_of(name)}"
    return staged


def readable_summary(summary: str, staged: Staged) -> str:
    """An ingest summary with staged paths replaced by the uploaded names."""
    for path, name in staged.names.items():
        summary = summary.replace(path, name)
    return summary.replace(str(staged.folder) + os.sep, "")


def default_upload_dir(settings: Settings) -> Path:
    """Where uploads are kept: `ui_upload_path`, else a folder next to the embedded store (or in
    the user data folder when the store is a Chroma server)."""
    if settings.ui_upload_path is not None:
        return settings.ui_upload_path
    if settings.chroma_host:
        return Path(user_data_dir("article-qa", appauthor=False)) / "uploads"
    return settings.store_path.parent / f"{settings.store_path.name}-uploads"
