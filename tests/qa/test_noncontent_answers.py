"""Lines that are not article content (a "WATCH:" link, a photo caption with its credit, a
reporter footer) stay in the stored text but are never quoted as an answer nor accepted as
evidence for an LLM sentence, in stores written before their spans were kept too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.engine import QAEngine
from qa.support import SupportChecker
from qa.verification import Verifier

WATCH = "WATCH:Mayor Jane Holloway unveils the harbor tunnel plan at the waterfront"
CAPTION = (
    "Mayor Jane Holloway walks along the waterfront in Port Avalon on Monday. "
    "John Smith/Getty Images"
)
TEXT = "\n\n".join(
    [
        "CNN —",
        "The city council of Port Avalon voted 7-2 on Monday to fund the harbor tunnel, a project "
        "first proposed a decade ago.",
        WATCH,
        "The tunnel will cost $840 million and open in 2031, the council said.",
        CAPTION,
        "Opponents of the tunnel said the money should go to buses and ferries instead.",
        "Contact reporter Sam Reed at sreed@avalon.test.",
        "This story has been updated with additional developments.",
    ]
)
RECORD = {
    "url": "https://x.test/harbor",
    "title": "Port Avalon council backs harbor tunnel",
    "published": "2024-03-05",
    "text": TEXT,
}
QUESTIONS = [
    "Who unveiled the harbor tunnel plan at the waterfront?",
    "Where did Mayor Jane Holloway walk on Monday?",
]


def _spans(*lines: str) -> list[tuple[int, int]]:
    return [(TEXT.index(line), TEXT.index(line) + len(line)) for line in lines]


NOT_CONTENT = _spans(WATCH, CAPTION, "CNN —", "Contact reporter Sam Reed at sreed@avalon.test.")


def _inside(start: int, end: int) -> bool:
    return any(s < end and e > start for s, e in NOT_CONTENT)


@pytest.fixture(scope="module")
def scraped(make_engine, tmp_path_factory) -> QAEngine:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("scraped")
    (folder / "feed.jsonl").write_text(json.dumps(RECORD) + "\n", encoding="utf-8")
    engine = make_engine(folder / "store")
    assert len(engine.ingest([folder / "feed.jsonl"]).added) == 1
    return engine


def _check_answers(engine: QAEngine) -> None:
    for question in QUESTIONS:
        answer = engine.ask(question)
        assert answer.citations or answer.abstained
        for citation in answer.citations:
            assert not _inside(citation.start, citation.end), (question, citation.quote)


def test_non_content_lines_are_kept_in_the_text_and_marked(scraped: QAEngine) -> None:
    (record,) = scraped.articles()
    assert scraped.article(record.id).text == TEXT
    passages = scraped.retrieve("harbor tunnel Holloway waterfront", top_k=4)
    marked = {(p.start + s, p.start + e) for p in passages for s, e in p.noncontent}
    assert set(NOT_CONTENT) <= marked


def test_answers_never_quote_a_link_line_or_a_caption(scraped: QAEngine) -> None:
    _check_answers(scraped)
    answer = scraped.ask("How much will the harbor tunnel cost?")
    assert "$840 million" in answer.text


def test_verification_takes_no_evidence_from_them(scraped: QAEngine) -> None:
    verifier = Verifier(SupportChecker(scraped.embedder), scraped.embedder)
    passages = scraped.retrieve(QUESTIONS[0], top_k=4)
    reply = "Mayor Jane Holloway unveiled the harbor tunnel plan at the waterfront. [1]"
    kept, removed = verifier.verify(reply, passages)
    assert not kept and len(removed) == 1
    kept, _ = verifier.verify("The tunnel will cost $840 million. [1]", passages)
    assert kept and not _inside(kept[0].citations[0].start, kept[0].citations[0].end)


def test_a_store_written_before_spans_were_kept_marks_them_at_read_time(
    make_engine,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    (tmp_path / "feed.jsonl").write_text(json.dumps(RECORD) + "\n", encoding="utf-8")
    engine = make_engine(tmp_path / "store")
    engine.ingest([tmp_path / "feed.jsonl"])
    chunks = engine.store.chroma._chunks
    ids = chunks.get(include=[])["ids"]
    chunks.update(ids=ids, metadatas=[{"noncontent": None}] * len(ids))  # as an older store
    assert all("noncontent" not in m for m in chunks.get(include=["metadatas"])["metadatas"])
    passages = engine.retrieve("harbor tunnel Holloway waterfront", top_k=4)
    marked = {(p.start + s, p.start + e) for p in passages for s, e in p.noncontent}
    assert set(NOT_CONTENT) <= marked
    _check_answers(engine)
