"""Page-break stitching: the fragments of a table that page breaks split become one table.

A PDF (and a DOCX with explicit page breaks) splits a long table into one fragment per page:
the header row is often repeated at the top of the next page, and a row may run on from the
bottom of one page to the top of the next with its first cell empty. The segmenter collects
table row lines per fragment (`append_table_line`), merges the fragments of one table
(`group_fragments`) and then rebuilds its rows (`stitch_page_broken_rows`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from extract.structures import CellText, Line

Owner = TypeVar("Owner")   # what a fragment belongs to: a body section, an appendix (or None)


@dataclass(slots=True)
class TableRow:
    """One logical row of a stitched table."""

    cells: list[CellText | None]   # aligned to the grid of the header; None where a span covers
    lines: list[Line]              # source lines (several when stitched across a page break)
    after_break: bool = False

    def text(self, column: int) -> str:
        """The text of the cell in grid column `column` (0-based); "" when covered or absent."""
        if column >= len(self.cells) or self.cells[column] is None:
            return ""
        return self.cells[column].text


def cell_key(text: str) -> str:
    """A row's text reduced to lower-case letters and digits: a repeated header compares equal."""
    return re.sub(r"\W+", "", text.lower())


def grid_cells(line: Line) -> list[CellText | None]:
    """The cells of a row line on the table's grid: a cell spanning n columns is followed by
    n - 1 Nones."""
    cells: list[CellText | None] = []
    for cell in line.cells or []:
        cells.append(cell)
        cells.extend([None] * (cell.span - 1))
    return cells


def _is_numbering_row(line: Line) -> bool:
    """A header extension row "(1) (2) (3) ..." or "1 2 3 ..." numbering the columns."""
    texts = [c.text for c in line.cells or [] if c.text]
    return len(texts) >= 3 and all(re.fullmatch(r"\(?\d{1,2}\)?(?:=.*)?", t) for t in texts)


def _join_cells(above: TableRow, below: TableRow) -> None:
    """Join a row continued across a page break into the row above, cell by cell."""
    for i, cell in enumerate(below.cells):
        if cell is None or not cell.text:
            continue
        if i >= len(above.cells):
            above.cells.extend([None] * (i + 1 - len(above.cells)))
        top = above.cells[i]
        if top is None or not top.text:
            above.cells[i] = cell
        else:
            above.cells[i] = CellText(text=f"{top.text} {cell.text}", start=top.start, end=cell.end,
                                      bold=top.bold and cell.bold, span=top.span)
    above.lines.extend(below.lines)


def _looks_continued(above: TableRow, below: TableRow, scope: re.Pattern[str]) -> bool:
    """Whether a row with an empty first cell after a page break continues the row above."""
    texts = [c.text for c in below.cells[1:] if c is not None and c.text]
    if not texts:
        return False
    first = texts[0]
    if scope.match(first):
        return False
    if first[:1].islower() or first[:1] in ",;.)”\"-":
        return True
    # the row above ends mid-sentence in one of its cells
    for cell in above.cells:
        if cell is not None and cell.text and cell.text[-1] not in ".;:)”\"%":
            return True
    return True


def stitch_page_broken_rows(row_lines: list[list[Line]], scope: re.Pattern[str]) -> tuple[list[Line], list[TableRow]]:
    """One logical table from its fragments (one list of row lines per page fragment):
    (header lines, rows).

    Drops header rows repeated after page breaks, marks the first row after a break, and
    joins a row whose first cell is empty into the row above when it continues that row
    (otherwise it stays a sub-row). `scope` matches the text of a scope sub-row ("Cấp tỉnh",
    "Cấp xã"; rules/document.yaml scope_patterns), which never continues the row above.
    """
    first = row_lines[0]
    header_lines = [first[0]]
    header_key = cell_key(first[0].text)
    rows: list[TableRow] = []
    for fragment_index, fragment in enumerate(row_lines):
        after_break = fragment_index > 0
        for line in fragment:
            if line is first[0]:
                continue
            if cell_key(line.text) == header_key or (line.header and rows):
                after_break = True
                continue
            if line.header and not rows:
                header_lines.append(line)
                continue
            if _is_numbering_row(line) and not rows:
                header_lines.append(line)
                continue
            row = TableRow(cells=grid_cells(line), lines=[line], after_break=after_break)
            first_cell = row.text(0)
            if not first_cell and rows and after_break and _looks_continued(rows[-1], row, scope):
                _join_cells(rows[-1], row)
            else:
                rows.append(row)
            after_break = False
    return header_lines, rows


def append_table_line(groups: list[tuple[Owner, list[Line]]], owner: Owner, line: Line) -> None:
    """Collect table row lines per table fragment, remembering which section owns them:
    `line` joins the last group when it belongs to the same table, else starts a new one."""
    if groups and groups[-1][1] and groups[-1][1][-1].table == line.table:
        groups[-1][1].append(line)
    else:
        groups.append((owner, [line]))


def group_fragments(groups: list[tuple[Owner, list[Line]]],
                    position: dict[int, int]) -> list[tuple[Owner, list[list[Line]]]]:
    """Merge consecutive fragments of one table split by page breaks (no text between them):
    (owner, [fragment row lines, …]) per logical table, in document order.

    `position` maps id(line) to the line's index in the document, to see what lies between.
    """
    merged: list[tuple[Owner, list[list[Line]]]] = []
    for owner, row_lines in groups:
        adjacent = bool(merged) and position[id(row_lines[0])] == position[id(merged[-1][1][-1][-1])] + 1
        if merged and merged[-1][0] is owner and adjacent and _continues_table(merged[-1][1], row_lines):
            merged[-1][1].append(row_lines)
        else:
            merged.append((owner, [row_lines]))
    return merged


def _continues_table(fragments: list[list[Line]], row_lines: list[Line]) -> bool:
    previous = fragments[-1]
    last_row, first_row = previous[-1], row_lines[0]
    if first_row.table != last_row.table + 1:
        return False  # text between the two tables
    header = fragments[0][0]
    if cell_key(first_row.text) == cell_key(header.text):
        return True
    columns = len(grid_cells(header))
    return len(grid_cells(first_row)) == columns and (first_row.page or 0) > (last_row.page or 0)
