"""Read one saved HTML news page into an `Article`, with trafilatura doing the extraction.

trafilatura (`bare_extraction`, metadata on, comments off) finds the main text, the title,
author(s), the date, the site name and the canonical URL. Its date search is made
deterministic: no opportunistic text search and a fixed latest-allowed date instead of "today".
Where it finds no title, the `og:title`/`twitter:title` meta tags or `<title>` are used.

The body keeps trafilatura's paragraph breaks (one paragraph a line there, "\\n\\n" here); a
line that repeats the title, a byline or date line at the top and boilerplate paragraphs are
dropped, as for plain text. The source is the site name (canonical spelling when it is a known
outlet), else an outlet from the host table, never a bare host name. A page without main text
comes back as `Skipped("no article text found in HTML")`.
"""

from __future__ import annotations

from typing import Any

from lxml import html as lxml_html

from ingest.footers import footer_authors
from ingest.models import Article, ArticleMeta, Skipped
from ingest.textformat import (
    fallback_title,
    non_space_chars,
    normalize_space,
    outlet_for_url,
    outlet_name,
    parse_byline,
    parse_date,
    split_authors,
    strip_boilerplate,
)

MIN_TEXT_CHARS = 20
_HEADER_LINES = 4  # bylines and date lines are looked for in this many lines at the top
_DATE_PARAMS: dict[str, Any] = {
    "original_date": True,
    "extensive_search": False,
    "outputformat": "%Y-%m-%d",
    "max_date": "2099-12-31",
}
_TITLE_XPATHS = (
    '//meta[@property="og:title"]/@content',
    '//meta[@name="twitter:title"]/@content',
    "//title/text()",
)


def _meta_title(html: str) -> str | None:
    """The page title from og:/twitter: meta tags or <title>, when trafilatura had none."""
    try:
        tree = lxml_html.fromstring(html.encode("utf-8"))
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None
    for xpath in _TITLE_XPATHS:
        for value in tree.xpath(xpath):
            if normalize_space(str(value)):
                return normalize_space(str(value))
    return None


def _source(sitename: str | None, url: str | None) -> str | None:
    name = normalize_space(sitename or "")
    if name and not ("." in name and " " not in name):  # a real name, not a host name
        return outlet_name(name) or name
    return outlet_for_url(url)


def _extract(html: str) -> Any:
    import trafilatura  # seconds to import: only when an HTML page is read, never for a question

    return trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        date_extraction_params=dict(_DATE_PARAMS),
    )


def parse_html(html: str, origin: str) -> Article | Skipped:
    """One article from an HTML page's text (see the module docstring)."""
    try:
        doc = _extract(html)
    except Exception as exc:  # noqa: BLE001 - trafilatura/lxml may fail on odd markup
        return Skipped(origin, f"could not parse HTML ({type(exc).__name__}: {exc})")
    if doc is None or not (doc.text or "").strip():
        return Skipped(origin, "no article text found in HTML")
    title = normalize_space(doc.title or "") or _meta_title(html)
    title_key = normalize_space(title or "").casefold()
    authors = split_authors(doc.author)
    published = parse_date(doc.date)
    source = _source(doc.sitename, doc.url)
    paras: list[str] = []
    for n, line in enumerate(normalize_space(ln) for ln in doc.text.split("\n")):
        if not line or line.casefold() == title_key:
            continue
        byline = parse_byline(line) if n < _HEADER_LINES else None
        if byline:
            authors = authors or byline.authors
            published = published or byline.published
            source = source or byline.source
        else:
            paras.append(line)
    authors = authors or footer_authors(paras)  # before strip_boilerplate drops the footer
    paras, outlet = strip_boilerplate(paras)
    body = "\n\n".join(paras)
    if non_space_chars(body) < MIN_TEXT_CHARS:
        return Skipped(origin, "no article text found in HTML")
    meta = ArticleMeta(
        title=title or fallback_title(body),
        source=source or outlet,
        authors=authors,
        published=published,
        url=normalize_space(doc.url or "") or None,
        section=normalize_space(doc.categories[0]) if doc.categories else None,
    )
    return Article(meta=meta, text=body, origin=origin)
