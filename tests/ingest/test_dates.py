"""Tests for ingest.textformat.parse_date and bylines: dates in text, and what is not a date.

These pin the inputs on which dateparser (absolute dates only, DMY, day/month/year required) did
worse than the hand-written parser, which is why parse_date stays hand-written.
"""

from __future__ import annotations

import pytest

from ingest.textformat import parse_byline, parse_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-01-01T23:30:00-05:00", "2024-01-01"),  # the date where it was written
        ("Tue, 05 Mar 2024 10:00:00 GMT", "2024-03-05"),
        ("December 18, 2025 10:41 AM", "2025-12-18"),
        # dateparser reads only whole strings: these came back None
        ("Published 18 December 2025", "2025-12-18"),
        ("Updated: Dec 18, 2025, 10:41 AM ET", "2025-12-18"),
        ("18.12.2025 - Update : 19.12.2025", "2025-12-18"),
        ("By Jane Doe | December 18, 2025", "2025-12-18"),
    ],
)
def test_first_date_in_text(text: str, iso: str) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    "text",
    [
        # dateparser made a date of each of these
        "1999-13-01",  # -> 1999-01-13
        "10.5.20",  # -> 1920-05-10
        "12 5 99",  # -> 1999-05-12
        "2 3 2024",  # -> 2024-03-02
        "05/03/2024",  # ambiguous (5 March or May 3): -> 2024-03-05 by DATE_ORDER alone
        # not dates at all
        "yesterday",
        "2 hours ago",
        "December 2025",
        "By Reuters",
        "2024",
        "31.02.2024",
    ],
)
def test_not_a_date(text: str) -> None:
    assert parse_date(text) is None


def test_byline_of_an_outlet_has_no_date() -> None:
    byline = parse_byline("By Jane Doe, Reuters")
    assert byline is not None
    assert (byline.authors, byline.source, byline.published) == (("Jane Doe",), "Reuters", None)
    assert parse_byline("By Reuters") is None
