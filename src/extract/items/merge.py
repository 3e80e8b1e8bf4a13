"""One indicator stated in the text and again in an appendix table is ONE indicator.

The wording differs between the two ("100% cán bộ … có chữ ký số" in the text, "Tỷ lệ cán
bộ … có chữ ký số" in the table), so a pair is made where the targets agree and the names
are close (rapidfuzz token_set_ratio), or the names are very close. The table's row keeps
its name, targets and agencies; the text adds its group, and whatever the row lacks.
"""

from __future__ import annotations

import re
from functools import cache

from rapidfuzz import fuzz

from extract.matching import fold_accents, pair_scored
from extract.models import Indicator
from extract.rules import load_rules


_WORD = re.compile(r"\w+")
_MAX_POSTING = 64        # rows a token may name before it stops selecting candidates
_MAX_CANDIDATES = 256    # rows compared with one text mention at most


@cache
def _settings() -> tuple[int, int, str]:
    rules = load_rules("text_items")
    return rules["merge_name_score"], rules["merge_name_score_without_value"], rules["share_prefix"]


def _name_key(name: str) -> str:
    prefix = _settings()[2]
    name = re.sub(rf"^{re.escape(prefix)}\s+", "", name, flags=re.IGNORECASE)
    return re.sub(r"[^\w\s]", " ", name.casefold())


def _fold_tokens(key: str) -> frozenset[str]:
    """Tokens of a name key without diacritics ("hồ sơ" and "ho so" share tokens)."""
    return frozenset(_WORD.findall(fold_accents(key)))


def _candidate_rows(tokens: frozenset[str], postings: dict[str, list[int]]) -> set[int]:
    """Rows sharing a token with a text item, rarest tokens first.

    A token found in more than _MAX_POSTING rows ("tỷ", "lệ", "xã" in a 3,000-row plan) says
    little about which row is meant: it is used only when the item has no rarer token. So the
    work per item is bounded, and the merge is linear in the plan's length, not quadratic.
    """
    lists = sorted((postings[token] for token in tokens if token in postings), key=len)
    rows: set[int] = set()
    for posting in lists:
        if len(posting) > _MAX_POSTING and rows:
            break
        rows.update(posting)
        if len(rows) >= _MAX_CANDIDATES:
            break
    return rows


def merge_indicators(table: list[Indicator], text: list[Indicator]) -> list[Indicator]:
    """Table indicators with their text mentions merged in, then the text-only ones.

    Pairs are looked for only among rows that share a (diacritic-folded) name token with the
    mention (see _candidate_rows); each name's key, tokens and target values are computed once.
    """
    with_value, without_value, _ = _settings()
    row_keys = [_name_key(r.name) for r in table]
    row_values = [{(t.value, t.unit) for t in r.targets} for r in table]
    postings: dict[str, list[int]] = {}
    for ri, key in enumerate(row_keys):
        for token in _fold_tokens(key):
            postings.setdefault(token, []).append(ri)
    candidates = []
    for ti, t in enumerate(text):
        text_key = _name_key(t.name)
        values = {(target.value, target.unit) for target in t.targets}
        for ri in _candidate_rows(_fold_tokens(text_key), postings):
            score = fuzz.token_set_ratio(text_key, row_keys[ri])
            threshold = with_value if not values.isdisjoint(row_values[ri]) else without_value
            if score >= threshold:
                candidates.append((ti, ri, score))
    pairs = pair_scored(candidates)
    for ti, (ri, _score) in sorted(pairs.items()):
        row, mention = table[ri], text[ti]
        row.group = mention.group or row.group
        row.lead = row.lead or mention.lead
        row.partners = row.partners or mention.partners
        row.deadline = row.deadline or mention.deadline
        row.sources = sorted(row.sources + mention.sources, key=lambda s: s.start)
    ordered = list(table) + [t for i, t in enumerate(text) if i not in pairs]
    return ordered
