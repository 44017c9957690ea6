"""What kind of thing a question asks for, and whether a sentence offers one that the question
does not already contain (a sentence that only repeats the question does not answer it)."""

from __future__ import annotations

import re

from qa.places import mentioned
from vectorstore.terms import fold

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}|\d{{1,2}}\s+(?:{_MONTHS})|(?:{_MONTHS})|{_DAYS}|"
    r"(?:1[89]|20)\d\d|\d{1,2}[./]\d{1,2}[./]\d{2,4}|yesterday|today|tomorrow|"
    r"(?:last|next|this)\s+(?:week|month|year|weekend)|"
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|final|last|\d+(?:st|nd|rd|th))"
    r"\s+day)\b",
    re.IGNORECASE,
)
# a time of day: "at what time" is answered by "3:04 p.m.", "noon"
TIME = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\b(?:noon|midnight)\b", re.IGNORECASE
)
NUMBER = re.compile(
    r"(?:[$€£¥]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:%|percent|million|billion|trillion|thousand)?|"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|million|billion|dozens?|half)\b)",
    re.IGNORECASE,
)
# a question that asks for an amount of money, or for a duration or length, is answered only by a
# sentence with one: a year or a count in a sentence about the same story is not a price
_ASKS_MONEY = re.compile(
    r"\bhow much (?:\w+ ){0,2}(?:money|cash|funding|revenue|profit|pay|salary|bonus|fine|fee|"
    r"debt|compensation|damages|aid|rent|tax|taxes|tuition|budget|loan|settlement|prize)\b|"
    # "how much" then a verb ("How much did it cost?"), not the thing measured ("How much land
    # did he offer at no cost?")
    r"\bhow much\b(?=\W+(?:did|does|do|is|was|were|will|would|could|can|has|have|had|are|"
    r"should|money|cash|funding|more|less)\b)(?:\W+\w+){0,12}?\W+(?:cost|costs|pay|paid|pays|"
    r"earn|earns|earned|raise|raised|"
    r"spend|spent|charge|charged|owe|owed|worth|fined?|award(?:ed)?|claim(?:ed)?|sell|sold|"
    r"lose|lost|invest(?:ed)?|payments?|fees?|salary|salaries|compensation|bonus(?:es)?|fines?|"
    r"settlement|damages|budget|bill|rent|funding|aid|grant|loan|debt|donation|prize)\b|"
    r"\bwhat (?:price|sum|salary|fine)\b",
    re.IGNORECASE,
)
MONEY = re.compile(
    r"[$€£¥₹]\s?\d|\b\d[\d,.]*\s*(?:(?:million|billion|trillion|thousand|m|bn)\s+)?"
    r"(?:(?:swiss|us|u\.s\.|canadian|australian|hong kong|new zealand|singapore)\s+)?"
    r"(?:dollars?|euros?|pounds?|yuan|yen|rupees?|francs?|pesos?|r[ou]ubles?|lira|cents?|pence|"
    r"usd|eur|gbp)\b",
    re.IGNORECASE,
)
_ASKS_SHARE = re.compile(
    r"\bwhat (?:percentage|percent|share|proportion|fraction)\b|\bhow much of\b", re.IGNORECASE
)
SHARE = re.compile(
    r"\d[\d,.]*\s*(?:%|percent\b|per cent\b)|\b(?:half|a third|two-thirds|a quarter|"
    r"three-quarters|majority|\d+ (?:in|out of) \d+|(?:one|two|three|four)[\s-](?:thirds?|"
    r"quarters?|fifths?|tenths?)|(?:one|two|three|four|five|nine) (?:in|out of) (?:two|three|"
    r"four|five|ten))\b",
    re.IGNORECASE,
)
_ASKS_DURATION = re.compile(r"\bhow long\b", re.IGNORECASE)
DURATION = re.compile(
    r"\b(?:\d[\d,.]*|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|sixty|several|few|many|hundreds? of)[\s-]+"
    r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|centuries|"
    r"metres?|meters?|feet|foot|miles?|kilometres?|kilometers?|km|inches?|yards?)\b|"
    r"\b(?:until|till)\b|\b(?:seconds|minutes|hours|days|weeks|months|years|decades)\b",
    re.IGNORECASE,
)
# "By how much did the cost rise?": a sum or a share
_ASKS_CHANGE = re.compile(r"\bby how much\b", re.IGNORECASE)
_CHANGE = re.compile(f"{MONEY.pattern}|{SHARE.pattern}", re.IGNORECASE)
# (the question asks for it, what a sentence must hold), the first that applies
_SPECIFIC_NUMBERS = (
    (_ASKS_CHANGE, _CHANGE),
    (_ASKS_MONEY, MONEY),
    (_ASKS_SHARE, SHARE),
    (_ASKS_DURATION, DURATION),
)
NAME = re.compile(r"\b[A-ZÀ-ÖØ-ÞĞİŞ][\w’'.-]*(?:\s+[A-ZÀ-ÖØ-ÞĞİŞ][\w’'.-]*)*")

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "number",
        re.compile(
            r"\bhow (?:much|many|long|far|old|big|large)\b|\bwhat (?:percentage|"
            r"share|number|amount|price|sum)\b",
            re.I,
        ),
    ),
    (
        "date",
        re.compile(
            # "when" asks for a date when it opens a question ("When ...?", "..., and when?"),
            # not in "What did the US do when Türkiye refused?"
            r"(?:^|[,;?]\s*|\b(?:and|but|so|since|until)\s+)when\b|"
            r"\bwhat (?:year|date|day|month|time)s?\b|\bwhich (?:year|date|"
            r"day|month)s?\b",
            re.I,
        ),
    ),
    (
        "name",
        re.compile(
            r"\bwho(?:m|se)?\b|\bwhere\b|\bwhich\b|\bwhat (?:country|city|state|"
            r"company|team|organi[sz]ation|group|name|nation|agency|party|"
            r"outlet|newspaper|firm|brand|app|film|movie|show|song|book)\b|"
            r"\b(?:the|its|his|her|their|what|which) name\b",
            re.I,
        ),
    ),
    # words that hint at an amount, weaker than a question word: "Which company paid for the
    # study?" asks for a name, "What did the tickets cost?" for a number
    ("number", re.compile(r"\bcost\b|\bpaid?\b|\bprice\b|\bnumber of\b", re.I)),
)
# a question for a reason or a manner asks for no name, number or date ("Why was he at the
# hotel where ...?", "How did Pegula size up the price he paid?")
_OPEN = re.compile(
    r"^\W*(?:(?:and|so|but|then|also)\s+)?(?:why\b|how (?:did|does|do|is|was|were|are|has|"
    r"have|had|will|would|can|could|should)\b)",
    re.I,
)
_WH = re.compile(r"\b(?:who|whom|whose|what|which|when|where|why|how)\b", re.I)
# a relative clause after a comma is no question word ("..., which he drew on", ", where he ...")
_RELATIVE = re.compile(r"[,;]\s*(?=(?:who|whom|whose|which|where|when)\b)", re.I)


def asking_clause(question: str) -> str:
    """The part of a question that asks: from its first question word to a relative clause
    ("In 2007, what emergency hospitalized Clark, which he recalled?" -> "what emergency
    hospitalized Clark")."""
    first = _WH.search(question)
    clause = question[first.start() :] if first else question
    return _RELATIVE.split(clause, maxsplit=1)[0]


def expected_kind(question: str) -> str | None:
    """'number', 'date', 'name', or None for an open question (why, how, what did ... say)."""
    if _OPEN.search(question):
        return None
    clause = asking_clause(question)
    for kind, pattern in _KINDS:
        if pattern.search(clause):
            return kind
    return None


_NAME_WORD = re.compile(r"[\w’'-]{3,}")
_TOKEN = re.compile(r"[\w’'-]+")


def _head_word(word: str) -> str:
    """A folded word without quotes or a possessive ("greenblatt's" -> "greenblatt")."""
    return word.strip("’'").removesuffix("’s").removesuffix("'s")


_ASKED_NOUN = re.compile(r"\b(?:which|what)\s+((?:[\w’'-]+\s+){0,3})", re.IGNORECASE)
_NOT_NOUNS = frozenset(
    "of the a an is was are were did does do has had have will would can could two three four "
    "five other another".split()
)
# words of a place's or body's name that do not tell it apart ("Jacksonville International")
_GENERIC = frozenset(
    "international national regional municipal memorial state city county general new north "
    "south east west central great royal federal united".split()
)


def asked_noun(question: str) -> str | None:
    """The noun a "which/what X" question asks for, singular ("Which Fox News host was" ->
    "host", "Which airport finished" -> "airport"); None for another question."""
    match = _ASKED_NOUN.search(question)
    if match is None:
        return None
    for word in match.group(1).split():
        if word[0].isupper() or word.lower() in _NOT_NOUNS:
            continue
        return _stem(word.strip("’'"))
    return None


def new_name(name: str, question: str) -> bool:
    """Whether a name is news to the question: its last word, its head, is not one the question
    uses ("President Donald Trump" is no answer to a question about Trump; "Anti-Defamation
    League CEO Jonathan Greenblatt" none to one about Greenblatt). A head that is the noun the
    question asks for ("Which airport ...?") is no news: the words before it are ("Jacksonville
    International Airport" is news, "Indianapolis International Airport" not, to a question
    that names Indianapolis)."""
    asked = {_head_word(w) for w in _TOKEN.findall(fold(question))}
    named = [_head_word(fold(w)) for w in _NAME_WORD.findall(name)]
    if len(named) > 1 and _stem(named[-1]) == asked_noun(question):
        return any(w not in asked and w not in _GENERIC for w in named[:-1])
    # a name's last word is its head: "Mitch McConnell", "Senate Majority Leader Mitch McConnell"
    return bool(named) and named[-1] not in asked


def _new(found: list[str], question: str) -> bool:
    q = fold(question)
    return any(fold(f).strip(" .,'’") not in q for f in found if f.strip(" .,'’"))


_HOW_MANY = re.compile(r"\bhow many\s+([\w’'-]+(?:\s+[\w’'-]+){0,3})", re.I)
# words that end the noun phrase after "how many": its last word before them is what is counted
_PHRASE_END = frozenset(
    "of more times did do does have has had were was are is will would can could in on at for "
    "from to over under per that who which been get got currently still now".split()
)
_PEOPLE = {
    "people",
    "person",
    "persons",
    "individuals",
    "humans",
    "beings",
    "residents",
    "children",
    "men",
    "women",
    # people counted by what they came for
    "guests",
    "attendees",
    "visitors",
    "spectators",
    "fans",
    "viewers",
    "passengers",
    "travelers",
    "travellers",
    "tourists",
}
_COUNT_WORDS = re.compile(
    r"(?:\d[\d,.]*(?:st|nd|rd|th)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-\w+)?|hundreds?|"
    r"thousands?|millions?|billions?|dozens?|several|scores)",
    re.I,
)


def _stem(word: str) -> str:
    """A plural as its singular, roughly ("cities" -> "city", "drones" -> "drone")."""
    word = word.lower()
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def counted(question: str) -> str | None:
    """What a "how many" question counts ("How many drones were seen?" -> "drone")."""
    match = _HOW_MANY.search(question)
    if match is None:
        return None
    phrase = []
    for word in match.group(1).split():
        if word.lower() in _PHRASE_END:
            break
        phrase.append(word)
    if not phrase:  # "How many of them", "How many times"
        return None
    # the counted noun is plural: the first plural word ("Henan bank protesters were"), a
    # common noun before a name ("Marsh Supermarkets stores", "fans attended the Lions'"),
    # else the first word ("How many people died")
    words = [w.rstrip("’'") for w in phrase]
    plural = [w for w in words if w.lower() in _PEOPLE or (len(w) > 3 and _stem(w) != w.lower())]
    common = [w for w in plural if not w[0].isupper()]
    return _stem((common or plural or words)[0])


# nouns that count the same things: a count of any answers a question about one
_SAME_COUNT = (
    frozenset(_stem(n) for n in _PEOPLE),
    frozenset("worker employee staffer staff job position".split()),
    frozenset("award trophy prize emmy grammy oscar tony medal statuette".split()),
    frozenset("home house residence dwelling".split()),
    frozenset("incident instance case occurrence episode".split()),
)


def _counts_people(question: str) -> bool:
    """Whether a "how many" question counts people named by a capitalised word ("How many
    Americans ...?", "how many Mississippians"; not "How many Twitter employees")."""
    match = _HOW_MANY.search(question)
    if match is None:
        return False
    first = match.group(1).split()[0]
    return (
        first[:1].isupper() and _stem(first) != first.lower() and counted(question) == _stem(first)
    )


def counts(noun: str, sentence: str, window: int = 4, people: bool = False) -> bool:
    """Whether the sentence puts a number within `window` words of the counted noun ("five
    people died", "drones, 12 of them"); words for people count as one noun, and so do words
    for workers ("workers", "employees") and for awards ("Emmys", "trophies")."""
    tokens = _TOKEN.findall(sentence)
    nouns = next((group for group in _SAME_COUNT if noun in group), {noun})
    if people:  # "Americans", "Mississippians": people named by where they are from
        nouns = nouns | _SAME_COUNT[0]
    numbers = [i for i, t in enumerate(tokens) if _COUNT_WORDS.fullmatch(t)]
    targets = [i for i, t in enumerate(tokens) if _stem(t) in nouns]
    return any(abs(i - j) <= window for i in numbers for j in targets)


def specific_number(question: str) -> re.Pattern[str]:
    """What a sentence must hold to answer a number question: a sum of money, a share or a
    duration when the question asks for one, any number otherwise."""
    return next((p for asks, p in _SPECIFIC_NUMBERS if asks.search(question)), NUMBER)


def offers(kind: str | None, sentence: str, question: str) -> float:
    """1.0 when the sentence holds something of the expected kind that the question lacks (for
    "how many X", a number next to X; for an amount of money, a sum of money; for a share, a
    percentage or fraction; for "how long", a duration or length)."""
    if kind is None:
        return 0.0
    if kind == "number":
        noun = counted(question)
        if noun is not None and not counts(noun, sentence, people=_counts_people(question)):
            return 0.0
        found = specific_number(question).findall(sentence)
    elif kind == "date":
        found = DATE.findall(sentence) + TIME.findall(sentence)
    else:
        return 1.0 if any(new_name(n, question) for n in names_in(sentence)) else 0.0
    return 1.0 if _new(found, question) else 0.0


_TRAILING_DATE = re.compile(rf"(?:\s+(?:{_MONTHS}|{_DAYS})\.?)+$", re.IGNORECASE)


def without_date(name: str) -> str:
    """A capitalised run less the weekday or month after it ("Tucker Carlson Wednesday")."""
    return _TRAILING_DATE.sub("", name)


def names_in(sentence: str) -> list[str]:
    """The sentence's capitalised names, less a capital that only opens the sentence and the
    names of months and weekdays (a date is not a "who" or "which")."""
    return [
        without_date(m.group())
        for m in NAME.finditer(sentence)
        if len(m.group()) > 1
        and (m.start() > 0 or " " in m.group())
        and not DATE.fullmatch(m.group().rstrip("."))
    ]


def novelty(sentence: str, question: str) -> float:
    """Share of the sentence's names and numbers that the question does not mention."""
    found = NAME.findall(sentence) + NUMBER.findall(sentence)
    if not found:
        return 0.0
    q = fold(question)
    return sum(1 for f in found if fold(f).strip(" .,") not in q) / len(found)


_QUESTION_WORDS = {
    # words that open a question capitalised without being names
    "besides",
    "apart",
    "aside",
    "after",
    "before",
    "during",
    "since",
    "according",
    "also",
    "so",
    "then",
    "now",
    "other",
    "than",
    "who",
    "what",
    "when",
    "where",
    "which",
    "why",
    "how",
    "did",
    "does",
    "do",
    "is",
    "are",
    "was",
    "were",
    "will",
    "can",
    "could",
    "should",
    "has",
    "have",
    "and",
    "in",
    "on",
    "the",
    "a",
    "an",
}


def question_names(question: str) -> list[str]:
    """Capitalised words of a question (names of people, places, outlets), folded."""
    found = []
    for match in re.finditer(r"\b[A-ZÀ-ÖØ-ÞĞİŞ][\w’'-]*", question):
        word = fold(match.group()).strip("'’")
        if word and word not in _QUESTION_WORDS:
            found.append(word)
    return found


def missing_names(names: list[str], text: str) -> float:
    """Share of the question's names that `text` never mentions (a near miss asks about India
    where the article speaks of Türkiye). Other names of a country count ("American" is
    found in a text about the US; "Ankara" in one about Türkiye)."""
    if not names:
        return 0.0
    folded = fold(text)
    return sum(1 for n in names if n not in folded and not mentioned(n, folded)) / len(names)
