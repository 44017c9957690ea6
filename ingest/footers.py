"""Authors named in an article's footer, for articles that come without a byline.

News sites close many stories with a line on how to reach the reporter: "Follow USA TODAY
columnist Rex Huppke on Bluesky at ...", "Contact IndyStar reporter Cheryl V. Jackson at ...",
"Reach Goodykoontz at ...", "Natalie Neysa Alund is a senior reporter for USA TODAY. Reach her
at ...". `footer_authors()` reads the names from such lines, conservatively: only in the last
few paragraphs, only on a line that gives a way to reach someone (an e-mail address, an @handle,
a social network), and only a person's name (2-4 capitalised words, never an outlet). A surname
alone ("Reach Goodykoontz at") counts only when the text gives the full name elsewhere.
Pure: the paragraphs in, the names out. It must see the paragraphs before boilerplate is
stripped (ingest.textformat.strip_boilerplate drops some of these lines).
"""

from __future__ import annotations

import re

from ingest.textformat import looks_like_name, outlet_name, unique

FOOTER_PARAGRAPHS = 6  # footers close the article: only its last paragraphs are read
_MAX_CHARS = 400
_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+\.\w|(?<![\w@])@\w{2,}|\b(?:on|at) (?:X|Twitter|Bluesky|Instagram|Facebook"
    r"|Threads|TikTok|LinkedIn)\b"
)
_VERBS = r"(?:Follow|Contact|Reach(?: out to)?|Email|E-mail|Call|Write to)"
_FOOTER = re.compile(
    rf"(?:^|(?<=[.!?] )){_VERBS} (?P<who>[^:@,;()\n]{{2,90}}?)"
    r"(?=,| at\b| on\b| via\b| or\b| and\b|:| @| \(|\.?$)"
)
_BIO = re.compile(
    r"^(?P<who>[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){1,3}) (?:is an?|is the|covers|writes)\b"
)
# "USA TODAY columnist Rex Huppke", "the reporter Perry Vandell", "USA TODAY Sports' Nate Davis":
# the name is what follows the last role word or possessive
_LEAD = re.compile(
    r"^.*(?:\b(?:reporter|columnist|writer|editor|correspondent|critic|fellow|intern|producer"
    r"|contributor|analyst|photographer|journalist)s?\b|['’]s?)\s+",
    re.IGNORECASE,
)
_NOT_NAMES = {
    "usa", "today", "network", "news", "press", "times", "post", "register", "star", "republic",
    "journal", "facebook", "twitter", "instagram", "bluesky", "office", "department", "county",
    "city", "state", "university", "team", "staff", "us", "the", "sports", "desk", "police",
    "ledger", "outdoors", "magazine", "gazette", "tribune", "herald", "online", "follow",
    "contact", "reach", "email", "call", "write",
}  # fmt: skip


def _person(text: str) -> str | None:
    """`text` as a person's name (2-4 capitalised words, no outlet or office), else None."""
    name = text.strip()
    if name.endswith(".") and not re.search(r"\b(?:Jr|Sr|[A-Z])\.$", name):
        name = name[:-1]
    words = name.split()
    if not 2 <= len(words) <= 4 or not looks_like_name(name) or outlet_name(name):
        return None
    if any(w.strip(".").lower() in _NOT_NAMES for w in words):
        return None
    return name


def _full_name(surname: str, body: str) -> str | None:
    """The full name of a surname given alone, when the text names the person in full."""
    if not re.fullmatch(r"[A-Z][\w'’-]{2,}", surname) or surname.lower() in _NOT_NAMES:
        return None
    pattern = rf"\b((?:[A-Z][\w'’-]+|[A-Z]\.) (?:[A-Z]\. )?){re.escape(surname)}\b"
    for match in re.finditer(pattern, body):
        name = _person(match.group(0))
        if name:
            return name
    return None


def _names_in(line: str, body: str) -> list[str]:
    names = []
    bio = _BIO.match(line)
    if bio and _person(bio.group("who")):
        names.append(_person(bio.group("who")) or "")
    for match in _FOOTER.finditer(line):
        who = match.group("who").strip()
        tail = _LEAD.sub("", who)
        name = _person(tail)
        if name is None and tail == who and " " not in who:
            name = _full_name(who, body)  # "Reach Goodykoontz at ..."
        if name:
            names.append(name)
    return names


def footer_authors(paragraphs: list[str]) -> tuple[str, ...]:
    """The people an article's closing lines say how to reach (see module docstring)."""
    body = "\n".join(paragraphs)
    names: list[str] = []
    for line in paragraphs[-FOOTER_PARAGRAPHS:]:
        if len(line) <= _MAX_CHARS and _CONTACT.search(line):
            names.extend(_names_in(line, body))
    return unique(names)
