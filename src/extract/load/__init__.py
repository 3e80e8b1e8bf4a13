"""Load a document into a RawDocument, choosing the reader by content, not by file name."""

from __future__ import annotations

from pathlib import Path

from extract.structures import RawDocument


class LoadError(Exception):
    """An input that cannot be read at all. `code` is stable (manifest reason, problem code)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def load(path: Path) -> RawDocument:  # implemented by the loaders
    raise NotImplementedError
