"""One-to-one pairing of named items by fuzzy similarity (rapidfuzz), shared by the stages
that pair things written in different words: golden items in evaluation, text mentions with
table rows, a commune's indicators with its province's (extract.coverage).

`pair_one_to_one` is the mechanism: every left × right pair is scored, pairs at or above a
threshold are taken best first, each item at most once (ties broken by document order, so the
result is deterministic). What a score means stays with the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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
    scored = []
    for li, a in enumerate(left):
        for ri, b in enumerate(right):
            value = score(a, b)
            if value >= threshold:
                scored.append((-value, li, ri))
    scored.sort()
    pairs: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for negative, li, ri in scored:
        if li in pairs or ri in used:
            continue
        pairs[li] = (ri, -negative)
        used.add(ri)
    return pairs


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


def comparable_name(text: str, expansions: Mapping[str, str] = {}, noise: re.Pattern | None = None) -> str:
    """A name reduced for fuzzy comparison: abbreviations expanded, case folded, punctuation
    and the `noise` words (a compiled whole-word alternation) removed, spaces collapsed."""
    text = expand_words(text, expansions).casefold()
    text = _PUNCTUATION.sub(" ", text)
    if noise is not None:
        text = noise.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def blended_similarity(left: Sequence[str], right: Sequence[str], set_weight: float,
                       sort_weight: float) -> list[list[float]]:
    """Matrix [left][right] of 0..100: token_set_ratio (one name's words inside the other's)
    mixed with token_sort_ratio (the same words overall), so that a short name inside a long
    one scores below an equal one. Computed by rapidfuzz's cdist (C++, all pairs at once)."""
    if not left or not right:
        return [[0.0] * len(right) for _ in left]
    from rapidfuzz import process

    by_set = process.cdist(left, right, scorer=fuzz.token_set_ratio)
    by_sort = process.cdist(left, right, scorer=fuzz.token_sort_ratio)
    return (set_weight * by_set + sort_weight * by_sort).tolist()
