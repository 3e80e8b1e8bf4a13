"""The one exception loaders raise for inputs that cannot be read at all."""

from __future__ import annotations


class LoadError(Exception):
    """An input that cannot be read at all. `code` is stable (manifest reason, problem code)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"LoadError({self.code!r}, {self.message!r})"
