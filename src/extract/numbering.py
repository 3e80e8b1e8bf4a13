"""Numbering read back from OCR: label numerals repaired from their place in a sequence.

OCR misreads a heading's numeral in ways a single line cannot tell: "III." read as "II." (a
stroke lost), "Phụ lục II" read as "Phụ lục" (the numeral lost) or "Phụ lục h". But numbering
is a sequence: the level-1 headings of a plan count I, II, III, IV …, its appendices I, II …,
the sub-headings under one parent 1, 2, 3 or a, b, c. A reading that breaks the sequence is
repaired when exactly one value fits its neighbours (`repair_sequence`).

A speck of dust before a label ("„Phụ lục I", "_2. Chỉ tiêu", "'Phần III.") hides the label
from the segmenter's patterns; `speck_prefix` says how many characters of a line are such a
speck, so that the line can be read without them.

Only OCR'd documents are repaired (segment calls these when `TextDocument.ocr` is set): a
digital document's numbering is what its author typed, gaps and repeats included.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from rapidfuzz.distance import Levenshtein

from extract.rules import load_rules

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_ROMAN_STEPS = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
MAX_SKIP = 9                  # numbers a plan's count never skips at once ("93" after "4": misread)
MAX_SPECK = 2                 # characters of a speck before a label
_LETTERS = "abcdđefghiklmnopqrstuvxy"     # letter labels in Vietnamese order (no j, w, z)


def roman_value(text: str) -> int | None:
    """The value of a well-formed Roman numeral ("IV" -> 4), else None ("IIII", "h", "")."""
    if not text or any(c not in _ROMAN_VALUES for c in text):
        return None
    total = 0
    for i, c in enumerate(text):
        value = _ROMAN_VALUES[c]
        total += -value if i + 1 < len(text) and _ROMAN_VALUES[text[i + 1]] > value else value
    return total if 0 < total < 400 and roman(total) == text else None


def roman(value: int) -> str:
    """The Roman numeral of 1 <= value <= 3999 (4 -> "IV"; Word's list numbering too)."""
    out = []
    for step, letters in _ROMAN_STEPS:
        while value >= step:
            out.append(letters)
            value -= step
    return "".join(out)


@cache
def _misread_numerals() -> tuple[dict[str, str], dict[str, str]]:
    rules = load_rules("ocr")
    return ({str(wrong): str(right) for wrong, right in (rules.get("heading_numerals") or {}).items()},
            {str(wrong): str(right) for wrong, right in (rules.get("numeral_strokes") or {}).items()})


def ocr_numeral(token: str) -> str | None:
    """The Roman numeral an OCR'd label token stands for: itself when well-formed, else a known
    misreading of one (rules/ocr.yaml `heading_numerals`: "H" for "II", "Il" for "II"), else
    its strokes read back (`numeral_strokes`: "1H" for "III") when it holds a Roman letter or
    a run-together pair; a trailing point or comma and a speck before it dropped; None when it
    is no numeral (digits alone are digits)."""
    token = token.rstrip(".,:;").lstrip()
    k = speck_prefix(token, "")
    token = token[k:] if k else token
    if roman_value(token) is not None:
        return token
    misread, strokes = _misread_numerals()
    numeral = misread.get(token)
    if numeral is None and any(c in "IVX" or strokes.get(c, "I") != "I" for c in token) \
            and all(c in _ROMAN_VALUES or c in strokes for c in token):
        numeral = "".join(strokes.get(c, c) for c in token)
    return numeral if numeral is not None and roman_value(numeral) is not None else None


def _value(kind: str, text: str | None) -> int | None:
    if not text:
        return None
    if kind == "roman":
        return roman_value(text)
    if kind == "arabic":
        return int(text) if text.isdigit() else None
    if kind == "letter":
        return _LETTERS.index(text) + 1 if len(text) == 1 and text in _LETTERS else None
    return None


def _text(kind: str, value: int) -> str | None:
    if value < 1:
        return None
    if kind == "roman":
        return roman(value) if value < 400 else None
    if kind == "arabic":
        return str(value)
    if kind == "letter":
        return _LETTERS[value - 1] if value <= len(_LETTERS) else None
    return None


def _near(found: str, wanted: str) -> bool:
    """One character added, dropped or changed turns `found` into `wanted`."""
    if abs(len(found) - len(wanted)) > 1 or found == wanted:
        return found == wanted
    if len(found) == len(wanted):
        return sum(a != b for a, b in zip(found, wanted)) == 1
    short, long = sorted((found, wanted), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def near_text(found: str, wanted: str, letters_per_edit: int = 10) -> bool:
    """Whether `found` is `wanted` with at most one edit (a letter added, dropped or changed)
    per `letters_per_edit` letters of `wanted`, at least one: an OCR'd heading read against
    the genre's wording."""
    budget = max(1, len(wanted) // letters_per_edit)
    return Levenshtein.distance(found, wanted, score_cutoff=budget) <= budget


def repair_sequence(readings: list[str | None], kind: str) -> list[str | None]:
    """The numerals of one sequence of sibling labels (`kind`: roman | arabic | letter), each
    reading that breaks the count repaired when exactly one value fits:

    - between two neighbours that agree (I, II, *II*, IV -> III; I, *None*, III -> II);
    - after a neighbour only (the last of the sequence, or its next neighbour disagrees), when
      the reading is lost, repeats the one before or (Roman) is one stroke from the value that
      fits (I, II, *II* -> III);
    - the first of a sequence, from the one after it, when lost or (Roman) one stroke off.

    Digits and letters are trusted more than strokes: one of them is repaired from one side
    only when lost, repeated or far out of the count (1, 2, 3, 4, *93*); a count that
    restarts (1, 2, 3, 1, 2) stays.

    Anything else (a gap the author left, a count restarted) is kept as read."""
    out = list(readings)
    for k, reading in enumerate(readings):
        value = _value(kind, reading)
        before = _value(kind, out[k - 1]) if k > 0 else None
        after = _value(kind, readings[k + 1]) if k + 1 < len(readings) else None
        from_before = before + 1 if before is not None else None
        from_after = after - 1 if after is not None else None
        wanted: int | None = None
        if from_before is not None and from_before == from_after:
            wanted = from_before
        elif from_before is not None:
            fitting = _text(kind, from_before)
            if value is None or value == before or (kind == "roman" and fitting is not None
                                                    and _near(reading, fitting)) \
                    or (kind == "arabic" and value > from_before + MAX_SKIP):
                wanted = from_before
        elif k == 0 and from_after is not None:
            fitting = _text(kind, from_after)
            if fitting is not None and (value is None or kind == "roman" and _near(reading, fitting)):
                wanted = from_after
        if wanted is not None and value != wanted:
            repaired = _text(kind, wanted)
            if repaired is not None:
                out[k] = repaired
    return out


def _speck_char(ch: str) -> bool:
    """A mark that no label opens with: punctuation other than an opening bracket, or a symbol."""
    category = unicodedata.category(ch)
    return ch not in "([" and (category[0] == "P" or category[0] == "S")


def speck_prefix(text: str, bullets: str) -> int:
    """How many leading characters of an OCR'd line are a speck before its label (1-2 marks
    that are no list bullet, and the space after them), or 0."""
    k = 0
    while k < len(text) and k < MAX_SPECK and _speck_char(text[k]) and text[k] not in bullets:
        k += 1
    if k == 0 or k >= len(text):
        return 0
    end = k
    while end < len(text) and text[end] == " ":
        end += 1
    return end if end < len(text) and (text[end].isalnum() or text[end] in bullets) else 0
