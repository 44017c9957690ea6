"""Sentence-aware chunking that fits the embedder's window, with character offsets into the article.

A chunk is a run of whole sentences (a sentence longer than the window is cut at word boundaries)
whose embedding text, title prefix included, never exceeds the model's word-piece window, so
nothing is silently truncated. Consecutive chunks share up to `overlap_tokens` of whole sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ingest.models import Article, Chunk
from ingest.sentences import sentence_spans

TokenCounter = Callable[[Sequence[str]], list[int]]
_WORD = re.compile(r"\S+")
TITLE_MAX_CHARS = 160


def embedding_text(title: str, text: str) -> str:
    """What gets embedded and lexically indexed for a chunk: the article title, then the passage."""
    title = title.strip()
    if len(title) > TITLE_MAX_CHARS:
        title = title[:TITLE_MAX_CHARS].rsplit(" ", 1)[0]
    return f"{title}\n{text}" if title else text


class Chunker:
    def __init__(self, count_tokens: TokenCounter, max_tokens: int, overlap_tokens: int) -> None:
        if max_tokens < 16:
            raise ValueError(f"max_tokens must be >= 16, got {max_tokens}")
        if not 0 <= overlap_tokens < max_tokens // 2:
            raise ValueError(
                f"overlap_tokens must be in [0, {max_tokens // 2}), got {overlap_tokens}"
            )
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens

    def chunk(self, article: Article) -> list[Chunk]:
        title_tokens = self.count_tokens([embedding_text(article.title, "")])[0] + 1
        budget = self.max_tokens - title_tokens
        if budget < 16:
            raise ValueError(f"title of article {article.id} leaves no room for text")
        while True:
            chunks = self._pack(article, budget)
            texts = [embedding_text(article.title, c.text) for c in chunks]
            over = max(n - self.max_tokens for n in self.count_tokens(texts))
            if over <= 0:
                return chunks
            budget -= over  # joins between sentences cost a word piece now and then

    def _units(self, text: str, budget: int) -> list[tuple[int, int, int]]:
        """(start, end, tokens) of sentences; sentences over `budget` are cut at word boundaries."""
        spans = sentence_spans(text)
        counts = self.count_tokens([text[s:e] for s, e in spans])
        units: list[tuple[int, int, int]] = []
        for (start, end), n in zip(spans, counts, strict=True):
            if n <= budget:
                units.append((start, end, n))
            else:
                units.extend(self._cut(text, start, end, budget))
        return units

    def _cut(self, text: str, start: int, end: int, budget: int) -> list[tuple[int, int, int]]:
        words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
        counts = self.count_tokens([text[s:e] for s, e in words])
        pieces: list[tuple[int, int, int]] = []
        piece_start, used = words[0][0], 0
        last_end = words[0][1]
        for (s, e), n in zip(words, counts, strict=True):
            if used and used + n > budget:
                pieces.append((piece_start, last_end, used))
                piece_start, used = s, 0
            if n > budget:  # one absurd "word": keep whole characters that fit
                e = s + max(1, len(text[s:e]) * budget // n)
                n = budget
            used += n
            last_end = e
        pieces.append((piece_start, last_end, used))
        return pieces

    def _pack(self, article: Article, budget: int) -> list[Chunk]:
        units = self._units(article.text, budget)
        chunks: list[Chunk] = []
        i = 0
        while i < len(units):
            j, used = i, 0
            while j < len(units) and used + units[j][2] <= budget:
                used += units[j][2]
                j += 1
            j = max(j, i + 1)
            start, end = units[i][0], units[j - 1][1]
            chunks.append(Chunk(article.id, len(chunks), start, end, article.text[start:end], used))
            if j >= len(units):
                break
            # step back over whole sentences that fit in the overlap, but always move forward
            k, shared = j, 0
            while k - 1 > i and shared + units[k - 1][2] <= self.overlap_tokens:
                k -= 1
                shared += units[k][2]
            i = k
        return chunks
