"""The chat UI's components: an "Ask" tab (the conversation on the left, the sources of the
latest answer on the right) and a "Corpus" tab (upload, removal, the article list).

`build_layout` creates them inside an open `gr.Blocks` and hands them back in small dataclasses;
what they do is wired in `app.py` with the handlers of `qa.ui.handlers`. The elem_ids, labels
and CSS classes here are what `qa/ui/assets.py` styles and the browser test looks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import gradio as gr

from qa.settings import Settings
from qa.ui.render import EMPTY_SOURCES, article_choices, corpus_html, esc
from qa.ui.service import AnswerOptions, ChatService
from qa.ui.uploads import ALLOWED_SUFFIXES, human_size
from vectorstore.records import ArticleRecord

TITLE = "article-qa — cited answers from news articles"
PLACEHOLDER = (
    "<div style='text-align:center;max-width:520px;margin:0 auto'>"
    "<h2 style='font-family:Georgia,serif;margin-bottom:6px'>Ask the newsroom archive</h2>"
    "<p style='color:#6b6a65'>{how}, every sentence cited. When the articles do not say, you are "
    "told so. Try one of these:</p></div>"
)
EXTRACTIVE_MODE = "Answers quoted from the articles (no LLM)"
LLM_MODE = "Answers written by {model}, every sentence verified against the articles"
EMPTY_SOURCES_PANEL = f'<div class="aqa-sources">{EMPTY_SOURCES}</div>'


@dataclass(frozen=True)
class AnswerSettings:
    """The per-session answer settings in the "Answer settings" accordion."""

    as_of: gr.Textbox
    top_k: gr.Slider
    per_article: gr.Slider
    max_sentences: gr.Slider


@dataclass(frozen=True)
class AskTab:
    chatbot: gr.Chatbot
    message: gr.Textbox
    ask_btn: gr.Button
    clear_btn: gr.Button
    export_btn: gr.DownloadButton
    settings: AnswerSettings
    sources: gr.HTML


@dataclass(frozen=True)
class CorpusTab:
    upload: gr.File
    ingest_btn: gr.Button
    summary: gr.Textbox
    remove_pick: gr.Dropdown
    remove_btn: gr.Button
    corpus: gr.HTML


@dataclass(frozen=True)
class Layout:
    turns: gr.State  # the conversation's Turns (what the sources panel and the export read)
    header: gr.HTML
    ask: AskTab
    corpus: CorpusTab


def mode_text(settings: Settings) -> str:
    """The answer mode in words: who writes the answers."""
    if settings.answer_mode == "llm":
        return LLM_MODE.format(model=settings.llm_model)
    return EXTRACTIVE_MODE


def placeholder_html(settings: Settings) -> str:
    """The empty chat's welcome, true to the answer mode."""
    if settings.answer_mode == "llm":
        how = "Answers are written by an LLM from the stored articles and checked against them"
    else:
        how = "Answers are quoted word for word from the stored articles"
    return PLACEHOLDER.format(how=how)


def header_html(article_count: int, settings: Settings) -> str:
    """The page header: the name, the answer mode (a badge) and the size of the store."""
    plural = "s" if article_count != 1 else ""
    mode = "llm" if settings.answer_mode == "llm" else "extractive"
    return (
        '<div class="aqa-brand"><h1>article-qa</h1>'
        '<span class="aqa-tagline">Cited answers from your news articles.</span>'
        f'<span class="aqa-mode aqa-mode-{mode}" data-mode="{mode}">'
        f"{esc(mode_text(settings))}</span>"
        f'<span class="aqa-stat">{article_count} article{plural} in the store</span></div>'
    )


def examples_value(questions: Sequence[str]) -> list[dict[str, str]]:
    """Example questions in the form gr.Chatbot(examples=...) takes."""
    return [{"text": q} for q in questions]


def upload_label(settings: Settings) -> str:
    return (
        f"Add articles ({' '.join(ALLOWED_SUFFIXES)}; up to "
        f"{human_size(settings.ui_max_upload_bytes)} each, "
        f"{settings.ui_max_upload_files} at a time)"
    )


def build_layout(service: ChatService) -> Layout:
    """Create every component of the page; call inside `with gr.Blocks(...)`."""
    records = service.articles()
    turns = gr.State([])
    settings = service.engine.settings
    header = gr.HTML(header_html(len(records), settings), elem_id="aqa-header")
    with gr.Tabs():
        ask = _ask_tab(service.examples(), service.default_options(), settings)
        corpus = _corpus_tab(records, settings)
    return Layout(turns, header, ask, corpus)


# ---- the Ask tab -------------------------------------------------------------------------------
def _ask_tab(examples: Sequence[str], defaults: AnswerOptions, settings: Settings) -> AskTab:
    with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
        with gr.Column(scale=11, min_width=420):
            chatbot = _chatbot(examples, placeholder_html(settings))
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
                    "Export as Markdown", size="sm", interactive=False, elem_id="aqa-export"
                )
            options = _answer_settings(defaults, settings)
        with gr.Column(scale=9, min_width=380, elem_id="aqa-sources-col"):
            sources = gr.HTML(EMPTY_SOURCES_PANEL, elem_id="aqa-sources", js_on_load=None)
    return AskTab(chatbot, message, ask_btn, clear_btn, export_btn, options, sources)


def _chatbot(examples: Sequence[str], placeholder: str) -> gr.Chatbot:
    return gr.Chatbot(
        label="Conversation",
        show_label=False,
        elem_id="aqa-chat",
        height="calc(100vh - 330px)",
        min_height=380,
        placeholder=placeholder,
        examples=examples_value(examples),
        latex_delimiters=[],
        feedback_options=None,
        buttons=["copy"],
        layout="bubble",
    )


def _answer_settings(defaults: AnswerOptions, settings: Settings) -> AnswerSettings:
    choices = [("Extractive (quotes sentences verbatim)", "extractive")]
    if settings.answer_mode == "llm":
        choices.append((f"LLM ({settings.llm_model}), verified against the articles", "llm"))
    with gr.Accordion("Answer settings", open=False):
        with gr.Row():
            gr.Dropdown(
                choices=choices,
                value=settings.answer_mode,
                label="Answer mode",
                info="Chosen when the server starts (ARTICLE_QA_ANSWER_MODE).",
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
    return AnswerSettings(as_of, top_k, per_article, max_sentences)


# ---- the Corpus tab ----------------------------------------------------------------------------
def _corpus_tab(records: Sequence[ArticleRecord], settings: Settings) -> CorpusTab:
    with gr.Tab("Corpus", id="corpus"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                upload = gr.File(
                    label=upload_label(settings),
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
                    choices=article_choices(records),
                    label="Remove an article",
                    value=None,
                    elem_id="aqa-remove-pick",
                )
                remove_btn = gr.Button("Remove article", variant="stop", size="sm")
        corpus = gr.HTML(corpus_html(records), elem_id="aqa-corpus")
    return CorpusTab(upload, ingest_btn, summary, remove_pick, remove_btn, corpus)
