"""A conversation with its citations as a Markdown document (the "Export" button)."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from qa.types import Answer
from qa.ui.render import FIELD_NAMES, Turn, nice_date


def _quote(text: str) -> str:
    return " ".join(text.split())


def conversation_markdown(turns: Sequence[Turn], now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now().astimezone()
    lines = [
        "# article-qa conversation",
        "",
        f"Exported {now.strftime('%Y-%m-%d %H:%M %Z').strip()}. Every answer sentence is quoted "
        "from an article (or, where an LLM wrote the answer, verified against one); character "
        "offsets refer to the article text.",
        "",
    ]
    for i, t in enumerate(turns, start=1):
        lines += [f"## Q{i}. {t.question}", ""]
        lines += _abstention(t.answer) if t.answer.abstained else _answer(t)
        lines += _about(t.answer)
    return "\n".join(lines).rstrip() + "\n"


def _abstention(a: Answer) -> list[str]:
    lines = [f"**{a.text}**", ""]
    if a.related:
        lines += ["Related reading (not an answer):", ""]
        seen: set[str] = set()
        for p in a.related:
            if p.article_id in seen:
                continue
            seen.add(p.article_id)
            where = ", ".join(x for x in (p.source, nice_date(p.published)) if x)
            lines.append(f"- {p.title}" + (f" ({where})" if where else ""))
        lines.append("")
    return lines


def _answer(t: Turn) -> list[str]:
    a = t.answer
    lines = [a.text, ""]
    if a.unanswered:
        lines += ["Not answered by the articles: " + " ".join(a.unanswered), ""]
    if a.citations:
        lines += ["Citations:", ""]
    for c in a.citations:
        article = t.articles.get(c.article_id)
        source = (article.source if article else c.source) or "outlet unknown"
        published = (article.published if article else c.published) or "date unknown"
        lines.append(f"{c.number}. **{c.title}** — {source}, {published}")
        if c.url:
            lines.append(f"   {c.url}")
        where = (
            f"characters {c.start}–{c.end} of the article text"
            if c.field == "text"
            else f"characters {c.start}–{c.end} of the article's "
            f"{FIELD_NAMES.get(c.field, c.field)} ({c.field})"
        )
        lines.append(f"   > “{_quote(c.quote)}” ({where}; article id {c.article_id})")
    lines.append("")
    return lines


def _about(a: Answer) -> list[str]:
    """Under an answer: who wrote it, the sentences verification removed, any notice."""
    lines = []
    if a.mode == "llm":
        lines += [
            f"*Written by {a.model or 'an LLM'}; every sentence verified against the articles.*"
        ]
        lines.append("")
    if a.removed:
        lines += [f"Removed, not supported by the articles ({len(a.removed)}):", ""]
        lines += [f"- {_quote(r.text)} — {_quote(r.reason)}" for r in a.removed]
        lines.append("")
    if a.notice:
        lines += [f"Note: {_quote(a.notice)}", ""]
    return lines


class ExportFolder:
    """Where the chat UI writes its Markdown exports (one after every answer): one temporary
    folder per process that holds only the latest `keep` files, removed by `cleanup()` (the app
    calls it at exit). Gradio serves its own copy of a file, so older ones can go."""

    def __init__(self, keep: int = 16, parent: Path | None = None) -> None:
        if keep <= 0:
            raise ValueError(f"keep must be > 0, got {keep}")
        self.keep = keep
        self.parent = parent
        self._folder: Path | None = None
        self._lock = threading.Lock()
        self._written: list[Path] = []

    def write(self, turns: Sequence[Turn]) -> Path:
        """Write the conversation to a new file and return its path."""
        text = conversation_markdown(turns)
        with self._lock:
            if self._folder is None or not self._folder.is_dir():
                self._folder = Path(tempfile.mkdtemp(prefix="aqa-export-", dir=self.parent))
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
                "w",
                encoding="utf-8",
                dir=self._folder,
                prefix=f"article-qa-conversation-{dt.datetime.now():%Y%m%d-%H%M%S}-",
                suffix=".md",
                delete=False,
            )
            with handle:
                handle.write(text)
            self._written.append(Path(handle.name))
            while len(self._written) > self.keep:
                self._written.pop(0).unlink(missing_ok=True)
            return self._written[-1]

    def cleanup(self) -> None:
        with self._lock:
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
            self._folder, self._written = None, []
