"""Canonical forms: numbers and targets, deadlines, agencies (contract: Conventions,
indicators, Agency, Deadline).

The vocabulary lives in rules/comparators.yaml, rules/units.yaml, rules/deadlines.yaml and
rules/agencies.yaml; each module compiles it once per process.
"""

from extract.canonical.agencies import canonical_agency_name, split_agencies
from extract.canonical.deadlines import find_deadlines, parse_deadline
from extract.canonical.numbers import parse_number, parse_target
from extract.normalize import fix_tone_marks

__all__ = [
    "canonical_agency_name", "find_deadlines", "fix_tone_marks", "parse_deadline", "parse_number",
    "parse_target", "split_agencies",
]
