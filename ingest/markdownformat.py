"""Markdown to the blocks of text lines that `readers` reads an article from.

markdown-it-py (CommonMark, raw HTML not interpreted) parses the text; every paragraph, heading,
list item paragraph, block quote paragraph and code block becomes a block of stripped lines
(a paragraph's line breaks are kept, so that a title, a byline and a body written on
consecutive lines stay separate lines). A level-1 heading keeps a "# " in front so that it can
be told apart as the title. Links keep their text, images are dropped, emphasis and code
markers, escapes and entities are resolved; thematic breaks and link reference definitions
leave nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_INLINE_TEXT = frozenset({"text", "text_special", "code_inline"})
_LINE_BREAKS = frozenset({"softbreak", "hardbreak"})


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt  # ~50 ms to import: only when Markdown is read

    return MarkdownIt("commonmark", {"html": False})


def _inline_lines(token: Token) -> list[str]:
    """The non-empty text lines of an inline token, whitespace collapsed (images left out)."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in _INLINE_TEXT:
            parts.append(child.content)
        elif child.type in _LINE_BREAKS:
            parts.append("\n")
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def _code_blocks(content: str) -> list[list[str]]:
    """A code block's text as blank-line separated blocks of stripped lines."""
    blocks: list[list[str]] = [[]]
    for line in (raw.strip() for raw in content.split("\n")):
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def markdown_blocks(text: str) -> list[list[str]]:
    """The blocks of stripped text lines of a Markdown document, in order."""
    blocks: list[list[str]] = []
    heading = ""
    for token in _parser().parse(text):
        if token.type == "heading_open":
            heading = token.tag
        elif token.type == "heading_close":
            heading = ""
        elif token.type in ("code_block", "fence"):
            blocks.extend(_code_blocks(token.content))
        elif token.type == "inline":
            lines = _inline_lines(token)
            if lines and heading:
                lines = [("# " if heading == "h1" else "") + " ".join(lines)]
            if lines:
                blocks.append(lines)
    return blocks
