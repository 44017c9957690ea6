"""The entry points: the chat UI (Gradio; `python app.py` or `article-qa serve`, bound to
127.0.0.1 by default) and the `article-qa` command (`cli`), which offers the core commands of
`qa.cli` (ingest, ask, chat, stats), `eval` and `serve`, importing each only when it runs: a
question asked on the command line never imports Gradio.

Layout: an "Ask" tab (the conversation on the left, the sources of the latest answer on the
right, with the cited sentences highlighted) and a "Corpus" tab (the articles, upload, removal).
This file wires events to handlers and launches; the components are in `qa/ui/layout.py`, the
handlers in `qa/ui/handlers.py`, and rendering, export, uploads and the locked engine service in
the rest of `qa/ui/`. Address, port and login come from `qa.settings.Settings` (ARTICLE_QA_UI_*);
`--host` / `--port` override them.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ingest.errors import ArticleQAError

if TYPE_CHECKING:
    import gradio as gr

    from qa.engine import QAEngine
    from qa.settings import Settings
    from qa.ui.handlers import ChatHandlers
    from qa.ui.layout import Layout

log = logging.getLogger("article_qa.ui")
FOCUS_LATEST = "() => window.aqaFocusLatest && window.aqaFocusLatest()"
CONCURRENCY = 4  # events Gradio runs at once


def build(engine: QAEngine) -> gr.Blocks:
    import gradio as gr

    from qa.ui.handlers import ChatHandlers
    from qa.ui.layout import TITLE, build_layout
    from qa.ui.service import ChatService
    from qa.ui.uploads import default_upload_dir

    handlers = ChatHandlers(ChatService(engine, default_upload_dir(engine.settings)))
    # Gradio's copies of uploads and downloads: deleted hourly once an hour old, and at restart
    with gr.Blocks(title=TITLE, delete_cache=(3600, 3600)) as demo:
        ui = build_layout(handlers.service)
        wire_chat(ui, handlers)
        wire_corpus(demo, ui, handlers)
    return demo


def wire_chat(ui: Layout, handlers: ChatHandlers) -> None:
    """Ask (Enter, the button, or a clicked example), then focus the latest answer; clear."""
    from qa.ui.handlers import clear, pick_example

    ask, options = ui.ask, ui.ask.settings
    inputs = [ask.message, ask.chatbot, ui.turns]
    inputs += [options.top_k, options.per_article, options.max_sentences, options.as_of]
    outputs = [ask.message, ask.chatbot, ui.turns, ask.sources, ask.export_btn]
    for trigger in (ask.message.submit, ask.ask_btn.click):
        trigger(handlers.respond, inputs, outputs, show_progress="hidden").then(
            None, js=FOCUS_LATEST
        )
    ask.chatbot.example_select(pick_example, None, ask.message).then(
        handlers.respond, inputs, outputs, show_progress="hidden"
    ).then(None, js=FOCUS_LATEST)
    cleared = [ask.chatbot, ui.turns, ask.sources, ask.export_btn, ask.message]
    ask.clear_btn.click(clear, None, cleared)
    ask.chatbot.clear(clear, None, cleared)


def wire_corpus(demo: gr.Blocks, ui: Layout, handlers: ChatHandlers) -> None:
    """Upload and remove; both, and every page load, refresh what shows the corpus."""
    corpus = ui.corpus
    refreshed = [corpus.corpus, corpus.remove_pick, ui.ask.chatbot, ui.header]
    demo.load(handlers.refresh_locked, None, refreshed, show_progress="hidden")
    corpus.ingest_btn.click(
        handlers.ingest, [corpus.upload], [corpus.summary, corpus.upload, *refreshed]
    )
    corpus.remove_btn.click(handlers.remove, [corpus.remove_pick], refreshed)


def login(settings: Settings) -> tuple[str, str] | None:
    """The UI login from ui_username / ui_password: both or neither."""
    if not (settings.ui_username or settings.ui_password):
        return None
    if not (settings.ui_username and settings.ui_password):
        raise SystemExit(
            "article-qa: set both ARTICLE_QA_UI_USERNAME and ARTICLE_QA_UI_PASSWORD for a login"
        )
    return settings.ui_username, settings.ui_password


def address_overrides(host: str | None, port: int | None) -> dict[str, object]:
    """Settings overrides for the address given on the command line (None: from Settings)."""
    given = {"ui_host": host, "ui_port": port}
    return {name: value for name, value in given.items() if value is not None}


def launch(
    host: str | None = None,
    port: int | None = None,
    store: str | None = None,
    overrides: dict[str, object] | None = None,
) -> None:
    """Open the store (the bundled corpus if empty) and serve the UI; `host` and `port`, when
    given, override the ui_host / ui_port settings; `overrides`: further settings (the
    answer mode and LLM given on the command line)."""
    from qa.engine import QAEngine
    from qa.ui.assets import CSS, JS, theme

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    engine = QAEngine.open(store=store, **address_overrides(host, port), **(overrides or {}))
    report = engine.ensure_corpus()
    if report is not None:
        log.info("empty store: ingested the bundled sample corpus (%d articles)", len(report.added))
    settings = engine.settings
    auth = login(settings)
    build(engine).queue(default_concurrency_limit=CONCURRENCY).launch(
        server_name=settings.ui_host,
        server_port=settings.ui_port,
        auth=auth,
        auth_message="article-qa: sign in to ask about the articles." if auth else None,
        max_file_size=settings.ui_max_upload_bytes,
        show_error=False,
        theme=theme(),
        css=CSS,
        js=JS,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="article-qa chat UI")
    parser.add_argument("--host", default=None, help="default: ARTICLE_QA_UI_HOST or 127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=None, help="default: ARTICLE_QA_UI_PORT or 7860"
    )
    parser.add_argument("--store", default=None)
    from qa.cli import add_llm_options

    add_llm_options(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    from qa.cli import llm_overrides

    args = parse_args(argv)
    try:
        launch(args.host, args.port, args.store, llm_overrides(args))
    except ArticleQAError as exc:
        raise SystemExit(f"article-qa: error: {exc}") from None


def cli(argv: Sequence[str] | None = None) -> int:
    """`article-qa`: ingest | ask | chat | stats (qa.cli), eval (eval.cli), serve (this file)."""
    from qa.cli import add_commands, guarded, parser, run

    top, sub = parser("article-qa")
    add_commands(sub)
    from eval.cli import add_arguments

    add_arguments(
        sub.add_parser("eval", help="grounding eval: answers, citations, abstention (see README)"),
        store_option=False,
    )
    serve = sub.add_parser("serve", help="start the chat UI in the browser")
    serve.add_argument("--host", help="default: ARTICLE_QA_UI_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: ARTICLE_QA_UI_PORT or 7860")
    args = top.parse_args(argv)
    return guarded("article-qa", lambda: _dispatch(args, run))


def _dispatch(args: argparse.Namespace, run_core: Callable[[argparse.Namespace], int]) -> int:
    from qa.cli import llm_overrides

    if args.command == "serve":
        launch(args.host, args.port, args.store, llm_overrides(args))
        return 0
    if args.command == "eval":
        from eval.cli import run as run_eval

        return run_eval(args)
    return run_core(args)


if __name__ == "__main__":
    main()
