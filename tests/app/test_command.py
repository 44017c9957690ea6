"""The full `article-qa` command (app.cli): the core commands, eval and serve in one parser, each
imported only when it runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import app

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        app.cli(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("ingest", "ask", "chat", "stats", "eval", "serve"):
        assert command in out


def test_eval_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    assert app.cli(["eval", "--dataset", str(bad), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("article-qa eval: error:") or err[0].startswith("article-qa: error:")
    assert "line 1" in "\n".join(err) and "Traceback" not in "\n".join(err)


def test_a_command_line_question_never_imports_the_ui(tmp_path: Path) -> None:
    code = (
        "import sys, app\n"
        "status = app.cli(['stats'])\n"
        "heavy = [m for m in ('gradio', 'qa.ui.layout', 'eval.runner') if m in sys.modules]\n"
        "print('loaded:', heavy)\n"
        "sys.exit(status)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_QA_")}
    env.update(ARTICLE_QA_STORE_PATH=str(tmp_path / "store"), HF_HUB_OFFLINE="1")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "loaded: []" in result.stdout and "articles: 0" in result.stdout


def test_a_question_in_the_onnx_backends_imports_no_torch(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    """The query path needs onnxruntime, tokenizers and numpy: no torch, transformers or
    sentence-transformers (seconds to import), nor the libraries only ingest uses."""
    embedder.encode(["the export is made (with torch) before, as by a first ingest"])
    code = (
        "import sys, app\n"
        "status = app.cli(['ask', 'How much did Türkiye pay for the S-400 systems?'])\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers', 'onnx')\n"
        "print('loaded:', [m for m in heavy if m in sys.modules])\n"
        "ingest = ('gradio', 'sklearn', 'trafilatura', 'datasketch', 'llama_index.core', 'bm25s')\n"
        "print('ingest:', [m for m in ingest if m in sys.modules])\n"
        "sys.exit(status)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_QA_")}
    env.update(
        ARTICLE_QA_STORE_PATH=str(tmp_path / "store"),
        ARTICLE_QA_ONNX_CACHE_PATH=str(embedder.cache_dir),
        HF_HUB_OFFLINE="1",
    )
    for new in (True, False):  # a new store (the sample corpus is ingested first), an existing one
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert "$2.5 billion" in result.stdout and "loaded: []" in result.stdout
        assert new or "ingest: []" in result.stdout


def test_serve_passes_the_answer_mode_options_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple] = []
    monkeypatch.setattr(app, "launch", lambda *args: seen.append(args))
    argv = ["--mode", "llm", "--llm-base-url", "http://127.0.0.1:8080/v1", "--llm-model", "m"]
    assert app.cli([*argv, "serve", "--port", "7999"]) == 0
    ((host, port, store, overrides),) = seen
    assert (host, port, store) == (None, 7999, None)
    assert overrides == {
        "answer_mode": "llm",
        "llm_base_url": "http://127.0.0.1:8080/v1",
        "llm_model": "m",
    }
