"""Tests for ingest.readers: every supported format, every kind of bad file, and discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.errors import InvalidInputError
from ingest.models import Article
from ingest.readers import SUPPORTED_SUFFIXES, ReadResult, discover, read_file, read_paths
from ingest.textformat import parse_date, split_authors

REPO = Path(__file__).resolve().parents[2]
ARTICLES = REPO / "data" / "articles"
REALTIMEQA = (
    Path(__file__).resolve().parents[3] / "shared" / "bench" / "realtimeqa" / "articles.jsonl"
)

BODY = (
    "The city council voted 7-2 on Tuesday to approve a network of protected bike lanes across "
    "the downtown area, ending months of debate."
)
# the first sentence of BODY, cut at a word to at most 120 characters
FALLBACK_TITLE = (
    "The city council voted 7-2 on Tuesday to approve a network of protected bike lanes across "
    "the downtown area, ending…"
)

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>City council approves new bike lanes | The Daily Planet</title>
  <meta name="author" content="Jane Doe and John Roe">
  <meta property="article:published_time" content="2024-03-05T09:30:00Z">
  <meta property="og:site_name" content="The Daily Planet">
  <meta property="og:title" content="City council approves new bike lanes">
  <meta property="og:url" content="https://dailyplanet.example/news/bike-lanes">
</head>
<body>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
  <li><a href="/sport">Sport</a></li></ul></nav>
  <header><div class="logo">The Daily Planet</div></header>
  <main><article>
    <h1>City council approves new bike lanes</h1>
    <p class="byline">By Jane Doe and John Roe</p>
    <p>BODY</p>
    <p>The plan adds 14 kilometres of separated lanes along Main Street, Harbor Road and the
       riverfront, and will be built over the next two years.</p>
    <p>"This is a good day for everyone who wants safer streets," said council member Ana Ruiz,
       who sponsored the measure.</p>
    <p>Opponents argued that the lanes would remove more than 300 parking spaces and hurt small
       businesses along Main Street.</p>
    <p>Subscribe to our newsletter for the latest local news.</p>
  </article></main>
  <aside><h3>Most read</h3><ul><li><a href="/a">Celebrity chef opens new restaurant</a></li>
  <li><a href="/b">Weather warning for the weekend</a></li></ul></aside>
  <footer><p>Copyright 2024 The Daily Planet. All rights reserved.</p>
  <p><a href="/privacy">Privacy policy</a> | <a href="/terms">Terms of use</a></p></footer>
</body>
</html>
""".replace("BODY", BODY)


def record(n: int, **extra: object) -> dict[str, object]:
    return {"title": f"Story {n}", "text": f"{BODY} Story number {n}.", **extra}


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def only_article(result: ReadResult) -> Article:
    assert result.skipped == []
    assert len(result.articles) == 1
    return result.articles[0]


def reasons(result: ReadResult) -> dict[str, str]:
    return {s.origin: s.reason for s in result.skipped}


# ------------------------------------------------------------------------ bundled sample files


def test_anadolu_sample_metadata_and_body() -> None:
    path = ARTICLES / "000_571dbf1d854c2ca6.txt"
    article = only_article(read_file(path))
    title = "Putin, Erdogan did not discuss S-400 issue at their meeting last week: Kremlin"
    assert article.title == title
    assert article.section == "World"
    assert article.source == "Anadolu Agency"
    assert article.authors == ("Elena Teslova",)
    assert article.published == "2025-12-18"
    assert article.origin == str(path.resolve())
    assert article.text.startswith("Kremlin spokesman denies media reports")
    assert "subscription" not in article.text
    assert "Elena Teslova" not in article.text
    assert title not in article.text
    assert (
        "In 2017, Türkiye purchased four S-400 air defense systems from Russia for $2.5 billion."
        in article.text
    )
    assert "\n\nMOSCOW\n\n" in article.text


def test_duvar_sample_metadata_and_body() -> None:
    article = only_article(read_file(ARTICLES / "003_6717c59d2c368da4.txt"))
    assert article.title == "Putin planning visit to Turkey in January: Erdoğan aide"
    assert article.source == "Duvar English"
    assert article.published is None
    assert article.authors == ()
    assert "TurkStream" in article.text
    assert "Duvar English" not in article.text.split("\n\n")


def test_paragraphs_are_normalised() -> None:
    for article in read_paths([ARTICLES]).articles:
        for para in article.text.split("\n\n"):
            assert para and para == " ".join(para.split())


# ------------------------------------------------------------------------------- text formats


def test_markdown_with_front_matter(tmp_path: Path) -> None:
    md = write(
        tmp_path / "note.md",
        '---\ntitle: "Bike lanes approved"\nsource: reuters\nauthors:\n  - Jane Doe\n'
        "  - John Roe\ndate: 2024-03-05T10:00:00Z\nurl: https://example.com/bikes\n"
        "section: Local\n---\n\n# Bike lanes approved\n\n"
        f"{BODY}\n\nThe plan adds **14 km** of lanes, see [the map](https://example.com/map).\n\n"
        "## Reaction\n\n- Cyclists cheered the vote.\n- Shop owners did not.\n",
    )
    article = only_article(read_file(md))
    assert article.title == "Bike lanes approved"
    assert article.source == "Reuters"
    assert article.authors == ("Jane Doe", "John Roe")
    assert article.published == "2024-03-05"
    assert article.url == "https://example.com/bikes"
    assert article.section == "Local"
    assert article.text.split("\n\n") == [
        BODY,
        "The plan adds 14 km of lanes, see the map.",
        "Reaction",
        "Cyclists cheered the vote.",
        "Shop owners did not.",
    ]


def test_markdown_heading_is_title_without_front_matter(tmp_path: Path) -> None:
    md = write(tmp_path / "a.markdown", f"# Council votes\n\nBy Jane Doe, Reuters\n\n{BODY}\n")
    article = only_article(read_file(md))
    assert (article.title, article.authors, article.source) == (
        "Council votes",
        ("Jane Doe",),
        "Reuters",
    )
    assert article.text == BODY


@pytest.mark.parametrize(
    ("byline", "authors", "published"),
    [
        ("By Jane Doe and John Roe", ("Jane Doe", "John Roe"), None),
        ("By Jane Doe | December 18, 2025", ("Jane Doe",), "2025-12-18"),
        ("Published 18 December 2025", (), "2025-12-18"),
        ("Jane Doe | 2025-12-18 - Update : 2025-12-19", ("Jane Doe",), "2025-12-18"),
    ],
)
def test_plain_text_bylines(
    tmp_path: Path, byline: str, authors: tuple[str, ...], published: str | None
) -> None:
    txt = write(
        tmp_path / "a.txt",
        f"Council votes on lanes\n\n{byline}\n\n{BODY}\n\nAll rights reserved.\n",
    )
    article = only_article(read_file(txt))
    assert (article.title, article.authors, article.published) == (
        "Council votes on lanes",
        authors,
        published,
    )
    assert article.text == BODY


def test_single_paragraph_file_is_body_not_title(tmp_path: Path) -> None:
    article = only_article(read_file(write(tmp_path / "one.txt", BODY + "\n")))
    assert article.text == BODY
    assert article.title == FALLBACK_TITLE


def test_cp1252_and_bom_text_decode(tmp_path: Path) -> None:
    latin = write(
        tmp_path / "latin.txt", f"Café owners react\n\n{BODY} Prices rose 5 €.".encode("cp1252")
    )
    assert only_article(read_file(latin)).title == "Café owners react"
    bom = write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + f"Title here\r\n\r\n{BODY}\r\n".encode())
    article = only_article(read_file(bom))
    assert (article.title, article.text) == ("Title here", BODY)


# ---------------------------------------------------------------------------------------- HTML


def test_html_news_page(tmp_path: Path) -> None:
    page = write(tmp_path / "page.html", NEWS_PAGE)
    article = only_article(read_file(page))
    assert article.title == "City council approves new bike lanes"
    assert article.authors == ("Jane Doe", "John Roe")
    assert article.published == "2024-03-05"
    assert article.source == "The Daily Planet"
    assert article.url == "https://dailyplanet.example/news/bike-lanes"
    paras = article.text.split("\n\n")
    assert paras[0] == BODY
    assert len(paras) == 4
    assert paras[-1].startswith("Opponents argued")
    for junk in (
        "Home",
        "Most read",
        "Celebrity chef",
        "Privacy policy",
        "All rights reserved",
        "newsletter",
    ):
        assert junk not in article.text


def test_html_without_article_text(tmp_path: Path) -> None:
    page = write(
        tmp_path / "nav.htm",
        "<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
    )
    result = read_file(page)
    assert result.articles == []
    assert reasons(result) == {str(page.resolve()): "no article text found in HTML"}


# ---------------------------------------------------------------------------------------- JSON


def test_json_list(tmp_path: Path) -> None:
    data = [
        record(0, url="https://www.cnn.com/2024/01/01/x", published="2024-01-01T23:30:00-05:00"),
        {
            "Headline": "Second",
            "Body": ["First para.", BODY],
            "Authors": [{"name": "Jane Doe"}],
            "pubDate": "Tue, 05 Mar 2024 10:00:00 GMT",
            "Source": {"name": "Reuters"},
        },
        {"content": f"{BODY}\nSecond line.", "date": "not a date"},
        {"title": "No text"},
    ]
    path = write(tmp_path / "list.json", json.dumps(data))
    result = read_file(path)
    first, second, third = result.articles
    origin = str(path.resolve())
    assert first.origin == f"{origin}#https://www.cnn.com/2024/01/01/x"
    assert (first.source, first.published, first.title) == ("CNN", "2024-01-01", "Story 0")
    assert second.origin == f"{origin}#item1"
    assert (second.title, second.authors, second.published, second.source) == (
        "Second", ("Jane Doe",), "2024-03-05", "Reuters")  # fmt: skip
    assert second.text == f"First para.\n\n{BODY}"
    assert third.text == f"{BODY}\n\nSecond line."
    assert third.published is None and third.source is None
    assert third.title == FALLBACK_TITLE
    assert reasons(result) == {f"{origin}#item3": "record has no text"}


def test_json_object_with_articles_and_single_object(tmp_path: Path) -> None:
    wrapped = write(
        tmp_path / "feed.json", json.dumps({"status": "ok", "Articles": [record(1), record(2)]})
    )
    result = read_file(wrapped)
    assert [a.title for a in result.articles] == ["Story 1", "Story 2"]
    assert result.articles[1].origin == f"{wrapped.resolve()}#item1"
    single = write(tmp_path / "one.json", json.dumps(record(3, authors="A Writer; B Writer")))
    article = only_article(read_file(single))
    assert (article.origin, article.authors) == (str(single.resolve()), ("A Writer", "B Writer"))


def test_jsonl_with_broken_line(tmp_path: Path) -> None:
    lines = [json.dumps(record(1)), '{"title": "broken", "text": ', "", json.dumps(record(3))]
    path = write(tmp_path / "dump.jsonl", "\n".join(lines) + "\n")
    result = read_file(path)
    assert [a.origin for a in result.articles] == [
        f"{path.resolve()}#line1",
        f"{path.resolve()}#line4",
    ]
    assert list(reasons(result)) == [f"{path.resolve()}#line2"]
    assert result.skipped[0].reason.startswith("invalid JSON: ")
    assert result.skipped[0].reason.endswith("at line 2")


# ----------------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b" \n\t\n  \n", "file has only whitespace"),
        ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file, not text"),
        ("noise.txt", bytes(range(1, 32)) * 20, "binary file, not text"),
        (
            "sjis.txt",
            "日本語の記事です。東京で会議が開かれた。".encode("shift_jis") + b"\x81\x8d",
            "not valid UTF-8 text",
        ),
        ("short.txt", b"Title\n\nToo short.", "text too short"),
        ("broken.json", b'{"title": "x",\n "text": }', "invalid JSON: Expecting value at line 2"),
        ("empty.json", b"[]", "JSON holds no article records"),
        ("notext.jsonl", b'{"title": "x"}\n', "record has no text"),
    ],
)
def test_bad_files_are_skipped(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = write(tmp_path / name, content)
    result = read_file(path)
    assert result.articles == []
    assert result.files == [path.resolve()]
    assert [s.reason for s in result.skipped] == [reason]
    assert result.skipped[0].origin.startswith(str(path.resolve()))


def test_oversize_file_is_skipped_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", f"Title\n\n{BODY}\n")
    size = path.stat().st_size
    result = read_file(path, max_bytes=100)
    assert reasons(result) == {str(path.resolve()): f"file too large ({size} bytes > 100)"}


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    pdf = write(tmp_path / "scan.PDF", b"%PDF-1.4")
    assert reasons(read_file(pdf)) == {str(pdf.resolve()): "unsupported file type .PDF"}
    assert read_file(tmp_path / "gone.txt").skipped[0].reason.startswith("cannot read file")
    with pytest.raises(InvalidInputError, match="no such file or folder: .*gone"):
        read_paths([tmp_path / "gone"])


# ----------------------------------------------------------------------------------- discovery


def test_discover_nested_folder(tmp_path: Path) -> None:
    a = write(tmp_path / "b" / "a.txt", f"T\n\n{BODY}")
    z = write(tmp_path / "a" / "deep" / "z.JSONL", json.dumps(record(1)))
    write(tmp_path / ".hidden" / "secret.txt", f"T\n\n{BODY}")
    write(tmp_path / "b" / ".draft.md", f"T\n\n{BODY}")
    notes = write(tmp_path / "b" / "notes.docx", b"PK")
    files, skipped = discover([tmp_path, a, str(tmp_path / "b" / ".." / "b" / "a.txt")])
    assert files == [z.resolve(), a.resolve()]
    assert [(s.origin, s.reason) for s in skipped] == [
        (str(notes.resolve()), "unsupported file type .docx")
    ]
    hidden = tmp_path / ".hidden" / "secret.txt"
    assert discover([hidden])[0] == [hidden.resolve()]  # named explicitly: read it
    result = read_paths([tmp_path])
    assert len(result.articles) == 2 and result.files == files and len(result.skipped) == 1


def test_missing_path_raises_before_reading(tmp_path: Path) -> None:
    write(tmp_path / "ok.txt", f"T\n\n{BODY}")
    with pytest.raises(InvalidInputError, match="no such file or folder"):
        discover([tmp_path, tmp_path / "missing.txt"])


def test_helpers() -> None:
    assert {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"} == SUPPORTED_SUFFIXES
    assert parse_date("18.12.2025") == "2025-12-18"
    assert parse_date("Sept. 3, 2024") == "2024-09-03"
    assert parse_date("31.02.2024") is None
    assert parse_date("yesterday") is None
    assert split_authors("By Jane Doe, John Roe & Ann Lee") == ("Jane Doe", "John Roe", "Ann Lee")
    assert split_authors("Doe, Jane") == ("Doe, Jane",)


# --------------------------------------------------------------------------------- real data


@pytest.mark.skipif(not REALTIMEQA.exists(), reason="RealTimeQA dump not present")
def test_realtimeqa_first_50_lines(tmp_path: Path) -> None:
    with REALTIMEQA.open(encoding="utf-8") as handle:
        head = [next(handle) for _ in range(50)]
    path = write(tmp_path / "head.jsonl", "".join(head))
    result = read_file(path)
    assert result.skipped == []
    assert len(result.articles) == 50
    for line, article in zip(head, result.articles, strict=True):
        raw = json.loads(line)
        assert article.origin == f"{path.resolve()}#{raw['url']}"
        assert article.title == " ".join(raw["title"].split())
        assert article.published == raw["published"]
        assert article.source in {"USA Today", "CNN", "The Week", None}
        assert article.text and "\n\n\n" not in article.text
