"""Lines of scraped news text that are not article content (ingest.noncontent): the kinds seen
in the 2,000 RealTimeQA articles are recognised, and real sentences that look a bit like them
stay content."""

from __future__ import annotations

import pytest

from ingest.noncontent import decode_spans, encode_spans, line_kind, non_content_spans, within

NON_CONTENT = [
    ("CNN —", "dateline"),
    ("New York CNN Business —", "dateline"),
    ("Tracking tech layoffs:Why companies like Amazon and Meta cut jobs in 2022", "link"),
    ("DNC 2024:When is the Democratic National Convention? Info on when and where", "link"),
    ("WATCH:US jets shoot down suspected Chinese spy balloon", "link"),
    ("UPDATES: The guide now has a complete list of all Monsties", "link"),
    ("PHOTOS: Best of the U.S. Open early rounds", "link"),
    ("MORE COVERAGE:Burning Man is filled with wild art, sights and nudity.", "link"),
    ("Read more here.", "link"),
    ("Read Brent Schrotenboer’s full story here.", "link"),
    ("Editor's note: This page is a summary of news on the arrest of Luigi Mangione.", None),
    ("Editor’s Note: Affected by the storm? Use CNN’s lite site for low bandwidth.", None),
    ("This story has been updated with additional developments.", "update notice"),
    ("(This story was updated to add new information.)", "update notice"),
    ("CORRECTION: An earlier version of this story misstated the date.", "correction"),
    ("Contributing: The Associated Press", "contributing"),
    ("Contributing: Charles Trepany, USA TODAY; Leanne Italie, The Associated Press", None),
    ("David Jackson contributed to this report.", "contributing"),
    ("From USA TODAY Network and wire reports", "contributing"),
    ("(Image credit: Scott Olson/Getty Images)", "credit"),
    ("(AP Photo/Evan Vucci)", "credit"),
    ("Credit: Jane Doe", "credit"),
    ("Brett Carlsen/Getty Images", "caption"),
    ("Wes Moore speaks at a rally in Rockville, Maryland. Drew Angerer/Getty Images", "caption"),
    ("Supporters react in Brasilia, Brazil October 30, 2022. Diego Vara/Reuters", "caption"),
    ("Dispensaries may make it easier. Joe Amon/The Denver Post via Getty Images", "caption"),
    ("Photos: Abe speaks moments before being shot in Nara. Hide Caption 1 of 10", None),
    ("Video Ad Feedback Winter storm crosses US 02:21 - Source: CNN", "video"),
    ("JUST WATCHED How vaccines stop the spread Replay More Videos ... MUST WATCH", "video"),
    ("Need a break? Play the USA TODAY Daily Crossword Puzzle.", "promo"),
    ("Sign up for CNN's Wonder Theory science newsletter. Explore the universe.", "promo"),
    ("Sign-up for Your Vote: Text with the USA TODAY elections team.", "promo"),
    ("How does climate change affect you? Subscribe to the weekly Climate Point newsletter", None),
    ("Follow every game: Latest NFL Scores and Schedules", "promo"),
    ("Contact IndyStar reporter Cheryl V. Jackson at cheryl.jackson@indystar.com.", "footer"),
    ("Reach Joey Garrison on X @joeygarrison.", "footer"),
    ("Follow USA TODAY columnist Rex Huppke on Bluesky at @rexhuppke.bsky.social", "footer"),
    ("Gabe Hauari is a reporter at USA TODAY. You can follow him on X @GabeHauari.", "footer"),
    ("Copyright 2024 The Associated Press. All rights reserved.", "copyright"),
    ("© CNBC is a USA TODAY content partner offering financial news.", "copyright"),
    ("– David Jackson", "signature"),
    ("-Gabe Hauari, Bailey Schulz", "signature"),
    ("— Connor Giffin, Courier Journal", "signature"),
    ("Associated Press", "outlet"),
    ("June 1, 2026 Updated June 9, 2026, 11:51 a.m. ET", "date"),
    ("___", "separator"),
    ("♦", "separator"),
]

CONTENT = [
    "Watch parties were held across the state as the results came in.",
    "Watchdog groups said the rule would hurt consumers.",
    "“Watch what happens next,” the coach told reporters after the game.",
    "Reach altitudes higher than any human has traveled since NASA’s Apollo program ended.",
    "Contact the Morris County Sheriff's Office at 973-285-6600 or via email.",
    "Follow all safety precautions using chainsaws or other equipment.",
    "Sign up to volunteer with a trusted organization like National VOAD.",
    "“We are not going anywhere,” she said. “This is our home.”",
    "JD VANCE: Well, I think the American people deserve better than that.",
    'WINNER: Jung Ho-yeon, "Squid Game"',
    "Monster Habitat: Babda Rainforest",
    "Shortly before 11:30 p.m. ET, a tsunami advisory was upgraded to a warning.",
    "[10:55] Welker: Let me talk about —",
    "1984-1994:Dean, East Erie Deanery, Erie, PA",
    "Tracking down current owners of older cars and trucks can also be difficult.",
    "The photo agency Getty Images said it had removed the picture from its archive.",
    "Taylor Wilson:",
    "The company will launch a newsletter next month, its chief executive said.",
    "- Joe Biden said the bill would pass.",
]


@pytest.mark.parametrize(("line", "kind"), NON_CONTENT)
def test_non_content_lines_are_recognised(line: str, kind: str | None) -> None:
    found = line_kind(line)
    assert found is not None, line
    if kind:
        assert found == kind


@pytest.mark.parametrize("line", CONTENT)
def test_sentences_that_merely_look_like_them_stay_content(line: str) -> None:
    assert line_kind(line) is None


def test_spans_are_whole_lines_of_the_text_which_is_left_as_it_is() -> None:
    text = (
        "CNN —\n\nThe Senate passed the bill on Tuesday.\n\n"
        "  WATCH:Senators react to the vote  \n\nIt now goes to the House."
    )
    spans = non_content_spans(text)
    assert [text[s:e] for s, e in spans] == ["CNN —", "WATCH:Senators react to the vote"]


def test_a_long_line_is_content_whatever_it_starts_with() -> None:
    line = "Editor's note: " + "the council met again and voted on the budget. " * 10
    assert line_kind(line) is None


def test_spans_clip_to_a_chunk_and_round_trip_through_metadata() -> None:
    spans = [(0, 5), (40, 60), (90, 100)]
    inside = within(spans, 50, 95)
    assert inside == [(0, 10), (40, 45)]
    assert decode_spans(encode_spans(inside)) == ((0, 10), (40, 45))
