"""Titles as people read them: the one owner of turning MovieLens' library form
("Boot, Das (Boat, The)") into the natural one ("Das Boot (The Boat)").

MovieLens moves a title's leading article to the end, after a comma, in the title and in
each alternative title in parentheses. The catalogue stores the natural form (shown
everywhere and searched) and keeps MovieLens' own spelling beside it for matching imports.
No Django: the MovieLens parser and a data migration call it too.
"""

from __future__ import annotations

import re
import unicodedata

# The leading articles MovieLens moves to the end (English, French, Italian, Spanish,
# Portuguese, German and Scandinavian titles), as it capitalises them.
ARTICLES = (
    "The", "A", "An",
    "Le", "La", "Les", "L'", "Un", "Une",
    "Il", "Lo", "I", "Gli", "Uno", "Una",
    "El", "Los", "Las",
    "O", "Os", "As",
    "Der", "Die", "Das", "Ein", "Eine",
    "Den", "Det", "De", "En", "Ett", "Et",
    "Da",
)  # fmt: skip

_ARTICLE_AT_END = re.compile(
    r"(?P<body>.+), (?P<article>{})".format("|".join(re.escape(a) for a in ARTICLES))
)
# An alternative title in parentheses at the end, as in "Vitelloni, I (a.k.a. The Young ...)".
_LAST_ALTERNATIVE = re.compile(r"(?P<rest>.*\S)\s+\((?P<alternative>[^()]+)\)")
_AKA = "a.k.a. "


def natural_title(title: str) -> str:
    """ "Boot, Das (Boat, The)" -> "Das Boot (The Boat)"; "Matrix, The" -> "The Matrix";
    "Atalante, L'" -> "L'Atalante". A natural title comes back unchanged, so applying it
    twice is the same as once."""
    alternatives: list[str] = []
    rest = title.strip()
    while match := _LAST_ALTERNATIVE.fullmatch(rest):
        rest = match["rest"]
        alternatives.insert(0, match["alternative"])
    parts = [_article_first(rest), *(_alternative_natural(a) for a in alternatives)]
    return " ".join([parts[0], *(f"({part})" for part in parts[1:])])


def _alternative_natural(alternative: str) -> str:
    if alternative.startswith(_AKA):
        return _AKA + _article_first(alternative.removeprefix(_AKA))
    return _article_first(alternative)


def _article_first(text: str) -> str:
    match = _ARTICLE_AT_END.fullmatch(text)
    if match is None:
        return text
    separator = "" if match["article"].endswith("'") else " "
    return f"{match['article']}{separator}{match['body']}"


# Matching: one key for every spelling of a title.

_ARTICLE_WORDS = [re.escape(article.casefold()) for article in ARTICLES]
_ELIDED = "|".join(word for word in _ARTICLE_WORDS if word.endswith("'"))  # "l'"
_SPACED = "|".join(word for word in _ARTICLE_WORDS if not word.endswith("'"))
# MovieLens writes "Godfather, The" and "City of Lost Children, The (Cité des enfants perdus, La)".
_TRAILING_ARTICLE = re.compile(rf",\s*({_ELIDED}|{_SPACED})$")
# "L'Atalante" as well as "The Godfather": an elided article has no space after it.
_LEADING_ARTICLE = re.compile(rf"^(?:{_ELIDED}|(?:{_SPACED})\s)")
_PARENTHESIS = re.compile(r"^(.*?)\s*\((?:a\.k\.a\.\s*)?(.*)\)$")


def normalize_title(title: str, *, keep_article: bool = False) -> str:
    """Case, accents, punctuation and articles removed: "The Godfather" == "Godfather, The".
    With `keep_article`, a leading article stays ("the godfather"), as typed."""
    text = unicodedata.normalize("NFKD", title).casefold()
    text = "".join(char for char in text if not unicodedata.combining(char)).strip()
    if not keep_article:
        text = _TRAILING_ARTICLE.sub("", text)  # before punctuation goes: it needs the comma
        text = _LEADING_ARTICLE.sub("", text)  # before apostrophes go: "l'" needs its own
    text = re.sub(r"['’`]", "", text).replace("&", " and ")  # "Schindler's" == "Schindlers"
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


def title_keys(*titles: str) -> set[str]:
    """Every normalised name these spellings of one movie answer to (its natural title and
    MovieLens' spelling), including a bracketed alternative."""
    keys = set()
    for title in titles:
        keys.add(normalize_title(title))
        parenthesis = _PARENTHESIS.match(title)
        if parenthesis:
            keys.update(normalize_title(part) for part in parenthesis.groups() if part)
    keys.discard("")
    return keys
