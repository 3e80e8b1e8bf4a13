"""Objects embedded in a DOCX: an Excel worksheet pasted as an object (an appendix typed in
Excel, then inserted into the plan) is read as a table of its sheet, never dropped silently.

The workbook is a ZIP inside the ZIP: its sizes are checked like the DOCX's own before
openpyxl opens it. Numbers are written the Vietnamese way (decimal comma), percentages as
shown (0.8 formatted "0%" is "80%"), dates as dd/mm/yyyy, so that the table reads like the
same table typed in Word.
"""

from __future__ import annotations

import datetime as dt
import io

from extract.load.errors import LoadError, LoadFailure
from extract.load.ooxml import Package
from extract.structures import Cell, Row, Table

# An appendix is a few hundred rows; a worksheet part larger than this is not read (openpyxl
# holds every cell in memory).
MAX_SHEET_BYTES = 10 * 1024 * 1024


def _shown(cell) -> str:
    """A cell's value as the sheet shows it."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (int, float)):
        if "%" in (cell.number_format or ""):
            value = value * 100
            suffix = "%"
        else:
            suffix = ""
        if float(value).is_integer():
            text = str(int(value))
        else:
            text = f"{value:.6g}".replace(".", ",")
        return text + suffix
    return str(value).strip()


def xlsx_table(data: bytes) -> Table | None:
    """The active sheet of an .xlsx as a Table: empty rows and trailing empty columns dropped,
    a cell merged across columns once with `span`, a cell merged down marked `merged_above`
    in the rows below. Raises LoadError when the workbook cannot be read; None when empty."""
    package = Package(data)                  # size and zip-bomb checks before openpyxl inflates it
    largest = max((info.file_size for name, info in package.infos.items() if name.startswith("xl/worksheets/")),
                  default=0)
    if largest > MAX_SHEET_BYTES:
        raise LoadError(LoadFailure.embedded_too_large, f"a worksheet of {largest} bytes (limit {MAX_SHEET_BYTES})")
    try:
        import openpyxl
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:                 # openpyxl raises many kinds on a damaged workbook
        raise LoadError(LoadFailure.embedded_unreadable, f"the embedded workbook cannot be read: {exc}") from exc
    sheet = workbook.active
    covered: dict[tuple[int, int], str] = {}     # (row, column) -> "left" | "above"
    spans: dict[tuple[int, int], int] = {}
    for merged in sheet.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = merged.max_col - merged.min_col + 1
        for row in range(merged.min_row, merged.max_row + 1):
            for column in range(merged.min_col, merged.max_col + 1):
                if (row, column) == (merged.min_row, merged.min_col):
                    continue
                covered[(row, column)] = "left" if column > merged.min_col else "above"
    rows: list[list[Cell]] = []
    width = 0
    for row in sheet.iter_rows():
        cells: list[Cell] = []
        for cell in row:
            place = covered.get((cell.row, cell.column))
            if place == "left":
                continue
            cells.append(Cell(_shown(cell), bold=bool(cell.font is not None and cell.font.b),
                              span=spans.get((cell.row, cell.column), 1), merged_above=place == "above"))
        filled = [i for i, cell in enumerate(cells) if cell.text]
        if not filled:
            continue
        width = max(width, filled[-1] + 1)
        rows.append(cells)
    if not rows:
        return None
    return Table([Row(cells[:width]) for cells in rows])
