"""Authors from an article's footer when it has no byline (ingest.footers): reporters' names
are read conservatively, and the footer lines that strip_boilerplate drops still give them."""

from __future__ import annotations

import pytest

from ingest.footers import footer_authors
from ingest.jsonformat import record_to_article
from ingest.readers import parse_text

BODY = [
    "The city council of Port Avalon voted 7-2 on Monday to fund the harbor tunnel.",
    "The tunnel will cost $840 million and open in 2031, the council said.",
]

FOUND = [
    ("Follow USA TODAY columnist Rex Huppke on Bluesky at @rexhuppke.bsky.social", "Rex Huppke"),
    ("Contact IndyStar reporter Cheryl V. Jackson at cheryl.jackson@indystar.com or 317-444-6264.",
     "Cheryl V. Jackson"),
    ("Follow Bryan West, the USA TODAY Network's Taylor Swift reporter, on Instagram, TikTok and X"
     " as @BryanWestTV.", "Bryan West"),
    ("Reach the reporter Perry Vandell at perry.vandell@gannett.com or 602-444-2474.",
     "Perry Vandell"),
    ("Follow USA TODAY Sports' Nate Davis on Twitter @ByNateDavis.", "Nate Davis"),
    ("Contact Jamie L. LaReau: jlareau@freepress.com. Follow her on Twitter @jlareauan.",
     "Jamie L. LaReau"),
    ("Contact reporter Rey Covarrubias Jr. at rcovarrubias@gannett.com.", "Rey Covarrubias Jr."),
    ("Natalie Neysa Alund is a senior reporter for USA TODAY. Reach her at nalund@usatoday.com.",
     "Natalie Neysa Alund"),
]  # fmt: skip

NOT_FOUND = [
    "Contact the Morris County Sheriff's Office at 973-285-6600 or via email.",
    "Follow us on Facebook! Like our page to get updates throughout the day.",
    "The product experts at Reviewed have it covered. Follow Reviewed on Facebook, Twitter.",
    "Follow Clarion Ledger Outdoors on Facebook and @BrianBroom on Twitter.",
    "Reach the reporter at dina.kaur@arizonarepublic.com.",
    "Follow every game: Latest NFL Scores and Schedules",
    "Follow Taylor Swift on tour this summer, fans said.",  # no way to reach anyone
]


@pytest.mark.parametrize(("footer", "name"), FOUND)
def test_the_name_in_a_footer_is_the_author(footer: str, name: str) -> None:
    assert footer_authors([*BODY, footer]) == (name,)


@pytest.mark.parametrize("footer", NOT_FOUND)
def test_no_author_from_lines_that_name_no_person(footer: str) -> None:
    assert footer_authors([*BODY, footer]) == ()


def test_a_surname_alone_needs_the_full_name_in_the_text() -> None:
    footer = "Reach Goodykoontz at bill.goodykoontz@arizonarepublic.com. Twitter: @goodyk."
    assert footer_authors([*BODY, footer]) == ()
    review = "Critic Bill Goodykoontz saw the film twice."
    assert footer_authors([review, *BODY, footer]) == ("Bill Goodykoontz",)


def test_only_the_closing_paragraphs_are_read() -> None:
    early = "Reach Joey Garrison on X @joeygarrison."
    assert footer_authors([early, *BODY * 4]) == ()


def test_a_json_record_without_authors_gets_them_from_its_footer() -> None:
    footer = "Follow USA TODAY columnist Rex Huppke on Bluesky at @rexhuppke.bsky.social"
    record = {"title": "Tunnel", "text": "\n\n".join([*BODY, footer]), "authors": []}
    article = record_to_article(record, "feed.jsonl#1")
    assert article.authors == ("Rex Huppke",)
    assert "Huppke" not in article.text  # the footer line itself is boilerplate, dropped
    named = record_to_article({**record, "authors": ["Jane Roe"]}, "feed.jsonl#1")
    assert named.authors == ("Jane Roe",)


def test_a_text_file_without_a_byline_gets_its_authors_from_its_footer() -> None:
    footer = "Contact IndyStar reporter Cheryl V. Jackson at cheryl.jackson@indystar.com."
    article = parse_text("\n\n".join(["Harbor tunnel approved", *BODY, footer]), "a.txt")
    assert article.authors == ("Cheryl V. Jackson",)
