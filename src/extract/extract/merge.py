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

from extract.models import Indicator
from extract.rules import load_rules


@cache
def _settings() -> tuple[int, int, str]:
    rules = load_rules("text_items")
    return rules["merge_name_score"], rules["merge_name_score_without_value"], rules["share_prefix"]


def _name_key(name: str) -> str:
    prefix = _settings()[2]
    name = re.sub(rf"^{re.escape(prefix)}\s+", "", name, flags=re.IGNORECASE)
    return re.sub(r"[^\w\s]", " ", name.casefold())


def _same_values(a: Indicator, b: Indicator) -> bool:
    values = {(t.value, t.unit) for t in a.targets}
    return any((t.value, t.unit) in values for t in b.targets)


def merge_indicators(table: list[Indicator], text: list[Indicator]) -> list[Indicator]:
    """Table indicators with their text mentions merged in, then the text-only ones."""
    with_value, without_value, _ = _settings()
    candidates = []
    row_keys = [_name_key(r.name) for r in table]
    for ti, t in enumerate(text):
        text_key = _name_key(t.name)
        for ri, r in enumerate(table):
            score = fuzz.token_set_ratio(text_key, row_keys[ri])
            threshold = with_value if _same_values(t, r) else without_value
            if score >= threshold:
                candidates.append((score, -ti, -ri, ti, ri))
    candidates.sort(reverse=True)
    merged_text: set[int] = set()
    merged_rows: set[int] = set()
    for _, _, _, ti, ri in candidates:
        if ti in merged_text or ri in merged_rows:
            continue
        merged_text.add(ti)
        merged_rows.add(ri)
        row, mention = table[ri], text[ti]
        row.group = mention.group or row.group
        row.lead = row.lead or mention.lead
        row.partners = row.partners or mention.partners
        row.deadline = row.deadline or mention.deadline
        row.sources = sorted(row.sources + mention.sources, key=lambda s: s.start)
    ordered = list(table) + [t for i, t in enumerate(text) if i not in merged_text]
    return ordered
