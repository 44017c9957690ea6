"""Questions about the article itself (author, outlet, date, headline), and compound questions
answered part by part."""

from __future__ import annotations

import pytest

from qa.compound import split_question
from qa.engine import QAEngine
from qa.extractive import unknown_names
from qa.metadata import asked_fields
from tests.conftest import article_id


@pytest.mark.parametrize(
    ("question", "fields"),
    [
        ("Who wrote the article about the S-400 talks?", ["authors"]),
        ("Which outlet published the story about Putin's visit?", ["source"]),
        ("When was the Kremlin article published?", ["published"]),
        ("In what year was Elena Teslova's article published?", ["published"]),
        ("What is the headline of the Duvar English article?", ["title"]),
        ("Which agency published the article on Peskov's briefing, and who wrote it?",
         ["source", "authors"]),
        ("When was the explainer about the S-400 deal published?", ["published"]),
        ("Which Anadolu columnist wrote the opinion piece on the S-400?", ["authors"]),
        ("When did Putin and Erdogan meet?", []),
        ("What did the columnist write about the S-400?", []),
        ("Which outlet did Kalın speak to?", []),
        ("How much did Türkiye pay for the S-400 systems?", []),
        # a story's fact, not the article's record: who broke the news, someone's job
        ("Which newspaper first reported that Amazon planned to cut thousands of jobs?", []),
        ("Which news outlet broke the story of Twitter's $19.99 verification plan?", []),
        ("What is Dace Potas's job, the writer of the USA Today column on the GOP?", []),
        ("What was the role of the reporter who wrote the S-400 article?", []),
        ("What is the title of the Kremlin article?", ["title"]),
    ],
)  # fmt: skip
def test_metadata_questions_are_recognised(question: str, fields: list[str]) -> None:
    assert asked_fields(question) == fields


@pytest.mark.parametrize(
    ("previous", "fields"),
    [
        ("Which show took the Tony for best play?", []),
        ("What novel did she publish in 2019?", []),
        ("Which bill did the governor sign?", []),
        ("Which statement did the Kremlin issue?", []),
        ("What did Peskov say about the S-400 reports?", ["authors"]),
        ("Who wrote the article about the S-400 talks?", ["authors"]),
        (None, ["authors"]),
    ],
)  # fmt: skip
def test_it_after_asking_for_a_work_is_that_work(previous: str | None, fields: list[str]) -> None:
    """Asked after "Which show won best play?", "Who wrote it?" asks for the play's author."""
    assert asked_fields("Who wrote it?", previous) == fields
    assert asked_fields("Who wrote the article?", previous) == ["authors"]


def test_author_outlet_and_date_come_from_the_record(engine: QAEngine) -> None:
    kremlin = article_id(engine, "Putin, Erdogan did not discuss")
    answer = engine.ask("Who wrote the article about the Kremlin denying the S-400 talks?")
    assert not answer.abstained and "Elena Teslova" in answer.text
    (c,) = answer.citations
    assert (c.article_id, c.field, c.quote) == (kremlin, "authors", "Elena Teslova")
    assert ", ".join(engine.article(kremlin).authors)[c.start : c.end] == c.quote

    answer = engine.ask(
        "Which agency published the article on Peskov's briefing, and who wrote it?"
    )
    assert [c.field for c in answer.citations] == ["source", "authors"]
    assert "Anadolu Agency" in answer.text and "Elena Teslova" in answer.text

    answer = engine.ask("When was the Kremlin article published?")
    assert "18 December 2025" in answer.text and answer.citations[0].quote == "2025-12-18"


def test_missing_metadata_is_said_not_invented(engine: QAEngine) -> None:
    answer = engine.ask("When was the article about Putin's planned visit to Turkey published?")
    assert answer.abstained and "carries no publication date" in answer.text
    answer = engine.ask("Who wrote the Duvar English article?")
    assert answer.abstained and "does not name its author" in answer.text
    assert engine.ask("Which outlet published the Duvar English article?").citations[0].quote == (
        "Duvar English"
    )


def test_an_article_the_corpus_lacks_is_not_guessed(engine: QAEngine) -> None:
    answer = engine.ask("Who wrote the article about the Olympic marathon?")
    assert answer.abstained and "No article in the collection matches" in answer.text
    assert engine.ask("Who wrote it?").abstained  # which article?


def test_a_metadata_follow_up_uses_the_conversation(engine: QAEngine) -> None:
    history = [
        {"role": "user", "content": "What did Peskov say about the S-400 reports?"},
        {"role": "assistant", "content": "..."},
    ]
    answer = engine.ask("Who wrote it?", history=history)
    assert not answer.abstained and answer.citations[0].quote == "Elena Teslova"


def test_a_follow_up_on_a_work_is_not_about_the_article(engine: QAEngine) -> None:
    history = [
        {"role": "user", "content": "Which statement did the Kremlin issue on the S-400?"},
        {"role": "assistant", "content": "..."},
    ]
    answer = engine.ask("Who wrote it?", history=history)
    assert not any(c.field == "authors" for c in answer.citations)  # not the article's byline


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "How many S-400 systems did Türkiye buy, and in which month did it begin receiving "
            "the first deliveries?",
            ["How many S-400 systems did Türkiye buy?",
             "in which month did it begin receiving the first deliveries?"],
        ),
        ("Who bought the S-400? Did the US react?", ["Who bought the S-400?", "Did the US react?"]),
        ("Where did Putin and Erdogan meet?", ["Where did Putin and Erdogan meet?"]),
        ("What did Putin and Erdogan discuss and when?", ["What did Putin and Erdogan discuss and when?"]),
        ("On what dates did Trump push Erdoğan and did Kalın speak?",
         ["On what dates did Trump push Erdoğan and did Kalın speak?"]),
    ],
)  # fmt: skip
def test_compound_questions_split_into_parts(question: str, parts: list[str]) -> None:
    assert split_question(question) == parts


def test_a_compound_question_cites_each_part(engine: QAEngine) -> None:
    answer = engine.ask(
        "How many S-400 systems did Türkiye buy, and in which month did it begin receiving the "
        "first deliveries?"
    )
    assert not answer.abstained
    assert "four" in answer.text and "July" in answer.text
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert len({c.article_id for c in answer.citations}) == 2  # one fact from each article
    for c in answer.citations:
        assert engine.article(c.article_id).text[c.start : c.end] == c.quote
        assert f"[{c.number}]" in answer.text


def test_a_compound_question_reports_the_part_it_cannot_answer(engine: QAEngine) -> None:
    answer = engine.ask("How much did Türkiye pay for the S-400 systems, and how old is Putin?")
    assert not answer.abstained and "$2.5 billion" in answer.text
    assert answer.unanswered == ["how old is Putin?"]


def test_a_question_about_someone_no_article_mentions_is_declined(engine: QAEngine) -> None:
    answer = engine.ask("How many S-400 systems did India buy from Russia?")
    assert answer.abstained and answer.text.endswith("none of them mentions India.")
    assert answer.related  # still shows the closest reading
    # another name of a place the articles do mention is no unknown name
    known = engine.store.snapshot()
    assert unknown_names("What did the American leader urge Ankara to do?", known) == []
    assert unknown_names("Besides the Kremlin, who spoke?", known) == []  # first word
    # an outlet or author named only in the metadata is known too
    assert unknown_names("What does the Duvar English article say?", known) == []
    assert unknown_names("What did Elena Teslova report?", known) == []


def test_places_have_their_other_names() -> None:
    from qa.places import aliases, mentioned

    assert {"turkey", "turkiye", "turkish", "ankara"} <= aliases("Türkiye")
    assert mentioned("American", "the u.s. president said")
    assert not mentioned("India", "turkey bought the s-400")
    assert aliases("Tessby") == frozenset({"tessby"})


def test_a_metadata_question_over_an_article_with_near_duplicates(make_engine, tmp_path) -> None:  # noqa: ANN001
    """An article stored with near-duplicates carries them in its record; finding the article a
    metadata question describes must not hash the record (it crashed with "unhashable type")."""
    text = (
        "The city council of Riverton approved a new budget for its public library on Monday.\n\n"
        "The budget adds evening hours and a mobile library van for the outlying villages.\n\n"
        "Council member Dana Whitfield said the van would reach more than 3,000 residents."
    )
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(f"Riverton library budget approved\nBy Ann Lee\n\n{text}\n")
    (folder / "b.txt").write_text(f"Riverton library budget approved\nBy Ann Lee\n\n{text} Yes.\n")
    (folder / "c.txt").write_text(
        "Harbor ferry fares rise\nBy Tom Ray\n\nFerry fares across the harbor rise by a dollar "
        "in June, the transit authority said on Friday.\n"
    )
    engine = make_engine(tmp_path / "store")
    engine.ingest([folder])
    assert any(r.duplicates for r in engine.articles())
    answer = engine.ask("Who wrote the article about the Riverton library budget?")
    assert not answer.abstained
    assert "Ann Lee" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "How many S-400s did Türkiye buy?",  # plural of a hyphenated name
        "How many S400 systems did Türkiye buy?",  # the hyphen left out
        "What did Erdoğan's aide say about Putin's visit?",  # possessive, accent
        "What did Erdogans aide say?",  # possessive without its apostrophe
        "What did the Kremlin’s spokesman say?",  # curly apostrophe
    ],
)
def test_a_name_in_another_form_is_not_unknown(engine: QAEngine, question: str) -> None:
    assert unknown_names(question, engine.store.snapshot()) == []


def test_a_name_no_article_mentions_is_still_unknown(engine: QAEngine) -> None:
    assert unknown_names("How many S-500s did Türkiye buy?", engine.store.snapshot()) == ["S-500s"]


def test_a_described_story_is_told_from_a_round_up_that_mentions_it(make_engine, tmp_path) -> None:  # noqa: ANN001
    """A round-up of the day's news mentions the described story's words too (here more of
    them: the story never says "vote"); the article meant is the one whose headline the
    description matches."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "story.txt").write_text(
        "Riverton library budget approved\nBy Ann Lee\n\nThe city council of Riverton approved "
        "a new budget for its public library. The budget adds evening hours.\n"
    )
    (folder / "roundup.txt").write_text(
        "Five things to know: ferries, weather, schools\nBy Tom Ray\n\n"
        "Ferry fares rise in June. Storms are due on Friday. The city council of Riverton "
        "approved a new budget for its public library in a vote. Schools close early.\n"
    )
    for i, topic in enumerate(["harbor ferry timetable", "school lunch menu"]):
        (folder / f"other{i}.txt").write_text(
            f"Changes to the {topic}\nBy Kim Roe\n\nThe {topic} changes after a vote, the "
            "council said, after a review of costs and complaints from residents.\n"
        )
    engine = make_engine(tmp_path / "store")
    engine.ingest([folder])
    answer = engine.ask("Who wrote the story about the Riverton library budget vote?")
    assert "Ann Lee" in answer.text and "Tom Ray" not in answer.text


def test_a_metadata_question_reads_only_the_records_it_needs(
    engine: QAEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every article's record was read for each metadata question (14 s at 100,000 articles):
    only a question that names an outlet or author needs them all."""
    from vectorstore.chroma_store import ChromaStore

    def every_record(self: ChromaStore) -> dict:
        raise AssertionError("read every record")

    monkeypatch.setattr(ChromaStore, "article_records", every_record)
    fresh = engine.store.snapshot()  # a snapshot's records are read when first used
    monkeypatch.setattr(
        engine.store,
        "snapshot",
        lambda: type(fresh)(fresh.revision, fresh.lexical, fresh.read_records),
    )
    answer = engine.ask("Who wrote the article about the Kremlin denying the S-400 talks?")
    assert not answer.abstained and answer.citations[0].field == "authors"
