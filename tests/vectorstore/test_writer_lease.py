"""The writer lease of a server store (vectorstore.lease) on a real `chroma run` server, and
several ingest processes on shards of one corpus at once.

Leases are short here (2-3 s, claims of 0.2 s) so that expiry and takeover are quick to see.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.errors import StoreBusyError, StoreError
from tests.vectorstore.test_server_mode import CHROMA, Server, chroma_server
from vectorstore.lease import FREE, WriterLease

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 2.0
CLAIM_S = 0.2

pytestmark = pytest.mark.skipif(CHROMA is None, reason="the `chroma` executable is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with chroma_server(tmp_path_factory.mktemp("lease-server")) as running:
        yield running


def _client(server: Server):  # noqa: ANN202
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.HttpClient(
        host=server.host, port=server.port, settings=ChromaSettings(anonymized_telemetry=False)
    )


def _lease(server: Server, name: str, lease_s: float = LEASE_S) -> WriterLease:
    """A lease object with its own HTTP client, as another process would have."""
    return WriterLease(_client(server), name, lease_s, CLAIM_S, poll_s=0.05, location="test")


# ---- one process ----------------------------------------------------------------------------


def test_acquire_and_release(server: Server) -> None:
    lease = _lease(server, "a-writer")
    held = lease.acquire(wait=5)
    try:
        assert lease.read().owner == held.token != FREE
        assert not held.took_over and not held.needs_repair
        held.check()
    finally:
        held.release()
    assert lease.read().owner == FREE
    with pytest.raises(StoreError, match="released"):
        held.check()


def test_refused_while_held_then_given(server: Server) -> None:
    first, second = _lease(server, "b-writer"), _lease(server, "b-writer")
    held = first.acquire(wait=5)
    started = time.monotonic()
    with pytest.raises(StoreBusyError, match="waited 1 s"):
        second.acquire(wait=1.0)
    assert time.monotonic() - started < 5
    held.release()
    second.acquire(wait=5).release()


def test_renewal_keeps_the_lease(server: Server) -> None:
    """Held for 3 lease times: the heartbeat renews it, nobody else gets it, writes may go on."""
    holder, other = _lease(server, "c-writer"), _lease(server, "c-writer")
    held = holder.acquire(wait=5)
    beat = holder.read().beat
    try:
        with pytest.raises(StoreBusyError):
            other.acquire(wait=3 * LEASE_S)
        held.check()
        assert holder.read().owner == held.token
        assert holder.read().beat >= beat + 6  # renewed every lease_s / 4
    finally:
        held.release()


def test_a_holder_that_cannot_renew_stops_writing(server: Server) -> None:
    lease = _lease(server, "d-writer")
    held = lease.acquire(wait=5)
    held._stop.set()  # the heartbeat stops, as when the server cannot be reached
    time.sleep(LEASE_S / 2 + 0.2)
    with pytest.raises(StoreError, match="lapsed"):
        held.check()
    taken = _lease(server, "d-writer").acquire(wait=3 * LEASE_S)  # expired: taken over
    assert taken.took_over and taken.needs_repair
    held._stop.clear()
    held._lost = ""
    held._renewed = time.monotonic()  # pretend it still thinks it holds it:
    held._renew()  # its next renewal sees the new owner
    with pytest.raises(StoreError, match="taken by"):
        held.check()
    taken.release()


def test_a_settings_mistake_is_refused() -> None:
    from ingest.errors import InvalidInputError
    from qa.settings import load_settings

    with pytest.raises(InvalidInputError, match="writer_lease_s"):
        load_settings(writer_lease_s=1.0, writer_claim_s=0.5)


# ---- other processes ------------------------------------------------------------------------

_HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
import chromadb
from chromadb.config import Settings
from vectorstore.lease import WriterLease
client = chromadb.HttpClient(host={host!r}, port={port}, settings=Settings(anonymized_telemetry=False))
lease = WriterLease(client, {name!r}, {lease_s}, {claim_s}, poll_s=0.02)
mode = {mode!r}
if mode == "hold":
    held = lease.acquire(wait=30)
    print("held", flush=True)
    time.sleep(600)
deadline = time.monotonic() + {seconds}
with open({log!r}, "a") as log:
    while time.monotonic() < deadline:
        with lease.hold(wait=60) as held:
            log.write(f"in {{held.token}} {{time.monotonic():.6f}}\\n"); log.flush()
            time.sleep(0.05)
            held.check()
            log.write(f"out {{held.token}} {{time.monotonic():.6f}}\\n"); log.flush()
"""


def _spawn(server: Server, name: str, mode: str, log: Path, seconds: float = 0.0):  # noqa: ANN202
    code = _HOLDER.format(
        root=str(ROOT), host=server.host, port=server.port, name=name, lease_s=LEASE_S,
        claim_s=CLAIM_S, mode=mode, log=str(log), seconds=seconds,
    )  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_a_killed_holders_lease_expires_and_is_taken_over(server: Server, tmp_path: Path) -> None:
    process = _spawn(server, "e-writer", "hold", tmp_path / "unused")
    try:
        assert process.stdout.readline().strip() == "held", process.stderr.read()
        lease = _lease(server, "e-writer")
        with pytest.raises(StoreBusyError):
            lease.acquire(wait=0.5)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        killed = time.monotonic()
        held = lease.acquire(wait=10 * LEASE_S)
        took = time.monotonic() - killed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert held.took_over and held.needs_repair  # the dead holder may have left half a write
    assert LEASE_S * 0.5 <= took <= LEASE_S * 3, took
    held.release(dirty=True)
    assert lease.read().dirty  # still to repair: the next holder is told
    again = lease.acquire(wait=5)
    assert again.needs_repair and not again.took_over
    again.release()


def test_racing_processes_never_hold_it_together(server: Server, tmp_path: Path) -> None:
    """4 processes take and give back the lease in a tight loop for a few seconds; on the one
    monotonic clock of this machine, no two holds overlap, and each got it at least once."""
    log = tmp_path / "holds.log"
    processes = [_spawn(server, "f-writer", "loop", log, seconds=8.0) for _ in range(4)]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    events = [line.split() for line in log.read_text().splitlines()]
    holds = []
    for kind, token, at in events:
        if kind == "in":
            holds.append([token, float(at), None])
        else:
            assert holds[-1][0] == token, "another process entered before this one left"
            holds[-1][2] = float(at)
    assert len(holds) >= 8
    ordered = sorted(holds, key=lambda h: h[1])
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert before[2] is not None and before[2] <= after[1], (before, after)


def test_racing_threads_never_hold_it_together(server: Server) -> None:
    leases = [_lease(server, "g-writer") for _ in range(4)]
    inside: list[int] = []
    overlaps: list[str] = []
    count = [0]

    def work(lease: WriterLease) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with lease.hold(wait=30):
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append("two holders")
                count[0] += 1
                time.sleep(random.uniform(0, 0.03))
                inside.pop()

    threads = [threading.Thread(target=work, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not overlaps and count[0] >= 4


# ---- several ingest processes on shards of one corpus ---------------------------------------

WORDS = (
    "harbor council budget river vote mayor school bridge storm farmers market energy grid "
    "hospital nurses strike railway museum festival drought court ruling tariff export port "
    "election ballot senator policy wildfire coast fishing union factory wages housing rent "
    "transit airport runway climate summit treaty minister border trade vaccine clinic"
).split()


def _article(rng: random.Random, n: int) -> dict:
    sentences = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(9, 16))).capitalize() + "."
        for _ in range(rng.randint(12, 30))
    ]
    return {
        "title": f"Report {n}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
        "text": " ".join(sentences),
        "published": f"2024-05-{n % 28 + 1:02d}",
        "source": "Test Wire",
    }


def _shards(folder: Path) -> tuple[Path, Path]:
    """Two shard files: 8 articles each, 3 of A's again in B (exact copies from another
    file) and in B a near copy of one of A's (one word changed)."""
    rng = random.Random(13)
    a = [_article(rng, i) for i in range(8)]
    b = [_article(rng, 100 + i) for i in range(5)] + a[2:5]
    near = dict(a[6])
    near["text"] = near["text"].replace(".", " today.", 1)
    b.append(near)
    paths = (folder / "shard-a.jsonl", folder / "shard-b.jsonl")
    for path, rows in zip(paths, (a, b), strict=True):
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return paths


def _env(server: Server, collection: str, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_QA_")}
    env.update(
        ARTICLE_QA_CHROMA_HOST=server.host,
        ARTICLE_QA_CHROMA_PORT=str(server.port),
        ARTICLE_QA_COLLECTION=collection,
        ARTICLE_QA_WRITER_LEASE_S="3",
        ARTICLE_QA_WRITER_CLAIM_S="0.2",
        ARTICLE_QA_COMMIT_BATCH_CHUNKS="4",  # many small commits that interleave
        XDG_CACHE_HOME=str(cache),
        HF_HUB_OFFLINE="1",
    )
    return env


def _contents(server: Server, collection: str) -> dict:
    from qa.settings import load_settings
    from vectorstore.store import ArticleStore

    settings = load_settings()
    store = ArticleStore.open_server(server.host, server.port, collection, settings.embedding_model)
    records = store.chroma.article_records()
    chunks = store.chroma.all_chunks()
    return {
        "records": records,
        "chunks": {(c.id, c.article_id, c.start, c.end) for c in chunks},
        "groups": {
            frozenset([*r.origins, *(d["origin"] for d in r.duplicates)]) for r in records.values()
        },
        "revision": store.chroma.revision,
    }


def test_two_ingest_processes_on_shards_equal_one_ingest(server: Server, tmp_path: Path) -> None:
    shard_a, shard_b = _shards(tmp_path)
    ingest = [sys.executable, "-m", "qa", "ingest"]
    run = dict(cwd=ROOT, capture_output=True, text=True, timeout=600)
    single = subprocess.run([*ingest, shard_a, shard_b], env=_env(server, "one", tmp_path), **run)
    assert single.returncode == 0, single.stderr
    workers = [
        subprocess.Popen(
            [*ingest, shard],
            env=_env(server, "many", tmp_path),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for shard in (shard_a, shard_b)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
        assert "Traceback" not in err
    one, many = _contents(server, "one"), _contents(server, "many")
    assert len(one["records"]) == len(many["records"]) == 13  # 8 + 5; copies stored once
    assert one["groups"] == many["groups"]  # every origin held by the same group of articles
    # which of the near pair is kept depends on which worker committed first; all else is equal
    near_pair = {i for i in set(one["records"]) ^ set(many["records"])}
    assert len(near_pair) in (0, 2)
    same = set(one["records"]) & set(many["records"])
    assert {c for c in one["chunks"] if c[1] in same} == {c for c in many["chunks"] if c[1] in same}
    assert len(one["chunks"]) == sum(r.n_chunks for r in one["records"].values())
    assert len(many["chunks"]) == sum(r.n_chunks for r in many["records"].values())
    assert not many["revision"].startswith("writing-")
