"""Rules are data: YAML files under rules/, loaded once per process and cached.

Code holds the mechanism; the vocabulary (column names, agency gazetteer, units, deadline
phrases, reference types) lives in rules/*.yaml so that it can be extended without code.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml


def rules_dir() -> Path:
    """rules/ beside the source tree, or the folder named by KEHOACH_RULES."""
    override = os.environ.get("KEHOACH_RULES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "rules"


@cache
def load_rules(name: str) -> Any:
    """The parsed content of rules/<name>.yaml (cached: parse once per process)."""
    path = rules_dir() / f"{name}.yaml"
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
