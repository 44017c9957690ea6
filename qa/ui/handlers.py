"""What the chat UI's events do: answer (streamed), pick an example, clear, refresh, upload and
remove. `app.py` wires these methods to the components of `qa.ui.layout`.

Each handler returns (or yields) one value per output component of its event, in the order
`app.py` lists them; `gr.skip()` leaves a component as it is. Errors reach the browser as one
readable `gr.Error` (see `user_error`), never as a traceback.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, wait
from pathlib import Path
from typing import Any

import gradio as gr

from ingest.errors import ArticleQAError
from qa.ui.export import ExportFolder
from qa.ui.layout import EMPTY_SOURCES_PANEL, examples_value, header_html
from qa.ui.render import (
    Turn,
    answer_markdown,
    answer_sentences,
    article_choices,
    corpus_html,
    draft_markdown,
    esc,
    markdown_text,
    sources_html,
)
from qa.ui.service import AnswerOptions, ChatService

log = logging.getLogger("article_qa.ui")
STREAM_PAUSE = 0.05  # seconds between streamed sentences
DRAFT_INTERVAL = 0.25  # llm mode: seconds between updates of the text being written
SEARCHING = "*Searching the articles…*"
WAITING = "*Waiting for the article upload to finish…*"

Message = dict[str, Any]  # one gr.Chatbot message: {"role": ..., "content": ...}
# respond's outputs: message box, chatbot, turns, sources panel, export button
ChatUpdate = tuple[Any, Any, Any, Any, Any]
# refresh outputs: corpus table, remove dropdown, chatbot (its examples), header
Refresh = tuple[str, Any, Any, str]
# ingest's outputs: summary, upload box, then the refresh outputs
IngestUpdate = tuple[str, None, str, Any, Any, str]


def user_error(exc: BaseException) -> gr.Error:
    """A readable message for the browser (escaped: Gradio renders error text as HTML)."""
    if isinstance(exc, ArticleQAError):
        return gr.Error(esc(str(exc)), title="Cannot do that")
    log.exception("unexpected error in the UI", exc_info=exc)
    return gr.Error(
        "Something went wrong on the server. Please try again; the details are in the server log.",
        title="Error",
    )


def with_reply(chat: Sequence[Message], text: str) -> list[Message]:
    return [*chat, {"role": "assistant", "content": text}]


def export_update(turns: Sequence[Turn], exports: ExportFolder) -> Any:
    """The export button, enabled with the conversation written out (left as is on failure)."""
    try:
        return gr.DownloadButton(value=str(exports.write(turns)), interactive=True)
    except OSError as exc:
        log.warning("could not write the export file: %s", exc)
        return gr.skip()


def pick_example(evt: gr.SelectData) -> str:
    """A clicked example question goes into the message box."""
    value = evt.value if isinstance(evt.value, dict) else {}
    return value.get("text", "")


def clear() -> tuple[list[Message], list[Turn], str, Any, str]:
    """Outputs: chatbot, turns, sources panel, export button, message box."""
    return [], [], EMPTY_SOURCES_PANEL, gr.DownloadButton(value=None, interactive=False), ""


class Drafts:
    """The LLM's text while it writes, as chat messages marked unverified: iterating yields the
    text so far whenever more has arrived (at most once per `interval` seconds) until the
    answer is ready; then `turn` is the verified answer (or raises what the ask raised)."""

    def __init__(self, tokens: queue.SimpleQueue[str], done: Future[Turn], interval: float):
        self.tokens = tokens
        self.done = done
        self.interval = interval
        self.text = ""

    def __iter__(self) -> Iterator[str]:
        shown = ""
        while True:
            finished = bool(wait([self.done], timeout=self.interval).done)
            while not self.tokens.empty():
                self.text += self.tokens.get_nowait()
            if finished:
                return
            if self.text.strip() and self.text != shown:
                shown = self.text
                yield draft_markdown(self.text)

    @property
    def turn(self) -> Turn:
        return self.done.result()


class ChatHandlers:
    """The handlers that need the engine, all through one ChatService (and its lock)."""

    def __init__(
        self,
        service: ChatService,
        stream_pause: float = STREAM_PAUSE,
        draft_interval: float = DRAFT_INTERVAL,
    ) -> None:
        self.service = service
        self.stream_pause = stream_pause
        self.draft_interval = draft_interval
        self.exports = ExportFolder()
        atexit.register(self.exports.cleanup)

    # ---- asking --------------------------------------------------------------------------------
    def respond(
        self,
        question: str,
        chat: list[Message],
        turns: list[Turn],
        k: float,
        per: float,
        sentences: float,
        day: str,
    ) -> Iterator[ChatUpdate]:
        """Answer `question` as a follow-up of `turns`, streaming the answer: sentence by
        sentence, or in the llm answer mode the LLM's text as it arrives (marked unverified)
        until the verified answer replaces it."""
        question = (question or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            return
        before = list(chat or [])
        pending = [*before, {"role": "user", "content": markdown_text(question)}]
        yield "", with_reply(pending, SEARCHING), gr.skip(), gr.skip(), gr.skip()
        options = AnswerOptions(int(k), int(sentences), int(per), (day or "").strip() or None)
        drafted = False
        try:
            if self.service.busy():
                yield gr.skip(), with_reply(pending, WAITING), gr.skip(), gr.skip(), gr.skip()
            if self.service.streams_tokens:
                drafts = self._ask_drafting(question, turns, options)
                for draft in drafts:
                    drafted = True
                    yield gr.skip(), with_reply(pending, draft), gr.skip(), gr.skip(), gr.skip()
                turn = drafts.turn
            else:
                with self.service.locked():
                    turn = self.service.ask(question, turns, options)
        except Exception as exc:
            yield question, before, gr.skip(), gr.skip(), gr.skip()  # the question back, to edit
            raise user_error(exc) from None
        yield from self._stream(pending, turns, turn, by_sentence=not drafted)

    def _ask_drafting(self, question: str, turns: list[Turn], options: AnswerOptions) -> Drafts:
        """Ask in a worker thread (holding the service lock there, so that a page closed
        mid-answer never keeps it) while the LLM's text is collected as it arrives."""
        tokens: queue.SimpleQueue[str] = queue.SimpleQueue()
        done: Future[Turn] = Future()

        def work() -> None:
            try:
                with self.service.locked():
                    done.set_result(self.service.ask(question, turns, options, tokens.put))
            except BaseException as exc:  # handed to respond, which reports it
                done.set_exception(exc)

        threading.Thread(target=work, name="aqa-ask", daemon=True).start()
        return Drafts(tokens, done, self.draft_interval)

    def _stream(
        self, pending: list[Message], turns: list[Turn], turn: Turn, by_sentence: bool = True
    ) -> Iterator[ChatUpdate]:
        index = len(turns)
        new_turns = [*turns, turn]
        steps = 1 if turn.answer.abstained else len(answer_sentences(turn.answer))
        for upto in range(1, steps if by_sentence else 1):
            text = answer_markdown(turn.answer, index, upto=upto)
            yield gr.skip(), with_reply(pending, text), gr.skip(), gr.skip(), gr.skip()
            time.sleep(self.stream_pause)
        final = with_reply(pending, answer_markdown(turn.answer, index))
        exported = export_update(new_turns, self.exports)
        yield gr.skip(), final, new_turns, sources_html(new_turns), exported

    # ---- the corpus ----------------------------------------------------------------------------
    def refreshed(self) -> Refresh:
        """The parts of the page that show the corpus; call with the service lock held."""
        records = self.service.articles()
        return (
            corpus_html(records),
            gr.Dropdown(choices=article_choices(records), value=None),
            gr.Chatbot(examples=examples_value(self.service.examples())),
            header_html(len(records), self.service.engine.settings),
        )

    def refresh_locked(self) -> Refresh:
        """On page load: a page opened later gets the current examples and article list."""
        with self.service.locked():
            return self.refreshed()

    def ingest(
        self,
        files: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio reads this default)
    ) -> IngestUpdate:
        """Outputs: ingest summary, upload box (emptied), then the refresh outputs."""
        files = files or []
        uploads = [(Path(f).name, f) for f in files]
        settings = self.service.engine.settings
        progress(0.05, desc="Waiting for the store…")
        try:
            with self.service.locked():
                progress(0.2, desc=f"Reading and embedding {len(files)} file(s)…")
                report, text = self.service.ingest_uploads(
                    uploads, settings.ui_max_upload_bytes, settings.ui_max_upload_files
                )
                progress(0.9, desc="Refreshing the article list…")
                refresh = self.refreshed()
        except Exception as exc:
            raise user_error(exc) from None
        if report.added or report.updated:
            gr.Info(f"Added {len(report.added) + len(report.updated)} article(s).")
        elif report.skipped:
            gr.Warning("No article was added; see the summary for the reasons.")
        return (text, None, *refresh)

    def remove(self, article_id: str | None) -> Refresh:
        if not article_id:
            raise gr.Error("Choose an article to remove first.", title="Nothing chosen")
        try:
            with self.service.locked():
                record = self.service.remove(article_id)
                refresh = self.refreshed()
        except Exception as exc:
            raise user_error(exc) from None
        title = record.title if record else article_id
        gr.Info(f"Removed “{esc(title)}”.")
        return refresh
