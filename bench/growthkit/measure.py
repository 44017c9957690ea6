"""The figures of one store size. Asking and the index timings run in fresh processes (their own
peak memory, nothing warm from the build); the ingest probes run on a copy of the store."""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.growthkit.build import Builder, load_average, open_engine, timed_ingest, timed_step
from bench.growthkit.synthetic import write_jsonl

GROWTH = Path(__file__).resolve().parents[1] / "growth.py"
LOOKUP_PROBE = 10_000_000  # synthetic article numbers of the probes: never in a store
REAL_PROBE = 20_000_000
DEDUP_PROBE = 30_000_000


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def percentiles(values: list[float]) -> tuple[float, float]:
    """p50 and p95 (nearest rank) of `values`."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def peak_rss_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def du_mib(folder: Path) -> float:
    total = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return round(total / 2**20, 1)


# ---- workers: each runs in its own process (bench/growth.py --worker NAME --store S) -------


def ask_worker(store: Path, questions: list[dict]) -> dict:
    """Open the real engine, ask every question without and with its quiz date (warm)."""
    from qa.engine import QAEngine

    engine, open_s, open_cpu = timed_step(lambda: QAEngine.open(store=store))
    _, snapshot_s, snapshot_cpu = timed_step(engine.store.snapshot)
    _, first_s, _ = timed_step(lambda: engine.ask(questions[0]["question"]))
    figures: dict = {
        "open_ms": _ms(open_s),
        "open_cpu_ms": _ms(open_cpu),
        "first_snapshot_ms": _ms(snapshot_s),
        "first_snapshot_cpu_ms": _ms(snapshot_cpu),
        "first_ask_ms": _ms(first_s),
    }
    for label, dated in (("ask", False), ("ask_as_of", True)):
        walls, cpus = [], []
        for q in questions:
            as_of = q["asked_on"] if dated else None
            _, wall, cpu = timed_step(
                lambda q=q, as_of=as_of: engine.ask(q["question"], as_of=as_of)
            )
            walls.append(wall)
            cpus.append(cpu)
        p50, p95 = percentiles(walls)
        figures[f"{label}_p50_ms"], figures[f"{label}_p95_ms"] = _ms(p50), _ms(p95)
        figures[f"{label}_cpu_p50_ms"] = _ms(statistics.median(cpus))
    figures["peak_rss_mib"] = peak_rss_mib()
    return figures


def index_worker(store: Path, probes: list[str]) -> dict:
    """What opening the store costs (its revision's BM25 index loaded, the article records
    read: every ingest reads them), rebuilding the BM25 index from every chunk (what a reader
    pays when no commit left it), and the near-duplicate index: built from the records' stored
    signatures, as every ingest builds it, then looked up."""
    from ingest.dedup import NearDuplicateIndex, decode, signature
    from qa.settings import load_settings
    from vectorstore.lexical import LexicalIndex
    from vectorstore.store import ArticleStore

    settings = load_settings(store_path=store)

    def opened() -> ArticleStore:
        return ArticleStore.open_local(store, settings.collection, settings.embedding_model)

    fresh = opened()
    snap, snapshot_s, snapshot_cpu = timed_step(fresh.snapshot)
    records, records_s, records_cpu = timed_step(lambda: snap.records)
    loads = [timed_step(lambda: LexicalIndex.load(fresh.lexical_dir, snap.revision))]
    loads += [timed_step(lambda: LexicalIndex.load(fresh.lexical_dir, snap.revision))]
    rebuild = opened()
    with tempfile.TemporaryDirectory() as tmp:
        rebuild.lexical_dir = Path(tmp) / "lexical"
        _, rebuild_s, rebuild_cpu = timed_step(rebuild.snapshot)
    near = NearDuplicateIndex(settings.near_duplicate_threshold)

    def fill() -> None:
        for record in records.values():
            sig = decode(record.minhash)
            if sig is not None:
                near.add(record.id, sig)

    _, fill_s, fill_cpu = timed_step(fill)
    sigs, sign_s, _ = timed_step(lambda: [signature(text) for text in probes])
    matches, match_s, _ = timed_step(lambda: [near.match(sig) for sig in sigs])
    catalog = _catalog_lookups(fresh, snap.revision, settings.near_duplicate_threshold, sigs)
    return {
        **catalog,
        "articles": len(records),
        "chunks": len(snap.lexical.ids),
        "snapshot_ms": _ms(snapshot_s),
        "snapshot_cpu_ms": _ms(snapshot_cpu),
        "lexical_load_ms": _ms(min(w for _, w, _ in loads)),
        "lexical_load_cpu_ms": _ms(min(c for _, _, c in loads)),
        "records_read_ms": _ms(records_s),
        "records_read_cpu_ms": _ms(records_cpu),
        "lexical_rebuild_ms": _ms(rebuild_s),
        "lexical_rebuild_cpu_ms": _ms(rebuild_cpu),
        "near_dup_index_build_ms": _ms(fill_s),
        "near_dup_index_build_cpu_ms": _ms(fill_cpu),
        "near_dup_signature_ms_per_article": round(sign_s * 1000 / len(probes), 3),
        "near_dup_match_ms_per_article": round(match_s * 1000 / len(probes), 3),
        "near_dup_probe_matches": sum(m is not None for m in matches),
        "peak_rss_mib": peak_rss_mib(),
    }


def _catalog_lookups(store, revision: str, threshold: float, sigs: list) -> dict:  # noqa: ANN001
    """Near-duplicate lookups through the store's catalog, as an ingest makes them now (none
    when the store has no catalog of its revision: code from before it)."""
    try:
        from vectorstore.record_view import NearMatcher
    except ImportError:
        return {}
    catalog = store.catalog(threshold)
    if catalog.revision() != revision:
        return {}
    matcher = NearMatcher(threshold, catalog, set(), {})
    matches, wall, _ = timed_step(lambda: [matcher.match(sig) for sig in sigs])
    return {
        "near_dup_catalog_match_ms_per_article": round(wall * 1000 / len(sigs), 3),
        "near_dup_catalog_matches": sum(m is not None for m in matches),
    }


def run_worker(name: str, store: Path, payload: Path) -> int:
    """The body of `growth.py --worker size`: asking (warm, in a fresh process: its peak
    memory is the asking process's), then the index timings; JSON on stdout."""
    if name != "size":
        raise ValueError(f"unknown worker {name!r}")
    data = json.loads(payload.read_text())
    figures = {"ask": ask_worker(store, data["questions"])}
    figures["index"] = index_worker(store, data["probes"])
    print(json.dumps(figures))
    return 0


def _in_process(name: str, store: Path, payload: object) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "payload.json"
        path.write_text(json.dumps(payload))
        command = [sys.executable, str(GROWTH), "--worker", name, "--store", str(store)]
        done = subprocess.run([*command, str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"worker {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- in the main process ---------------------------------------------------------------------


def cold_asks(store: Path, question: str, runs: int) -> dict:
    """`article-qa --store S ask Q` in a fresh process, `runs` times: wall, CPU, peak memory."""
    code = "import sys, app; sys.exit(app.cli(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "--store", str(store), "ask", question]
    walls, cpus, rss = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - started)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"cold ask failed: {process.stderr.read().decode()[-2000:]}")
        process.stderr.close()
        cpus.append(usage.ru_utime + usage.ru_stime)
        rss.append(usage.ru_maxrss / 1024)
    return {
        "cold_ask_s": round(statistics.median(walls), 2),
        "cold_ask_cpu_s": round(statistics.median(cpus), 2),
        "cold_ask_peak_rss_mib": round(max(rss)),
    }


def ingest_probes(builder: Builder, store: Path, probe: int, work: Path) -> dict:
    """On a copy of the store: `probe` new synthetic articles with looked-up vectors, then
    `probe` more embedded for real; after each, the first snapshot (what the next question
    pays: the records and BM25 index of the new revision). Chroma loads its HNSW graph first
    (a query, timed apart): a `article-qa ingest` process pays that too."""
    copy = work / f"probe-copy-{store.name}-{os.getpid()}"  # a new path: chromadb caches by path
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store, copy)
    figures: dict = {"probe": probe}
    try:
        synth = builder.synthesizer
        for label, start, embedder in (
            ("lookup", LOOKUP_PROBE, builder.lookup),
            ("real", REAL_PROBE, builder.lookup.real),
        ):
            path = work / "probes" / f"{label}-{probe}.jsonl"
            if not path.exists():
                write_jsonl(synth.records(start, start + probe), path)
            engine = open_engine(copy, embedder)
            embedder.encode(["warm up"])
            _, wall, cpu = timed_step(lambda e=engine: e.retrieve("warm up", top_k=1))
            figures.setdefault("first_query_ms", _ms(wall))  # loads Chroma's HNSW graph
            figures[f"ingest_{label}"] = timed_ingest(engine, [path])
            _, wall, cpu = timed_step(engine.store.snapshot)
            figures[f"ingest_{label}"].update(
                next_snapshot_ms=_ms(wall), next_snapshot_cpu_ms=_ms(cpu)
            )
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return figures


def dedup_probes(builder: Builder, n: int) -> list[str]:
    """Texts to look up: new synthetic articles, and (every other one) a real article, which
    every store holds, without its last paragraph: a near copy."""
    texts = [builder.synthesizer.record(DEDUP_PROBE + i)["text"] for i in range(n // 2)]
    corpus = builder.corpus
    for i in range(n - len(texts)):
        article = corpus.articles[i * 7 % len(corpus.articles)]
        kept = article.paragraphs[:-1] if len(article.paragraphs) > 1 else article.paragraphs
        texts.append("\n\n".join(" ".join(corpus.sentences[j] for j in p) for p in kept))
    return texts


def measure(builder: Builder, size: int, questions: list[dict], cold: int, probe: int) -> dict:
    store = builder.space.store(size)
    if not builder.space.built(size):
        raise RuntimeError(f"the store of {size} articles is not built: run --steps build")
    started = dt.datetime.now().isoformat(timespec="seconds")
    figures: dict = {"size": size, "measured_at": started, "load_before": load_average()}
    figures["store_mib"] = du_mib(store)
    payload = {"questions": questions, "probes": dedup_probes(builder, 200)}
    figures.update(_in_process("size", store, payload))
    figures["cold"] = cold_asks(store, questions[0]["question"], cold)
    figures["ingest"] = ingest_probes(builder, store, probe, builder.space.root)
    figures["build"] = json.loads((store / "built.json").read_text())
    figures["load_after"] = load_average()
    return figures
