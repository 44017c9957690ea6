"""Lexical terms: lower-cased, accent-folded, stop words dropped, Snowball-stemmed.

"Erdoğan" and "Erdogan", "Türkiye" and "Turkiye" give the same term, so spelling variants of
names in news text still match.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# bm25s's English stop words (bm25s.stopwords.STOPWORDS_EN), which these terms were first cut by
STOPWORDS_EN = (
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
)  # fmt: skip
_TOKEN = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(STOPWORDS_EN) | {
    "s",
    "t",
    "also",
    "said",
    "says",
    "would",
    "could",
    "did",
    "does",
    "do",
    "has",
    "have",
    "had",
    "was",
    "were",
    "is",
    "are",
    "been",
    "being",
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "when",
    "where",
    "why",
    "how",
    "much",
    "many",
    "according",
    "one",
    "us",
}
STOPWORDS = STOPWORDS - {"us"}  # "US" the country matters more than "us" the pronoun


@functools.cache
def _stemmer():  # noqa: ANN202
    import Stemmer

    return Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lower case without accents: 'Türkiye' -> 'turkiye', 'İbrahim' -> 'ibrahim'."""
    if text.isascii():  # nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded word tokens, stop words included (for matching answer types and phrases)."""
    return _TOKEN.findall(fold(text))


def terms(text: str) -> list[str]:
    """Stemmed content terms of `text`, in order, repeats kept."""
    return list(_terms(text))


@functools.lru_cache(maxsize=4096)
def _terms(text: str) -> tuple[str, ...]:
    """Remembered: a question's sentences are weighed by the rerank and again by the answerer."""
    kept = [w for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return tuple(_stemmer().stemWords(kept))
