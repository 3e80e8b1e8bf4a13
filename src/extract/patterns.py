"""Patterns several stages share, built once per process from the vocabulary (rules/*.yaml).

The words live in one YAML file each; this module holds only how they are put together, so
that the loaders, segment and the item extractors read the same grammar:

- dates written out ("ngày 19 tháng 6 năm 2025", "ngày  tháng 4 năm 2026" with blanks):
  the unit words of rules/deadlines.yaml (`day`, `month`, `year`), which the deadline parser
  (extract.canonical.deadlines) uses too;
- list markers: the bullets ("-", "•", "+" …) and the letters of letter labels ("a)", "đ)")
  of rules/markup.yaml `list_markers`;
- the word that joins the last item of a list ("A, B và C"): rules/document.yaml
  `list_joiners`.

Every function returns regex source text (str) to be embedded in a caller's pattern.
"""

from __future__ import annotations

import re
from functools import cache

from extract.rules import alternation, load_rules


# ------------------------------------------------------------------------ written dates


@cache
def date_words() -> tuple[str, str, str]:
    """(day, month, year): non-capturing alternations of the unit words of rules/deadlines.yaml
    ("(?:ngày)", "(?:tháng)", "(?:năm)"), without word boundaries (a blank date may write
    "ngày19")."""
    rules = load_rules("deadlines")
    return alternation(rules["day"]), alternation(rules["month"]), alternation(rules["year"])


@cache
def written_date(gap: str = r"\s+", blanks: bool = False) -> str:
    """A date written out in words: "ngày 19 tháng 6 năm 2025", named groups `day`, `month`,
    `year` (digits as written; 1-2, 1-2 and 4 digits).

    `gap` is the regex between words and numbers (r"\\s+"; r"\\s*" where a header may write
    "ngày19"). With `blanks`, the day and the month may be left blank for the signer to fill
    in ("ngày  tháng 4 năm 2026"): their groups are then None. The month word typed again for
    the year word ("ngày 19 tháng 6 tháng 2025") is accepted: the year has 4 digits.
    """
    day, month, year = date_words()
    optional = "?" if blanks else ""
    return (rf"{day}{gap}(?P<day>\d{{1,2}}){optional}{gap}{month}{gap}(?P<month>\d{{1,2}}){optional}"
            rf"{gap}(?:{year}|{month}){gap}(?P<year>\d{{4}})")


# ------------------------------------------------------------------------- list markers


def _character_class(characters) -> str:
    return "[" + "".join(re.escape(str(c)) for c in characters) + "]"


@cache
def bullet_class() -> str:
    """A character class of the list bullets of rules/markup.yaml ("[\\-\\+\\*•–—·]")."""
    return _character_class(load_rules("markup")["list_markers"]["bullets"])


@cache
def letter_class() -> str:
    """A character class of the small letters a letter label uses ("a)", "đ)")."""
    return _character_class(load_rules("markup")["list_markers"]["letters"])


# ------------------------------------------------------------------------- list joiners


@cache
def list_joiners() -> tuple[str, ...]:
    """The words that join a list's last item ("và"), as rules/document.yaml lists them; the
    first is the one written when a name is rebuilt ("&" -> "và")."""
    return tuple(str(word) for word in load_rules("document")["list_joiners"])


@cache
def list_joiner() -> str:
    """A non-capturing alternation of the list joiners, to be put between white space
    (r"\\s+" + list_joiner() + r"\\s+")."""
    return alternation(list_joiners())
