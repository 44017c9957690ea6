"""The chat UI in the llm answer mode, against the scripted OpenAI-compatible server of
tests/qa/llm_server.py: the LLM's text streams into the chat marked unverified (escaped), the
verified answer replaces it, removed sentences are there on request, the mode is shown, a
fallback notice is shown, and the export keeps the removed sentences."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import threading
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr
import pytest

from qa.engine import QAEngine
from qa.settings import load_settings
from qa.ui.export import conversation_markdown
from qa.ui.handlers import SEARCHING, WAITING, ChatHandlers
from qa.ui.layout import EXTRACTIVE_MODE, build_layout, header_html, mode_text
from qa.ui.render import UNVERIFIED, answer_markdown, markdown_text
from qa.ui.service import ChatService
from tests.qa.llm_server import FAIL_500, ScriptedLLM, scripted_llm

pytest.importorskip("llama_index.llms.openai_like")

S400 = "How much did Türkiye pay for the S-400 systems?"
KEPT = "Türkiye paid $2.5 billion for four S-400 systems."
SCRIPT = "<script>alert('x')</script>"
# word 10 is the script tag: the server holds the rest (the invented 2019) until released
REPLY = f"{KEPT} [1] {SCRIPT} The deal was signed in 2019. [1]"
HOLD = 10
DEFAULTS = (5.0, 3.0, 3.0, "")  # top_k, passages per article, sentences, as of

MakeHandlers = Callable[..., tuple[ChatHandlers, ScriptedLLM]]


@pytest.fixture
def llm_handlers(engine: QAEngine) -> Iterator[MakeHandlers]:
    """Handlers over an llm-mode engine on the session store (read only), answering `script`."""
    with contextlib.ExitStack() as stack:

        def make(script: Callable, hold_after: int | None = None, **overrides: Any) -> Any:
            server = stack.enter_context(scripted_llm(script, hold_after))
            settings = load_settings(
                store_path=engine.settings.store_path,
                answer_mode="llm",
                llm_base_url=server.url,
                llm_model="scripted",
                **{"llm_timeout_s": 10.0, **overrides},
            )
            llm_engine = QAEngine(settings, engine.store, engine.embedder)
            service = ChatService(llm_engine)
            return ChatHandlers(service, stream_pause=0, draft_interval=0.02), server

        yield make


def replying(text: str) -> Callable:
    return lambda messages: text


def last_reply(update: tuple) -> str:
    chat = update[1]
    assert chat[-1]["role"] == "assistant"
    return chat[-1]["content"]


def drafts_then_rest(
    updates: Iterator[tuple], server: ScriptedLLM, until: str
) -> tuple[list[str], list[tuple]]:
    """The unverified messages up to the first that shows `until` (the server holds the rest
    of its reply until then), then release the server and collect every later update."""
    assert last_reply(next(updates)) == SEARCHING
    drafts = []
    for update in updates:
        drafts.append(last_reply(update))
        assert UNVERIFIED in drafts[-1], drafts[-1]
        if until in drafts[-1]:
            break
    server.release.set()
    return drafts, list(updates)


# ------------------------------------------------------------------------------- streaming


def test_the_llm_text_streams_unverified_then_the_verified_answer_replaces_it(
    llm_handlers: MakeHandlers,
) -> None:
    handlers, server = llm_handlers(replying(REPLY), hold_after=HOLD)
    updates = handlers.respond(S400, [], [], *DEFAULTS)
    drafts, rest = drafts_then_rest(updates, server, "&lt;script&gt;")
    # while writing: the partial text, escaped, under the unverified marker; nothing else yet
    held = drafts[-1]
    assert markdown_text(KEPT) in held and "2019" not in held and "<script" not in held
    assert held.index(UNVERIFIED) < held.index(markdown_text(KEPT))
    assert 'class="aqa-ref"' not in held and "aqa-removed" not in held
    *more, final = rest
    assert all(UNVERIFIED in last_reply(u) for u in more)  # later drafts only, if any
    assert all(u[2] == gr.skip() for u in more)
    # the end: the verified answer in place of the draft, its turn and sources
    turns = final[2]
    answer = turns[0].answer
    assert answer.mode == "llm" and [s.text for s in answer.sentences] == [KEPT]
    message = last_reply(final)
    assert message == answer_markdown(answer, 0) and UNVERIFIED not in message
    assert 'href="#aqa-cite-0-1"' in message
    assert "Written by scripted · every sentence verified against the articles" in message
    assert "aqa-cite-0-1" in final[3]


def test_removed_sentences_show_on_request_with_their_reason(llm_handlers: MakeHandlers) -> None:
    handlers, _ = llm_handlers(replying(REPLY))
    *_, final = handlers.respond(S400, [], [], *DEFAULTS)
    (removed,) = final[2][0].answer.removed
    assert "2019" in removed.text and "2019" in removed.reason
    message = last_reply(final)
    details = message[message.index("<details") :]
    assert details.startswith(
        '<details class="aqa-removed"><summary>1 sentence removed: not supported by the '
        "articles</summary><ul><li>"
    )
    assert html.escape(removed.text) in details and html.escape(removed.reason) in details
    assert details.index("</summary>") < details.index("2019")  # collapsed until opened
    assert "\n" not in details.split("</details>")[0]  # one HTML block: Markdown leaves it whole


def test_an_llm_reply_with_markup_is_escaped_while_streaming_and_at_the_end(
    llm_handlers: MakeHandlers,
) -> None:
    handlers, server = llm_handlers(replying(REPLY), hold_after=HOLD)
    updates = handlers.respond(S400, [], [], *DEFAULTS)
    drafts, rest = drafts_then_rest(updates, server, "&lt;script&gt;")
    final = last_reply(rest[-1])
    for message in [*drafts, final]:
        assert "<script" not in message and "</script" not in message
    assert "&lt;script&gt;alert" in drafts[-1]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in final  # among the removed


def test_a_kept_unsupported_sentence_is_marked(llm_handlers: MakeHandlers) -> None:
    reply = f"{KEPT} [1] The deal was signed in 2019. [1]"
    handlers, _ = llm_handlers(replying(reply), llm_keep_unsupported=True)
    *_, final = handlers.respond(S400, [], [], *DEFAULTS)
    assert [s.supported for s in final[2][0].answer.sentences] == [True, False]
    message = last_reply(final)
    assert message.endswith(
        '<div class="aqa-mode-mark">Written by scripted · every sentence verified against '
        "the articles</div>"
    )
    unsupported = message.split("2019.", 1)[1]
    assert unsupported.startswith(' <span class="aqa-unsupported"') and "\\[unsupported\\]" in (
        unsupported
    )


def test_a_fallback_answer_shows_its_notice(llm_handlers: MakeHandlers) -> None:
    handlers, _ = llm_handlers(replying(FAIL_500))
    updates = list(handlers.respond(S400, [], [], *DEFAULTS))
    answer = updates[-1][2][0].answer
    assert answer.mode == "extractive" and answer.notice and "HTTP 500" in answer.notice
    message = last_reply(updates[-1])
    assert f'<div class="aqa-notice">{html.escape(answer.notice)}</div>' in message
    assert "Written by" not in message  # the quoted answer is not marked as the LLM's
    assert not any(UNVERIFIED in last_reply(u) for u in updates)  # nothing came to draft


def test_a_refused_question_in_llm_mode_gives_it_back_and_frees_the_lock(
    llm_handlers: MakeHandlers,
) -> None:
    handlers, server = llm_handlers(replying(REPLY))
    updates = handlers.respond("When?", [], [], 5.0, 2.0, 3.0, "not a date")
    next(updates)
    message, chat, *_ = next(updates)
    assert message == "When?" and chat == []
    with pytest.raises(gr.Error) as raised:
        next(updates)
    assert raised.value.title == "Cannot do that" and "as_of" in raised.value.message
    assert not handlers.service.busy() and server.requests == []


def test_an_llm_ask_during_an_upload_waits_for_the_lock(llm_handlers: MakeHandlers) -> None:
    handlers, server = llm_handlers(replying(REPLY))
    updates = handlers.respond(S400, [], [], *DEFAULTS)
    assert last_reply(next(updates)) == SEARCHING
    handlers.service.lock.acquire()  # an upload in progress
    released = threading.Timer(0.3, handlers.service.lock.release)
    try:
        assert last_reply(next(updates)) == WAITING
        released.start()
        final = list(updates)[-1]
    finally:
        released.join()
    assert len(final[2]) == 1 and len(server.requests) == 1 and not handlers.service.busy()


# ------------------------------------------------------------------ the mode, the export


def test_the_mode_is_shown_in_the_header_and_the_settings(
    llm_handlers: MakeHandlers, engine: QAEngine
) -> None:
    handlers, server = llm_handlers(replying(REPLY))
    llm_settings = handlers.service.engine.settings
    assert mode_text(engine.settings) == EXTRACTIVE_MODE
    assert EXTRACTIVE_MODE == "Answers quoted from the articles (no LLM)"
    assert mode_text(llm_settings) == (
        "Answers written by scripted, every sentence verified against the articles"
    )
    assert EXTRACTIVE_MODE in header_html(2, engine.settings)
    assert 'data-mode="llm"' in header_html(2, llm_settings)
    assert mode_text(llm_settings) in header_html(2, llm_settings)
    with gr.Blocks():
        ui = build_layout(handlers.service)
    assert mode_text(llm_settings) in ui.header.value and "checked against" in (
        ui.ask.chatbot.placeholder
    )
    assert server.requests == []  # examples are checked by quoting, never by the LLM
    assert handlers.service.examples()
    *_, header = handlers.refresh_locked()
    assert mode_text(llm_settings) in header


def test_a_model_name_with_markup_is_escaped_in_the_header(engine: QAEngine) -> None:
    settings = load_settings(
        store_path=engine.settings.store_path,
        answer_mode="llm",
        llm_base_url="http://127.0.0.1:9/v1",
        llm_model="<b>m</b>",
    )
    header = header_html(1, settings)
    assert "<b>" not in header and "&lt;b&gt;m&lt;/b&gt;" in header


def test_the_export_has_the_removed_sentences_and_the_model(llm_handlers: MakeHandlers) -> None:
    handlers, _ = llm_handlers(replying(REPLY))
    *_, final = handlers.respond(S400, [], [], *DEFAULTS)
    (turn,) = final[2]
    (removed,) = turn.answer.removed
    text = conversation_markdown([turn], now=dt.datetime(2026, 1, 2, 3, 4))
    answer_at = text.index(turn.answer.text)
    assert text.index("*Written by scripted; every sentence verified against the articles.*") > (
        answer_at
    )
    listed = f"- {' '.join(removed.text.split())} — {removed.reason}"
    assert "Removed, not supported by the articles (1):\n\n" + listed in text
    assert text.index(listed) > answer_at
    written = final[4].value["path"]
    with open(written, encoding="utf-8") as exported:
        assert listed in exported.read()
