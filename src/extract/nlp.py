"""NLP matchers (placeholder until the tagger lands): see AgencyTagger."""

from __future__ import annotations

from functools import cache


class AgencyTagger:
    def agency_prefix_end(self, text: str) -> int | None:
        return None


@cache
def agency_tagger() -> AgencyTagger:
    return AgencyTagger()
