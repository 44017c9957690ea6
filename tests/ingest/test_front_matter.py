"""Tests for ingest.textformat.front_matter: YAML blocks, the line-by-line fallback, non-blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.readers import read_file
from ingest.textformat import front_matter

BODY = (
    "The city council voted 7-2 on Tuesday to approve a network of protected bike lanes across "
    "the downtown area, ending months of debate."
)


def test_mapping_values_stay_text() -> None:
    meta, rest = front_matter(
        "---\nTitle: 'It''s done'\ndate: 2024-03-05\npublished: 2024-03-05T10:00:00Z\n"
        "section: No\nissue: 007\nempty:\n---\nBody\n"
    )
    assert meta == {
        "title": "It's done",
        "date": "2024-03-05",  # not a datetime.date
        "published": "2024-03-05T10:00:00Z",
        "section": "No",  # not False
        "issue": "007",  # not 7
    }
    assert rest == "Body\n"


def test_yaml_lists_comments_and_continued_values() -> None:
    meta, rest = front_matter(
        "---\n# exported by a CMS\nauthors: ['Doe, Jane', \"Roe, John\"]\ntags:\n  - a\n  - b\n"
        "title: A long headline\n  that goes on\nsummary: >\n  Folded\n  text\n"
        "author:\n  name: Jane Doe\n...\nBody"
    )
    assert meta == {
        "authors": ["Doe, Jane", "Roe, John"],  # quoted commas kept inside a name
        "tags": ["a", "b"],
        "title": "A long headline that goes on",
        "summary": "Folded text",
    }  # a nested mapping (author) is left out
    assert rest == "Body"


def test_not_yaml_falls_back_to_key_value_lines() -> None:
    # YAML refuses an unquoted ": " inside a value; hand-written front matter has it often
    meta, rest = front_matter(
        "---\ntitle: Putin visit: Kremlin\nauthors: [Jane Doe, John Roe]\ntags:\n - x\n---\nBody"
    )
    assert meta == {
        "title": "Putin visit: Kremlin",
        "authors": ["Jane Doe", "John Roe"],
        "tags": ["x"],
    }
    assert rest == "Body"


@pytest.mark.parametrize(
    "text",
    [
        "---\nJust a paragraph between rules.\n---\nBody",
        "---\n- a list\n- of items\n---\nBody",
        "---\ntitle: x\n\tbad: [indent\nnot a pair\n---\nBody",
        "---\ntitle: never closed\n\nBody",
        "--- \n" + "line: x\n" * 70 + "---\nBody",  # closing line too far down
        "Title\n---\ntitle: x\n---\n",
    ],
)
def test_non_front_matter_is_left_alone(text: str) -> None:
    assert front_matter(text) == ({}, text)


def test_empty_block_is_removed() -> None:
    assert front_matter("---\n---\nBody") == ({}, "Body")


def test_malformed_front_matter_does_not_stop_ingest(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(f"---\ntitle: [broken\nauthor: {{x: \n---\n\n{BODY}\n")
    article = read_file(path).articles[0]
    assert (article.title, article.authors) == ("[broken", ("{x:",))
    assert article.text == BODY
    odd = tmp_path / "b.md"
    odd.write_text(f"---\nnot: [front matter\nat all\n---\n\n# Heading title\n\n{BODY}\n")
    article = read_file(odd).articles[0]
    assert article.title == "Heading title"
    assert "at all" in article.text
