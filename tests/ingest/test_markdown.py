"""Tests for ingest.markdownformat: Markdown to blocks of clean text lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.markdownformat import markdown_blocks
from ingest.readers import read_file


@pytest.mark.parametrize(
    ("markdown", "blocks"),
    [
        ("# Title *x*\n\n## Sub\n\n### Third", [["# Title x"], ["Sub"], ["Third"]]),
        ("Big Title\n=========\n\nSub\n---\n\nBody.", [["# Big Title"], ["Sub"], ["Body."]]),
        (
            "# Title\nBy Jane Doe\nBody one\nbody two",
            [["# Title"], ["By Jane Doe", "Body one", "body two"]],
        ),
        ("> A quoted\n> paragraph.\n\nAfter.", [["A quoted", "paragraph."], ["After."]]),
        (
            "- item that\n  wraps\n- two\n\n1. one\n2) x",
            [["item that", "wraps"], ["two"], ["one"], ["x"]],
        ),
        ("Para\n\n***\n\n- - -\n\nPara2", [["Para"], ["Para2"]]),
        (
            "**_both_**, *it*, __b__, `code`, snake_case and 5 * 3",
            [["both, it, b, code, snake_case and 5 * 3"]],
        ),
        ("[![logo](s.png)](http://x) See ![alt](a.png) [the map](http://m).", [["See the map."]]),
        ("See [the report][r].\n\n[r]: http://example.com", [["See the report."]]),
        ("Costs \\*not\\* much &amp; AT&T &copy; 2024", [["Costs *not* much & AT&T © 2024"]]),
        (
            "Text\n\n```python\nprint(1)\n\nprint(2)\n```\n\n    indented\n\nEnd",
            [["Text"], ["print(1)"], ["print(2)"], ["indented"], ["End"]],
        ),
        (
            "One  \nTwo\\\nThree <https://example.com>",
            [["One", "Two", "Three https://example.com"]],
        ),
    ],
)
def test_markdown_blocks(markdown: str, blocks: list[list[str]]) -> None:
    assert markdown_blocks(markdown) == blocks


def test_setext_title_and_quote_paragraph_in_article(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(
        "World\n\nCouncil approves bike lanes\n===========================\n\n"
        "By Jane Doe | December 18, 2025\n\n"
        "> The city council voted on Tuesday to approve\n> a network of protected bike lanes.\n\n"
        "Shop owners objected.\n"
    )
    article = read_file(path).articles[0]
    assert (article.title, article.section, article.authors, article.published) == (
        "Council approves bike lanes",
        "World",
        ("Jane Doe",),
        "2025-12-18",
    )
    assert article.text.split("\n\n") == [
        "The city council voted on Tuesday to approve a network of protected bike lanes.",
        "Shop owners objected.",
    ]
