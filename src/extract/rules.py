"""Rules are data: YAML files under rules/, loaded once per process and cached.

Code holds the mechanism; the vocabulary (column names, agency gazetteer, units, deadline
phrases, reference types) lives in rules/*.yaml so that it can be extended without code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from extract.rules_schema import SCHEMAS, RulesError, validate_rules


def rules_dir() -> Path:
    """The vocabulary folder shipped inside the package (extract/vocabulary/, which the
    repository's top-level rules/ links to), or the folder named by KEHOACH_RULES."""
    override = os.environ.get("KEHOACH_RULES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "vocabulary"


@cache
def load_rules(name: str) -> Any:
    """The parsed content of rules/<name>.yaml (cached: parse and check once per process).

    The content is checked against the file's schema (extract.rules_schema) and returned as
    parsed (dicts, lists, strings). Raises RulesError ("rules/units.yaml: counted[3]: expected
    a list of strings") for a file that is not YAML or not of its schema, or that is missing
    or cannot be read.
    """
    path = rules_dir() / f"{name}.yaml"
    shown_as = f"rules/{name}.yaml" if not os.environ.get("KEHOACH_RULES") else str(path)
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RulesError(f"{shown_as}: not valid YAML: {where}{getattr(error, 'problem', None) or error}") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = "missing" if isinstance(error, FileNotFoundError) else f"cannot be read ({error})"
        raise RulesError(f"{shown_as}: {reason}") from None
    validate_rules(name, data, shown_as)
    return data


def check_all_rules() -> None:
    """Load (parse and check) every vocabulary file of the folder now, so that a long run
    (`kehoach batch`, `kehoach serve`) stops at once on a broken one instead of failing each
    document in its workers. Raises RulesError like `load_rules`."""
    for name in sorted(SCHEMAS):        # every file the pipeline needs, present or not
        load_rules(name)


# ---------------------------------------------------------------- word lists as regexes


# The alternation of no phrases: matches nowhere. An empty word list in a vocabulary file means
# "none of these", not the empty string that "(?:)" would match everywhere.
NOTHING = r"(?!)"


def phrase(words: str) -> str:
    """One phrase as a regex: its words escaped, any run of white space between them."""
    return r"\s+".join(re.escape(word) for word in words.split())


def alternation(phrases: Iterable[str]) -> str:
    """A non-capturing alternation of phrases, longest first so that the longest one wins."""
    unique = sorted({str(p) for p in phrases if str(p).strip()}, key=len, reverse=True)
    return "(?:" + "|".join(phrase(p) for p in unique) + ")" if unique else NOTHING


def word_alternation(phrases: Iterable[str]) -> str:
    """`alternation` of whole words: a phrase that starts (ends) with a letter or digit may
    not be preceded (followed) by one ("hơn" does not match inside "nhơn"; "≥" needs no gap)."""
    unique = sorted({str(p).strip() for p in phrases if str(p).strip()}, key=len, reverse=True)
    bounded = []
    for text in unique:
        before = r"(?<!\w)" if re.match(r"\w", text) else ""
        after = r"(?!\w)" if re.search(r"\w$", text) else ""
        bounded.append(before + phrase(text) + after)
    return "(?:" + "|".join(bounded) + ")" if bounded else NOTHING
