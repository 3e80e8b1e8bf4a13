"""Turning word lists from rules/*.yaml into regular-expression alternations."""

from __future__ import annotations

import re
from collections.abc import Iterable


def phrase(words: str) -> str:
    """One phrase as a regex: its words escaped, any run of white space between them."""
    return r"\s+".join(re.escape(word) for word in words.split())


def alternation(phrases: Iterable[str]) -> str:
    """A non-capturing alternation of phrases, longest first so that the longest one wins."""
    unique = sorted({str(p) for p in phrases if str(p).strip()}, key=len, reverse=True)
    return "(?:" + "|".join(phrase(p) for p in unique) + ")"


def word_alternation(phrases: Iterable[str]) -> str:
    """`alternation` of whole words: a phrase that starts (ends) with a letter or digit may
    not be preceded (followed) by one ("hơn" does not match inside "nhơn"; "≥" needs no gap)."""
    unique = sorted({str(p).strip() for p in phrases if str(p).strip()}, key=len, reverse=True)
    bounded = []
    for text in unique:
        before = r"(?<!\w)" if re.match(r"\w", text) else ""
        after = r"(?!\w)" if re.search(r"\w$", text) else ""
        bounded.append(before + phrase(text) + after)
    return "(?:" + "|".join(bounded) + ")"
