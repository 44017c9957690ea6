"""Server mode: a real `chroma run` server shared by several engines (and processes).

The server is started once for the module on a free local port and stopped in teardown. The BM25
cache of a server store lives in the user cache folder, so XDG_CACHE_HOME points at a temp folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import qa
from qa.engine import QAEngine

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "articles"
COLLECTION = "srvtest"

S400 = "How much did Türkiye pay for the S-400 systems?"
S400_SENTENCE = (
    "In 2017, Türkiye purchased four S-400 air defense systems from Russia for $2.5 billion."
)


def _chroma_executable() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("chroma")


CHROMA = _chroma_executable()
pytestmark = pytest.mark.skipif(CHROMA is None, reason="the `chroma` executable is not installed")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    host: str
    port: int
    process: subprocess.Popen
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@contextlib.contextmanager
def chroma_server(folder: Path, timeout: float = 30.0) -> Iterator[Server]:
    """`chroma run` on a free port, up and answering heartbeats; terminated on exit."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = _free_port()
    log = folder / "chroma.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                CHROMA,
                "run",
                "--path",
                str(folder / "db"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = Server("127.0.0.1", port, process, log)
    try:
        deadline = time.monotonic() + timeout
        settings = ChromaSettings(anonymized_telemetry=False)
        while True:
            if process.poll() is not None:
                pytest.fail(f"chroma run exited with {process.returncode}:\n{server.log_tail()}")
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port, settings=settings).heartbeat()
                break
            except Exception:
                if time.monotonic() > deadline:
                    pytest.fail(f"chroma server not up after {timeout}s:\n{server.log_tail()}")
                time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """XDG_CACHE_HOME in a temp folder for the whole module (the lexical cache goes there)."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder))
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, cache_home: Path) -> Iterator[Server]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as running:
        yield running


@pytest.fixture(scope="module")
def engine(server: Server) -> QAEngine:
    return QAEngine.open(chroma_host=server.host, chroma_port=server.port, collection=COLLECTION)


@pytest.fixture(scope="module")
def report(engine: QAEngine):  # noqa: ANN201
    return engine.ingest([CORPUS])


# ---- one engine: ingest and ask over the server ---------------------------------------------


def test_ingest_over_the_server(engine: QAEngine, report, server: Server) -> None:  # noqa: ANN001
    assert len(report.added) == 2
    assert not report.skipped
    stats = engine.stats()
    assert stats["articles"] == 2
    assert stats["chunks"] >= 2
    assert stats["store"] == f"http://127.0.0.1:{server.port}"
    assert stats["collection"] == COLLECTION


def test_ask_cites_the_right_sentence(engine: QAEngine, report) -> None:  # noqa: ANN001
    answer = engine.ask(S400)
    assert not answer.abstained
    assert "$2.5 billion" in answer.text
    first = answer.citations[0]
    assert first.quote == S400_SENTENCE
    assert first.source == "Anadolu Agency"
    for citation in answer.citations:
        article = engine.article(citation.article_id)
        assert article.text[citation.start : citation.end] == citation.quote


def test_lexical_cache_is_in_the_user_cache_folder(
    engine: QAEngine,
    report,  # noqa: ANN001
    cache_home: Path,
) -> None:
    engine.retrieve(S400)  # builds (and saves) the BM25 index
    lexical_dir = engine.store.lexical_dir
    assert lexical_dir.is_relative_to(cache_home)
    assert lexical_dir.is_dir() and any(lexical_dir.iterdir())


# ---- other clients of the same server ------------------------------------------------------


def test_a_second_engine_sees_the_articles(
    engine: QAEngine,
    report,  # noqa: ANN001
    server: Server,
) -> None:
    other = QAEngine.open(chroma_host=server.host, chroma_port=server.port, collection=COLLECTION)
    assert other is not engine and other.store is not engine.store
    assert other.stats()["articles"] == 2
    assert {r.title for r in other.articles()} == {r.title for r in engine.articles()}
    answer = other.ask(S400)
    assert answer.citations and answer.citations[0].quote == S400_SENTENCE


def test_a_removal_by_one_engine_is_seen_by_another(
    engine: QAEngine,
    report,  # noqa: ANN001
    server: Server,
) -> None:
    other = QAEngine.open(chroma_host=server.host, chroma_port=server.port, collection=COLLECTION)
    duvar = next(r.id for r in engine.articles() if r.source == "Duvar English")
    assert any(p.article_id == duvar for p in other.retrieve("TurkStream natural gas pipeline"))
    engine.remove(duvar)
    try:
        assert other.stats()["articles"] == 1
        passages = other.retrieve("TurkStream natural gas pipeline")
        assert all(p.article_id != duvar for p in passages)  # BM25 index rebuilt, too
    finally:
        restored = engine.ingest([CORPUS])
    assert len(restored.added) == 1
    assert other.stats()["articles"] == 2


def test_the_cli_in_another_process_uses_the_server(
    engine: QAEngine,
    report,  # noqa: ANN001
    server: Server,
    cache_home: Path,
    tmp_path: Path,
) -> None:
    local_store = tmp_path / "must-not-be-created"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_QA_")}
    env.update(
        ARTICLE_QA_CHROMA_HOST=server.host,
        ARTICLE_QA_CHROMA_PORT=str(server.port),
        ARTICLE_QA_COLLECTION=COLLECTION,
        ARTICLE_QA_STORE_PATH=str(local_store),
        XDG_CACHE_HOME=str(cache_home),
        HF_HUB_OFFLINE="1",
        PYTHONIOENCODING="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "When is Putin expected to visit Turkey?"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "empty store" not in result.stderr  # it found the 2 articles, ingested nothing
    assert "Sources:" in result.stdout and "Duvar English" in result.stdout
    assert "January" in result.stdout.partition("Sources:")[0]
    assert not local_store.exists()
    assert engine.stats()["articles"] == 2  # still 2: nothing was added


# ---- errors ---------------------------------------------------------------------------------


def test_an_unreachable_server_is_a_store_error(cache_home: Path) -> None:
    port = _free_port()  # nothing listens there
    started = time.monotonic()
    with pytest.raises(qa.StoreError) as caught:
        QAEngine.open(chroma_host="127.0.0.1", chroma_port=port, collection=COLLECTION)
    message = str(caught.value)
    assert f"cannot reach the Chroma server at http://127.0.0.1:{port}" in message
    assert "\n" not in message
    assert time.monotonic() - started < 30


def test_a_server_gone_after_opening_is_a_store_error(
    tmp_path: Path,
    cache_home: Path,
) -> None:
    """A server that stops after the engine is open must still give a StoreError (which the CLI
    and UI show as one line), not a raw transport error from the HTTP client."""
    with chroma_server(tmp_path) as gone:
        engine = QAEngine.open(chroma_host=gone.host, chroma_port=gone.port, collection="gone")
        assert engine.stats()["articles"] == 0
    with pytest.raises(qa.StoreError, match="Chroma server"):
        engine.stats()


def test_a_frozen_server_times_out_into_a_store_error_then_recovers(
    engine: QAEngine,
    report,
    server: Server,  # noqa: ANN001
) -> None:
    """A server whose process is stopped keeps its socket open: without a timeout `ask` would
    hang for ever. With one, it is a StoreError within the timeout, and the same engine works
    again once the server does."""
    frozen = QAEngine(
        engine.settings.model_copy(update={"chroma_timeout_s": 2.0}),
        type(engine.store).open_server(
            server.host, server.port, COLLECTION, engine.settings.embedding_model, timeout=2.0
        ),
        engine.embedder,
    )
    assert not frozen.ask("How much did Türkiye pay for the S-400 systems?").abstained
    os.kill(server.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(qa.StoreError, match="did not answer within 2"):
            frozen.ask("When is Putin expected to visit Turkey?")
        assert time.monotonic() - started < 15
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
    assert not frozen.ask("When is Putin expected to visit Turkey?").abstained
