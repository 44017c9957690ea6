"""Text conventions shared by every reader: paragraphs, boilerplate, outlets, dates and authors.

Everything here is pure and deterministic (no clock, no locale, no network):

- `paragraphs()` splits a body into paragraphs and collapses the whitespace inside each one;
  bodies are always paragraphs joined by a blank line ("\\n\\n").
- `BOILERPLATE` is a small table of regular expressions, each of which must match a *whole*
  paragraph (of at most `_MAX_BOILERPLATE_CHARS` characters), so that dropping a boilerplate
  paragraph never drops real content. A pattern may name the outlet it gives away.
- `outlet_name()` recognises a known outlet name (a standalone "Reuters" line, a site name);
  `outlet_for_url()` maps a URL's host to an outlet through a small host table.
- `parse_date()` finds the first date in a string (dd.mm.yyyy, yyyy-mm-dd and ISO datetimes,
  "December 18, 2025", "18 Dec 2025", RFC 2822) and returns it as ISO YYYY-MM-DD, or None.
  Relative dates ("yesterday") are not dates here. (dateparser was weighed and not used: it
  reads only whole strings, so "Published 18 December 2025" gave nothing, and it made dates of
  "1999-13-01", "10.5.20" and "12 5 99"; see tests/ingest/test_dates.py.)
- `split_authors()` turns "A; B", "A and B", "A, B & C" or "By A" into a tuple of names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import yaml

_OUTLETS = (
    "Anadolu Agency", "Duvar English", "Reuters", "Associated Press", "AP", "AFP",
    "Agence France-Presse", "CNN", "CNBC", "BBC", "BBC News", "Al Jazeera", "The Guardian",
    "The New York Times", "The Washington Post", "The Wall Street Journal", "USA Today",
    "Bloomberg", "TRT World", "TRT Haber", "Daily Sabah", "Hürriyet Daily News", "Politico",
    "NPR", "Fox News", "NBC News", "CBS News", "ABC News", "The Week", "Axios",
    "Financial Times", "The Independent", "Sky News", "Deutsche Welle", "Euronews", "TASS",
    "Xinhua", "Bianet", "Middle East Eye", "Kyiv Independent",
)  # fmt: skip
_OUTLET_BY_KEY = {name.casefold(): name for name in _OUTLETS}

_HOSTS = {
    "cnn.com": "CNN", "usatoday.com": "USA Today", "theweek.com": "The Week",
    "theweek.co.uk": "The Week", "reuters.com": "Reuters", "apnews.com": "Associated Press",
    "aa.com.tr": "Anadolu Agency", "duvarenglish.com": "Duvar English", "bbc.com": "BBC",
    "bbc.co.uk": "BBC", "aljazeera.com": "Al Jazeera", "theguardian.com": "The Guardian",
    "nytimes.com": "The New York Times", "washingtonpost.com": "The Washington Post",
    "wsj.com": "The Wall Street Journal", "bloomberg.com": "Bloomberg", "cnbc.com": "CNBC",
    "politico.com": "Politico", "npr.org": "NPR", "foxnews.com": "Fox News",
    "trtworld.com": "TRT World", "dailysabah.com": "Daily Sabah",
    "hurriyetdailynews.com": "Hürriyet Daily News", "axios.com": "Axios",
}  # fmt: skip

_MAX_BOILERPLATE_CHARS = 500
_SOCIAL = r"(?:Twitter|X|Facebook|Instagram|LinkedIn|TikTok|YouTube|Threads|Bluesky|Telegram)"
# (whole-paragraph pattern, outlet it names or None for generic junk)
BOILERPLATE: tuple[tuple[re.Pattern[str], str | None], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), outlet)
    for pattern, outlet in (
        (
            r"Anadolu Agency website contains only a portion of the news stories offered to"
            r" subscribers in the AA News Broadcasting System \(HAS\),? and in summari[sz]ed"
            r" form\.? Please contact us for subscription options\.?",
            "Anadolu Agency",
        ),
        (r"(?:Copyright|©)? ?(?:\d{4} )?(?:The )?Associated Press\. All rights reserved\..{0,200}",
         "Associated Press"),
        (r"\(?Reporting by [^()]{1,200}[;,] (?:writing|editing) by [^()]{1,200}\)?", "Reuters"),
        (r"Our Standards: The Thomson Reuters Trust Principles\.?", "Reuters"),
        (r"(?:Subscribe|Sign up) (?:to|for) (?:our|the) .{0,60}newsletters?\b.{0,120}", None),
        (r"Click here (?:to|for) .{0,160}", None),
        (rf"Follow (?:us|[\w.@ ]{{1,40}}) on {_SOCIAL}(?:(?:,| and| or) {_SOCIAL})*\b.{{0,80}}",
         None),
        (r"(?:Copyright |© ?|\(c\) ).{0,120}All rights reserved\.?.{0,200}", None),
        (r"All rights reserved\.?", None),
        (r"(?:Read more|Related|More|See also)(?::.{0,200}|\.{0,3})", None),
        (r"Advertisement|Story continues below(?: advertisement)?|Share this article", None),
    )
)  # fmt: skip

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<{g}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_RE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<iy>\d{4})[-/](?P<im>\d{1,2})[-/](?P<id>\d{1,2})(?!\d)"
    r"|(?P<dd>\d{1,2})\.(?P<dm>\d{1,2})\.(?P<dy>\d{4})(?!\d)"
    r"|\b" + _MONTH.format(g="am") + r"\s+(?P<ad>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<ay>\d{4})(?!\d)"
    r"|(?P<bd>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH.format(g="bm") + r",?\s+(?P<by>\d{4})"
    r"(?!\d))",
    re.IGNORECASE,
)

_PARTICLES = {"de", "da", "del", "della", "der", "van", "von", "bin", "ibn", "al", "el", "la", "le"}
_NAME_WORD = re.compile(r"[^\W\d_][\w'’.-]*\.?")
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|&|\band\b|\bwith\b)\s*", re.IGNORECASE)


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (newlines, tabs, NBSP) to one space and strip."""
    return " ".join(text.split())


def paragraphs(text: str) -> list[str]:
    """Split on blank lines (or on single newlines when there are none); normalise each one."""
    splitter = r"\n[ \t\f\v\u00a0]*\n" if re.search(r"\n\s*\n", text) else r"\n"
    parts = (normalize_space(part) for part in re.split(splitter, text))
    return [part for part in parts if part]


def non_space_chars(text: str) -> int:
    """How many characters of `text` are not whitespace."""
    return len("".join(text.split()))


def boilerplate_outlet(paragraph: str) -> tuple[bool, str | None]:
    """(is the whole paragraph boilerplate?, the outlet it names if any)."""
    if len(paragraph) > _MAX_BOILERPLATE_CHARS:
        return False, None
    for pattern, outlet in BOILERPLATE:
        if pattern.fullmatch(paragraph):
            return True, outlet
    return False, None


def strip_boilerplate(paras: list[str]) -> tuple[list[str], str | None]:
    """Drop boilerplate paragraphs; return the kept ones and the first outlet named."""
    kept: list[str] = []
    outlet: str | None = None
    for para in paras:
        junk, named = boilerplate_outlet(para)
        if not junk:
            kept.append(para)
        elif outlet is None:
            outlet = named
    return kept, outlet


def outlet_name(text: str) -> str | None:
    """The canonical outlet name if `text` is exactly a known outlet name, else None."""
    key = normalize_space(text.strip(" \t-–—|:()")).casefold()
    return _OUTLET_BY_KEY.get(key)


def outlet_for_url(url: str | None) -> str | None:
    """The outlet behind a URL's host, from the small host table, else None."""
    if not url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return None
    for domain, outlet in _HOSTS.items():
        if host == domain or host.endswith("." + domain):
            return outlet
    return None


def _to_iso(year: str, month: int | str, day: str) -> str | None:
    try:
        month_no = int(month) if str(month).isdigit() else _MONTHS[str(month).lower()[:3]]
        value = date(int(year), month_no, int(day))
    except (ValueError, KeyError):
        return None
    return value.isoformat() if 1900 <= value.year <= 2100 else None


def find_date(text: str) -> re.Match[str] | None:
    """The first match in `text` that is a valid calendar date."""
    for match in _DATE_RE.finditer(text):
        if _match_to_iso(match):
            return match
    return None


def _match_to_iso(match: re.Match[str]) -> str | None:
    g = match.groupdict()
    if g["iy"]:
        return _to_iso(g["iy"], g["im"], g["id"])
    if g["dy"]:
        return _to_iso(g["dy"], g["dm"], g["dd"])
    if g["ay"]:
        return _to_iso(g["ay"], g["am"], g["ad"])
    return _to_iso(g["by"], g["bm"], g["bd"])


def parse_date(text: str | None) -> str | None:
    """The first date in `text` as ISO YYYY-MM-DD, or None when there is none."""
    if not text:
        return None
    match = find_date(text)
    return _match_to_iso(match) if match else None


def looks_like_name(text: str) -> bool:
    """Does `text` look like a person's name: 1-5 capitalised words, no digits?"""
    words = text.split()
    if not 1 <= len(words) <= 5 or any(ch.isdigit() for ch in text):
        return False
    for word in words:
        if word.lower() in _PARTICLES:
            continue
        if not _NAME_WORD.fullmatch(word) or not word[0].isupper():
            return False
    return True


def split_authors(value: str | None) -> tuple[str, ...]:
    """Split an author string ("By A; B", "A and B", "A, B & C") into names, order kept."""
    if not value:
        return ()
    text = re.sub(r"^\s*by\s+", "", normalize_space(value), flags=re.IGNORECASE)
    names: list[str] = []
    for part in _AUTHOR_SPLIT.split(text):
        pieces = [p.strip() for p in part.split(",")]
        # "Doe, Jane" stays one name; "Jane Doe, John Roe" is two.
        if len(pieces) > 1 and all(len(p.split()) >= 2 for p in pieces if p):
            names.extend(pieces)
        else:
            names.append(part.strip())
    return unique(name.strip(" ,.") for name in names if name.strip(" ,."))


def unique(items: Iterable[str]) -> tuple[str, ...]:
    """Strings de-duplicated (case-insensitively), first spelling and order kept."""
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return tuple(out)


def fallback_title(text: str, limit: int = 120) -> str:
    """A title made from the first line/sentence of `text`, cut at a word to `limit` chars."""
    first = normalize_space(text.strip().split("\n", 1)[0])
    first = re.split(r"(?<=[.!?])\s+(?=[\"“‘'(\[]?[A-Z0-9])", first, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    cut = first[: limit - 1].rsplit(" ", 1)[0] or first[: limit - 1]
    return cut.rstrip(" ,;:-") + "…"


# ---------------------------------------------------------------- plain text and Markdown files

_BYLINE_MAX_CHARS = 160
_DATE_WORDS = re.compile(
    r"\b(?:published|updated?|posted|last|modified|on|at|am|pm|a\.m\.|p\.m\.|et|edt|est|gmt"
    r"|utc|bst|cet|trt|(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|wed|thu|fri|sat|sun)"
    r"(?!\w)|[\d\s:.,|/()\-–—]",
    re.IGNORECASE,
)
_ROLE_WORDS = re.compile(
    r"\b(?:correspondent|reporter|editor|writer|staff|contributor|bureau|columnist)\b", re.I
)


@dataclass
class Byline:
    """What a byline or date line says."""

    authors: tuple[str, ...] = ()
    published: str | None = None
    source: str | None = None


def parse_byline(line: str) -> Byline | None:
    """Read a byline ("By A and B, Reuters", "A | 18.12.2025") or a bare date line, else None."""
    line = normalize_space(line)
    if not line or len(line) > _BYLINE_MAX_CHARS:
        return None
    published = parse_date(line)
    if published and not _DATE_WORDS.sub("", _DATE_RE.sub("", line)).strip():
        return Byline(published=published)
    by = re.match(r"by\s+(.+)", line, re.IGNORECASE)
    head, _, rest = (by.group(1) if by else line).partition("|")
    if not by and not (find_date(rest) or outlet_name(rest.split("|")[0])):
        return None
    result = Byline(published=published)
    names: list[str] = []
    for piece in re.split(r",|\s[-–—]\s", _DATE_RE.sub("", head)):
        piece = piece.strip()
        if outlet_name(piece):
            result.source = result.source or outlet_name(piece)
        elif piece and not _ROLE_WORDS.search(piece):
            names.extend(split_authors(piece))
    if not names or not all(looks_like_name(name) for name in names):
        return None
    result.source = result.source or outlet_name(rest.split("|")[0])
    result.authors = unique(names)
    return result


FrontMatter = dict[str, str | list[str]]
_FRONT_MATTER_MAX_LINES = 60


def front_matter(text: str) -> tuple[FrontMatter, str]:
    """Split front matter (a YAML mapping between '---' lines) off the top of `text`.

    Values come back as stripped strings or lists of strings, never parsed (a date stays the
    text it was, "No" stays "No"); keys are lower-cased; other values (nested mappings) are
    left out. A block that is not YAML is read line by line as "key: value" and "- item" lines
    (`_front_matter_lines`), since hand-written front matter often has unquoted ": " in a
    title ("title: Putin visit: Kremlin"), which YAML refuses. A block that is neither, or
    has no closing '---' / '...' line, is not front matter: ({}, text) comes back unchanged.
    """
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    closing = ("---", "...")
    ends = (
        n for n, line in enumerate(lines[1:_FRONT_MATTER_MAX_LINES], 1) if line.strip() in closing
    )
    end = next(ends, None)
    if end is None:
        return {}, text
    block = lines[1:end]
    meta = _front_matter_yaml("\n".join(block))
    if meta is None:
        meta = _front_matter_lines(block)
    if meta is None:
        return {}, text
    return meta, "\n".join(lines[end + 1 :])


def _front_matter_yaml(block: str) -> FrontMatter | None:
    """The block read as a YAML mapping (every scalar kept as text), or None if it is not one."""
    try:
        # BaseLoader: no type resolution (dates, numbers, yes/no stay text) and no object tags
        data = yaml.load(block, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        return None
    meta: FrontMatter = {}
    for key, value in data.items():
        if isinstance(value, str) and value.strip():
            meta[str(key).lower()] = value.strip()
        elif isinstance(value, list):
            items = [v.strip() for v in value if isinstance(v, str) and v.strip()]
            if items:
                meta[str(key).lower()] = items
    return meta


def _front_matter_lines(block: list[str]) -> FrontMatter | None:
    """The block read line by line as "key: value" and "- item" lines, or None if it is not."""
    meta: FrontMatter = {}
    key = ""
    for line in block:
        item = re.match(r"\s*-\s+(.*)", line)
        pair = re.match(r"([A-Za-z_][\w-]*)\s*:\s*(.*)", line)
        if item and key:
            current = meta.get(key)
            meta[key] = [*(current if isinstance(current, list) else []), _unquote(item.group(1))]
        elif pair:
            key, value = pair.group(1).lower(), pair.group(2).strip()
            if value.startswith("[") and value.endswith("]"):
                meta[key] = [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
            elif value:
                meta[key] = _unquote(value)
        elif line.strip():
            return None  # not front matter after all
    return meta


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
