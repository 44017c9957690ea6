"""Scale-out on a Chroma server: several ingest workers on shards of one corpus at once, with
askers, a worker killed while it holds the writer lease, and the totals checked.

    .venv/bin/python bench/scaleout.py                     # 120 articles, 3 workers
    .venv/bin/python bench/scaleout.py --articles 300 --workers 4 --keep

Steps: start `chroma run` in a temporary folder (removed unless --keep); seed the bundled corpus;
ingest the first --articles RealTimeQA articles (../shared/bench/realtimeqa) in one process
(collection `single`: the reference, and the 1-worker time); then into collection `sharded`
the same articles cut into --workers shards (with --overlap articles of each shard repeated in
the next, as exact copies), one `article-qa ingest` process per shard, while 8 threads and 4
processes ask about the bundled corpus; one worker is SIGKILLed as soon as it holds the lease
and its shard is ingested again after the others finish (as an operator would). Checks: no
ask failed and every citation is exact; both collections hold the same article ids, chunk ids,
origins and duplicates, every chunk committed, a settled revision. Prints the figures: ingest
time with 1 and N workers, the lease takeover time after the kill, and the time a new client
takes to get a usable snapshot with and without the shared BM25 index. Exit code 1 on a failed
check. Workers get OMP_NUM_THREADS = cores / workers (the 1-worker run gets all cores).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from faultkit import ROOT  # noqa: E402  (puts the repository root on sys.path)
from faultkit.common import CORPUS, DATA, keep_asking, one_line, wait_for  # noqa: E402
from faultkit.server_cases import chroma_executable, free_port, heartbeat  # noqa: E402

from ingest.embedder import Embedder  # noqa: E402
from qa.engine import QAEngine  # noqa: E402
from qa.settings import load_settings  # noqa: E402
from vectorstore.store import ArticleStore, ServerLeaseSettings  # noqa: E402

LOCAL = "127.0.0.1"
LEASE_S = 6.0  # the bench's writer lease: a killed worker's lease expires after this


class Failed(Exception):
    pass


def expect(condition: object, problem: str) -> None:
    if not condition:
        raise Failed(problem)


class Bench:
    def __init__(self, work: Path, port: int, workers: int) -> None:
        self.work = work
        self.port = port
        self.workers = workers
        self.processes: list[subprocess.Popen] = []
        self.embedder: Embedder | None = None

    def env(self, collection: str, threads: int | None = None, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_QA_")}
        env.update(
            ARTICLE_QA_CHROMA_HOST=LOCAL,
            ARTICLE_QA_CHROMA_PORT=str(self.port),
            ARTICLE_QA_COLLECTION=collection,
            ARTICLE_QA_WRITER_LEASE_S=str(LEASE_S),
            ARTICLE_QA_STORE_PATH=str(self.work / "no-local-store"),
            XDG_CACHE_HOME=str(self.work / "cache"),
            HF_HUB_OFFLINE="1",
            **extra,
        )
        if threads:
            env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        return env

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.work / f"{name}.log").open("wb")
        with log:
            process = subprocess.Popen(
                [str(c) for c in command], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        process.log_path = self.work / f"{name}.log"  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    def tail(self, process: subprocess.Popen) -> str:
        return one_line(process.log_path.read_text(errors="replace")[-400:])  # type: ignore[attr-defined]

    def store(self, collection: str, share: bool = True) -> ArticleStore:
        return ArticleStore.open_server(
            LOCAL, self.port, collection, load_settings().embedding_model,
            lease=ServerLeaseSettings(LEASE_S, share_lexical=share),
        )  # fmt: skip

    def engine(self, collection: str) -> QAEngine:
        settings = load_settings(chroma_host=LOCAL, chroma_port=self.port, collection=collection)
        if self.embedder is None:
            self.embedder = Embedder(settings.embedding_model, settings.device)
        return QAEngine(settings, self.store(collection), self.embedder)

    def reap(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=30)


def write_shards(work: Path, articles: int, workers: int, overlap: int) -> list[Path]:
    with (DATA / "articles.jsonl").open(encoding="utf-8") as source:
        lines = [line for _, line in zip(range(articles), source, strict=False)]
    size = -(-len(lines) // workers)
    shards = []
    for i in range(workers):
        part = lines[i * size : (i + 1) * size]
        part += lines[(i + 1) * size : (i + 1) * size + overlap]  # copies of the next shard's
        path = work / f"shard-{i}.jsonl"
        path.write_text("".join(part), encoding="utf-8")
        shards.append(path)
    return shards


def ingest_command(*paths: Path) -> list[str]:
    return [sys.executable, "-m", "qa", "ingest", *map(str, paths)]


def single_ingest(bench: Bench, shards: list[Path]) -> float:
    """The reference: every shard in one process (all cores), one run."""
    started = time.monotonic()
    process = bench.spawn("single", ingest_command(*shards), bench.env("single"))
    expect(process.wait(timeout=3600) == 0, f"single ingest: {bench.tail(process)}")
    return time.monotonic() - started


def kill_when_holding(bench: Bench, victim: subprocess.Popen) -> float:
    """SIGKILL `victim` while its claim is on the lease of `sharded` (at a random moment of its
    claim or commit); the seconds until this process can take the lease (its expiry)."""
    lease = bench.store("sharded").lease
    assert lease is not None
    seen: set[str] = set()

    def victim_holds() -> bool:
        seen.add(lease.read().holder)
        return any(h.endswith(f":{victim.pid}") for h in seen) or victim.poll() is not None

    while True:
        seen.clear()
        holds = wait_for(victim_holds, 1800, 0.02)
        expect(
            holds and victim.poll() is None,
            f"the victim (pid {victim.pid}) never held the lease; seen: {sorted(seen)}",
        )
        token = lease.read().owner
        time.sleep(random.uniform(0, 2 * lease.claim_s + 0.2))  # claiming, or writing
        if lease.read().owner == token:
            break
    os.killpg(victim.pid, signal.SIGKILL)
    killed = time.monotonic()
    victim.wait(timeout=30)
    held = lease.acquire(wait=10 * LEASE_S)  # as soon as it expires (or a worker gave it back)
    took = time.monotonic() - killed
    expect(held.took_over or held.needs_repair, "the dead worker's lease was not marked dirty")
    held.release()  # still dirty: the next writer removes the dead worker's chunks
    return took


def start_askers(bench: Bench) -> list[subprocess.Popen]:
    askers = []
    for i in range(4):
        command = [
            sys.executable, ROOT / "bench" / "faults.py", "--worker", "ask",
            "--store", bench.work / "unused", "--ready", bench.work / f"asker-{i}.ready",
            "--stop", bench.work / "stop", "--out", bench.work / f"asker-{i}.json",
        ]  # fmt: skip
        askers.append(bench.spawn(f"asker-{i}", command, bench.env("sharded", threads=1)))
    ready = [bench.work / f"asker-{i}.ready" for i in range(4)]
    up = wait_for(lambda: all(p.exists() for p in ready) or any(a.poll() for a in askers), 600)
    expect(up and all(a.poll() is None for a in askers), "asker processes did not start")
    return askers


def sharded_ingest(bench: Bench, shards: list[Path], commit_chunks: int) -> dict:
    """N workers at once while 8 threads and 4 processes ask; one worker killed and re-run."""
    threads = max(1, (os.cpu_count() or 2) // len(shards))
    askers = start_askers(bench)
    engine = bench.engine("sharded")
    logs: list[list[dict]] = [[] for _ in range(8)]
    stop = threading.Event()
    askers_t = [threading.Thread(target=keep_asking, args=(engine, stop, log)) for log in logs]
    for thread in askers_t:
        thread.start()
    env = bench.env("sharded", threads, ARTICLE_QA_COMMIT_BATCH_CHUNKS=str(commit_chunks))
    started = time.monotonic()
    workers = [bench.spawn(f"worker-{i}", ingest_command(s), env) for i, s in enumerate(shards)]
    try:
        takeover = kill_when_holding(bench, workers[0])
        for worker in workers[1:]:
            expect(worker.wait(timeout=3600) == 0, f"worker: {bench.tail(worker)}")
        parallel = time.monotonic() - started
        rerun = bench.spawn("worker-0-again", ingest_command(shards[0]), bench.env("sharded"))
        expect(rerun.wait(timeout=3600) == 0, f"re-run: {bench.tail(rerun)}")
        total = time.monotonic() - started
    finally:
        stop.set()
        (bench.work / "stop").touch()
        for thread in askers_t:
            thread.join(timeout=120)
    in_processes = []
    for i, asker in enumerate(askers):
        expect(asker.wait(timeout=120) == 0, f"asker {i}: {bench.tail(asker)}")
        in_processes.append(json.loads((bench.work / f"asker-{i}.json").read_text()))
    asks = judge_asks(logs, "thread") + judge_asks(in_processes, "process")
    return {"parallel_s": parallel, "total_s": total, "takeover_s": takeover, "asks": asks}


def judge_asks(logs: list[list[dict]], who: str) -> int:
    for i, log in enumerate(logs):
        errors = [entry["error"] for entry in log if entry["error"]]
        expect(not errors, f"{who} {i}: {len(errors)} errors, e.g. {errors[:1]}")
        invalid = [p for entry in log for p in entry["invalid"]]
        expect(not invalid, f"{who} {i}: invalid citations {invalid[:3]}")
        expect(log, f"{who} {i} asked nothing")
    return sum(len(log) for log in logs)


def contents(bench: Bench, collection: str) -> dict:
    store = bench.store(collection)
    snapshot = store.snapshot()
    records = snapshot.records
    chunks = store.chunks(snapshot.lexical.ids).values()  # the committed ones
    stored = int(store.stats()["chunks"])
    expect(stored == len(chunks), f"{collection}: {stored - len(chunks)} uncommitted chunks")
    promised = sum(r.n_chunks for r in records.values())
    expect(promised == len(chunks), f"{collection}: records promise {promised}, {len(chunks)}")
    expect(not snapshot.revision.startswith("writing-"), f"{collection}: unsettled")
    return {
        "ids": set(records),
        "chunks": {(c.id, c.article_id, c.start, c.end) for c in chunks},
        "duplicates": {r.id: {d["origin"] for d in r.duplicates} for r in records.values()},
        "groups": {
            frozenset([*r.origins, *(d["origin"] for d in r.duplicates)]) for r in records.values()
        },
    }


def compare(bench: Bench) -> str:
    """The sharded store equals the single run: the same groups of origins (each article with
    its origins and near copies); the same ids and chunks for every article without near
    copies (of a near pair, which is kept depends on which worker committed first)."""
    one, many = contents(bench, "single"), contents(bench, "sharded")
    expect(len(many["ids"]) == len(one["ids"]), f"{len(many['ids'])} vs {len(one['ids'])} ids")
    expect(many["groups"] == one["groups"], "origins are grouped into articles differently")
    plain = {i for i in one["ids"] if not one["duplicates"][i]}
    plain |= {i for i in many["ids"] if not many["duplicates"][i]}
    expect(plain <= one["ids"] & many["ids"], "articles without near copies differ")
    for key in ("chunks",):
        ours = {c for c in many[key] if c[1] in plain}
        expect(ours == {c for c in one[key] if c[1] in plain}, "chunks differ")
    near = len(one["ids"]) - len(plain)
    return f"{len(one['ids'])} articles ({near} with near copies), {len(one['chunks'])} chunks"


def snapshot_seconds(bench: Bench, share: bool) -> float:
    """A new client (empty local cache) until its first snapshot is usable."""
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(dir=bench.work)
    started = time.monotonic()
    bench.store("sharded", share=share).snapshot()
    return time.monotonic() - started


def run(bench: Bench, args: argparse.Namespace) -> dict:
    executable = chroma_executable()
    expect(executable, "the `chroma` executable is not installed")
    command = [executable, "run", "--path", bench.work / "db", "--host", LOCAL]
    server = bench.spawn("chroma", [*command, "--port", str(bench.port)], os.environ.copy())
    expect(wait_for(lambda: heartbeat(bench.port) or server.poll() is not None, 60, 0.2), "up")
    for collection in ("single", "sharded"):  # what the askers ask about
        expect(len(bench.engine(collection).ingest([CORPUS]).added) == 2, "seed")
    shards = write_shards(bench.work, args.articles, args.workers, args.overlap)
    single = single_ingest(bench, shards)
    figures = sharded_ingest(bench, shards, args.commit_chunks)
    figures.update(single_s=single, totals=compare(bench))
    figures["snapshot_rebuilt_s"] = snapshot_seconds(bench, share=False)
    snapshot_seconds(bench, share=True)  # the first client publishes it if no writer did
    figures["snapshot_shared_s"] = snapshot_seconds(bench, share=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--overlap", type=int, default=3, help="articles repeated per shard")
    parser.add_argument("--commit-chunks", type=int, default=128, help="chunks per commit")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scaleout-"))
    bench = Bench(work, free_port(), args.workers)
    try:
        f = run(bench, args)
    except Failed as exc:
        print(f"FAIL: {exc} (logs in {work})")
        args.keep = True
        return 1
    finally:
        bench.reap()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"PASS: {args.articles} articles in {args.workers} shards (+{args.overlap} copies each)")
    print(f"  ingest, 1 worker: {f['single_s']:.1f} s; {args.workers} workers: "
          f"{f['parallel_s']:.1f} s (one killed holding the lease; its shard re-run: "
          f"{f['total_s']:.1f} s in all)")  # fmt: skip
    print(f"  lease free again {f['takeover_s']:.1f} s after the kill (lease {LEASE_S:g} s)")
    print(f"  totals equal to one ingest: {f['totals']}; {f['asks']} answers while ingesting, "
          "no error, every citation exact")  # fmt: skip
    print(f"  new client's first snapshot: {f['snapshot_rebuilt_s']:.2f} s rebuilding BM25, "
          f"{f['snapshot_shared_s']:.2f} s with the shared index")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
