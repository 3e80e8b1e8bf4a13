"""Targets inside running text: "đạt tối thiểu 80%", "ít nhất 01 sáng kiến", "100% cán bộ".

A number is a target in a sentence only where a unit makes it one: a percent sign, or a
counted noun from rules/units.yaml after it. Dates, document numbers, "5G", "Đề án 06" and
enumerations are not. The span of a target covers its comparator words, so that the
indicator's name is the sentence without them.
"""

from __future__ import annotations

import re

from functools import cache

from extract.canonical.numbers import NUMBER, _eligible, _target_rules, parse_target
from extract.models import Target
from extract.rules import load_rules

# comparator phrases can be chained ("phấn đấu đạt trên 90%"): the span starts at the first
_CHAIN_WINDOW = 48


def _comparator_start(text: str, start: int) -> int:
    rules = _target_rules()
    begin = start
    while True:
        match = rules.comparator_before.search(text, max(0, begin - _CHAIN_WINDOW), begin)
        if not match or match.start() == begin:
            return begin
        begin = match.start()


@cache
def _numbered_name_window() -> int:
    """How far before a number its type word can start (the longest type, "số", spaces)."""
    return max(map(len, load_rules("references")["types"])) + 16


@cache
def _numbered_names() -> re.Pattern[str]:
    """Words before a number that make it part of a name ("Nghị quyết 57", "Đề án 06")."""
    rules = load_rules("references")
    types = "|".join(re.escape(t) for t in sorted(rules["types"], key=len, reverse=True))
    return re.compile(rf"(?:{types})(?:\s+{re.escape(rules['number_word'])})?\s*$", re.IGNORECASE)


def find_targets(text: str) -> list[tuple[int, int, int, Target]]:
    """Every target stated in `text`: (start, number_end, end, target).

    text[start:end] covers the comparator words, the number and its unit; text[start:
    number_end] the comparator and the number only (a counted noun after it belongs to the
    indicator's name: "ít nhất 01 sáng kiến"). A counted noun makes a target only after a
    comparator word or at the start of the text; a percentage always does.
    """
    rules = _target_rules()
    found: list[tuple[int, int, int, Target]] = []
    for match in NUMBER.finditer(text):
        # the type word ends right before the number: search only a window (linear in the text)
        window_start = max(0, match.start() - _numbered_name_window())
        if not _eligible(text, match) or _numbered_names().search(text, window_start, match.start()):
            continue
        end = match.end()
        start = _comparator_start(text, match.start())
        percent = rules.percent_after.match(text, end)
        counted = None if percent else rules.counted_unit.match(text, end)
        if percent:
            end = number_end = percent.end()
        elif counted and (start < match.start() or not text[:start].strip()):
            number_end, end = match.end(), counted.end()
        else:
            continue
        after = rules.comparator_after.match(text, end)
        if after:
            end = after.end()
            number_end = end if percent else number_end
        target = parse_target(text[start:end])
        if target is None:
            continue
        found.append((start, number_end, end, target))
    return found
