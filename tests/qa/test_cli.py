"""End-to-end tests of the command line: `python -m qa ...` run as a subprocess on a temp store.

Each run loads the embedding model (several seconds), so the runs are few and shared: one store
per module, ingested once; each command runs once and several tests read its result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "articles"
ANADOLU_FILE = CORPUS / "000_571dbf1d854c2ca6.txt"

S400 = "How much did Türkiye pay for the S-400 systems?"
S400_SENTENCE = (
    "In 2017, Türkiye purchased four S-400 air defense systems from Russia for $2.5 billion."
)

Run = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli") / "store"


@pytest.fixture(scope="module")
def cli(store_path: Path) -> Run:
    """Run `python -m qa ARGS` from the repo root on the module's store; returns the result."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_QA_")}
    env.update(
        ARTICLE_QA_STORE_PATH=str(store_path),
        HF_HUB_OFFLINE="1",
        PYTHONIOENCODING="utf-8",
    )

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "qa", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
        )

    return run


def _ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def ingested(cli: Run) -> subprocess.CompletedProcess:
    return _ok(cli("ingest", "data/articles"))


@pytest.fixture(scope="module")
def asked(cli: Run, ingested: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    return _ok(cli("ask", S400))


@pytest.fixture(scope="module")
def asked_json(cli: Run, ingested: subprocess.CompletedProcess) -> dict:
    result = _ok(cli("ask", "--json", S400))
    return json.loads(result.stdout)


# ---- ingest, ask, stats, chat --------------------------------------------------------------


def test_ingest_adds_the_two_articles(ingested: subprocess.CompletedProcess) -> None:
    summary = ingested.stdout.strip()
    assert "added 2" in summary
    assert "skipped 0" in summary


def test_ask_prints_the_answer_and_its_sources(asked: subprocess.CompletedProcess) -> None:
    out = asked.stdout
    assert "$2.5 billion" in out
    answer, _, sources = out.partition("Sources:")
    assert "$2.5 billion" in answer and "[1]" in answer
    assert "Anadolu Agency" in sources
    assert S400_SENTENCE in sources  # the quote is shown
    # the empty-store fallback did not kick in: the store was already filled by `ingest`
    assert "empty store" not in asked.stderr


def test_ask_json_is_structured_and_cited(asked_json: dict) -> None:
    answer = asked_json
    assert answer["question"] == S400
    assert answer["abstained"] is False
    assert "$2.5 billion" in answer["text"]
    assert 0.0 <= answer["confidence"] <= 1.0
    assert answer["citations"], answer
    for citation in answer["citations"]:
        assert {"number", "article_id", "title", "quote", "start", "end"} <= set(citation)
        assert isinstance(citation["start"], int) and isinstance(citation["end"], int)
        assert 0 <= citation["start"] < citation["end"]
        assert citation["end"] - citation["start"] == len(citation["quote"])
    # the structure: each sentence with the numbers of the citations it rests on
    numbers = {c["number"] for c in answer["citations"]}
    assert answer["sentences"] and all(s["citations"] for s in answer["sentences"])
    assert {n for s in answer["sentences"] for n in s["citations"]} == numbers
    first = answer["citations"][0]
    assert first["quote"] == S400_SENTENCE
    assert first["source"] == "Anadolu Agency"
    # the quote is verbatim article text (the file holds it too)
    assert first["quote"] in ANADOLU_FILE.read_text(encoding="utf-8")


def test_stats_counts_the_articles(cli: Run, ingested: subprocess.CompletedProcess) -> None:
    result = _ok(cli("stats"))
    lines = dict(line.split(": ", 1) for line in result.stdout.strip().splitlines() if ": " in line)
    assert lines["articles"] == "2"
    assert int(lines["chunks"]) >= 2
    assert lines["collection"] == "articles"


def test_chat_answers_a_question_and_its_follow_up(
    cli: Run, ingested: subprocess.CompletedProcess
) -> None:
    result = _ok(cli("chat", stdin=f"{S400}\nAnd who sold them?\n\n"))
    out = result.stdout
    # one "you>" prompt per question plus the one answered by the empty line that quits
    assert out.count("you> ") == 3
    turns = [t.strip() for t in out.split("you> ")[1:3]]
    assert "$2.5 billion" in turns[0] and "Sources:" in turns[0]
    # the follow-up gets its own reply (a cited answer, or an abstention with related reading)
    # and, searched together with the S-400 question, it points at the S-400 article
    assert turns[1], out
    assert "Sources:" in turns[1] or "Related reading" in turns[1]
    assert "S-400" in turns[1]
    assert "error" not in out.lower()


def test_invalid_utf8_on_the_command_line_is_answered(
    cli: Run, ingested: subprocess.CompletedProcess
) -> None:
    broken = S400.encode("utf-8").replace(b"?", b" \xff?")  # what a broken terminal sends
    result = _ok(cli("ask", broken))
    assert "$2.5 billion" in result.stdout


# ---- user errors: a non-zero exit and one line on stderr, never a traceback -----------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("ingest", "/no/such/path"), id="missing-path"),
        pytest.param(("ask", ""), id="empty-question"),
        pytest.param(("ask", "--as-of", "notadate", "x"), id="bad-as-of"),
    ],
)
def test_user_errors_are_one_line(
    cli: Run, ingested: subprocess.CompletedProcess, args: tuple[str, ...]
) -> None:
    result = cli(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("article-qa: error:"), result.stderr
    assert len(lines) == 1, f"stderr is not one line:\n{result.stderr}"
    assert result.stdout == ""


# ---- last: the JSON quotes against the stored article text, read in-process ---------------


def test_json_quotes_are_slices_of_the_stored_articles(asked_json: dict, store_path: Path) -> None:
    from qa.engine import QAEngine

    engine = QAEngine.open(store=store_path)  # the subprocesses above are done
    assert engine.stats()["articles"] == 2
    for citation in asked_json["citations"]:
        article = engine.article(citation["article_id"])
        assert article.text[citation["start"] : citation["end"]] == citation["quote"]
        assert article.title == citation["title"]
