"""A writer lease stored in a Chroma server: one writer at a time across processes and machines.

The lease is the metadata of a small collection `<name>-writer`: `owner` (a token per
acquisition, "" when free), `beat` (bumped by every renewal), `lease_s` (how long the holder may
go without renewing), `dirty` (a holder failed mid-write: the next one repairs the store), and
for people `holder` (host and pid) and `renewed_at` (wall time). Chroma has no compare-and-swap,
so the lease is taken with Fischer's timed mutual exclusion:

1. read the record; go on only when it is free, or expired: the same (owner, beat) has been
   seen unchanged for `lease_s` on this process's own monotonic clock (no wall clocks compared);
2. write a claim with a fresh token; the attempt is void if more than `claim_s` passed between
   sending that read and the claim's write returning;
3. wait `2 * claim_s`, read again: the claim is held if the record still carries its token.

Two claimers that both saw the lease free wrote within `claim_s` of their reads; the later write
lands before the earlier claimer reads back (it waited longer than `claim_s`), so at most one
reads back its own token. The holder renews from a heartbeat thread every `lease_s / 4` and may
start a write only within `lease_s / 2` of sending its last successful renewal (or claim); others
need `lease_s` of silence before they claim.

Timing assumptions (stated, not checkable): the server's reads and writes of the record are
linearizable (a read returns the last write it follows; true of a single-node `chroma run`,
whose collection metadata is one SQLite row, and of a distributed Chroma's system database);
process clocks advance at the same rate; and a request the server applies is applied within
`lease_s / 2` of being sent (a request held back longer, e.g. by a server frozen with SIGSTOP
then resumed, could land after another writer took over). Every write to the store checks the
lease first (`Hold.check`): a holder that lost it (its renewals failed) stops with a StoreError.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from ingest.errors import StoreBusyError, StoreError

FREE = ""


@dataclass(frozen=True)
class LeaseRecord:
    owner: str = FREE
    beat: int = 0
    lease_s: float = 0.0
    dirty: bool = False
    holder: str = ""
    renewed_at: float = 0.0

    @classmethod
    def from_metadata(cls, meta: dict[str, Any] | None) -> LeaseRecord:
        meta = meta or {}
        return cls(
            owner=str(meta.get("owner", FREE)),
            beat=int(meta.get("beat", 0)),
            lease_s=float(meta.get("lease_s", 0.0)),
            dirty=bool(meta.get("dirty", False)),
            holder=str(meta.get("holder", "")),
            renewed_at=float(meta.get("renewed_at", 0.0)),
        )

    def metadata(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "beat": self.beat,
            "lease_s": self.lease_s,
            "dirty": self.dirty,
            "holder": self.holder,
            "renewed_at": self.renewed_at,
        }


class WriterLease:
    """The writer lease of one store on a Chroma server (see the module docstring)."""

    def __init__(
        self,
        client: Any,
        name: str,
        lease_s: float = 30.0,
        claim_s: float = 1.0,
        poll_s: float = 0.2,
        location: str = "",
    ) -> None:
        if lease_s < 4 * claim_s:
            raise ValueError(f"lease_s ({lease_s:g}) must be at least 4 × claim_s ({claim_s:g})")
        self.client = client
        self.name = name
        self.lease_s = lease_s
        self.claim_s = claim_s
        self.poll_s = poll_s
        self.location = location
        self._collection = client.get_or_create_collection(name, embedding_function=None)
        self._seen: tuple[str, int] | None = None  # (owner, beat) last seen, and when
        self._seen_at = 0.0

    # ---- the record ---------------------------------------------------------------------------
    def read(self) -> LeaseRecord:
        try:
            return LeaseRecord.from_metadata(self.client.get_collection(self.name).metadata)
        except Exception as exc:
            raise StoreError(f"cannot read the writer lease at {self.location}: {exc}") from exc

    def _write(self, record: LeaseRecord) -> None:
        try:
            self._collection.modify(metadata=record.metadata())
        except Exception as exc:
            raise StoreError(f"cannot write the writer lease at {self.location}: {exc}") from exc

    def _expired(self, record: LeaseRecord, now: float) -> bool:
        """True once this process has seen `record` unchanged for the holder's lease time."""
        key = (record.owner, record.beat)
        if key != self._seen:
            self._seen, self._seen_at = key, now
            return False
        return now - self._seen_at >= max(self.lease_s, record.lease_s)

    # ---- taking and giving back -----------------------------------------------------------------
    def _try_claim(self) -> Hold | None:
        """One round of Fischer's protocol: a Hold, or None (held by another, or lost a race)."""
        sent = time.monotonic()
        record = self.read()
        if record.owner != FREE and not self._expired(record, time.monotonic()):
            return None
        took_over = record.owner != FREE
        token = uuid.uuid4().hex
        claim = LeaseRecord(
            owner=token,
            lease_s=self.lease_s,
            dirty=record.dirty or took_over,
            holder=f"{socket.gethostname()}:{os.getpid()}",
            renewed_at=time.time(),
        )
        claim_sent = time.monotonic()
        self._write(claim)
        if time.monotonic() - sent > self.claim_s:
            return None  # too slow to be sure: the claim stands as a stranger's, and expires
        time.sleep(2 * self.claim_s)
        if self.read().owner != token:
            return None
        self._seen = None
        return Hold(self, claim, claim_sent, took_over)

    def acquire(self, wait: float) -> Hold:
        """Take the lease, waiting up to `wait` seconds for it (then StoreBusyError)."""
        deadline = time.monotonic() + wait
        holder = ""
        while True:
            hold = self._try_claim()
            if hold is not None:
                hold.start()
                return hold
            if time.monotonic() >= deadline:
                holder = self.read().holder or holder
                raise StoreBusyError(
                    f"another writer ({holder or 'unknown'}) holds the store at "
                    f"{self.location}; waited {wait:g} s for it (ARTICLE_QA_WRITER_WAIT_S)"
                )
            time.sleep(self.poll_s)

    @contextlib.contextmanager
    def hold(self, wait: float) -> Iterator[Hold]:
        """Hold the lease for the block; a failure inside leaves it marked dirty on release."""
        held = self.acquire(wait)
        try:
            yield held
        except BaseException:
            held.release(dirty=True)
            raise
        held.release(dirty=False)


class Hold:
    """A held lease: a heartbeat thread renews it; `check()` before every write."""

    def __init__(
        self, lease: WriterLease, record: LeaseRecord, sent: float, took_over: bool
    ) -> None:
        self.lease = lease
        self.record = record
        self.took_over = took_over  # the previous holder died holding it
        self.needs_repair = record.dirty
        self._renewed = sent  # monotonic time the last successful write of the record was sent
        self._lost = ""
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._beat, name="writer-lease", daemon=True)
        self.on_renew: Callable[[], None] | None = None  # for tests

    @property
    def token(self) -> str:
        return self.record.owner

    def start(self) -> None:
        self._thread.start()

    def valid_for(self) -> float:
        """Seconds left in which a write may still be started."""
        return self._renewed + self.lease.lease_s / 2 - time.monotonic()

    def check(self) -> None:
        """Raise StoreError unless this process still holds the lease (called before writes)."""
        if self._lost:
            raise StoreError(self._lost)
        if self.valid_for() <= 0:
            raise StoreError(
                f"the writer lease on {self.lease.location} lapsed (it could not be renewed "
                f"within {self.lease.lease_s / 2:g} s); this write was not made"
            )

    def _renew(self) -> None:
        with self._lock:
            if self._lost or self._stop.is_set():
                return
            current = self.lease.read()
            if current.owner != self.token:
                self._lost = (
                    f"the writer lease on {self.lease.location} was taken by "
                    f"{current.holder or 'another writer'}; this write was not made"
                )
                return
            if self.valid_for() <= 0:
                return  # too late: others may already count it expired
            record = replace(current, beat=current.beat + 1, renewed_at=time.time())
            sent = time.monotonic()
            self.lease._write(record)
            self.record, self._renewed = record, sent
        if self.on_renew is not None:
            self.on_renew()

    def _beat(self) -> None:
        while not self._stop.wait(self.lease.lease_s / 4):
            with contextlib.suppress(StoreError):  # a failed renewal: the lease runs down
                self._renew()

    def release(self, dirty: bool = False) -> None:
        """Stop renewing and free the lease (if still held); `dirty`: a write failed midway."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.lease.lease_s)
        with self._lock:
            if self._lost or self.valid_for() <= 0:
                return
            with contextlib.suppress(StoreError):
                if self.lease.read().owner == self.token:
                    free = LeaseRecord(beat=self.record.beat + 1, dirty=dirty or self.needs_repair)
                    self.lease._write(free)
                    self._lost = "the writer lease was released"
