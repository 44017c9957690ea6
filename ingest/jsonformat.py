"""Read JSON and JSON Lines files of article records into `Article`s.

A .json file holds one article object (its origin is the file path), a list of them, or an
object with such a list under "articles", "items", "data" or "results". A .jsonl file holds one
object a line (blank lines are ignored); a broken line is reported as `path#lineN` and the other
lines still load. A .json file that turns out to be JSON Lines is read as such.

Field names are matched case-insensitively:
  title: title, headline          text: text, body, content, article, maintext
  url: url, link, uri             published: published, date, publish_date, published_at,
  authors: author, authors,         pubDate, date_published, datetime, publishedAt
    byline, creator               source: source, outlet, publisher, site_name, sitename,
                                    source_name
Text may be a string or a list of paragraph strings; authors a string ("A; B", "A and B"), a
list of strings, or a list of objects with "name"; source a string or an object with "name".
Dates become ISO YYYY-MM-DD (ISO datetimes keep their own calendar day; RFC 2822 and plain
dates; numbers are Unix seconds or milliseconds, UTC); a date that cannot be read is None.
With no source field, the source comes from the URL host table (cnn.com → "CNN", ...), else
from a boilerplate paragraph that names its outlet, else None. Boilerplate paragraphs (the
`textformat.BOILERPLATE` table) are dropped from the text; nothing else is cleaned.
A record without a title gets the first sentence of its text (120 characters at most).

A record's origin is `path#<url>`, else `path#line<N>` (JSONL, 1-based) or `path#item<N>` (JSON
list, 0-based); a URL seen before in the same file falls back to the line/item key.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ingest.footers import footer_authors
from ingest.models import Article, ArticleMeta, Skipped
from ingest.textformat import (
    fallback_title,
    non_space_chars,
    normalize_space,
    outlet_for_url,
    outlet_name,
    paragraphs,
    parse_date,
    split_authors,
    strip_boilerplate,
    unique,
)

MIN_TEXT_CHARS = 20
_LIST_KEYS = ("articles", "items", "data", "results")
_TITLE_KEYS = ("title", "headline")
_TEXT_KEYS = ("text", "body", "content", "article", "maintext")
_URL_KEYS = ("url", "link", "uri")
_DATE_KEYS = (
    "published", "date", "publish_date", "published_at", "pubdate", "date_published",
    "datetime", "publishedat",
)  # fmt: skip
_AUTHOR_KEYS = ("author", "authors", "byline", "creator")
_SOURCE_KEYS = ("source", "outlet", "publisher", "site_name", "sitename", "source_name")


def _field(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """The first non-empty value under one of `keys` (case-insensitive)."""
    lowered = {str(k).lower(): v for k, v in record.items()}
    for key in keys:
        value = lowered.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("Name")
    return normalize_space(value) or None if isinstance(value, str) else None


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = "\n\n".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _authors(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    names = (_name(item) for item in items)
    return unique(a for name in names if name for a in split_authors(name))


def _date(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    if isinstance(value, str):
        return parse_date(value)
    seconds = value / 1000 if value > 1e11 else value
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def record_to_article(record: Any, origin: str) -> Article | Skipped:
    """One article from one JSON record (see the module docstring for the fields read)."""
    if not isinstance(record, dict):
        return Skipped(origin, "record is not a JSON object")
    raw_text = _text(_field(record, _TEXT_KEYS))
    if not raw_text.strip():
        return Skipped(origin, "record has no text")
    raw_paras = paragraphs(raw_text)
    paras, outlet = strip_boilerplate(raw_paras)
    body = "\n\n".join(paras)
    if non_space_chars(body) < MIN_TEXT_CHARS:
        return Skipped(origin, "text too short")
    url = _field(record, _URL_KEYS)
    url = normalize_space(url) or None if isinstance(url, str) else None
    source = _name(_field(record, _SOURCE_KEYS))
    title = _field(record, _TITLE_KEYS)
    title = normalize_space(title) if isinstance(title, str) else ""
    meta = ArticleMeta(
        title=title or fallback_title(body),
        source=(outlet_name(source) or source) if source else outlet_for_url(url) or outlet,
        authors=_authors(_field(record, _AUTHOR_KEYS)) or footer_authors(raw_paras),
        published=_date(_field(record, _DATE_KEYS)),
        url=url,
        section=_name(_field(record, ("section", "category"))),
    )
    return Article(meta=meta, text=body, origin=origin)


def _record_key(record: Any, fallback: str, seen: set[str]) -> str:
    url = _field(record, _URL_KEYS) if isinstance(record, dict) else None
    key = normalize_space(url) if isinstance(url, str) else ""
    if not key or key in seen:
        key = fallback
    seen.add(key)
    return key


def _json_error(exc: json.JSONDecodeError, line: int | None = None) -> str:
    return f"invalid JSON: {exc.msg} at line {line or exc.lineno}"


def parse_jsonl(text: str, path: str) -> list[Article | Skipped]:
    """The articles of a JSON Lines file; a broken line is skipped as `path#lineN`."""
    items: list[Article | Skipped] = []
    seen: set[str] = set()
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            items.append(Skipped(f"{path}#line{n}", _json_error(exc, n)))
            continue
        items.append(record_to_article(record, f"{path}#{_record_key(record, f'line{n}', seen)}"))
    if not items:
        items.append(Skipped(path, "no records in JSON Lines file"))
    return items


def _records(data: Any) -> list[Any] | None:
    """The list of records in a parsed JSON document, or None for a single article object."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        lowered = {str(k).lower(): v for k, v in data.items()}
        for key in _LIST_KEYS:
            if isinstance(lowered.get(key), list):
                return lowered[key]
    return None


def parse_json(text: str, path: str) -> list[Article | Skipped]:
    """The articles of a JSON file: one object, a list, or a list under a known key."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            return parse_jsonl(text, path)  # JSON Lines saved as .json
        return [Skipped(path, _json_error(exc))]
    records = _records(data)
    if records is None:
        if isinstance(data, dict):
            return [record_to_article(data, path)]
        return [Skipped(path, "JSON holds no article records")]
    if not records:
        return [Skipped(path, "JSON holds no article records")]
    seen: set[str] = set()
    return [
        record_to_article(record, f"{path}#{_record_key(record, f'item{n}', seen)}")
        for n, record in enumerate(records)
    ]
