"""Sentence boundaries as character spans, so every sentence can be cited by exact offsets.

Paragraphs (split on line breaks) never share a sentence; inside a paragraph the Punkt model
that llama-index ships (NLTK's punkt_tab, English) finds the boundaries, with a regex fallback.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

_LINE = re.compile(r"[^\n]+")
_FALLBACK = re.compile(r"[^.!?]+(?:[.!?]+[\"'”’)\]]*|$)")


class _SpanTokenizer(Protocol):
    def span_tokenize(self, text: str): ...  # noqa: ANN201


def _llama_index_nltk_cache() -> Path | None:
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        cache = Path(location) / "_static" / "nltk_cache"
        if cache.is_dir():
            return cache
    return None


@contextlib.contextmanager
def _nltk_without_init() -> Iterator[None]:
    """Import modules of nltk without running the package's __init__, which imports all of nltk
    (and scikit-learn and scipy where they are installed: seconds on a question's path). The
    stand-in package and the modules loaded under it are dropped afterwards (objects made from
    them keep working): a later `import nltk` loads the real package, as usual."""
    spec = importlib.util.find_spec("nltk")
    if "nltk" in sys.modules or spec is None or not spec.submodule_search_locations:
        yield
        return
    stand_in = types.ModuleType("nltk")
    stand_in.__path__ = list(spec.submodule_search_locations)
    sys.modules["nltk"] = stand_in
    try:
        yield
    finally:
        for name in [n for n in sys.modules if n == "nltk" or n.startswith("nltk.")]:
            del sys.modules[name]


@functools.cache
def _punkt() -> _SpanTokenizer | None:
    with _nltk_without_init():
        from nltk.data import path as data_path
        from nltk.tokenize.punkt import PunktTokenizer

        cache = _llama_index_nltk_cache()
        if cache is not None and str(cache) not in data_path:
            data_path.append(str(cache))
        try:
            return PunktTokenizer("english")
        except LookupError:
            return None


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    segment = text[start:end]
    tokenizer = _punkt()
    if tokenizer is not None:
        raw = list(tokenizer.span_tokenize(segment))
    else:
        raw = [m.span() for m in _FALLBACK.finditer(segment)]
    spans = []
    for s, e in raw:
        piece = segment[s:e]
        stripped = piece.strip()
        if not stripped:
            continue
        lead = len(piece) - len(piece.lstrip())
        spans.append((start + s + lead, start + s + lead + len(stripped)))
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of `text`, in order; text[start:end] has no outer whitespace."""
    return list(_sentence_spans(text))


@functools.lru_cache(maxsize=256)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Remembered: a question's passages are split by the rerank and again by the answerer."""
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        if line.group().strip():
            spans.extend(_paragraph_spans(text, line.start(), line.end()))
    return tuple(spans)
