"""News text names a country many ways: "Türkiye", "Turkey", "Turkish", "Ankara". A small table of
countries with their other names, adjectives and capitals (as metonyms: "Moscow said"), so that a
question about "the American leader" matches a text about "the US president"."""

from __future__ import annotations

import functools
import re

from vectorstore.terms import fold

# Each line: names of one country, separated by "|" (folded, lower case).
_TABLE = """
united states|us|u.s.|usa|u.s.a.|america|american|americans|washington|white house
united kingdom|uk|u.k.|britain|great britain|british|london|downing street
turkey|turkiye|turkish|ankara
russia|russian|russians|russian federation|moscow|kremlin
ukraine|ukrainian|ukrainians|kyiv|kiev
china|chinese|beijing|prc
india|indian|indians|new delhi|delhi
venezuela|venezuelan|venezuelans|caracas
iran|iranian|iranians|tehran
israel|israeli|israelis|jerusalem|tel aviv
syria|syrian|syrians|damascus
germany|german|germans|berlin
france|french|paris|elysee
japan|japanese|tokyo
north korea|north korean|pyongyang
south korea|south korean|seoul
saudi arabia|saudi|saudis|riyadh
egypt|egyptian|cairo
pakistan|pakistani|islamabad
afghanistan|afghan|kabul
iraq|iraqi|baghdad
italy|italian|rome
spain|spanish|madrid
canada|canadian|ottawa
mexico|mexican|mexico city
brazil|brazilian|brasilia
turkmenistan|turkmen|ashgabat
belarus|belarusian|minsk
poland|polish|warsaw
greece|greek|athens
qatar|qatari|doha
european union|eu|brussels
nato|north atlantic treaty organization|alliance
"""


@functools.cache
def _groups() -> dict[str, frozenset[str]]:
    groups: dict[str, frozenset[str]] = {}
    for line in _TABLE.strip().splitlines():
        names = frozenset(n.strip() for n in line.split("|") if n.strip())
        for name in names:
            groups[name] = names
    return groups


def aliases(name: str) -> frozenset[str]:
    """Every name of the place `name` names (itself alone if it is not in the table)."""
    key = fold(name).strip(" .,'’")
    return _groups().get(key, frozenset({key}))


def mentioned(name: str, folded_text: str) -> bool:
    """Whether `folded_text` (already folded) names `name` or another name of the same place."""
    for alias in aliases(name):
        if re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", folded_text):
            return True
    return False
