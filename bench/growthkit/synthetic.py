"""Synthetic news articles recombined from the sentences of real ones.

The real articles are read as `article-qa ingest` reads them and cut into paragraphs (lines) of
sentences (`ingest.sentences`). Synthetic article j is made, deterministically from (seed, j):

- a seed article s, drawn at random among the real ones, and two more drawn from its 8 nearest
  real articles (cosine of the articles' mean sentence vectors): three articles of one topic;
- its text: runs of 1-4 consecutive paragraphs taken in turn from the three (a paragraph at most
  once) until it holds as many sentences as s (so lengths follow the real distribution);
- s's title and authors; s's date moved by a uniform -365..+365 days (undated stays undated);
  its own url https://synthetic.example/growth/<j>;
- with probability NEAR_COPY one of the 2,000 articles before it, its last paragraph dropped
  (a near duplicate, as one wire story in two outlets), dated 0-2 days later; with probability
  EXACT_COPY the text of one of them unchanged under its own url (an exact copy).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.models import Article
from ingest.readers import read_paths
from ingest.sentences import sentence_spans

NEIGHBOURS = 8
SOURCES = 3
NEAR_COPY = 0.02
EXACT_COPY = 0.01
COPY_WINDOW = 2000
DATE_SPREAD_DAYS = 365
URL = "https://synthetic.example/growth/"


@dataclass(frozen=True)
class RealArticle:
    """A real article as material: its metadata and its paragraphs of sentence numbers."""

    title: str
    published: str | None
    authors: tuple[str, ...]
    paragraphs: tuple[tuple[int, ...], ...]

    @property
    def n_sentences(self) -> int:
        return sum(len(p) for p in self.paragraphs)


@dataclass(frozen=True)
class Corpus:
    """The real articles and their distinct sentences (titles included)."""

    articles: list[RealArticle]
    sentences: list[str]


def paragraphs_of(text: str) -> list[list[str]]:
    """The text's lines that hold sentences, each as its sentences."""
    found = []
    for line in text.split("\n"):
        sentences = [line[s:e] for s, e in sentence_spans(line)]
        if sentences:
            found.append(sentences)
    return found


def real_corpus(articles_file: Path) -> Corpus:
    """Read the real articles and number their distinct sentences (first seen, first)."""
    read = read_paths([articles_file])
    if not read.articles:
        raise ValueError(f"no articles could be read from {articles_file}")
    number: dict[str, int] = {}
    material = []
    for article in read.articles:
        number.setdefault(article.title, len(number))
        paragraphs = tuple(
            tuple(number.setdefault(s, len(number)) for s in sentences)
            for sentences in paragraphs_of(article.text)
        )
        material.append(_material(article, paragraphs))
    return Corpus(material, list(number))


def _material(article: Article, paragraphs: tuple[tuple[int, ...], ...]) -> RealArticle:
    return RealArticle(article.title, article.published, tuple(article.authors), paragraphs)


def neighbours(corpus: Corpus, vectors: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """For each real article, the `k` real articles nearest to it (mean sentence vectors)."""
    means = np.stack(
        [vectors[[i for p in a.paragraphs for i in p] or [0]].mean(axis=0) for a in corpus.articles]
    )
    means /= np.linalg.norm(means, axis=1, keepdims=True).clip(1e-9)
    similarity = means @ means.T
    np.fill_diagonal(similarity, -np.inf)
    k = min(k, len(corpus.articles) - 1)
    return np.argsort(-similarity, axis=1)[:, :k]


class Synthesizer:
    """Makes synthetic article j (a JSON record as `article-qa ingest` reads them)."""

    def __init__(self, corpus: Corpus, near: np.ndarray, seed: int = 0) -> None:
        if len(corpus.articles) < SOURCES:
            raise ValueError(f"at least {SOURCES} real articles are needed")
        self.corpus = corpus
        self.near = near
        self.seed = seed

    def records(self, start: int, stop: int) -> Iterator[dict]:
        for j in range(start, stop):
            yield self.record(j)

    def record(self, j: int) -> dict:
        title, published, authors, text = self._article(j)
        return {
            "url": f"{URL}{j}",
            "title": title,
            "published": published,
            "authors": list(authors),
            "text": text,
        }

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - copies look back at recent articles
    def _article(self, j: int) -> tuple[str, str | None, tuple[str, ...], str]:
        rng = random.Random(f"{self.seed}:{j}")
        draw = rng.random()
        if j > 0 and draw < NEAR_COPY + EXACT_COPY:
            title, published, authors, text = self._article(
                rng.randrange(max(0, j - COPY_WINDOW), j)
            )
            if draw < NEAR_COPY:
                text = _without_last_paragraph(text)
                published = _shifted(published, rng.randint(0, 2))
            return title, published, authors, text
        seed_article = rng.randrange(len(self.corpus.articles))
        picked = rng.sample(list(self.near[seed_article]), SOURCES - 1)
        sources = [self.corpus.articles[i] for i in [seed_article, *picked]]
        text = self._text(sources, rng)
        first = sources[0]
        published = _shifted(first.published, rng.randint(-DATE_SPREAD_DAYS, DATE_SPREAD_DAYS))
        return first.title, published, first.authors, text

    def _text(self, sources: list[RealArticle], rng: random.Random) -> str:
        """Runs of 1-4 paragraphs from the sources in turn, as long as the first source."""
        target = max(sources[0].n_sentences, 1)
        used: set[tuple[int, int]] = set()
        paragraphs: list[tuple[int, ...]] = []
        count = turn = stalled = 0
        while count < target and stalled < len(sources):
            source = turn % len(sources)
            turn += 1
            article = sources[source]
            fresh = [p for p in range(len(article.paragraphs)) if (source, p) not in used]
            if not fresh:
                stalled += 1
                continue
            stalled = 0
            start = rng.choice(fresh)
            for p in range(start, min(start + rng.randint(1, 4), len(article.paragraphs))):
                if (source, p) in used:
                    break
                used.add((source, p))
                paragraphs.append(article.paragraphs[p])
                count += len(article.paragraphs[p])
        sentences = self.corpus.sentences
        return "\n\n".join(" ".join(sentences[i] for i in p) for p in paragraphs)


def _without_last_paragraph(text: str) -> str:
    parts = text.split("\n\n")
    if len(parts) > 1:
        return "\n\n".join(parts[:-1])
    words = text.split(" ")
    return " ".join(words[: max(1, len(words) * 9 // 10)])


def _shifted(published: str | None, days: int) -> str | None:
    if not published:
        return None
    try:
        return (dt.date.fromisoformat(published[:10]) + dt.timedelta(days=days)).isoformat()
    except ValueError:
        return None


def write_jsonl(records: Iterator[dict], path: Path) -> int:
    """Write records one a line (atomically: a half-written file is never read); how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)
    return n
