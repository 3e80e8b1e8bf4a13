"""Numbers and indicator targets as Vietnamese plans write them.

Vietnamese writes the decimal separator as ',' and groups thousands with '.': "17,5" is
17.5 and "2.500.000" is 2500000. Documents converted from other tools also carry "17.5".
A lone dot followed by exactly three digits is read as a thousands separator ("1.000"),
any other lone dot or comma as the decimal point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extract.rules import alternation, word_alternation
from extract.models import Comparator, Target
from extract.rules import load_rules

# A number token: digits with '.' or ',' between digit groups, optionally signed where the
# sign stands alone ("-5", not the hyphen of "2026-2030").
NUMBER = re.compile(r"(?:(?<![\w.,\-−])(?P<sign>[-−])(?=\d))?(?<![\d.,])(?P<digits>\d+(?:[.,]\d+)*)")


def _grouped(head: str, groups: list[str]) -> bool:
    """True where `head` then `groups` form a thousands grouping (1-3 digits, then 3s)."""
    return (len(head) <= 3 and (head == "0" or not head.startswith("0"))
            and all(len(g) == 3 for g in groups))


def _number_value(digits: str) -> int | float:
    """The value of a number token (see NUMBER); an impossible grouping such as a section
    number "2.1.1" gives its first group."""
    dots, commas = digits.count("."), digits.count(",")
    if not dots and not commas:
        return int(digits)
    if dots and commas:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        whole, _, fraction = digits.rpartition(decimal)
        head, *groups = whole.split(thousands)
        if decimal in whole or not _grouped(head, groups):
            return int(re.split(r"[.,]", digits)[0])
        return _decimal("".join([head, *groups]), fraction)
    separator = "." if dots else ","
    head, *groups = digits.split(separator)
    if len(groups) == 1:
        # one separator: a comma is the decimal point; a dot is one unless exactly three
        # digits follow a non-zero integer part ("1.000" is a thousand, "0.125" an eighth)
        if separator == "." and len(groups[0]) == 3 and head != "0" and _grouped(head, groups):
            return int(head + groups[0])
        return _decimal(head, groups[0])
    if _grouped(head, groups):
        return int(head + "".join(groups))
    return int(head)


def _decimal(whole: str, fraction: str) -> int | float:
    value = float(f"{int(whole)}.{fraction}")
    return int(value) if value.is_integer() else value


def _token_value(match: re.Match[str]) -> int | float:
    value = _number_value(match.group("digits"))
    return -value if match.group("sign") else value


def parse_number(text: str) -> int | float | None:
    """The first number written in `text`, Vietnamese style ("01" -> 1, "17,5" -> 17.5,
    "1.000" -> 1000, "2.500.000" -> 2500000, "95%" -> 95); None where there is none.
    Integral values are ints."""
    match = NUMBER.search(text)
    return _token_value(match) if match else None


# ------------------------------------------------------------------------------- targets

@dataclass(frozen=True)
class _TargetRules:
    comparator_before: re.Pattern[str]   # a comparator phrase ending the text before a number
    comparator_after: re.Pattern[str]    # a comparator phrase opening the text after it
    comparators: dict[str, Comparator]   # phrase key -> comparator
    percent_after: re.Pattern[str]
    percent_units: frozenset[str]        # keys of Đơn vị cells meaning "%"
    counted_unit: re.Pattern[str]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@cache
def _target_rules() -> _TargetRules:
    comparator_rules = load_rules("comparators")
    units = load_rules("units")
    comparators: dict[str, Comparator] = {}
    for position in ("before", "after"):
        for comparator, phrases in comparator_rules[position].items():
            comparators.update({_key(p): comparator for p in phrases})
    before = [p for ps in comparator_rules["before"].values() for p in ps]
    after = [p for ps in comparator_rules["after"].values() for p in ps]
    fillers = alternation([*comparator_rules["fillers"], ":"])
    flags = re.IGNORECASE
    return _TargetRules(
        comparator_before=re.compile(
            rf"(?P<comparator>{word_alternation(before)})(?:\s*{fillers}(?!\w))*\s*$", flags),
        comparator_after=re.compile(rf"\s*(?P<comparator>{word_alternation(after)})", flags),
        comparators=comparators,
        percent_after=re.compile(rf"\s*{alternation(units['percent_after'])}", flags),
        percent_units=frozenset(_key(u) for u in units["percent"]),
        counted_unit=re.compile(rf"\s*(?P<unit>{word_alternation(units['counted'])})", flags),
    )


# Look this far back for a comparator: it stands right before the number.
_COMPARATOR_WINDOW = 48


def _comparator_before(text: str, start: int) -> Comparator | None:
    rules = _target_rules()
    match = rules.comparator_before.search(text, max(0, start - _COMPARATOR_WINDOW), start)
    return rules.comparators[_key(match.group("comparator"))] if match else None


def _eligible(text: str, match: re.Match[str]) -> bool:
    """A number that can be a target: not part of a date, a document number ("01/KH") or a
    word such as "5G" or "ĐA06"."""
    start, end = match.span()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return not (before == "/" or after == "/" or before.isalpha() or after.isalpha())


def parse_target(text: str, unit: str | None = None, scope: str | None = None) -> Target | None:
    """One target cell or phrase ("≥70", "Tối thiểu 80%", "ít nhất 01 sáng kiến") as a
    Target; None where it holds no number ("", "-", "x").

    The number taken is the first one followed by "%", else the first one after a comparator
    word, else the first one. The comparator is the comparator phrase nearest before it
    (rules/comparators.yaml), else one after it ("từ 50% trở lên"), else "=". The unit is
    "%" where written, else `unit` (the Đơn vị column; "%" for its percent spellings), else
    a counted noun written after the number ("01 sáng kiến" -> "sáng kiến").
    """
    stripped = text.strip()
    if not stripped:
        return None
    rules = _target_rules()
    numbers = [m for m in NUMBER.finditer(stripped) if _eligible(stripped, m)]
    if not numbers:
        return None
    percent = [m for m in numbers if rules.percent_after.match(stripped, m.end())]
    compared = [m for m in numbers if _comparator_before(stripped, m.start())]
    chosen = (percent or compared or numbers)[0]

    comparator = _comparator_before(stripped, chosen.start())
    position = chosen.end()
    written_unit: str | None = None
    if (percent_match := rules.percent_after.match(stripped, position)):
        written_unit, position = "%", percent_match.end()
    elif (counted := rules.counted_unit.match(stripped, position)):
        written_unit, position = " ".join(counted.group("unit").split()), counted.end()
    if comparator is None:
        after = rules.comparator_after.match(stripped, position)
        comparator = rules.comparators[_key(after.group("comparator"))] if after else "="

    given_unit = unit.strip() if unit and unit.strip() else None
    if given_unit and _key(given_unit) in rules.percent_units:
        given_unit = "%"
    final_unit = "%" if written_unit == "%" else (given_unit or written_unit)
    return Target(value=_token_value(chosen), comparator=comparator, unit=final_unit,
                  scope=scope, text=stripped)

