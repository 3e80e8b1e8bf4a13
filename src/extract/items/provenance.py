"""Provenance: every item points back to its page and the exact quote in the document text."""

from __future__ import annotations

from bisect import bisect_right

from extract.models import Source
from extract.structures import Line, TextDocument


class Provenance:
    """Builds `Source` objects for spans of one document's text."""

    def __init__(self, document: TextDocument):
        self.document = document
        self._starts = [line.start for line in document.lines]

    def line_at(self, offset: int) -> Line | None:
        """The line holding character `offset` of the document text (None before the first line)."""
        index = bisect_right(self._starts, offset) - 1
        return self.document.lines[index] if index >= 0 else None

    def span(self, start: int, end: int) -> Source:
        """The Source of text[start:end] (offsets in code points), spaces at both ends trimmed, with
        the page of its line."""
        text = self.document.text
        # trim surrounding spaces so the quote reads cleanly; offsets stay exact
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        line = self.line_at(start)
        return Source(page=line.page if line else None, quote=text[start:end], start=start, end=end)

    def line(self, line: Line) -> Source:
        """The Source of a whole line."""
        return self.span(line.start, line.end)

    def lines(self, lines: list[Line]) -> list[Source]:
        """The Sources of several lines, in order."""
        return [self.line(line) for line in lines]
