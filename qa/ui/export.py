"""A conversation with its citations as a Markdown document (the "Export" button)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path

from qa.ui.render import FIELD_NAMES, Turn, nice_date


def _quote(text: str) -> str:
    return " ".join(text.split())


def conversation_markdown(turns: Sequence[Turn], now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now().astimezone()
    lines = [
        "# article-qa conversation",
        "",
        f"Exported {now.strftime('%Y-%m-%d %H:%M %Z').strip()}. Every answer sentence is quoted "
        "from an article; character offsets refer to the article text.",
        "",
    ]
    for i, t in enumerate(turns, start=1):
        a = t.answer
        lines += [f"## Q{i}. {t.question}", ""]
        if a.abstained:
            lines += [f"**{a.text}**", ""]
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
            continue
        lines += [a.text, ""]
        if getattr(a, "unanswered", None):
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
    return "\n".join(lines).rstrip() + "\n"


def write_export(turns: Sequence[Turn], folder: Path | None = None) -> Path:
    """Write the Markdown to a fresh file (in its own temp folder) and return its path."""
    folder = Path(tempfile.mkdtemp(prefix="aqa-export-", dir=folder))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"article-qa-conversation-{stamp}.md"
    path.write_text(conversation_markdown(turns), encoding="utf-8")
    return path
