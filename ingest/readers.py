"""Find article files and read them into `Article`s; report every file or record left out.

Supported files: plain text (.txt), Markdown (.md, .markdown), HTML (.html, .htm) and JSON
(.json: one article object, a list of them, or an object with a list under "articles", "items",
"data" or "results"; .jsonl: one article object a line). HTML is read by `htmlformat`, JSON by
`jsonformat`; plain text and Markdown are read here, with the shared text conventions of
`textformat`.

Plain text layout (what a saved news page looks like): an optional section line (1-3 words, no
sentence punctuation, e.g. "World"), the title line, then standfirst, byline and body paragraphs.
A byline ("By A and B, Reuters", "A | 18.12.2025 - Update : 18.12.2025") or a bare date line in
the first blocks after the title gives authors and the published date and is removed; a line
that repeats the title is removed; a line that is just a known outlet name ("Duvar English")
gives the source and is removed; boilerplate paragraphs (see `textformat.BOILERPLATE`) are
removed and may name the source. The standfirst and a dateline ("MOSCOW") stay in the body.

Markdown: optional front matter between '---' lines (title, source/outlet/publisher,
author/authors, date/published, url/link, section/category) is honoured and removed (plain text
files may have it too); the first "# " heading is the title; other headings, list items and
quotes become paragraphs without their markers; links keep only their text, images are dropped,
and bold/italic/code markers are dropped (CommonMark, read by markdown-it-py: see
`markdownformat`; raw HTML is left as text).

Encodings: UTF-8 (with or without BOM) and UTF-16 with BOM are decoded exactly; other bytes
are decoded from the legacy single-byte encoding charset-normalizer finds (cp1252 wins a near
tie), and East Asian multi-byte encodings are refused (see `decode_text`).

Every body is its paragraphs, whitespace collapsed inside each, joined by a blank line. Files
that cannot be read as articles (empty, binary, undecodable, too large, broken JSON, too little
text) come back as `Skipped` with a short reason; `read_file` never raises for a file's content.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from charset_normalizer import CharsetMatch, from_bytes

from ingest.errors import InvalidInputError
from ingest.footers import footer_authors
from ingest.htmlformat import parse_html
from ingest.jsonformat import parse_json, parse_jsonl
from ingest.markdownformat import markdown_blocks
from ingest.models import Article, ArticleMeta, Skipped
from ingest.textformat import (
    FrontMatter,
    fallback_title,
    front_matter,
    non_space_chars,
    normalize_space,
    outlet_name,
    parse_byline,
    parse_date,
    split_authors,
    strip_boilerplate,
    unique,
)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
)
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
MIN_TEXT_CHARS = 20  # fewer non-space characters than this is not an article

_HEADER_BLOCKS = 6  # bylines and date lines are looked for in this many blocks after the title
_MAX_TITLE_CHARS = 250
_SECTION_PUNCT = re.compile(r"[.!?:;,\"“”‘’()|\d]")
# Legacy encodings a non-UTF-8 text file may be in: single-byte ones are decoded (Western
# European, Central European, Cyrillic, Greek, Turkish, Baltic); multi-byte East Asian ones are
# detected only to be refused (see `_decode_legacy`).
_SINGLE_BYTE = (
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "koi8_r",
    "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_9", "iso8859_15", "latin_1",
)  # fmt: skip
_MULTI_BYTE = ("shift_jis", "euc_jp", "gb2312", "gbk", "big5", "euc_kr")
_CP1252_OK = set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u00a0¡¢£¥§©«®°±²³´µ·¹º»¼½¾¿×÷")


@dataclass
class ReadResult:
    """What reading some files gave: articles, what was left out and why, files looked at."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


# ----------------------------------------------------------------------------------- discovery


def _unsupported(path: Path) -> Skipped:
    kind = path.suffix or "(no suffix)"
    return Skipped(str(path), f"unsupported file type {kind}")


def _walk(root: Path) -> tuple[list[Path], list[Skipped]]:
    """The files under `root`, resolved, each once. Symlinks are followed once: a link that
    loops back, leaves `root` or points nowhere is skipped with the reason, and so is a folder
    that cannot be read (never dropped in silence)."""
    root = root.resolve()
    files: list[Path] = []
    skipped: list[Skipped] = []
    visited: set[Path] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        if folder in visited:
            continue
        visited.add(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            skipped.append(Skipped(str(folder), f"cannot read folder: {reason}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            target, problem = _target(Path(entry.path), root, folder)
            if problem:
                skipped.append(Skipped(entry.path, problem))
            elif target.is_dir():
                stack.append(target)
            elif target.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(target)
            else:
                skipped.append(_unsupported(target))
    return sorted(set(files)), skipped


def _target(path: Path, root: Path, folder: Path) -> tuple[Path, str]:
    """Where an entry of a walked folder leads (its real path), or why it is not followed."""
    if not path.is_symlink():
        return path, ""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return path, "broken symlink (its target does not exist)"
    except (OSError, RuntimeError):
        return path, "symlink loop"
    if not target.is_relative_to(root):
        return path, f"symlink leaves the folder (to {target})"
    if target.is_dir() and folder.is_relative_to(target):
        return path, "symlink loop (it points back to a folder that contains it)"
    return target, ""


def discover(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Path], list[Skipped]]:
    """The supported files under `paths` (files and folders, recursive), sorted and unique.

    Hidden files and folders are ignored in folder walks; files of other types are reported as
    skipped. Raises InvalidInputError for a path that does not exist, before reading anything.
    """
    given = [Path(p).expanduser() for p in paths]
    for original, path in zip(paths, given, strict=True):
        if not path.exists():
            raise InvalidInputError(f"no such file or folder: {os.fspath(original)}")
    files: set[Path] = set()
    skipped: dict[str, Skipped] = {}
    for path in (p.resolve() for p in given):
        if path.is_dir():
            found, left_out = _walk(path)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            found, left_out = [path], []
        else:
            found, left_out = [], [_unsupported(path)]
        files.update(found)
        skipped.update((s.origin, s) for s in left_out)
    return sorted(files), sorted(skipped.values(), key=lambda s: s.origin)


# ------------------------------------------------------------------------------------ decoding


def _looks_like_text(text: str) -> bool:
    """Is a cp1252 decoding plausible prose rather than mis-read bytes of another encoding?"""
    foreign = [ch for ch in text if ord(ch) > 127]
    odd = [ch for ch in foreign if not ch.isalpha() and ch not in _CP1252_OK]
    return len(foreign) <= 0.3 * len(text) and len(odd) <= 0.02 * len(text)


def _near(match: CharsetMatch, best: CharsetMatch) -> bool:
    """Is `match` as good as `best` within charset-normalizer's own tie margins?"""
    return match.chaos <= best.chaos + 0.01 and match.coherence >= best.coherence - 0.02


def _decode_legacy(data: bytes) -> str | None:
    """Non-UTF-8 bytes decoded from the legacy single-byte encoding they are in, or None.

    charset-normalizer chooses among `_SINGLE_BYTE` (and `_MULTI_BYTE`, which are recognised
    only so that their bytes are refused rather than misread as KOI8-R or the like). Its choice
    is overruled in one case: when cp1252 decodes the bytes as well as the best match (within
    the library's tie margins) and plausibly, cp1252 wins; on short Western European text the
    detector alone picks a wrong sibling ("Señor Muñoz" read as cp1250 gives "Seńor Muńoz",
    "naïve" gives "naďve").
    """
    matches = from_bytes(data, cp_isolation=[*_SINGLE_BYTE, *_MULTI_BYTE])
    best = matches.best()
    if best is None or not set(best.could_be_from_charset) & set(_SINGLE_BYTE):
        return None
    if any("cp1252" in m.could_be_from_charset and _near(m, best) for m in matches):
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = ""
        if text and _looks_like_text(text):
            return text
    return str(best)


def decode_text(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) for a text file's bytes, or (None, why not)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None, "not valid UTF-16 text"
        sample = text[:4096]
        controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
        if "\x00" in text or controls > 0.1 * max(len(sample), 1):
            return None, "binary file, not text"
    else:
        data = data.removeprefix(b"\xef\xbb\xbf")
        sample = data[:8192]
        controls = sum(1 for b in sample if b < 32 and b not in b"\t\n\r\f\v\x1b")
        if b"\x00" in data or controls > 0.1 * max(len(sample), 1):
            return None, "binary file, not text"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            legacy = _decode_legacy(data)
            if legacy is None:
                return None, "not valid UTF-8 text"
            text = legacy
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if not text:
        return None, "empty file"
    if not text.strip():
        return None, "file has only whitespace"
    return unicodedata.normalize("NFC", text), None


def _load(path: Path, max_bytes: int) -> tuple[str | None, str | None]:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        size = info.st_size
        if size > max_bytes:
            return None, f"file too large ({size} bytes > {max_bytes})"
        if size == 0:
            return None, "empty file"
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror or exc}"
    if len(data) > max_bytes:
        return None, f"file too large ({len(data)}+ bytes > {max_bytes})"
    return decode_text(data)


# ------------------------------------------------------------------------------------- reading


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> ReadResult:
    """Read one file into articles; every problem with it comes back as a `Skipped`."""
    path = Path(path).resolve()
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return ReadResult(skipped=[_unsupported(path)])
    result = ReadResult(files=[path])
    text, why = _load(path, max_bytes)
    if text is None:
        result.skipped.append(Skipped(origin, why or "unreadable"))
        return result
    try:
        if suffix in (".html", ".htm"):
            items: list[Article | Skipped] = [parse_html(text, origin)]
        elif suffix == ".json":
            items = parse_json(text, origin)
        elif suffix == ".jsonl":
            items = parse_jsonl(text, origin)
        else:
            items = [parse_text(text, origin, markdown=suffix != ".txt")]
    except Exception as exc:  # noqa: BLE001 - a file's content must never stop a whole read
        items = [Skipped(origin, f"could not parse file ({type(exc).__name__}: {exc})")]
    for item in items:
        if isinstance(item, Article):
            result.articles.append(item)
        else:
            result.skipped.append(item)
    return result


def read_paths(
    paths: Sequence[str | os.PathLike[str]], max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> ReadResult:
    """Discover the files under `paths` and read each one (see `discover` and `read_file`)."""
    files, skipped = discover(paths)
    result = ReadResult(skipped=list(skipped), files=files)
    for path in files:
        one = read_file(path, max_bytes)
        result.articles.extend(one.articles)
        result.skipped.extend(one.skipped)
    return result


# ------------------------------------------------------------------ plain text and Markdown


def _first(meta: FrontMatter, *keys: str) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value and normalize_space(value):
            return normalize_space(value)
    return None


def _meta_from_front_matter(fm: FrontMatter) -> ArticleMeta:
    raw = fm.get("authors") or fm.get("author") or fm.get("byline") or []
    names = [raw] if isinstance(raw, str) else raw
    source = _first(fm, "source", "outlet", "publisher", "site_name", "sitename")
    return ArticleMeta(
        title=_first(fm, "title", "headline") or "",
        source=outlet_name(source) or source if source else None,
        authors=unique(a for name in names for a in split_authors(name)),
        published=parse_date(_first(fm, "date", "published", "publish_date", "published_at")),
        url=_first(fm, "url", "link"),
        section=_first(fm, "section", "category"),
    )


def _blocks(text: str, markdown: bool) -> list[list[str]]:
    """Blank-line separated blocks of stripped lines (Markdown: see `markdown_blocks`)."""
    if markdown:
        return markdown_blocks(text)
    blocks: list[list[str]] = [[]]
    for line in (raw.strip() for raw in text.split("\n")):
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _is_section(block: list[str]) -> bool:
    line = block[0]
    return (
        len(block) == 1
        and 1 <= len(line.split()) <= 3
        and len(line) <= 40
        and line[0].isupper()
        and not _SECTION_PUNCT.search(line)
        and outlet_name(line) is None
    )


def _is_title(block: list[str]) -> bool:
    """A headline after a section line: one line of 4-30 words (not a name, not a paragraph)."""
    words = len(block[0].split())
    return len(block) == 1 and len(block[0]) <= _MAX_TITLE_CHARS and 4 <= words <= 30


def _fill(meta: ArticleMeta, **values: object) -> ArticleMeta:
    """`meta` with the fields it lacks taken from `values` (a known field is never replaced)."""
    missing = {k: v for k, v in values.items() if v and not getattr(meta, k)}
    return replace(meta, **missing) if missing else meta


def _take_title(blocks: list[list[str]], meta: ArticleMeta, markdown: bool) -> ArticleMeta:
    """Title/section/source from the top of the file, removing the lines they came from."""
    while blocks and len(blocks[0]) == 1 and outlet_name(blocks[0][0]):
        meta = _fill(meta, source=outlet_name(blocks.pop(0)[0]))
    if meta.title or not blocks:
        return meta
    heads = [n for n, b in enumerate(blocks[:3]) if markdown and b[0].startswith("# ")]
    at = heads[0] if heads else 0
    if heads and at > 0 and _is_section(blocks[at - 1]):
        meta = _fill(meta, section=blocks.pop(at - 1)[0])
        at -= 1
    elif not heads and len(blocks) > 2 and _is_section(blocks[0]) and _is_title(blocks[1]):
        meta = _fill(meta, section=blocks.pop(0)[0])
    first = blocks[at][0].removeprefix("# ").strip()
    if len(first) <= _MAX_TITLE_CHARS:
        meta = replace(meta, title=first)
        del blocks[at][0]
        if not blocks[at]:
            del blocks[at]
    return meta


def _title_key(text: str) -> str:
    return normalize_space(text).casefold().strip(" .!?:;\"'“”‘’")


def _body(blocks: list[list[str]], meta: ArticleMeta) -> tuple[list[str], ArticleMeta]:
    """The body paragraphs, and `meta` completed from bylines and outlet lines found on top."""
    title_key = _title_key(meta.title)
    paras: list[str] = []
    for n, block in enumerate(blocks):
        kept: list[str] = []
        for line in (ln.removeprefix("# ") for ln in block):
            byline = parse_byline(line) if n < _HEADER_BLOCKS else None
            if title_key and _title_key(line) == title_key:
                continue
            if byline:
                meta = _fill(
                    meta,
                    authors=byline.authors,
                    published=byline.published,
                    source=byline.source,
                )
            elif outlet_name(line):
                meta = _fill(meta, source=outlet_name(line))
            else:
                kept.append(line)
        if kept:
            paras.append(normalize_space(" ".join(kept)))
    if not meta.authors:  # from the footer, before strip_boilerplate drops its lines
        meta = _fill(meta, authors=footer_authors(paras))
    paras, outlet = strip_boilerplate(paras)
    return paras, _fill(meta, source=outlet)


def parse_text(text: str, origin: str, *, markdown: bool = False) -> Article | Skipped:
    """One article from a plain text or Markdown file's text (layout: see module docstring)."""
    fm, text = front_matter(text)
    meta = _meta_from_front_matter(fm)
    blocks = _blocks(text, markdown)
    meta = _take_title(blocks, meta, markdown)
    paras, meta = _body(blocks, meta)
    if not paras and meta.title and not fm.get("title"):
        paras, meta = [meta.title], replace(meta, title="")  # a lone paragraph is body
    body = "\n\n".join(paras)
    if non_space_chars(body) < MIN_TEXT_CHARS:
        return Skipped(origin, "text too short")
    title = meta.title or fallback_title(body)
    return Article(meta=replace(meta, title=title), text=body, origin=origin)
