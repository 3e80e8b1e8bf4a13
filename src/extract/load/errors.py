"""The one exception loaders raise for inputs that cannot be read at all."""

from __future__ import annotations

import re

# "<_io.BytesIO object at 0x7f…>", "<PDFStream(12): raw=…>": object reprs name library
# internals, and their addresses differ between runs (breaking byte-identical outputs).
_OBJECT_REPR = re.compile(r"<[^<>]{0,200}?\bat 0x[0-9a-fA-F]+>|\bat 0x[0-9a-fA-F]+|0x[0-9a-fA-F]{6,}")


class LoadError(Exception):
    """An input that cannot be read at all. `code` is stable (manifest reason, problem code)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"LoadError({self.code!r}, {self.message!r})"


def scrub_internals(text: str) -> str:
    """`text` without object representations and memory addresses (stable across runs)."""
    return _OBJECT_REPR.sub("…", text)
