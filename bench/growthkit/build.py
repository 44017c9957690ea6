"""Stores of growing size: the real articles ingested for real (the base store), then each
larger store a copy of the next smaller one plus synthetic articles with looked-up vectors,
ingested by the real pipeline (`QAEngine.ingest`) in files of PART articles."""

from __future__ import annotations

import json
import os
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.growthkit.lookup import LookupEmbedder, sentence_vectors
from bench.growthkit.synthetic import Corpus, Synthesizer, neighbours, real_corpus, write_jsonl
from qa.engine import QAEngine
from qa.settings import load_settings
from vectorstore.store import ArticleStore

PART = 5000  # synthetic articles per file (the default 50 MB file limit holds 6,000)
BUILT = "built.json"


@dataclass
class Workspace:
    """Where the stores, synthetic files and vector cache of a run live."""

    root: Path
    articles_file: Path

    def store(self, size: int) -> Path:
        return self.root / "stores" / f"n{size}"

    def part(self, start: int, stop: int) -> Path:
        return self.root / "synthetic" / f"part-{start:08d}-{stop:08d}.jsonl"

    def built(self, size: int) -> bool:
        return (self.store(size) / BUILT).exists()


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def open_engine(store: Path, embedder=None) -> QAEngine:  # noqa: ANN001 - an Embedder
    """The real engine on `store`; with `embedder`, that one writes and searches instead."""
    if embedder is None:
        return QAEngine.open(store=store)
    settings = load_settings(store_path=store)
    opened = ArticleStore.open_local(
        store, settings.collection, settings.embedding_model, backend=embedder.backend
    )
    return QAEngine(settings, opened, embedder)


def timed_step(step: Callable[[], object]) -> tuple[object, float, float]:
    """Run `step`: its result, wall seconds, CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def timed_ingest(engine: QAEngine, files: list[Path]) -> dict:
    """Ingest `files` with the engine; wall and CPU seconds, the report's counts."""
    wall, cpu, load = time.perf_counter(), cpu_seconds(), load_average()
    report = engine.ingest(files)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    return {
        "files": [f.name for f in files],
        "added": len(report.added),
        "duplicates": len(report.duplicates),
        "chunks": report.chunks,
        "word_pieces": report.tokens,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "articles_per_s": round((len(report.added) + len(report.duplicates)) / wall, 2),
        "load_before": load,
        "load_after": load_average(),
    }


def build_base(space: Workspace, size: int) -> None:
    """The real articles, embedded for real, into the store of their own number."""
    store = space.store(size)
    engine = open_engine(store)
    engine.embedder.encode(["warm up"])
    figures = timed_ingest(engine, [space.articles_file])
    _, wall, cpu = timed_step(engine.store.snapshot)
    figures.update(next_snapshot_s=round(wall, 2), next_snapshot_cpu_s=round(cpu, 2))
    (store / BUILT).write_text(json.dumps({"size": size, "real": figures}, indent=1))
    print(f"  n{size}: {figures}", flush=True)


class Builder:
    """Builds the stores of the given sizes in order, each from the one before."""

    def __init__(self, space: Workspace, seed: int = 0) -> None:
        self.space = space
        self.seed = seed
        self._corpus: Corpus | None = None
        self._lookup: LookupEmbedder | None = None
        self._synthesizer: Synthesizer | None = None

    @property
    def corpus(self) -> Corpus:
        if self._corpus is None:
            self._corpus = real_corpus(self.space.articles_file)
        return self._corpus

    @property
    def real_size(self) -> int:
        return len(self.corpus.articles)

    def prepare(self) -> None:
        """The base store and the sentence vectors (the lookup embedder, the synthesizer)."""
        if not self.space.built(self.real_size):
            print(f"base store: {self.real_size} real articles, real embedding", flush=True)
            build_base(self.space, self.real_size)
        real = open_engine(self.space.store(self.real_size)).embedder
        vectors = sentence_vectors(self.corpus.sentences, real, self.space.root)
        self._lookup = LookupEmbedder(real, self.corpus.sentences, vectors)
        self._synthesizer = Synthesizer(self.corpus, neighbours(self.corpus, vectors), self.seed)

    @property
    def lookup(self) -> LookupEmbedder:
        if self._lookup is None:
            self.prepare()
        assert self._lookup is not None
        return self._lookup

    @property
    def synthesizer(self) -> Synthesizer:
        if self._synthesizer is None:
            self.prepare()
        assert self._synthesizer is not None
        return self._synthesizer

    def build(self, sizes: list[int]) -> None:
        self.prepare()
        done = self.real_size
        for size in sorted(sizes):
            if size < self.real_size:
                raise ValueError(f"size {size} is below the {self.real_size} real articles")
            if size > done and not self.space.built(size):
                self._grow(done, size)
            done = max(done, size)
        for size in sizes:
            self.settle(size)

    def settle(self, size: int) -> None:
        """Leave the store as the next question and ingest find it after an ingest of its own:
        an ingest of no articles reads every record once when the store has no catalog of its
        revision (one built by earlier code) and writes it; a snapshot builds the BM25 index
        when none is saved for the revision. Their times are noted."""
        store = self.space.store(size)
        empty = self.space.root / "empty.jsonl"
        empty.touch()
        engine = open_engine(store)
        figures = timed_ingest(engine, [empty])
        _, wall, cpu = timed_step(engine.store.snapshot)
        figures.update(snapshot_s=round(wall, 2), snapshot_cpu_s=round(cpu, 2))
        built = json.loads((store / BUILT).read_text())
        earlier = built.get("settled", [])
        built["settled"] = [*(earlier if isinstance(earlier, list) else [earlier]), figures]
        (store / BUILT).write_text(json.dumps(built, indent=1))

    def _grow(self, smaller: int, size: int) -> None:
        """Copy the store of `smaller` articles, then ingest the synthetic ones it lacks."""
        target = self.space.store(size)
        if not target.exists():
            tmp = target.with_name(target.name + ".copying")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(self.space.store(smaller), tmp)
            (tmp / BUILT).unlink(missing_ok=True)
            tmp.rename(target)
        engine = open_engine(target, self.lookup)
        _, wall, cpu = timed_step(engine.store.snapshot)  # the base index a commit starts from
        parts = []
        for start in range(smaller - self.real_size, size - self.real_size, PART):
            stop = min(start + PART, size - self.real_size)
            parts.append(self.ingest_synthetic(engine, start, stop))
            print(f"  n{size}: synthetic {start}-{stop}: {parts[-1]}", flush=True)
        summary = {
            "size": size,
            "from": smaller,
            "first_snapshot_s": round(wall, 2),
            "first_snapshot_cpu_s": round(cpu, 2),
            "parts": parts,
            **self.lookup_counts(),
        }
        (target / BUILT).write_text(json.dumps(summary, indent=1))

    def ingest_synthetic(self, engine: QAEngine, start: int, stop: int) -> dict:
        """Write synthetic articles start..stop-1 to a file (once) and ingest it."""
        path = self.space.part(start, stop)
        if not path.exists():
            write_jsonl(self.synthesizer.records(start, stop), path)
        return timed_ingest(engine, [path])

    def lookup_counts(self) -> dict:
        return {
            "sentences_looked_up": self.lookup.looked_up,
            "sentences_embedded_for_real": self.lookup.embedded,
        }
