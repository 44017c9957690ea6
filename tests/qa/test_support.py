"""The offline support checker: paraphrases pass; changed numbers, names, dates, negations and
sentences cited to the wrong article fail."""

from __future__ import annotations

import re

import pytest

from qa.engine import QAEngine
from qa.support import SupportChecker, dates, names, numbers, split_claims
from tests.conftest import article_id

PURCHASE = "In 2017, Türkiye purchased four S-400 air defense systems from Russia for $2.5 billion."
AGENDA = (
    '"That topic was not on the agenda," Dmitry Peskov told a press briefing in Moscow, referring '
    "to Putin and Erdogan's talks on the sidelines of an international meeting last week in "
    "Ashgabat, Turkmenistan."
)
VISIT = (
    "Russian President Vladimir Putin is planning a visit to Turkey in the first week of January, "
    "a senior aide to Turkish President Tayyip Erdoğan told state broadcaster TRT Haber on Nov. 15."
)


@pytest.fixture(scope="module")
def checker(embedder) -> SupportChecker:  # noqa: ANN001
    return SupportChecker(embedder)


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        (PURCHASE, PURCHASE),
        (
            "Turkey bought four S-400 systems from Russia in 2017, paying 2.5 billion dollars.",
            PURCHASE,
        ),
        ("Türkiye paid Russia $2.5 billion for four S-400 air defence systems in 2017.", PURCHASE),
        ("The four S-400 systems cost Türkiye $2.5 billion when it bought them in 2017.", PURCHASE),
        ("Peskov said that topic was not on the agenda of the talks in Ashgabat.", AGENDA),
        (
            "According to Dmitry Peskov, the subject was not discussed when Putin and Erdogan met "
            "in Ashgabat.",
            AGENDA,
        ),
        (
            "An aide to Erdoğan told TRT Haber on Nov. 15 that Putin plans to come to Turkey in "
            "the first week of January.",
            VISIT,
        ),
    ],
)
def test_paraphrases_are_supported(checker: SupportChecker, claim: str, evidence: str) -> None:
    verdict = checker.check(claim, evidence)
    assert verdict.supported, verdict


@pytest.mark.parametrize(
    ("claim", "missing"),
    [
        (PURCHASE.replace("$2.5 billion", "$3.5 billion"), "3.5 billion"),
        (PURCHASE.replace("$2.5 billion", "$2.5 million"), "2.5 million"),
        (PURCHASE.replace("2017", "2019"), "2019"),
        (PURCHASE.replace("four", "six"), "six"),
        (PURCHASE.replace("Türkiye", "India"), "india"),
        (PURCHASE.replace("Russia", "China"), "china"),
        (VISIT.replace("January", "February"), "month:2"),
        (VISIT.replace("Nov. 15", "Nov. 18"), "18"),
        (VISIT.replace("Nov. 15", "Dec. 15"), "month:12"),
        (VISIT.replace("TRT Haber", "CNN Turk"), "cnn"),
    ],
)
def test_a_changed_number_name_or_date_fails(
    checker: SupportChecker, claim: str, missing: str
) -> None:
    evidence = PURCHASE if "S-400" in claim else VISIT
    verdict = checker.check(claim, evidence)
    assert not verdict.supported
    assert missing in verdict.missing


def test_a_flipped_negation_fails(checker: SupportChecker) -> None:
    verdict = checker.check("Peskov said the topic was on the agenda.", AGENDA)
    assert not verdict.supported and verdict.negation_mismatch


def test_a_sentence_cited_to_the_wrong_article_fails(
    checker: SupportChecker, engine: QAEngine
) -> None:
    kremlin = engine.article(article_id(engine, "Putin, Erdogan did not discuss"))
    duvar = engine.article(article_id(engine, "Putin planning visit"))
    start = kremlin.text.index(PURCHASE)
    assert checker.check(PURCHASE, kremlin.text[start : start + len(PURCHASE)]).supported
    # the other article's sentence that is closest to it in topic
    other = next(
        duvar.text[s.start() : s.end()] for s in re.finditer(r"[^.]*S-400[^.]*\.", duvar.text)
    )
    assert not checker.check(PURCHASE, other).supported
    assert not checker.check(PURCHASE, duvar.text).supported  # nor by the whole other article


def test_several_passages_support_a_claim_together(checker: SupportChecker) -> None:
    claim = "Türkiye bought four S-400 systems for $2.5 billion, and Putin plans to visit Turkey."
    assert not checker.check(claim, PURCHASE).supported
    assert checker.check(claim, [PURCHASE, VISIT]).supported


def test_without_an_embedder_it_relies_on_anchors_and_overlap() -> None:
    plain = SupportChecker()
    assert plain.check(PURCHASE, PURCHASE).supported
    assert not plain.check(PURCHASE.replace("four", "five"), PURCHASE).supported
    assert not plain.check("Peskov spoke about the weather in Moscow.", AGENDA).supported


def test_empty_inputs_are_unsupported(checker: SupportChecker) -> None:
    assert not checker.check("", PURCHASE).supported
    assert not checker.check(PURCHASE, "").supported
    assert not checker.check(PURCHASE, []).supported


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValueError, match="min_overlap must be between 0 and 1, got 2"):
        SupportChecker(min_overlap=2)


def test_anchor_extraction() -> None:
    assert numbers("$2.5 billion for four systems in 2017") == {2.5e9, 4.0, 2017.0}
    assert numbers("18.12.2025") == {18.0, 12.0, 2025.0}
    assert dates("on Nov. 15, a Thursday") == {"month:11", "day:thursday"}
    assert "month:5" not in dates("Putin may visit")
    assert names(AGENDA)[:2] == ["dmitry", "peskov"]
    assert "the" not in names("The talks went on.")


def test_split_claims_assigns_markers_to_the_sentence_before_them() -> None:
    assert split_claims("A is so. [1] B is so. [2][3] C.") == [
        ("A is so.", [1]),
        ("B is so.", [2, 3]),
        ("C.", []),
    ]
    assert split_claims("Both. [1, 2]") == [("Both.", [1, 2])]


def test_every_sentence_of_the_corpus_supports_itself(
    checker: SupportChecker, engine: QAEngine
) -> None:
    from ingest.sentences import sentence_spans

    for record in engine.articles():
        text = engine.article(record.id).text
        for s, e in sentence_spans(text):
            verdict = checker.check(text[s:e], text[s:e])
            assert verdict.supported, (text[s:e], verdict)
    odd = "To see the winners of the 2024 USA TODAY 10Best awards, visit 10Best.usatoday.com"
    assert checker.check(odd, odd).supported  # "Best" inside "10Best" is no name of its own


def test_a_changed_currency_fails(checker: SupportChecker) -> None:
    verdict = checker.check(PURCHASE.replace("$2.5 billion", "2.5 billion euros"), PURCHASE)
    assert not verdict.supported and "euro" in verdict.missing
    assert checker.check(
        PURCHASE.replace("$2.5 billion", "2.5 billion dollars"), PURCHASE
    ).supported
