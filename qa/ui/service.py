"""The engine as the UI uses it: one lock around the store, per-session answer settings, and
example questions drawn from the articles in the store.

Gradio runs handlers in threads, and an embedded store has one writer (a file lock that two
threads of one process would also contend for). So every engine call goes through one lock:
an upload or removal runs alone, and a question asked meanwhile waits for it instead of failing.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ingest.models import Article
from qa.conversation import latest_messages
from qa.engine import QAEngine
from qa.generation import TokenCallback
from qa.settings import load_settings
from qa.types import Answer
from qa.ui.render import Turn, history_messages
from qa.ui.uploads import Staged, readable_summary, stage_uploads
from vectorstore.indexer import IngestReport
from vectorstore.records import ArticleRecord

log = logging.getLogger("article_qa.ui")


@dataclass(frozen=True)
class AnswerOptions:
    """What a user may change per session (see the Settings panel)."""

    top_k: int
    max_answer_sentences: int
    answer_passages_per_article: int
    as_of: str | None = None


def title_core(title: str) -> str:
    """A headline without its trailing attribution ("...: Kremlin") and end punctuation."""
    title = " ".join(title.split())
    head, sep, tail = title.rpartition(":")
    if sep and head and len(tail.split()) <= 4:
        title = head
    return title.strip(" .?!:;,\u2013\u2014-")


_TRAILING_CIRCUMSTANCE = re.compile(
    r"\s(?:in|on|by|at|this|next|last|from|after|before|during)\b.*$"
)


def _sentences(text: str, limit: int = 8) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", " ".join(text.split()))[:limit]


def question_candidates(article: Article) -> list[str]:
    """Questions an article should answer, built from its first sentences and its headline
    (best-sounding first; the caller keeps the first one the engine answers from the article)."""
    out = []
    for sentence in _sentences(article.text):
        m = re.match(
            r"^(?P<who>[A-Z][\w .'’-]{2,80}?) (?:is|are) (?:expected|set|due|planning|scheduled) "
            r"to (?P<what>[^,;]{5,90}?)[,.;]",
            sentence,
        )
        if m:
            what = _TRAILING_CIRCUMSTANCE.sub("", m["what"]).strip()
            if len(what.split()) >= 2:
                out.append(f"When is {m['who']} expected to {what}?")
        m = re.search(
            r"(?:^|, )(?P<who>[A-Z][\w’'-]+(?: [A-Z][\w’'-]+)*) (?:purchased|bought|acquired) "
            r"(?P<what>[^,;$]{5,80}?) for (?:about |around |some )?[$€£]",
            sentence,
        )
        if m:
            what = re.sub(r"^(?:a|an|one|two|three|four|five|six|\d+) ", "", m["what"].strip())
            what = re.sub(r"\s(?:from|to) .*$", "", what)
            out.append(f"How much did {m['who']} pay for the {what}?")
    core = title_core(article.title)
    if core and 3 <= len(core.split()) <= 12:
        # questions about the article itself, answered from its byline and outlet
        if article.source:
            out.append(f"Which outlet published the story “{core}”?")
        if article.authors:
            out.append(f"Who wrote the story “{core}”?")
        out.append(f"What does the story “{core}” report?")
    return list(dict.fromkeys(out))


def _drop_unused(staged: Staged, records: Iterable[ArticleRecord]) -> None:
    """Delete the staged files that no stored article came from (refused, empty, broken),
    and their folder once empty: only copies of stored articles stay in the upload folder."""
    used = {
        origin.split("#", 1)[0]
        for r in records
        for origin in (r.origin, *r.origins, *(d.get("origin", "") for d in r.duplicates))
    }
    for path in staged.files:
        if str(path) not in used:
            path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        staged.folder.rmdir()  # only when empty


class ChatService:
    def __init__(self, engine: QAEngine, upload_dir: Path | None = None) -> None:
        self.engine = engine
        self.upload_dir = upload_dir
        self.lock = threading.Lock()
        self._engines: dict[tuple[int, int, int], QAEngine] = {}
        self._examples: list[str] | None = None
        self._quoting: QAEngine | None = None

    # ---- locking -----------------------------------------------------------------------------
    @contextmanager
    def locked(self, waiting: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the store lock; `waiting` is called once if someone else holds it now."""
        if not self.lock.acquire(blocking=False):
            if waiting is not None:
                waiting()
            self.lock.acquire()
        try:
            yield
        finally:
            self.lock.release()

    def busy(self) -> bool:
        return self.lock.locked()

    # ---- settings ----------------------------------------------------------------------------
    def default_options(self) -> AnswerOptions:
        s = self.engine.settings
        return AnswerOptions(s.top_k, s.max_answer_sentences, s.answer_passages_per_article)

    def engine_for(self, options: AnswerOptions) -> QAEngine:
        key = (options.top_k, options.max_answer_sentences, options.answer_passages_per_article)
        d = self.default_options()
        if key == (d.top_k, d.max_answer_sentences, d.answer_passages_per_article):
            return self.engine
        if key not in self._engines:
            if len(self._engines) >= 8:
                self._engines.pop(next(iter(self._engines)))
            self._engines[key] = self._variant(
                top_k=options.top_k,
                max_answer_sentences=options.max_answer_sentences,
                answer_passages_per_article=options.answer_passages_per_article,
            )
        return self._engines[key]

    def _variant(self, **changes: object) -> QAEngine:
        """An engine on the same store and embedder with some settings changed (checked by
        `load_settings`, so a misspelt name is an error)."""
        settings = load_settings(**{**self.engine.settings.model_dump(), **changes})
        return QAEngine(settings, self.engine.store, self.engine.embedder)

    def quoting_engine(self) -> QAEngine:
        """The engine in the extractive mode (this one, unless answers are LLM-written): what
        checks the example questions, so that building a page never waits for an LLM."""
        if self.engine.settings.answer_mode == "extractive":
            return self.engine
        if self._quoting is None:
            self._quoting = self._variant(answer_mode="extractive")
        return self._quoting

    # ---- questions ---------------------------------------------------------------------------
    @property
    def streams_tokens(self) -> bool:
        """Whether answers are written by an LLM whose text arrives as it is written."""
        return self.engine.settings.answer_mode == "llm"

    def ask(
        self,
        question: str,
        turns: Sequence[Turn],
        options: AnswerOptions,
        on_token: TokenCallback | None = None,
    ) -> Turn:
        """Answer `question` as a follow-up of `turns`; the cited articles come along in full.
        In the llm answer mode `on_token` gets the LLM's text as it arrives (unverified)."""
        engine = self.engine_for(options)
        answer: Answer = engine.ask(
            question,
            history=latest_messages(history_messages(turns), engine.settings),
            as_of=options.as_of or None,
            on_token=on_token,
        )
        articles: dict[str, Article] = {}
        for c in answer.citations:
            if c.article_id not in articles:
                # an article removed meanwhile: its card shows the quotes alone
                with contextlib.suppress(KeyError):
                    articles[c.article_id] = engine.article(c.article_id)
        return Turn(question, answer, articles)

    # ---- corpus ------------------------------------------------------------------------------
    def articles(self) -> list[ArticleRecord]:
        return self.engine.articles()

    def ingest_uploads(
        self, uploads: Sequence[tuple[str, str]], max_bytes: int, max_files: int
    ) -> tuple[IngestReport, str]:
        """Stage the uploads under safe names and ingest them; (report, summary for display)."""
        staged: Staged = stage_uploads(uploads, max_bytes, max_files, parent=self.upload_dir)
        try:
            report = self.engine.ingest([staged.folder])
        except BaseException:
            shutil.rmtree(staged.folder, ignore_errors=True)
            raise
        self._examples = None
        _drop_unused(staged, self.engine.store.snapshot().records.values())
        return report, readable_summary(report.summary(), staged)

    def remove(self, article_id: str) -> ArticleRecord | None:
        record = next((r for r in self.engine.articles() if r.id == article_id), None)
        self.engine.remove(article_id)
        self._examples = None
        if record is not None and self.upload_dir is not None:
            for origin in record.origins or (record.origin,):
                path = Path(origin.split("#", 1)[0])
                try:  # the copy made at upload time goes too
                    if path.resolve().is_relative_to(self.upload_dir.resolve()):
                        path.unlink(missing_ok=True)
                except OSError:
                    log.warning("could not delete the uploaded copy %s", path)
        return record

    def examples(self, limit: int = 4) -> list[str]:
        """Questions drawn from the newest articles, each checked to be answered from its own
        article (a candidate the engine abstains on is not offered; quoted answers check them,
        also in the llm answer mode)."""
        if self._examples is not None:
            return self._examples
        found: list[str] = []
        records = self.engine.articles()[: limit * 2]
        per_article = 1 if len(records) >= limit else 2  # a small corpus: two per article
        for record in records:
            try:
                article = self.engine.article(record.id)
            except KeyError:
                continue
            kept = 0
            for question in question_candidates(article)[:4]:
                if len(found) >= limit or kept >= per_article:
                    break
                try:
                    answer = self.quoting_engine().ask(question)
                except Exception:  # an example is optional; never let it break the page
                    log.exception("example question failed: %s", question)
                    continue
                if not answer.abstained and any(
                    c.article_id == record.id for c in answer.citations
                ):
                    found.append(question)
                    kept += 1
        self._examples = found
        return found
