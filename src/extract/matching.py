"""One-to-one pairing of named items by fuzzy similarity (rapidfuzz), shared by the stages
that pair things written in different words: golden items in evaluation, text mentions with
table rows, a commune's indicators with its province's (extract.coverage).

`pair_one_to_one` is the mechanism: every left × right pair is scored, pairs at or above a
threshold are taken best first, each item at most once (ties broken by document order, so the
result is deterministic). What a score means stays with the caller.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from rapidfuzz import fuzz

L = TypeVar("L")
R = TypeVar("R")

_PUNCTUATION = re.compile(r"[^\w\s%]")
_SPACES = re.compile(r"\s+")


def pair_one_to_one(left: Sequence[L], right: Sequence[R], score: Callable[[L, R], float],
                    threshold: float) -> dict[int, tuple[int, float]]:
    """Greedy best-first one-to-one pairing.

    Returns {left index: (right index, score)} for the pairs scoring >= threshold; a higher
    score wins, then the earlier left item, then the earlier right item.
    """
    return pair_matrix([[score(a, b) for b in right] for a in left], threshold)


def pair_matrix(matrix, threshold: float) -> dict[int, tuple[int, float]]:
    """`pair_one_to_one` on a precomputed score matrix [left][right] (list of lists or a
    numpy array): only the cells >= threshold are visited, best first."""
    import numpy as np

    scores = np.asarray(matrix, dtype=float)
    if scores.size == 0:
        return {}
    rows, cols = np.nonzero(scores >= threshold)
    values = scores[rows, cols]
    return pair_scored((int(li), int(ri), float(value)) for li, ri, value in zip(rows, cols, values))


def pair_scored(candidates: Iterable[tuple[int, int, float]]) -> dict[int, tuple[int, float]]:
    """The greedy one-to-one choice among already accepted pairs (left index, right index,
    score), for callers that score only some pairs (merge: rows sharing a word with a text
    mention) or accept a pair by a rule of their own (merge: a lower bar where values agree).

    Returns {left index: (right index, score)}: a higher score first, then the earlier left
    item, then the earlier right item; each index is used at most once.
    """
    pairs: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for li, ri, value in sorted(candidates, key=lambda c: (-c[2], c[0], c[1])):
        if li in pairs or ri in used:
            continue
        pairs[li] = (ri, value)
        used.add(ri)
    return pairs


def _stroke_letters() -> dict[int, str]:
    """Latin letters with a stroke, which NFD does not decompose, mapped to their base letter
    (U+0111 LATIN SMALL LETTER D WITH STROKE -> "d"), from the Unicode names."""
    table = {}
    for code in range(0x00C0, 0x0250):
        name = unicodedata.name(chr(code), "")
        if name.endswith(" WITH STROKE"):
            try:
                base = unicodedata.lookup(name.removesuffix(" WITH STROKE"))
            except KeyError:        # "LATIN SMALL LETTER LAMBDA WITH STROKE": no plain letter
                continue
            if base.isascii():
                table[code] = base
    return table


_STROKE_LETTERS = _stroke_letters()


def fold_accents(text: str) -> str:
    """`text` without diacritics, for comparing names typed with and without them
    ("Sở Khoa học" -> "So Khoa hoc"): combining marks dropped after NFD, letters with a
    stroke replaced by their base letter; case and everything else kept."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKE_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def undoubled(word: str, known: Mapping[str, str], substitutions_from: int = 0) -> str:
    """`word`, or the one code of `known` (casefolded code -> as written) it is with one doubled
    letter read once ("QĐĐ" -> "QĐ", "UBMTTTQ" -> "UBMTTQ": a blurred stroke a scan read twice,
    or a typo); with `substitutions_from`, a word of at least that many letters may also be one
    letter off ("MITQ" -> "MTTQ"). A known word and a word two codes fit are kept."""
    if word.casefold() in known:
        return word
    folded = word.casefold()
    fixes = {known[folded[:i] + folded[i + 1:]] for i in range(1, len(word))
             if folded[i] == folded[i - 1] and folded[:i] + folded[i + 1:] in known}
    if not fixes and substitutions_from and len(word) >= substitutions_from:
        fixes = {code for key, code in known.items()
                 if len(key) == len(folded) and sum(a != b for a, b in zip(key, folded)) == 1}
    return fixes.pop() if len(fixes) == 1 else word


def expand_words(text: str, expansions: Mapping[str, str]) -> str:
    """`text` with each whole-word abbreviation (case-sensitive key) replaced by its expansion."""
    if not expansions:
        return text
    pattern = _expansion_pattern(tuple(sorted(expansions, key=len, reverse=True)))
    return pattern.sub(lambda match: expansions[match.group(0)], text)


_PATTERNS: dict[tuple[str, ...], re.Pattern] = {}


def _expansion_pattern(keys: tuple[str, ...]) -> re.Pattern:
    pattern = _PATTERNS.get(keys)
    if pattern is None:
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\w)")
        _PATTERNS[keys] = pattern
    return pattern


def comparable_name(text: str, expansions: Mapping[str, str] = {}, noise: Sequence[str] = ()) -> str:
    """A name reduced for fuzzy comparison: abbreviations expanded, case folded, punctuation
    removed, the `noise` phrases (case-folded, longest first) removed as whole words, spaces
    collapsed."""
    text = expand_words(text, expansions).casefold()
    text = " " + _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip() + " "
    for words in noise:
        padded = f" {words} "
        while padded in text:
            text = text.replace(padded, " ")
    return text.strip()


def blended_similarity(left: Sequence[str], right: Sequence[str], set_weight: float,
                       sort_weight: float):
    """numpy matrix [left][right] of 0..100: token_set_ratio (one name's words inside the other's)
    mixed with token_sort_ratio (the same words overall), so that a short name inside a long
    one scores below an equal one. Computed by rapidfuzz's cdist (C++, all pairs at once)."""
    import numpy as np
    from rapidfuzz import process

    if not left or not right:
        return np.zeros((len(left), len(right)))
    by_set = process.cdist(left, right, scorer=fuzz.token_set_ratio)
    by_sort = process.cdist(left, right, scorer=fuzz.token_sort_ratio)
    return set_weight * by_set + sort_weight * by_sort
