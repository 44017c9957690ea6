"""The chat UI's event handlers and layout without a browser: on a real ChatService over the
session store (read only) or over a store of the test's own (upload and removal)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from ingest.errors import InvalidInputError
from qa.engine import QAEngine
from qa.settings import load_settings
from qa.ui.handlers import (
    SEARCHING,
    WAITING,
    ChatHandlers,
    clear,
    pick_example,
    user_error,
)
from qa.ui.layout import EMPTY_SOURCES_PANEL, build_layout, header_html, upload_label
from qa.ui.render import answer_markdown, answer_sentences, markdown_text
from qa.ui.service import ChatService
from qa.ui.uploads import default_upload_dir

S400 = "How much did Türkiye pay for the S-400 systems?"
S400_SENTENCE = (
    "In 2017, Türkiye purchased four S-400 air defense systems from Russia for $2.5 billion."
)
VARNHOLM = (
    "Varnholm opens new ferry terminal\n\nThe new ferry terminal in Varnholm cost 48 million "
    "euros, harbour master Olav Brekke said on Tuesday.\n\nFerries will leave six times a day."
)
DEFAULTS = (5.0, 3.0, 3.0, "")  # top_k, passages per article, sentences, as of: as the sliders


@pytest.fixture(scope="module")
def handlers(engine: QAEngine) -> ChatHandlers:
    return ChatHandlers(ChatService(engine), stream_pause=0)


def is_skip(update: Any) -> bool:
    return update == gr.skip()


def last_reply(chat: list[dict[str, Any]]) -> str:
    assert chat[-1]["role"] == "assistant"
    return chat[-1]["content"]


# ------------------------------------------------------------------------------- respond


def test_an_empty_question_warns_and_changes_nothing(handlers: ChatHandlers) -> None:
    with pytest.warns(UserWarning, match="Type a question first"):
        assert list(handlers.respond("   ", [], [], *DEFAULTS)) == []


def test_an_answer_streams_sentence_by_sentence_then_fills_the_panels(
    handlers: ChatHandlers,
) -> None:
    updates = list(handlers.respond(f"  {S400} ", [], [], *DEFAULTS))
    message, chat, turns, sources, export = updates[0]
    assert message == "" and chat[0] == {"role": "user", "content": markdown_text(S400)}
    assert last_reply(chat) == SEARCHING and all(map(is_skip, (turns, sources, export)))
    message, chat, turns, sources, export = updates[-1]
    assert is_skip(message) and len(turns) == 1 and turns[0].question == S400
    answer = turns[0].answer
    assert not answer.abstained and answer.citations[0].quote == S400_SENTENCE
    assert 'href="#aqa-cite-0-1"' in last_reply(chat)
    assert html.escape(S400_SENTENCE, quote=False) in html.unescape(sources)
    assert export.interactive and "## Q1. " + S400 in Path(export.value["path"]).read_text("utf-8")
    # between "searching" and the whole answer: the first 1, 2, ... sentences
    partial = [last_reply(u[1]) for u in updates[1:-1]]
    steps = len(answer_sentences(answer))
    assert partial == [answer_markdown(answer, 0, upto=n) for n in range(1, steps)]
    assert last_reply(chat) == answer_markdown(answer, 0)
    assert all(is_skip(u[2]) for u in updates[:-1])


def test_a_follow_up_reads_the_earlier_turns(handlers: ChatHandlers) -> None:
    *_, first = handlers.respond("What did Türkiye buy from Russia in 2017?", [], [], *DEFAULTS)
    chat, turns = first[1], first[2]
    *_, follow = handlers.respond("How much did they cost?", chat, turns, *DEFAULTS)
    assert len(follow[1]) == 4 and len(follow[2]) == 2
    assert "$2.5 billion" in follow[2][1].answer.text
    assert 'href="#aqa-cite-1-' in last_reply(follow[1])  # the second turn's anchors


def test_the_answer_settings_reach_the_engine(handlers: ChatHandlers) -> None:
    *_, final = handlers.respond("What is the capital of France?", [], [], 2.0, 1.0, 1.0, "")
    answer = final[2][0].answer
    assert answer.abstained and 1 <= len(answer.related) <= 2


def test_an_ask_during_an_upload_says_it_waits(handlers: ChatHandlers) -> None:
    updates = handlers.respond(S400, [], [], *DEFAULTS)
    assert last_reply(next(updates)[1]) == SEARCHING
    handlers.service.lock.acquire()  # an upload in progress
    try:
        assert last_reply(next(updates)[1]) == WAITING
    finally:
        handlers.service.lock.release()
    assert len(list(updates)[-1][2]) == 1


def test_a_refused_question_gives_it_back_and_raises_a_readable_error(
    handlers: ChatHandlers,
) -> None:
    before = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "reply"}]
    updates = handlers.respond("When?", before, [], 5.0, 2.0, 3.0, "not a date")
    next(updates)
    message, chat, *_ = next(updates)
    assert message == "When?" and chat == before
    with pytest.raises(gr.Error) as raised:
        next(updates)
    assert raised.value.title == "Cannot do that"


# ------------------------------------------------------------------- the other handlers


def test_picking_an_example_fills_the_message_box() -> None:
    assert pick_example(gr.SelectData(None, {"value": {"text": "Who?"}, "index": 0})) == "Who?"
    assert pick_example(gr.SelectData(None, {"value": "odd", "index": 0})) == ""


def test_clear_empties_the_conversation_and_disables_the_export() -> None:
    chat, turns, sources, export, message = clear()
    assert (chat, turns, sources, message) == ([], [], EMPTY_SOURCES_PANEL, "")
    assert export.value is None and export.interactive is False


def test_refresh_shows_the_store(handlers: ChatHandlers, engine: QAEngine) -> None:
    corpus, pick, chatbot, header = handlers.refresh_locked()
    titles = [r.title for r in engine.articles()]
    assert all(html.escape(t, quote=False) in html.unescape(corpus) for t in titles)
    assert [label for label, _ in pick.choices] and pick.value is None
    assert [e["text"] for e in chatbot.examples] == handlers.service.examples()
    assert "2 articles in the store" in header


def test_user_errors_are_escaped_and_unexpected_ones_hide_details() -> None:
    error = user_error(InvalidInputError("question is empty <b>"))
    assert "&lt;b&gt;" in error.message and error.title == "Cannot do that"
    unexpected = user_error(RuntimeError("secret traceback detail"))
    assert "secret" not in unexpected.message and unexpected.title == "Error"


def test_upload_then_remove_refreshes_the_page(
    make_engine: Callable[..., QAEngine], tmp_path: Path
) -> None:
    own = ChatHandlers(ChatService(make_engine(tmp_path / "store"), tmp_path / "up"), 0)
    src = tmp_path / "Varnholm.txt"
    src.write_text(VARNHOLM, encoding="utf-8")
    summary, upload, corpus, pick, _chatbot, header = own.ingest([str(src)], gr.Progress())
    assert summary.startswith("added 1") and upload is None
    assert "Varnholm opens new ferry terminal" in corpus
    assert "1 article in the store" in header
    (label, article_id), *_ = pick.choices
    assert label.startswith("Varnholm")
    (tmp_path / "x.exe").write_text(VARNHOLM, encoding="utf-8")
    with pytest.raises(gr.Error, match="not accepted"):
        own.ingest([str(tmp_path / "x.exe")], gr.Progress())
    with pytest.raises(gr.Error, match="Choose an article"):
        own.remove(None)
    corpus, pick, _chatbot, header = own.remove(article_id)
    assert pick.choices == [] and "0 articles in the store" in header
    assert not list((tmp_path / "up").rglob("*.txt"))  # the uploaded copy went too


# ----------------------------------------------------------------------------------- layout


def test_layout_components_keep_their_ids_and_labels(handlers: ChatHandlers) -> None:
    with gr.Blocks():
        ui = build_layout(handlers.service)
    ask, corpus = ui.ask, ui.corpus
    ids = [ask.chatbot, ask.message, ask.export_btn, ask.sources, corpus.upload, corpus.summary]
    ids += [corpus.remove_pick, corpus.corpus, ui.header]
    assert [c.elem_id for c in ids] == [
        "aqa-chat",
        "aqa-input",
        "aqa-export",
        "aqa-sources",
        "aqa-upload",
        "aqa-summary",
        "aqa-remove-pick",
        "aqa-corpus",
        "aqa-header",
    ]
    assert ask.settings.top_k.value == 5 and ask.settings.max_sentences.value == 3
    assert ask.settings.per_article.value == 3 and ask.settings.as_of.label == "As of (optional)"
    assert [e["text"] for e in ask.chatbot.examples] == handlers.service.examples()
    assert ask.sources.value == EMPTY_SOURCES_PANEL and "2 articles" in ui.header.value


def test_header_and_upload_label_texts() -> None:
    settings = load_settings()
    assert "1 article in the store" in header_html(1, settings)
    assert "0 articles in the store" in header_html(0, settings)
    assert "Answers quoted from the articles (no LLM)" in header_html(0, settings)
    label = upload_label(load_settings(ui_max_upload_bytes=2048, ui_max_upload_files=3))
    assert (
        label
        == "Add articles (.txt .md .markdown .html .htm .json .jsonl; up to 2.0 KB each, 3 at a time)"
    )


def test_upload_folder_defaults(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert default_upload_dir(load_settings(store_path=store)) == tmp_path / "store-uploads"
    chosen = load_settings(store_path=store, ui_upload_path=tmp_path / "mine")
    assert default_upload_dir(chosen) == tmp_path / "mine"
    server = default_upload_dir(load_settings(store_path=store, chroma_host="db"))
    assert server.name == "uploads" and server.parent.name == "article-qa"
