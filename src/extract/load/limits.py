"""Size limits that protect the loaders from hostile or accidental huge inputs."""

from __future__ import annotations

import os

DEFAULT_MAX_BYTES = 50 * 1024 * 1024      # whole input file; override with KEHOACH_MAX_BYTES
MAX_BYTES_ENV = "KEHOACH_MAX_BYTES"

ZIP_MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024   # sum of declared member sizes of a DOCX
ZIP_MAX_RATIO = 100                              # uncompressed / compressed, per member and overall
ZIP_RATIO_MIN_SIZE = 1024 * 1024                 # small members may compress better than that
ZIP_MAX_MEMBERS = 10_000

SOFFICE_TIMEOUT_S = 120


def max_bytes() -> int:
    """The input size limit, read at call time so that tests and callers can set the env."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            return DEFAULT_MAX_BYTES
        if value > 0:
            return value
    return DEFAULT_MAX_BYTES
