"""HTML for the chat UI: answers with [n] links, the sources panel, the corpus table.

Everything that comes from an article (title, outlet, authors, text, quotes) goes through
`esc` before it lands in markup, so an article holding `<script>` shows it as visible text.
Highlights are cut from the article text at the citation's exact character offsets.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ingest.models import Article
from qa.types import Answer, AnswerSentence, Citation, Passage, RemovedSentence
from vectorstore.records import ArticleRecord

FIELD_NAMES = {
    "authors": "byline",
    "source": "outlet",
    "published": "publication date",
    "title": "headline",
}
EMPTY_SOURCES = (
    '<div class="aqa-empty-sources">'
    "<h3>Sources</h3>"
    "<p>Every sentence of an answer is cited to an article. The articles it comes from appear "
    "here, with the cited sentences highlighted.</p>"
    "<p>Click a <span class='aqa-ref-demo'>[1]</span> marker in an answer to jump to its "
    "sentence.</p></div>"
)


def esc(value: object) -> str:
    """Text → inert HTML (quotes too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def nice_date(iso: str | None) -> str:
    """'2025-12-18' → '18 Dec 2025'; anything unparsable is returned as given."""
    if not iso:
        return ""
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.day} {day.strftime('%b %Y')}"


def anchor(turn: int, number: int) -> str:
    return f"aqa-cite-{turn}-{number}"


@dataclass
class Turn:
    """One question and its answer, with the cited articles (full text) for the panel."""

    question: str
    answer: Answer
    articles: dict[str, Article] = field(default_factory=dict)


# ---------------------------------------------------------------------------------- the chat


def markdown_text(text: str) -> str:
    """Escape what Markdown would act on, then HTML, so quotes render exactly as written."""
    text = re.sub(r"([\\`*_{}\[\]()#+!|~$-])", r"\\\1", text)
    return html.escape(text, quote=False)


UNVERIFIED = "Writing — not yet verified against the articles…"
REMOVED_SUMMARY = "removed: not supported by the articles"


def one_line(text: str) -> str:
    """Whitespace collapsed: text that goes into one line of HTML (a blank line would end it)."""
    return " ".join(str(text).split())


def answer_markdown(answer: Answer, turn: int, upto: int | None = None) -> str:
    """The assistant message: the answer's sentences (escaped) with [n] as links to sources,
    then, once complete, what the LLM wrote that was removed, who wrote it, and any notice.

    `upto` cuts the answer after that many sentences (for streaming)."""
    if answer.abstained:
        # the answerer's own words: why it declines ("... none of them mentions India.")
        lines = [f"**{markdown_text(answer.text)}**"]
        if answer.related:
            lines.append(
                "The closest passages are beside the chat as *related reading* — they are not "
                "an answer."
            )
        return "\n\n".join(lines + answer_footer(answer))
    shown = answer.sentences if upto is None else answer.sentences[:upto]
    text = " ".join(_sentence_markdown(s, turn) for s in shown)
    if len(shown) < len(answer.sentences):
        return text
    if answer.unanswered:  # parts of a compound question
        text += "\n\n*Not answered by the articles:* " + markdown_text(" ".join(answer.unanswered))
    return "\n\n".join([text, *answer_footer(answer)])


def answer_footer(answer: Answer) -> list[str]:
    """HTML blocks under a complete answer: removed sentences (collapsed), the llm-mode
    marker, the notice. Each is one line of HTML, everything in it escaped."""
    blocks = []
    if answer.removed:
        blocks.append(removed_html(answer.removed))
    if answer.mode == "llm":
        blocks.append(
            f'<div class="aqa-mode-mark">Written by {esc(one_line(answer.model or "an LLM"))}'
            " · every sentence verified against the articles</div>"
        )
    if answer.notice:
        blocks.append(f'<div class="aqa-notice">{esc(one_line(answer.notice))}</div>')
    return blocks


def removed_html(removed: Sequence[RemovedSentence]) -> str:
    """The sentences verification took out, with the reason, collapsed until asked for."""
    n = len(removed)
    items = "".join(
        f'<li><span class="aqa-removed-text">{esc(one_line(r.text))}</span> '
        f'<span class="aqa-removed-why">— {esc(one_line(r.reason))}</span></li>'
        for r in removed
    )
    label = f"{n} sentence{'s' if n != 1 else ''} {REMOVED_SUMMARY}"
    return f'<details class="aqa-removed"><summary>{label}</summary><ul>{items}</ul></details>'


def draft_markdown(text: str) -> str:
    """What the LLM has written so far, while it writes: escaped (it is untrusted) and marked
    as not verified; the verified answer replaces it."""
    return (
        f'<div class="aqa-unverified">{esc(UNVERIFIED)}</div>\n\n'
        f'<span class="aqa-draft">{markdown_text(one_line(text))}</span>'
    )


def _sentence_markdown(sentence: AnswerSentence, turn: int) -> str:
    """One sentence (escaped) followed by its citation numbers as links to the sources
    (an unsupported sentence, kept because the settings say so, is marked as such)."""
    links = "".join(
        f' <a class="aqa-ref" href="#{anchor(turn, n)}" data-turn="{turn}" '
        f'data-n="{n}" title="Show source {n}">[{n}]</a>'
        for n in sentence.numbers
    )
    if not sentence.supported:
        links += (
            ' <span class="aqa-unsupported" title="Not supported by the articles">'
            f"{markdown_text('[unsupported]')}</span>"
        )
    return markdown_text(sentence.text.strip()) + links


def answer_sentences(answer: Answer) -> list[AnswerSentence]:
    """The sentences of an answer (none when it abstains), for streaming one by one."""
    return list(answer.sentences)


def history_messages(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """The conversation as OpenAI-style messages with the answers' plain text, for engine.ask."""
    messages: list[dict[str, str]] = []
    for t in turns:
        messages.append({"role": "user", "content": t.question})
        messages.append({"role": "assistant", "content": t.answer.text})
    return messages


# -------------------------------------------------------------------------- the sources panel


def highlight(text: str, spans: Iterable[tuple[int, int, int, str]]) -> str:
    """`text` escaped, with each (start, end, number, anchor id) span wrapped in <mark>.

    Overlapping spans are cut at every boundary; each piece names all numbers covering it, and
    the first piece of a span carries its anchor id."""
    spans = [(max(0, s), min(len(text), e), n, a) for s, e, n, a in spans if e > s]
    if not spans:
        return esc(text)
    cuts = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    started: set[str] = set()
    out = []
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        covering = [sp for sp in spans if sp[0] <= lo and hi <= sp[1]]
        piece = esc(text[lo:hi])
        if not covering:
            out.append(piece)
            continue
        numbers = sorted({n for _, _, n, _ in covering})
        ids = [a for s, _, _, a in covering if s == lo and a not in started]
        started.update(ids)
        id_attr = f' id="{esc(ids[0])}"' if ids else ""
        label = ",".join(str(n) for n in numbers)
        out.append(
            f'<mark class="aqa-hl"{id_attr} data-n="{label}" title="Cited as [{label}]">'
            f"{piece}</mark>"
        )
    return "".join(out)


def _meta_line(source: str | None, published: str | None, authors: Sequence[str] = ()) -> str:
    bits = []
    if source:
        bits.append(f'<span class="aqa-outlet">{esc(source)}</span>')
    if published:
        bits.append(f'<time datetime="{esc(published)}">{esc(nice_date(published))}</time>')
    if authors:
        bits.append(f'<span class="aqa-byline">By {esc(", ".join(authors))}</span>')
    if not bits:
        bits.append('<span class="aqa-muted">Outlet and date unknown</span>')
    return '<div class="aqa-meta">' + '<span class="aqa-dot">·</span>'.join(bits) + "</div>"


def _metadata_value(article: Article | None, c: Citation) -> str | None:
    if article is None:
        return None
    try:
        return article.meta.value(c.field)
    except ValueError:
        return None


def _metadata_citation(turn: int, c: Citation, article: Article | None) -> str:
    value = _metadata_value(article, c)
    if value is not None and value[c.start : c.end] == c.quote:
        shown = highlight(value, [(c.start, c.end, c.number, anchor(turn, c.number))])
    else:
        shown = f'<mark class="aqa-hl" id="{anchor(turn, c.number)}">{esc(c.quote)}</mark>'
    name = FIELD_NAMES.get(c.field, c.field)
    return (
        f'<div class="aqa-metacite"><span class="aqa-num">[{c.number}]</span> '
        f"From the article’s {esc(name)} (not its text): {shown}</div>"
    )


def _source_card(turn: int, article_id: str, cites: list[Citation], article: Article | None) -> str:
    meta = article.meta if article else cites[0].meta
    title, url = meta.title, meta.url
    numbers = " ".join(
        f'<a class="aqa-chip" href="#{anchor(turn, c.number)}" data-turn="{turn}" '
        f'data-n="{c.number}">[{c.number}]</a>'
        for c in cites
    )
    body_cites = [c for c in cites if c.field == "text"]
    meta_cites = [c for c in cites if c.field != "text"]
    parts = [
        f'<article class="aqa-card" data-article="{esc(article_id)}">',
        '<div class="aqa-card-head">',
        f'<div class="aqa-card-top"><div class="aqa-chips">{numbers}</div></div>',
        f'<h3 class="aqa-title">{esc(title)}</h3>',
        _meta_line(meta.source, meta.published, meta.authors),
    ]
    if url and re.match(r"^https?://", url):
        parts.append(
            f'<a class="aqa-url" href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
            f"{esc(url)}</a>"
        )
    parts.append("</div>")
    parts += [_metadata_citation(turn, c, article) for c in meta_cites]
    if article is not None and body_cites:
        spans = [(c.start, c.end, c.number, anchor(turn, c.number)) for c in body_cites]
        parts.append(f'<div class="aqa-body">{highlight(article.text, spans)}</div>')
    elif body_cites:  # the article is gone from the store: show the quotes alone
        parts += [
            f'<blockquote class="aqa-quote"><mark class="aqa-hl" id="{anchor(turn, c.number)}">'
            f"{esc(c.quote)}</mark></blockquote>"
            for c in body_cites
        ]
    parts.append("</article>")
    return "".join(parts)


def _excerpt(text: str, limit: int = 420) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _related(turn: int, passages: Sequence[Passage]) -> str:
    if not passages:
        return '<p class="aqa-muted">No passage in the articles comes close to this question.</p>'
    seen: dict[str, list[Passage]] = {}
    for p in passages:
        seen.setdefault(p.article_id, []).append(p)
    cards = []
    for article_id, group in seen.items():
        p = group[0]
        cards.append(
            f'<div class="aqa-related-card" data-article="{esc(article_id)}">'
            f'<h4 class="aqa-title">{esc(p.title)}</h4>'
            f"{_meta_line(p.source, p.published)}"
            + "".join(f'<p class="aqa-excerpt">{esc(_excerpt(q.text))}</p>' for q in group[:2])
            + "</div>"
        )
    return "".join(cards)


def turn_html(index: int, turn: Turn, visible: bool) -> str:
    a = turn.answer
    hidden = "" if visible else " hidden"
    head = (
        f'<div class="aqa-turn-head"><span class="aqa-kicker">Sources for</span> '
        f'<span class="aqa-question">{esc(turn.question)}</span></div>'
    )
    if a.abstained:
        body = (
            '<div class="aqa-abstain-note"><strong>No answer in the articles.</strong> '
            "Nothing in the stored articles answers this question, so no answer is given. "
            "The closest passages are listed below for further reading.</div>"
            '<h4 class="aqa-related-head">Related reading — not an answer</h4>'
            f'<div class="aqa-related">{_related(index, a.related)}</div>'
        )
        cls = "aqa-turn aqa-turn-abstained"
    else:
        groups: dict[str, list[Citation]] = {}
        for c in a.citations:
            groups.setdefault(c.article_id, []).append(c)
        body = "".join(
            _source_card(index, aid, cites, turn.articles.get(aid)) for aid, cites in groups.items()
        )
        cls = "aqa-turn"
    return f'<section class="{cls}" data-turn="{index}"{hidden}>{head}{body}</section>'


def sources_html(turns: Sequence[Turn], keep: int = 20) -> str:
    """The panel: every recent turn's sources (the latest visible; JS switches on [n] clicks)."""
    if not turns:
        return f'<div class="aqa-sources">{EMPTY_SOURCES}</div>'
    first = max(0, len(turns) - keep)
    sections = [turn_html(i, turns[i], i == len(turns) - 1) for i in range(first, len(turns))]
    return '<div class="aqa-sources">' + "".join(sections) + "</div>"


# ------------------------------------------------------------------------------- the corpus


def display_origin(origin: str) -> str:
    """The file name an article came from (no folders), for display."""
    name = origin.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name or origin


def corpus_html(records: Sequence[ArticleRecord]) -> str:
    if not records:
        return '<p class="aqa-muted">The store holds no articles yet. Upload some above.</p>'
    rows = "".join(
        "<tr>"
        f'<td class="aqa-col-title">{esc(r.title)}</td>'
        f"<td>{esc(r.source or '—')}</td>"
        f"<td class='aqa-nowrap'>{esc(nice_date(r.published) or '—')}</td>"
        f"<td class='aqa-num-col'>{r.n_chunks}</td>"
        f"<td class='aqa-file'>{esc(display_origin(r.origin))}</td>"
        "</tr>"
        for r in records
    )
    total = sum(r.n_chunks for r in records)
    return (
        f'<div class="aqa-corpus-count">{len(records)} article{"s" if len(records) != 1 else ""}'
        f" · {total} chunks</div>"
        '<table class="aqa-table"><thead><tr><th>Title</th><th>Outlet</th><th>Date</th>'
        '<th class="aqa-num-col">Chunks</th><th>File</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def article_choices(records: Sequence[ArticleRecord]) -> list[tuple[str, str]]:
    """(label, id) pairs for the remove dropdown; labels are plain text (rendered as text)."""
    out = []
    for r in records:
        extra = ", ".join(x for x in (r.source, nice_date(r.published)) if x)
        title = r.title if len(r.title) <= 90 else r.title[:89] + "…"
        out.append((f"{title}" + (f" ({extra})" if extra else ""), r.id))
    return out
