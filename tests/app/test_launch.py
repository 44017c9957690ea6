"""Where the chat UI listens and who may sign in: the ui_host / ui_port / login settings (env and
overrides), and `app.main` / `app.launch` passing them to Gradio, command-line flags first."""

from __future__ import annotations

from typing import Any

import gradio as gr
import pytest

import app
from ingest.errors import InvalidInputError
from qa.engine import QAEngine
from qa.settings import load_settings

ADDRESS_ENV = ("ARTICLE_QA_UI_HOST", "ARTICLE_QA_UI_PORT", "ARTICLE_QA_HOST", "ARTICLE_QA_PORT")
LOGIN_ENV = ("ARTICLE_QA_UI_USERNAME", "ARTICLE_QA_UI_PASSWORD")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ADDRESS_ENV + LOGIN_ENV:
        monkeypatch.delenv(name, raising=False)


# ------------------------------------------------------------------------------- settings


def test_address_defaults_to_localhost_7860() -> None:
    settings = load_settings()
    assert (settings.ui_host, settings.ui_port) == ("127.0.0.1", 7860)


def test_address_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARTICLE_QA_UI_HOST", "0.0.0.0")
    monkeypatch.setenv("ARTICLE_QA_UI_PORT", "8081")
    settings = load_settings()
    assert (settings.ui_host, settings.ui_port) == ("0.0.0.0", 8081)


def test_older_variable_names_still_work_and_lose_to_the_new_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARTICLE_QA_HOST", "10.0.0.1")
    monkeypatch.setenv("ARTICLE_QA_PORT", "9000")
    assert (load_settings().ui_host, load_settings().ui_port) == ("10.0.0.1", 9000)
    monkeypatch.setenv("ARTICLE_QA_UI_PORT", "9001")
    assert load_settings().ui_port == 9001


def test_an_explicit_override_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARTICLE_QA_UI_PORT", "8081")
    settings = load_settings(ui_host="::1", ui_port=8082)
    assert (settings.ui_host, settings.ui_port) == ("::1", 8082)
    # what ChatService.engine_for and QAEngine.open do: rebuild from a dump, by field name
    assert load_settings(**settings.model_dump()).ui_port == 8082


@pytest.mark.parametrize("port", [0, -1, 65536, 100000])
def test_a_port_out_of_range_is_a_clear_error(port: int) -> None:
    with pytest.raises(InvalidInputError, match=f"ui_port must be .*1 to 65535, got {port}"):
        load_settings(ui_port=port)


@pytest.mark.parametrize("port", [1, 65535])
def test_the_port_range_ends_are_accepted(port: int) -> None:
    assert load_settings(ui_port=port).ui_port == port


def test_a_bad_port_in_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARTICLE_QA_UI_PORT", "http")
    with pytest.raises(InvalidInputError, match="ARTICLE_QA_UI_PORT: Input should be"):
        load_settings()


# ---------------------------------------------------------------------------------- login


def test_login_needs_both_or_neither() -> None:
    assert app.login(load_settings()) is None
    assert app.login(load_settings(ui_username="ann", ui_password="pw")) == ("ann", "pw")
    with pytest.raises(SystemExit, match="set both ARTICLE_QA_UI_USERNAME and"):
        app.login(load_settings(ui_username="ann"))
    with pytest.raises(SystemExit, match="set both"):
        app.login(load_settings(ui_password="pw"))


# ------------------------------------------------------------------------- main and launch


@pytest.fixture
def launched(
    monkeypatch: pytest.MonkeyPatch, engine: QAEngine
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(overrides given to QAEngine.open, keyword arguments given to Gradio's launch); the engine
    opened is the session store with settings from the environment plus those overrides."""
    opened: dict[str, Any] = {}
    served: dict[str, Any] = {}

    def fake_open(cls: type[QAEngine], store: str | None = None, **overrides: Any) -> QAEngine:
        opened.update(overrides, store=store)
        settings = load_settings(store_path=engine.settings.store_path, **overrides)
        return QAEngine(settings, engine.store, engine.embedder)

    monkeypatch.setattr(QAEngine, "open", classmethod(fake_open))
    monkeypatch.setattr(app, "build", lambda _engine: gr.Blocks())
    monkeypatch.setattr(gr.Blocks, "launch", lambda _self, **kwargs: served.update(kwargs))
    return opened, served


def test_main_serves_on_the_settings_address(
    launched: tuple[dict[str, Any], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened, served = launched
    monkeypatch.setenv("ARTICLE_QA_UI_HOST", "0.0.0.0")
    monkeypatch.setenv("ARTICLE_QA_UI_PORT", "8123")
    app.main([])
    assert opened == {"store": None}  # nothing given on the command line
    assert (served["server_name"], served["server_port"]) == ("0.0.0.0", 8123)
    assert served["auth"] is None and served["auth_message"] is None


def test_command_line_flags_override_the_settings(
    launched: tuple[dict[str, Any], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened, served = launched
    monkeypatch.setenv("ARTICLE_QA_UI_HOST", "0.0.0.0")
    monkeypatch.setenv("ARTICLE_QA_UI_PORT", "8123")
    monkeypatch.setenv("ARTICLE_QA_UI_USERNAME", "ann")
    monkeypatch.setenv("ARTICLE_QA_UI_PASSWORD", "pw")
    app.main(["--host", "127.0.0.2", "--port", "9200", "--store", "somewhere"])
    assert opened == {"ui_host": "127.0.0.2", "ui_port": 9200, "store": "somewhere"}
    assert (served["server_name"], served["server_port"]) == ("127.0.0.2", 9200)
    assert served["auth"] == ("ann", "pw") and "sign in" in served["auth_message"]


def test_a_bad_port_flag_is_a_one_line_error(
    launched: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    _, served = launched
    with pytest.raises(SystemExit, match="^article-qa: error: invalid settings: ui_port: .*70000"):
        app.main(["--port", "70000"])
    assert served == {}
