"""Internal data passed between stages: load -> normalize -> segment -> extract.

Loaders produce a `RawDocument`: paragraphs and tables in body order, with page numbers
where the format has pages. Layout tables (the borderless two-column header and closing
of Decree 30 documents) are flattened by the loaders into paragraphs, left column first,
so that a DOCX, its PDF and its text export give the same block sequence.

`normalize` turns a RawDocument into a `TextDocument`: one `Line` per paragraph or table
row, cleaned Vietnamese text, and the offsets of every line and cell in the document text
that `kehoach text` prints (provenance indexes that text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

from extract.models import ProblemCode, Severity

Format = Literal["docx", "pdf", "doc", "txt", "md"]


# ---------------------------------------------------------------- load output

@dataclass(slots=True)
class Paragraph:
    """A paragraph as a loader read it (text not yet normalized)."""

    text: str
    page: int | None = None
    bold: bool = False          # the whole paragraph is bold (direct or through its style)
    italic: bool = False        # the whole paragraph is italic
    heading: int | None = None  # outline level from a heading style or markdown '#', if any
    centered: bool = False
    low_confidence: bool = False  # read by OCR with low confidence (extract.load.ocr)


@dataclass(slots=True)
class Cell:
    """A table cell as a loader read it."""

    text: str                   # paragraphs inside a cell joined by '\n'
    bold: bool = False
    italic: bool = False
    span: int = 1               # grid columns this cell covers (gridSpan / merged PDF cells)
    merged_above: bool = False  # covered by a vertically merged cell that starts in a row above
    merges_down: bool = False   # starts a cell merged over the rows below (PDF: drawn across them)
    hard_breaks: bool = False   # '\n' in text are the typist's own breaks (DOCX), not wrapping
    low_confidence: bool = False  # read by OCR with low confidence (extract.load.ocr)


@dataclass(slots=True)
class Row:
    """A table row as a loader read it."""

    cells: list[Cell]
    page: int | None = None
    header: bool = False        # marked as a repeating header row by the format (docx tblHeader)


@dataclass(slots=True)
class Table:
    """A table as a loader read it (layout tables are paragraphs already)."""

    rows: list[Row]
    page: int | None = None     # page of the first row


Block = Union[Paragraph, Table]


@dataclass(slots=True)
class LoadProblem:
    """A problem a loader found (becomes a contract `Problem` of the document)."""

    code: ProblemCode
    severity: Severity
    message: str


@dataclass(slots=True)
class RawNote:
    """A footnote or endnote as the DOCX loader read it."""

    kind: Literal["footnote", "endnote"]
    text: str
    cited_in: str               # the loader's text of the paragraph that cites it


@dataclass(slots=True)
class RawDocument:
    """A loader's output: the blocks in body order and what the loader knows of the file."""

    format: Format
    blocks: list[Block]
    pages: int | None = None
    ocr: bool = False
    problems: list[LoadProblem] = field(default_factory=list)
    sha256: str | None = None   # of the bytes read, set by extract.load.load
    pages_estimated: bool = False   # pages counted from page breaks, not printed or rendered pages
    notes: list["RawNote"] = field(default_factory=list)   # footnotes and endnotes (DOCX)


# ----------------------------------------------------------- normalize output

@dataclass(slots=True)
class CellText:
    """A normalized cell: its text and its offsets in the document text (code points)."""

    text: str
    start: int
    end: int
    bold: bool = False
    span: int = 1
    merged_above: bool = False          # see Cell.merged_above
    merges_down: bool = False           # see Cell.merges_down
    parts: tuple[str, ...] | None = None  # the cell's typed lines, normalized, when it has hard breaks


@dataclass(slots=True)
class Line:
    """One line of the document text: a paragraph, or a table row (then `cells` is set), with its
    offsets."""

    text: str
    start: int
    end: int
    page: int | None = None
    bold: bool = False
    italic: bool = False
    heading: int | None = None
    centered: bool = False
    table: int | None = None            # index of the table this row belongs to (None: paragraph)
    cells: list[CellText] | None = None  # for table rows
    header: bool = False                # docx repeating header row
    low_confidence: bool = False        # (a cell of) the line was read by OCR with low confidence

    @property
    def is_row(self) -> bool:
        """Whether the line is a table row."""
        return self.cells is not None


@dataclass(slots=True)
class TextDocument:
    """The normalizer's output: the document text and its lines (provenance offsets index `text`)."""

    text: str
    lines: list[Line]
    format: Format
    pages: int | None = None
    ocr: bool = False
    problems: list[LoadProblem] = field(default_factory=list)
    notes: list[RawNote] = field(default_factory=list)
