"""The chat UI's pieces without a browser: escaping, highlights at exact offsets, abstention,
the Markdown export, upload name sanitising and limits, the locked service, and app building."""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
from pathlib import Path

import pytest

from ingest.errors import InvalidInputError
from ingest.models import Article, ArticleMeta
from qa.types import Answer, AnswerSentence, Citation, Passage
from qa.ui.export import ExportFolder, conversation_markdown
from qa.ui.render import (
    Turn,
    answer_markdown,
    answer_sentences,
    corpus_html,
    highlight,
    history_messages,
    sources_html,
)
from qa.ui.service import AnswerOptions, ChatService, question_candidates, title_core
from qa.ui.uploads import check_uploads, readable_summary, safe_stem, stage_uploads, suffix_of
from tests.conftest import article_id
from vectorstore.records import ArticleRecord
from vectorstore.terms import terms

S400 = "How much did Türkiye pay for the S-400 systems?"
S400_SENTENCE = (
    "In 2017, Türkiye purchased four S-400 air defense systems from Russia for $2.5 billion."
)
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
EVIL_TEXT = f"Keepers struck on Monday. {SCRIPT} The strike lasts nine days. {IMG} Ships wait."


def evil_article() -> Article:
    meta = ArticleMeta(
        title=f"Keepers {SCRIPT} strike {IMG}",
        source=f"Post {IMG}",
        authors=(f"A {SCRIPT}",),
        published="2025-01-02",
    )
    return Article(meta=meta, text=EVIL_TEXT, origin="/tmp/x.txt")


def cite(article: Article, quote: str, field: str = "text") -> Citation:
    value = article.text if field == "text" else article.meta.value(field)
    start = value.index(quote)
    return Citation(article.id, article.meta, quote, start, start + len(quote), field)


def said(text: str, *citations: Citation) -> AnswerSentence:
    return AnswerSentence(text, citations)


def tags(markup: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", markup)}


# ------------------------------------------------------------------------------ escaping


def test_titles_text_and_metadata_are_escaped_in_the_sources_panel() -> None:
    a = evil_article()
    c1 = cite(a, "The strike lasts nine days.")
    answer = Answer("q", [said("The strike lasts nine days.", c1)])
    markup = sources_html([Turn("How long? <b>x</b>", answer, {a.id: a})])
    assert "<script" not in markup and "<img" not in markup and "<b>" not in markup
    assert tags(markup) <= {"div", "section", "span", "article", "a", "h3", "time", "mark"}
    assert html.escape(SCRIPT) in markup and html.escape(IMG, quote=True) in markup
    # the title renders as the literal text
    title = re.search(r'<h3 class="aqa-title">(.*?)</h3>', markup).group(1)
    assert html.unescape(title) == a.title


def test_corpus_table_and_chat_escape_markup() -> None:
    record = ArticleRecord(
        id="x", meta=ArticleMeta(title=f"T {SCRIPT}", source=IMG), origin=f"/up/{IMG}.txt"
    )
    table = corpus_html([record])
    assert "<script" not in table and "<img" not in table
    assert html.escape(SCRIPT) in table
    answer = Answer(
        "q", [said(f"It said {SCRIPT} and {IMG}.", cite(evil_article(), "Ships wait."))]
    )
    message = answer_markdown(answer, 0)
    assert "<script" not in message and "<img" not in message
    assert tags(message) == {"a"}  # only the [1] link is markup


def test_answer_markers_link_to_their_source_anchor() -> None:
    a = evil_article()
    c1, c2, c3 = (cite(a, q) for q in ("Keepers struck on Monday.", "Ships wait.", "The strike"))
    answer = Answer("q", [said("First fact.", c1), said("Second *fact* [x].", c2, c3)])
    message = answer_markdown(answer, 4)
    assert message.count('class="aqa-ref"') == 3
    assert 'href="#aqa-cite-4-2"' in message and ">[3]</a>" in message
    assert r"\*fact\*" in message and r"\[x\]" in message  # Markdown in a quote stays literal
    shown = [s.display() for s in answer_sentences(answer)]
    assert shown == ["First fact. [1]", "Second *fact* [x]. [2] [3]"]
    assert answer_markdown(answer, 4, upto=1).count("aqa-ref") == 1


# ---------------------------------------------------------------------------- highlights


def test_highlight_wraps_exactly_the_cited_offsets() -> None:
    text = "One & two. Three <four>. Five."
    start = text.index("Three")
    end = start + len("Three <four>.")
    markup = highlight(text, [(start, end, 2, "aqa-cite-0-2")])
    m = re.search(r'<mark class="aqa-hl" id="aqa-cite-0-2"[^>]*>(.*?)</mark>', markup)
    assert html.unescape(m.group(1)) == text[start:end]
    assert html.unescape(re.sub(r"<[^>]+>", "", markup)) == text  # nothing lost or added


def test_overlapping_highlights_are_cut_and_keep_both_numbers() -> None:
    text = "abcdefghij"
    markup = highlight(text, [(2, 6, 1, "a1"), (4, 8, 2, "a2")])
    assert re.findall(r'data-n="([\d,]+)"', markup) == ["1", "1,2", "2"]
    assert 'id="a1"' in markup and 'id="a2"' in markup
    assert re.sub(r"<[^>]+>", "", markup) == text


def test_real_answer_highlight_matches_the_quote(engine) -> None:  # noqa: ANN001
    service = ChatService(engine)
    turn = service.ask(S400, [], service.default_options())
    c = turn.answer.citations[0]
    assert c.quote == S400_SENTENCE
    markup = sources_html([turn])
    m = re.search(rf'<mark class="aqa-hl" id="aqa-cite-0-{c.number}"[^>]*>(.*?)</mark>', markup)
    assert html.unescape(m.group(1)) == c.quote
    assert turn.articles[c.article_id].text[c.start : c.end] == c.quote
    assert "Anadolu Agency" in markup and "18 Dec 2025" in markup and "Elena Teslova" in markup


def test_metadata_citation_is_shown_as_such() -> None:
    a = evil_article()
    c = cite(a, "A", field="authors")
    answer = Answer("Who wrote it?", [said("A", c)])
    markup = sources_html([Turn("Who wrote it?", answer, {a.id: a})])
    assert "aqa-metacite" in markup and "byline" in markup
    assert 'id="aqa-cite-0-1"' in markup
    assert 'class="aqa-body"' not in markup  # nothing to highlight in the body


# ---------------------------------------------------------------------------- abstention


def test_abstention_says_so_and_shows_related_reading_not_as_an_answer() -> None:
    related = [
        Passage(
            "c1",
            "a1",
            ArticleMeta(f"Closest {SCRIPT}", "Outlet", published="2025-12-18"),
            "Some text.",
            0,
            9,
            0.1,
        )
    ]
    answer = Answer.abstain("q", "The articles do not answer this question.", related)
    message = answer_markdown(answer, 0)
    assert "do not answer" in message and "not" in message.split("related reading")[-1]
    markup = sources_html([Turn("q", answer)])
    assert "aqa-turn-abstained" in markup
    assert "Related reading — not an answer" in markup
    assert "aqa-related-card" in markup and 'aqa-card"' not in markup
    assert "<mark" not in markup and "<script" not in markup


def test_abstention_from_the_engine(engine) -> None:  # noqa: ANN001
    service = ChatService(engine)
    turn = service.ask("What is the capital of France?", [], service.default_options())
    assert turn.answer.abstained
    assert "Related reading — not an answer" in sources_html([turn])


def test_only_the_latest_turn_is_visible() -> None:
    answer = Answer.abstain("q", "The articles do not answer this question.")
    markup = sources_html([Turn("one", answer), Turn("two", answer)])
    assert '<section class="aqa-turn aqa-turn-abstained" data-turn="0" hidden>' in markup
    assert 'data-turn="1">' in markup
    assert "Click a" in sources_html([])


# -------------------------------------------------------------------------------- export


def test_markdown_export_has_questions_answers_and_numbered_citations(engine) -> None:  # noqa: ANN001
    service = ChatService(engine)
    first = service.ask("What did Türkiye buy from Russia in 2017?", [], service.default_options())
    follow = service.ask("How much did they cost?", [first], service.default_options())
    none = service.ask("What is the capital of France?", [first, follow], service.default_options())
    text = conversation_markdown([first, follow, none], now=dt.datetime(2026, 1, 2, 3, 4))
    assert text.startswith("# article-qa conversation")
    assert "## Q1. What did Türkiye buy from Russia in 2017?" in text
    assert "## Q2. How much did they cost?" in text and "## Q3. What is the capital" in text
    c = follow.answer.citations[0]
    assert f"1. **{c.title}** — Anadolu Agency, 2025-12-18" in text
    assert f"“{S400_SENTENCE}” (characters {c.start}–{c.end} of the article text" in text
    assert "**The articles do not answer this question: none of them mentions France.**" in text
    assert "Related reading (not an answer):" in text
    exports = ExportFolder()
    path = exports.write([first])
    assert path.suffix == ".md" and "## Q1." in path.read_text(encoding="utf-8")
    exports.cleanup()


def test_history_passed_to_the_engine_is_plain_text() -> None:
    answer = Answer("q", [said("It is so.", cite(evil_article(), "Ships wait."))])
    assert history_messages([Turn("Is it?", answer)]) == [
        {"role": "user", "content": "Is it?"},
        {"role": "assistant", "content": "It is so. [1]"},
    ]


# ------------------------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    ("name", "stem", "suffix"),
    [
        ("../../etc/passwd.txt", "passwd", ".txt"),
        ("..\\..\\win\\evil.HTML", "evil", ".html"),
        ("Varnholm ferry (final).txt", "Varnholm-ferry-final", ".txt"),
        ("<img src=x onerror=alert(1)>.md", "img-src-x-onerror-alert-1", ".md"),
        ("Ümlaut façade.jsonl", "Umlaut-facade", ".jsonl"),
        (".hidden", "hidden", ""),
        ("....json", "json", ""),  # a dot-file: no extension, refused
        ("", "article", ""),
    ],
)
def test_upload_names_are_sanitised(name: str, stem: str, suffix: str) -> None:
    assert safe_stem(name) == stem
    assert suffix_of(name) == suffix
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,60}", safe_stem(name))


def test_upload_type_size_and_count_limits() -> None:
    ok = [("a.txt", 10), ("b.JSONL", 10), ("c.htm", 10)]
    assert check_uploads(ok, max_bytes=100, max_files=5) == []
    problems = check_uploads(
        [("x.exe", 10), ("y.txt", 101), ("z.pdf.txt", 0), ("noext", 5)], max_bytes=100, max_files=3
    )
    text = " ".join(problems)
    assert "4 files chosen; upload at most 3" in text
    assert "x.exe: .exe files are not accepted" in text
    assert "y.txt: 101 bytes is over the 100 bytes upload limit" in text
    assert "z.pdf.txt: the file is empty" in text
    assert "noext: no extension files are not accepted" in text


def test_staging_copies_under_generated_names(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "x.txt").write_text("Title\n\nBody text here.", encoding="utf-8")
    staged = stage_uploads(
        [("../../evil name.txt", src / "x.txt"), ("evil name.txt", src / "x.txt")],
        max_bytes=1000,
        max_files=5,
        parent=tmp_path / "uploads",
    )
    assert staged.folder.parent == tmp_path / "uploads"
    assert [p.name for p in staged.files] == ["01-evil-name.txt", "02-evil-name.txt"]
    assert all(p.parent == staged.folder for p in staged.files)
    summary = f"  skipped: {staged.files[0]}: too little text"
    assert readable_summary(summary, staged) == "  skipped: evil-name.txt: too little text"
    with pytest.raises(InvalidInputError, match="not accepted"):
        stage_uploads([("a.exe", src / "x.txt")], 1000, 5, parent=tmp_path / "uploads")
    with pytest.raises(InvalidInputError, match="over the"):
        stage_uploads([("a.txt", src / "x.txt")], 5, 5, parent=tmp_path / "uploads")
    assert len(list((tmp_path / "uploads").iterdir())) == 1  # refused uploads copy nothing


# ------------------------------------------------------------------- service and examples


def test_examples_come_from_the_corpus_and_are_answered(engine) -> None:  # noqa: ANN001
    examples = ChatService(engine).examples()
    assert 2 <= len(examples) <= 4
    words = {r.id: set(terms(f"{r.title} {engine.article(r.id).text}")) for r in engine.articles()}

    def about(question: str) -> set[str]:
        """The articles that hold most of the question's content words."""
        asked = set(terms(question))
        return {aid for aid, have in words.items() if len(asked & have) >= 0.6 * len(asked)}

    for q in examples:
        assert q.endswith("?")
        assert about(q), f"{q!r} is about no article of the store"
        assert not engine.ask(q).abstained
    assert set().union(*map(about, examples)) == set(words)  # every article is represented


def test_question_candidates_from_headline_and_first_sentences() -> None:
    a = Article(
        meta=ArticleMeta(title="Mayor plans new bridge: city hall", source="City Gazette"),
        text="Mayor Ana Ruiz is expected to open the bridge in May, officials said. "
        "In 2020, Spain bought two ferries from Norway for $10 million.",
        origin="x",
    )
    qs = question_candidates(a)
    assert "When is Mayor Ana Ruiz expected to open the bridge?" in qs
    assert "How much did Spain pay for the ferries?" in qs
    assert "Which outlet published the story “Mayor plans new bridge”?" in qs
    assert not any(q.startswith("Who wrote") for q in qs)  # no byline, no such question
    assert title_core("Putin planning visit: Erdoğan aide") == "Putin planning visit"


def test_upload_and_remove_refresh_examples_and_delete_the_copy(
    make_engine, tmp_path: Path
) -> None:  # noqa: ANN001
    engine = make_engine(tmp_path / "store")
    service = ChatService(engine, upload_dir=tmp_path / "uploads")
    assert service.examples() == []
    src = tmp_path / "Varnholm.txt"
    src.write_text(
        "Varnholm opens new ferry terminal\n\nThe new ferry terminal in Varnholm cost 48 million "
        "euros, harbour master Olav Brekke said on Tuesday.\n\nFerries will leave six times a day.",
        encoding="utf-8",
    )
    report, summary = service.ingest_uploads([("Varnholm.txt", str(src))], 10_000, 5)
    assert len(report.added) == 1 and summary.startswith("added 1")
    record = engine.articles()[0]
    assert Path(record.origin).name == "01-Varnholm.txt"
    assert Path(record.origin).is_relative_to(tmp_path / "uploads")
    assert service.examples()  # recomputed after the upload
    assert service.remove(record.id).id == record.id
    assert engine.articles() == [] and not Path(record.origin).exists()
    assert service.examples() == []


def test_asks_wait_for_a_write_instead_of_failing(engine) -> None:  # noqa: ANN001
    service = ChatService(engine)
    results: list[Turn] = []
    waited = threading.Event()
    with service.locked():  # an ingest in progress
        worker = threading.Thread(
            target=lambda: results.append(_ask_locked(service, waited)), daemon=True
        )
        worker.start()
        assert waited.wait(10)
        assert not results
    worker.join(60)
    assert results and results[0].answer.citations[0].quote == S400_SENTENCE


def _ask_locked(service: ChatService, waited: threading.Event) -> Turn:
    with service.locked(waiting=waited.set):
        return service.ask(S400, [], service.default_options())


def test_per_session_options_use_their_own_engine(engine) -> None:  # noqa: ANN001
    service = ChatService(engine)
    assert service.engine_for(service.default_options()) is engine
    options = AnswerOptions(top_k=2, max_answer_sentences=1, answer_passages_per_article=1)
    other = service.engine_for(options)
    assert other is not engine and other.settings.top_k == 2
    assert other.store is engine.store and engine.settings.top_k == 5
    turn = service.ask("What is the capital of France?", [], options)
    assert len(turn.answer.related) <= 2


def test_follow_up_through_the_service(engine) -> None:  # noqa: ANN001
    service = ChatService(engine)
    opts = service.default_options()
    first = service.ask("What did Türkiye buy from Russia in 2017?", [], opts)
    follow = service.ask("How much did they cost?", [first], opts)
    assert "$2.5 billion" in follow.answer.text
    assert article_id(engine, "Putin, Erdogan") in follow.articles


def test_app_builds_with_the_engine(engine) -> None:  # noqa: ANN001
    import gradio as gr

    import app

    demo = app.build(engine)
    assert isinstance(demo, gr.Blocks)
    api_names = [fn.api_name for fn in demo.fns.values() if fn.fn is not None]
    assert api_names == [
        "respond",
        "respond_1",
        "pick_example",
        "respond_2",
        "clear",
        "clear_1",
        "refresh_locked",
        "ingest",
        "remove",
    ]


def test_a_long_conversation_passes_only_its_latest_turns(engine) -> None:  # noqa: ANN001
    service = ChatService(engine)
    first = service.ask("What did Türkiye buy from Russia in 2017?", [], service.default_options())
    turns = [first] * (engine.settings.max_history_messages + 10)  # beyond the bound of ask
    follow = service.ask("How much did they cost?", turns, service.default_options())
    assert not follow.answer.abstained and "$2.5 billion" in follow.answer.text
