"""Size limits that protect the loaders from hostile or accidental huge inputs.

A run's limits travel in a `Limits` value (inside `extract.options.Options`); loaders take
them as an argument and never read the environment. `from_environment` is the one place the
environment variables below are read: an `Options` built without limits uses it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MAX_BYTES = 50 * 1024 * 1024      # whole input file; override with KEHOACH_MAX_BYTES
MAX_BYTES_ENV = "KEHOACH_MAX_BYTES"
DEFAULT_MAX_INFLATED = 256 * 1024 * 1024  # decoded PDF stream bytes per document (extract.load.pdf_limits)
MAX_INFLATED_ENV = "KEHOACH_PDF_MAX_INFLATED"

ZIP_MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024   # sum of declared member sizes of a DOCX
ZIP_MAX_RATIO = 100                              # uncompressed / compressed, per member and overall
ZIP_RATIO_MIN_SIZE = 1024 * 1024                 # small members may compress better than that
ZIP_MAX_MEMBERS = 10_000

SOFFICE_TIMEOUT_S = 120


@dataclass(frozen=True, slots=True)
class Limits:
    """The loaders' size limits for one run, in bytes (both > 0)."""

    max_bytes: int = DEFAULT_MAX_BYTES        # largest input file (or standard input)
    max_inflated: int = DEFAULT_MAX_INFLATED  # largest total of decoded PDF streams of one document


def _positive(environ: Mapping[str, str], name: str, default: int) -> int:
    """The positive integer in environ[name]; `default` when unset, empty, not a number or <= 0."""
    raw = environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def from_environment(environ: Mapping[str, str] | None = None) -> Limits:
    """The limits that KEHOACH_MAX_BYTES and KEHOACH_PDF_MAX_INFLATED set (bytes; defaults where
    unset or invalid), read from `environ` (default: the process environment) at call time."""
    environ = os.environ if environ is None else environ
    return Limits(max_bytes=_positive(environ, MAX_BYTES_ENV, DEFAULT_MAX_BYTES),
                  max_inflated=_positive(environ, MAX_INFLATED_ENV, DEFAULT_MAX_INFLATED))


def max_bytes() -> int:
    """The input size limit the environment sets (`from_environment().max_bytes`), for the
    callers that check a size before building an Options (batch, serve)."""
    return from_environment().max_bytes
