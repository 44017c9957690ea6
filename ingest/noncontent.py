"""Lines of scraped news text that are not article content: link lines to other stories, photo
credits and captions, datelines, editor's notes, newsletter promos, reporter footers, update
notices and copyright lines.

They stay in the stored text (every character offset keeps pointing where it did) and are only
marked: `non_content_spans(text)` gives the (start, end) spans of such lines, a pure function of
the text, so the same spans come out at ingest (stored with the chunks) and at read time (for
chunks stored before). Each rule matches a *whole* line (a paragraph of the stored text) and
is narrow: a sentence that merely starts with "Watch" or quotes someone stays content. The rules
were drawn from the 2,000 RealTimeQA articles (see tests/ingest/test_noncontent.py).
"""

from __future__ import annotations

import json
import re

from ingest.textformat import looks_like_name, outlet_name, parse_byline

_MAX_CHARS = 400  # a longer line is content, whatever it starts with
_LINE = re.compile(r"[^\n]+")
_SIGNATURE = re.compile(r"[-–—−] ?([^\n]{3,120})")  # "– David Jackson" under a live-blog entry
_NAMES = re.compile(r",\s*|\s+and\s+|\s*&\s*")
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_HANDLE = r"(?<![\w@])@\w{2,}"
_AGENCY = (
    r"(?:Getty Images|AP(?: Photo)?|AFP|Reuters|REUTERS|EPA(?:-EFE)?|FILE|Bloomberg|Shutterstock"
    r"|Pool|The Associated Press|USA TODAY(?: Sports| Network| NETWORK)?|Sipa USA|Zuma Press)"
)
_LINK_WORDS = (
    r"WATCH|UPDATES?|LIVE(?: UPDATES| ELECTION RESULTS)?|READ(?: MORE| THE ORIGINAL STORY)?"
    r"|RELATED|MORE(?: [A-Z]+){0,2}|SEE(?: [A-Z]+){0,3}|VIDEOS?|PHOTOS?|LISTEN|OPINION"
    r"|ANALYSIS|SUBSCRIBE|SIGN UP|TRENDING|EXCLUSIVE|DON'T MISS"
)

# (name, whole-line pattern); names are what the survey counts report
RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        # "CNN —", "New York CNN Business —": the dateline of a CNN story
        ("dateline", r"(?:[A-Z][\w.,'’/ -]{0,60} )?CNN(?: Business| Digital| Sports?)? ?[—–-]"),
        # "Tracking tech layoffs:Why companies cut jobs": a link to another story (no space
        # after the colon is how the scraped link text runs on)
        ("link", r"(?=[^\n:]*[A-Za-z]{3})[A-Z0-9\"'‘“][^\n:]{1,80}(?<!\s):[\"'‘“$]?[A-Z¿¡][^\n]{0,200}"),
        # "WATCH: ...", "PHOTOS: ...", "MORE COVERAGE: ..."
        ("link", rf"(?:{_LINK_WORDS}) ?:[^\n]{{0,250}}"),
        (
            "link",
            r"(?:Watch|Read(?: more)?|Related|Photos|Video|Listen|Live updates|See also)"
            r"(?: here)?:[^\n]{0,200}",
        ),
        ("link", r"Read (?:more|the full story|[^\n]{1,60}’s full story|[^\n]{1,60}'s full"
                 r" story)(?: [^\n]{0,80})?(?: here| HERE)?\.?"),
        ("editor's note", r"\(?Editor[’']?s? [Nn]ote\b[^\n]*"),
        ("update notice", r"\(?This (?:story|article|report|post|page)(?: and (?:its )?headline)?"
                          r" (?:has been|have been|was|is being) (?:updated|corrected)[^\n]*"),
        ("correction", r"(?:CORRECTION|Correction|Clarification)(?: \([^)]{1,40}\))?:[^\n]*"),
        ("contributing", r"(?:Contributing(?: reporting)?|Contributors?):[^\n]{1,200}"),
        ("contributing", r"\(?[A-Z][^\n]{0,150} contributed (?:reporting )?(?:to|for) (?:this|the)"
                         r" (?:report|story|article)\.?\)?"),
        ("contributing", r"From (?:USA TODAY|the) [^\n]{0,40}(?:and )?wire reports\.?"),
        ("credit", r"\(?(?:Image |Photo |Video |Top )?[Cc]redits?:[^\n]{1,200}"),
        ("credit", r"\(?(?:AP|AFP|Reuters) Photo/[^\n]{1,120}\)?"),
        # a caption ending in its credit: "Wes Moore speaks in Rockville. Drew Angerer/Getty Images"
        ("caption", rf"[^\n]{{0,300}}(?:\b[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){{0,3}}"
                    rf"(?:/[\w.'’ ,&-]{{1,40}})*/{_AGENCY}(?:/FILE)?|via Getty Images)\)?"),
        ("caption", r"[^\n]{0,300}\bHide Caption\b[^\n]*"),
        ("video", r"(?:Video Ad Feedback|JUST WATCHED)\b[^\n]*"),
        ("video", r"[^\n]{0,200} \d\d:\d\d - Source: CNN(?: Business)?[^\n]{0,200}"),
        ("promo", r"\(?(?:Sign up|Sign-up|Subscribe)\b[^\n]{0,80}\b(?:newsletters?|inbox|here|Your Vote"
                  r"|[Tt]ext|SMS|[Bb]riefing|email|alerts?)\b[^\n]*"),
        ("promo", r"(?:Need a (?:news )?break\?|Prep for the polls:|We occasionally recommend"
                  r"|What's everyone talking about\?|What’s everyone talking about\?"
                  r"|Check your local forecast|Get '5 Things'|\(You can get “5 Things)[^\n]*"),
        ("promo", r"[^\n]{0,120}\b(?:Subscribe|Sign up)\b[^\n]{0,60}\bnewsletters?\b[^\n]{0,120}"),
        ("promo", r"Follow every (?:\w+ )?game:[^\n]*"),
        ("promo", r"[^\n]{0,120}\b(?:newsletters?|podcasts?)\b[^\n]{0,80}(?:inbox|here|Sign up"
                  r"|sign up|subscrib\w*)\b[^\n]{0,80}"),
        # "Contact reporter X at x@y.com", "Reach X on X @handle", "Follow X on Bluesky at ..."
        ("footer", rf"(?:Contact|Reach|Follow|Email|E-mail|Write to)\b[^\n]*(?:{_EMAIL}|{_HANDLE}"
                   r"|\b(?:on|at) (?:X|Twitter|Bluesky|Instagram|Facebook|Threads|TikTok)\b)"
                   r"[^\n]*"),
        ("footer", rf"[^\n]{{0,200}}\b(?:follow|reach|contact|email) (?:him|her|them)\b[^\n]*"
                   rf"(?:{_EMAIL}|{_HANDLE})[^\n]*"),
        ("copyright", r"(?:Copyright\b|©|\(c\) )[^\n]*"),
        ("copyright", r"[^\n]{0,200}\bAll rights reserved\b[^\n]{0,100}"),
        ("separator", r"(?:[^\w\n]|_)+"),
    )
)  # fmt: skip


def line_kind(line: str) -> str | None:
    """The rule a line (one paragraph, no newline) matches as non-content, or None if content."""
    line = line.strip()
    if not line or len(line) > _MAX_CHARS:
        return None
    for name, pattern in RULES:
        if pattern.fullmatch(line):
            return name
    if _signature(line):
        return "signature"
    if outlet_name(line):
        return "outlet"  # a lone "Associated Press" or "USA TODAY" line
    byline = parse_byline(line)
    if byline and not byline.authors:
        return "date"  # "June 1, 2026 Updated June 9, 2026, 11:51 a.m. ET"
    return None


def _signature(line: str) -> bool:
    """A dash and then only names or an outlet: "– Joey Garrison", "-Gabe Hauari, Bailey Schulz"."""
    match = _SIGNATURE.fullmatch(line)
    if not match:
        return False
    names = [n for n in _NAMES.split(match.group(1)) if n]
    return bool(names) and all(
        outlet_name(n) or (2 <= len(n.split()) <= 4 and looks_like_name(n)) for n in names
    )


def non_content_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line of `text` that is not article content, in order; each span
    is a whole line less its outer whitespace."""
    spans = []
    for match in _LINE.finditer(text):
        line = match.group()
        if line_kind(line):
            lead = len(line) - len(line.lstrip())
            spans.append((match.start() + lead, match.start() + len(line.rstrip())))
    return spans


def within(
    spans: list[tuple[int, int]] | tuple[tuple[int, int], ...], start: int, end: int
) -> list[tuple[int, int]]:
    """The parts of `spans` inside [start, end), relative to `start` (a chunk's own spans)."""
    return [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]


def overlaps(spans: tuple[tuple[int, int], ...], start: int, end: int) -> bool:
    """Whether [start, end) overlaps any of `spans` (same coordinates)."""
    return any(s < end and e > start for s, e in spans)


def encode_spans(spans: list[tuple[int, int]]) -> str:
    """Spans as compact JSON ("[[0,5],[40,61]]") for a store's metadata."""
    return json.dumps([list(span) for span in spans], separators=(",", ":"))


def decode_spans(value: str) -> tuple[tuple[int, int], ...]:
    return tuple((int(s), int(e)) for s, e in json.loads(value))
