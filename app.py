"""The chat UI (Gradio): `python app.py` or `article-qa serve`. Binds to 127.0.0.1 by default.

Layout: an "Ask" tab (the conversation on the left, the sources of the latest answer on the
right, with the cited sentences highlighted) and a "Corpus" tab (the articles, upload, removal).
Rendering, export, uploads and the locked engine service live in `qa/ui/`.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path
from typing import Any

import gradio as gr

from ingest.errors import ArticleQAError
from qa.engine import QAEngine
from qa.settings import Settings
from qa.ui.assets import CSS, JS, theme
from qa.ui.export import write_export
from qa.ui.render import (
    EMPTY_SOURCES,
    Turn,
    answer_markdown,
    answer_sentences,
    article_choices,
    corpus_html,
    esc,
    markdown_text,
    sources_html,
)
from qa.ui.service import AnswerOptions, ChatService
from qa.ui.uploads import ALLOWED_SUFFIXES, human_size

log = logging.getLogger("article_qa.ui")
STREAM_PAUSE = 0.05  # seconds between streamed sentences
PLACEHOLDER = (
    "<div style='text-align:center;max-width:520px;margin:0 auto'>"
    "<h2 style='font-family:Georgia,serif;margin-bottom:6px'>Ask the newsroom archive</h2>"
    "<p style='color:#6b6a65'>Answers are quoted word for word from the stored articles, every "
    "sentence cited. When the articles do not say, you are told so. Try one of these:</p></div>"
)


def user_error(exc: BaseException) -> gr.Error:
    """A readable message for the browser (escaped: Gradio renders error text as HTML)."""
    if isinstance(exc, ArticleQAError):
        return gr.Error(esc(str(exc)), title="Cannot do that")
    log.exception("unexpected error in the UI", exc_info=exc)
    return gr.Error(
        "Something went wrong on the server. Please try again; the details are in the server log.",
        title="Error",
    )


def default_upload_dir(settings: Settings) -> Path:
    if settings.ui_upload_path is not None:
        return settings.ui_upload_path
    if settings.chroma_host:
        from platformdirs import user_data_dir

        return Path(user_data_dir("article-qa", appauthor=False)) / "uploads"
    return settings.store_path.parent / f"{settings.store_path.name}-uploads"


def build(engine: QAEngine) -> gr.Blocks:
    settings = engine.settings
    service = ChatService(engine, default_upload_dir(settings))
    defaults = service.default_options()

    def header_html() -> str:
        n = len(service.articles())
        return (
            '<div class="aqa-brand"><h1>article-qa</h1>'
            '<span class="aqa-tagline">Answers quoted from your news articles — every sentence '
            "cited to its source.</span>"
            f'<span class="aqa-stat">{n} article{"s" if n != 1 else ""} in the store</span></div>'
        )

    def examples_value() -> list[dict[str, str]]:
        return [{"text": q} for q in service.examples()]

    with gr.Blocks(title="article-qa — cited answers from news articles") as demo:
        turns_state = gr.State([])
        header = gr.HTML(header_html(), elem_id="aqa-header")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
                with gr.Column(scale=11, min_width=420):
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        show_label=False,
                        elem_id="aqa-chat",
                        height="calc(100vh - 330px)",
                        min_height=380,
                        placeholder=PLACEHOLDER,
                        examples=examples_value(),
                        latex_delimiters=[],
                        feedback_options=None,
                        buttons=["copy"],
                        layout="bubble",
                    )
                    with gr.Row():
                        message = gr.Textbox(
                            placeholder="Ask a question about the articles…",
                            show_label=False,
                            lines=1,
                            max_lines=4,
                            scale=8,
                            elem_id="aqa-input",
                            autofocus=True,
                        )
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=90)
                    with gr.Row(elem_classes="aqa-actions"):
                        clear_btn = gr.Button("Clear conversation", size="sm")
                        export_btn = gr.DownloadButton(
                            "Export as Markdown",
                            size="sm",
                            interactive=False,
                            elem_id="aqa-export",
                        )
                    with gr.Accordion("Answer settings", open=False):
                        with gr.Row():
                            gr.Dropdown(
                                choices=[("Extractive (quotes sentences verbatim)", "extractive")],
                                value="extractive",
                                label="Answer mode",
                                info="LLM-written answers are not available yet.",
                                interactive=False,
                            )
                            as_of = gr.Textbox(
                                label="As of (optional)",
                                placeholder="YYYY-MM-DD",
                                info="Only use articles published by this date.",
                            )
                        with gr.Row():
                            top_k = gr.Slider(
                                1,
                                20,
                                value=defaults.top_k,
                                step=1,
                                label="Retrieval depth (top_k)",
                                info="Passages retrieved per question; also the related "
                                "reading shown when there is no answer.",
                            )
                            per_article = gr.Slider(
                                1,
                                5,
                                value=defaults.answer_passages_per_article,
                                step=1,
                                label="Passages read per article",
                            )
                            max_sentences = gr.Slider(
                                1,
                                6,
                                value=defaults.max_answer_sentences,
                                step=1,
                                label="Sentences per answer (at most)",
                            )
                with gr.Column(scale=9, min_width=380, elem_id="aqa-sources-col"):
                    sources = gr.HTML(
                        f'<div class="aqa-sources">{EMPTY_SOURCES}</div>',
                        elem_id="aqa-sources",
                        js_on_load=None,
                    )
            with gr.Tab("Corpus", id="corpus"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        upload = gr.File(
                            label=(
                                f"Add articles ({' '.join(ALLOWED_SUFFIXES)}; up to "
                                f"{human_size(settings.ui_max_upload_bytes)} each, "
                                f"{settings.ui_max_upload_files} at a time)"
                            ),
                            file_count="multiple",
                            file_types=list(ALLOWED_SUFFIXES),
                            type="filepath",
                            elem_id="aqa-upload",
                            height=150,
                        )
                        ingest_btn = gr.Button("Add to the store", variant="primary")
                        summary = gr.Textbox(
                            label="Ingest summary",
                            lines=3,
                            max_lines=14,
                            interactive=False,
                            elem_id="aqa-summary",
                        )
                    with gr.Column(scale=2):
                        remove_pick = gr.Dropdown(
                            choices=article_choices(service.articles()),
                            label="Remove an article",
                            value=None,
                            elem_id="aqa-remove-pick",
                        )
                        remove_btn = gr.Button("Remove article", variant="stop", size="sm")
                corpus = gr.HTML(corpus_html(service.articles()), elem_id="aqa-corpus")

        # ---- handlers -----------------------------------------------------------------------
        def respond(
            question: str,
            chat: list[dict[str, Any]],
            turns: list[Turn],
            k: float,
            per: float,
            sentences: float,
            day: str,
        ):
            question = (question or "").strip()
            if not question:
                gr.Warning("Type a question first.")
                return
            before = list(chat or [])
            pending = [*before, {"role": "user", "content": markdown_text(question)}]
            status = "*Searching the articles…*"
            yield (
                "",
                [*pending, {"role": "assistant", "content": status}],
                gr.skip(),
                gr.skip(),
                gr.skip(),
            )
            options = AnswerOptions(int(k), int(sentences), int(per), (day or "").strip() or None)
            try:
                if service.busy():
                    yield (
                        gr.skip(),
                        [
                            *pending,
                            {
                                "role": "assistant",
                                "content": "*Waiting for the article upload to finish…*",
                            },
                        ],
                        gr.skip(),
                        gr.skip(),
                        gr.skip(),
                    )
                with service.locked():
                    turn = service.ask(question, turns, options)
            except Exception as exc:
                yield question, before, gr.skip(), gr.skip(), gr.skip()
                raise user_error(exc) from None
            index = len(turns)
            new_turns = [*turns, turn]
            steps = 1 if turn.answer.abstained else len(answer_sentences(turn.answer))
            for upto in range(1, steps):
                text = answer_markdown(turn.answer, index, upto=upto)
                yield (
                    gr.skip(),
                    [*pending, {"role": "assistant", "content": text}],
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                )
                time.sleep(STREAM_PAUSE)
            final = [
                *pending,
                {"role": "assistant", "content": answer_markdown(turn.answer, index)},
            ]
            try:
                export = gr.DownloadButton(value=str(write_export(new_turns)), interactive=True)
            except OSError as exc:
                log.warning("could not write the export file: %s", exc)
                export = gr.skip()
            yield gr.skip(), final, new_turns, sources_html(new_turns), export

        def pick_example(evt: gr.SelectData):
            value = evt.value if isinstance(evt.value, dict) else {}
            return value.get("text", "")

        def clear():
            return (
                [],
                [],
                f'<div class="aqa-sources">{EMPTY_SOURCES}</div>',
                gr.DownloadButton(value=None, interactive=False),
                "",
            )

        def refreshed():
            records = service.articles()
            return (
                corpus_html(records),
                gr.Dropdown(choices=article_choices(records), value=None),
                gr.Chatbot(examples=examples_value()),
                header_html(),
            )

        def refresh_locked():
            with service.locked():
                return refreshed()

        def ingest(files: list[str] | None, progress=gr.Progress()):  # noqa: B008
            files = files or []
            uploads = [(Path(f).name, f) for f in files]
            progress(0.05, desc="Waiting for the store…")
            try:
                with service.locked():
                    progress(0.2, desc=f"Reading and embedding {len(files)} file(s)…")
                    report, text = service.ingest_uploads(
                        uploads, settings.ui_max_upload_bytes, settings.ui_max_upload_files
                    )
                    progress(0.9, desc="Refreshing the article list…")
                    refresh = refreshed()
            except Exception as exc:
                raise user_error(exc) from None
            if report.added or report.updated:
                gr.Info(f"Added {len(report.added) + len(report.updated)} article(s).")
            elif report.skipped:
                gr.Warning("No article was added; see the summary for the reasons.")
            return (text, None, *refresh)

        def remove(article_id: str | None):
            if not article_id:
                raise gr.Error("Choose an article to remove first.", title="Nothing chosen")
            try:
                with service.locked():
                    record = service.remove(article_id)
                    refresh = refreshed()
            except Exception as exc:
                raise user_error(exc) from None
            title = record.title if record else article_id
            gr.Info(f"Removed “{esc(title)}”.")
            return refresh

        chat_inputs = [message, chatbot, turns_state, top_k, per_article, max_sentences, as_of]
        chat_outputs = [message, chatbot, turns_state, sources, export_btn]
        focus = "() => window.aqaFocusLatest && window.aqaFocusLatest()"
        for trigger in (message.submit, ask_btn.click):
            trigger(respond, chat_inputs, chat_outputs, show_progress="hidden").then(None, js=focus)
        chatbot.example_select(pick_example, None, message).then(
            respond, chat_inputs, chat_outputs, show_progress="hidden"
        ).then(None, js=focus)
        clear_btn.click(clear, None, [chatbot, turns_state, sources, export_btn, message])
        chatbot.clear(clear, None, [chatbot, turns_state, sources, export_btn, message])
        refresh_outputs = [corpus, remove_pick, chatbot, header]
        # a page opened later gets the current examples and article list
        demo.load(refresh_locked, None, refresh_outputs, show_progress="hidden")
        ingest_btn.click(ingest, [upload], [summary, upload, *refresh_outputs])
        remove_btn.click(remove, [remove_pick], refresh_outputs)
    return demo


def launch(host: str = "127.0.0.1", port: int = 7860, store: str | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    engine = QAEngine.open(store=store)
    report = engine.ensure_corpus()
    if report is not None:
        log.info("empty store: ingested the bundled sample corpus (%d articles)", len(report.added))
    settings = engine.settings
    auth = None
    if settings.ui_username or settings.ui_password:
        if not (settings.ui_username and settings.ui_password):
            raise SystemExit(
                "article-qa: set both ARTICLE_QA_UI_USERNAME and ARTICLE_QA_UI_PASSWORD for a login"
            )
        auth = (settings.ui_username, settings.ui_password)
    build(engine).queue(default_concurrency_limit=4).launch(
        server_name=host,
        server_port=port,
        auth=auth,
        auth_message="article-qa: sign in to ask about the articles." if auth else None,
        max_file_size=settings.ui_max_upload_bytes,
        show_error=False,
        theme=theme(),
        css=CSS,
        js=JS,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="article-qa chat UI")
    parser.add_argument("--host", default=os.environ.get("ARTICLE_QA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ARTICLE_QA_PORT", "7860")))
    parser.add_argument("--store", default=None)
    args = parser.parse_args(argv)
    try:
        launch(args.host, args.port, args.store)
    except ArticleQAError as exc:
        raise SystemExit(f"article-qa: error: {exc}") from None


if __name__ == "__main__":
    main()
