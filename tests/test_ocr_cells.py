"""OCR'd appendix table cells: unit cells cleared of specks or read again as a unit, a unit
column whose header OCR cut still found, header cells cleared of specks. No Tesseract needed."""

from __future__ import annotations

import numpy as np
import pytest

from extract.load import ocr, pdf
from extract.load.ocr_tables import ImageTable

TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def _word(text: str, x0: float, x1: float, top: float, bottom: float, conf: float = 95.0) -> dict:
    return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "conf": conf,
            "fontname": "", "upright": True, "stroke": 0.0}


def _grid(columns: int, rows: int, width: float = 60.0, height: float = 20.0) -> ImageTable:
    cells = [(c * width, r * height, (c + 1) * width, (r + 1) * height) for r in range(rows) for c in range(columns)]
    return ImageTable(cells, (0.0, 0.0, columns * width, rows * height))


def _in(cell, text: str, conf: float = 95.0) -> list[dict]:
    x0, top, x1, bottom = cell
    return [_word(text, x0 + 2, x1 - 2, top + 4, bottom - 4, conf)]


@pytest.mark.parametrize(("read", "expected", "sure"), [
    ("% *", "%", True), ("%.-", "%", True), ("_#%", "%", True), ("%:", "%", True),
    ("Điểm.", "Điểm", True),
    ("+", "+", False), ("*", "*", False),          # nothing known left: as read, unsure
    ("5 *", "5 *", False), ("1", "1", False),
])
def test_specks_around_a_unit_go_and_anything_else_stays_unsure(read, expected, sure):
    assert ocr.read_unit_cell(read) == (expected, sure)


@pytest.mark.parametrize(("read", "header"), [
    ("Đơn", "Đơn vị"), ("tính", "Đơn vị tính"), ("vị\ntính", "Đơn vị tính"),
    ("Đơn\ntính", "Đơn vị tính"), ("Đơn tính", "Đơn vị tính"),   # the middle line lost
    ("tính Đơn", None),                             # not in the header's order
    ("Đơn vị", None), ("ĐVT", None),                # whole headers already
    ("Chỉ tiêu", None), ("Đơn vị chủ tì", None), ("x", None)])
def test_a_header_cell_cut_to_part_of_the_unit_header(read, header):
    assert ocr.partial_unit_header(read) == header


@pytest.mark.parametrize(("read", "header"), [
    ("Kế hoạch\nnăm 2026 -", "Kế hoạch\nnăm 2026"), ("- Thời hạn", "Thời hạn"), ("Ghi chú _", "Ghi chú"),
    ("Kế hoạch\nnăm 2026", "Kế hoạch\nnăm 2026"), ("Xyz -", "Xyz -")])
def test_specks_in_a_header_cell_go_when_that_makes_it_a_known_header(read, header):
    assert ocr.repair_header([read]) == [header]


def _unit_table(header: str, units: list[str]) -> pdf.Table:
    table = _grid(3, len(units) + 1)
    cells = table.cells
    words = [*_in(cells[0], "Chỉ tiêu"), *_in(cells[1], header), *_in(cells[2], "Kết quả")]
    for row, unit in enumerate(units, 1):
        words += [*_in(cells[3 * row], "Tỷ lệ"), *(_in(cells[3 * row + 1], unit) if unit else []),
                  *_in(cells[3 * row + 2], "100")]
    return pdf._table_block(table, words, 1)


def test_a_unit_header_ocr_cut_is_completed_when_its_column_holds_units():
    block = _unit_table("Đơn", ["%", "%", "Điểm"])
    pdf._complete_unit_header(block)
    assert block.rows[0].cells[1].text == "Đơn vị"


@pytest.mark.parametrize("header", ["Đm tỉ", "", "Cơ quan"])
def test_a_header_read_as_no_known_header_over_units_only_is_the_unit_header(header):
    block = _unit_table(header, ["%", "Điểm", "%"])
    pdf._complete_unit_header(block)
    assert block.rows[0].cells[1].text == "Đơn vị"


@pytest.mark.parametrize(("header", "units"), [
    ("Đơn", ["%", "12", "30"]),          # a column of numbers: not the unit column
    ("Đơn", ["%"]),                      # one unit is too little to tell
    ("Cơ quan", ["%", "Công an xã", "%"]),   # no part of a unit header, and not units only
    ("Mục tiêu", ["%", "%", "%"])])      # another column's header
def test_a_header_is_completed_only_over_units(header, units):
    block = _unit_table(header, units)
    pdf._complete_unit_header(block)
    assert block.rows[0].cells[1].text == header


def test_a_continued_tables_first_row_of_data_is_no_header_to_complete():
    table = _grid(3, 4)
    cells = table.cells
    words = []
    for row, (name, unit) in enumerate([("Tỷ lệ hồ sơ", "Điểm"), ("Tỷ lệ văn bản", "%"), ("Số thôn", "%"),
                                         ("Tỷ lệ người dân", "%")]):
        words += [*_in(cells[3 * row], name), *_in(cells[3 * row + 1], unit), *_in(cells[3 * row + 2], "100")]
    block = pdf._table_block(table, words, 1)
    pdf._complete_unit_header(block)
    assert block.rows[0].cells[1].text == "Điểm"


class _UnitEngine:
    """Answers each re-read mode with fixed words (or none) and records the modes asked."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers, self.modes = answers, []

    def tsv(self, image, mode: str = "page") -> str:
        self.modes.append(mode)
        rows = [TSV_HEADER]
        for number, text in enumerate(self.answers.get(mode, "").split(), 1):
            rows.append(f"5\t1\t1\t1\t1\t{number}\t{20 * number}\t10\t18\t20\t{90.0}\t{text}")
        return "\n".join(rows)


def _readings(table: ImageTable, texts: list[str | None]) -> dict:
    return {cell: (None if text is None else [_in(cell, text)] if text else [])
            for cell, text in zip(table.cells, texts)}


def test_a_unit_cell_read_as_no_unit_is_read_again_and_a_known_unit_taken():
    table = _grid(3, 4)
    readings = _readings(table, ["Chỉ tiêu", "Đơn vị", "Kết quả", "Tỷ lệ", "+", "100",
                                 "Tỷ lệ", "%", "90", "Tỷ lệ", "", "80"])
    gray = np.full((200, 400), 255, np.uint8)
    engine = _UnitEngine({"block": "_% *"})
    found = ocr._reread_unit_cells(engine, gray, gray, table, readings, 0.5)
    assert set(found) == {table.cells[4], table.cells[10]}        # "+" and the unread cell; "%" is kept
    assert [word["text"] for word in found[table.cells[4]][0]] == ["%"]


def test_a_unit_cell_whose_readings_are_no_unit_stays_as_read():
    table = _grid(3, 3)
    readings = _readings(table, ["Chỉ tiêu", "ĐVT", "Kết quả", "Tỷ lệ", "1", "100", "Tỷ lệ", "%", "90"])
    gray = np.full((200, 400), 255, np.uint8)
    gray[50:70, 160:200] = 0                            # the cell's mark
    engine = _UnitEngine({"block": "1", "char": "7"})
    assert ocr._reread_unit_cells(engine, gray, gray, table, readings, 0.5) == {}
    assert engine.modes == [mode for *_, mode in ocr.UNIT_REREADS]     # every reading tried


def test_a_column_of_units_without_a_unit_header_is_a_unit_column():
    table = _grid(3, 4)
    readings = _readings(table, ["1", "Tỷ lệ cán bộ", "%", "2", "Tỷ lệ hồ sơ", "%", "3", "Số điểm", "Điểm",
                                 "4", "Tỷ lệ", "+"])
    assert ocr._unit_columns(table, readings) == [(120.0, 180.0)]
    readings = _readings(table, ["TT", "Chỉ tiêu", "Cơ quan", "1", "Tỷ lệ", "Sở Nội vụ", "2", "Tỷ lệ", "%",
                                 "3", "Tỷ lệ", "Công an"])
    assert ocr._unit_columns(table, readings) == []          # "Tỷ lệ" is a unit, but under "Chỉ tiêu"


# ------------------------------------------------------------------ faint row lines

def _grid_with_a_faint_line(dashes: int) -> np.ndarray:
    """A 3 x 3 grid whose row line between rows 1 and 2 of the first column is broken into
    short dashes (`dashes` pixels on, 3 off: a phone photo's faint line), or left out (0)."""
    image = np.full((700, 1200), 255, np.uint8)
    xs, ys = [100, 400, 700, 1100], [100, 250, 400, 550]
    for y in ys:
        image[y - 1:y + 2, xs[0]:xs[-1]] = 0
    for x in xs:
        image[ys[0]:ys[-1], x - 1:x + 2] = 0
    image[ys[2] - 1:ys[2] + 2, xs[0] + 2:xs[1] - 1] = 255
    if dashes:
        for x in range(xs[0] + 2, xs[1] - 1, dashes + 3):
            image[ys[2] - 1 + (x // 7) % 2, x:x + dashes] = 0     # a wavy, broken stroke
    return image


def test_a_faint_broken_row_line_still_parts_two_cells():
    from extract.load.ocr_tables import find_tables

    tables, _ = find_tables(_grid_with_a_faint_line(30), 0.5)
    assert len(tables[0].cells) == 9
    tables, _ = find_tables(_grid_with_a_faint_line(0), 0.5)
    assert len(tables[0].cells) == 8                    # no line at all: the two cells are one


class _NumberEngine:
    """Answers each cell re-read with the next of fixed texts (one word each)."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = list(texts)

    def tsv(self, image, mode: str = "page") -> str:
        assert mode == "block"
        text = self.texts.pop(0)
        return "\n".join([TSV_HEADER, f"5\t1\t1\t1\t1\t1\t10\t10\t{12 * len(text)}\t20\t90.0\t{text}"])


@pytest.mark.parametrize(("first", "again", "expected", "unsure"), [
    ("≥ 95%", ["≥ 95%."], "≥ 95%", False),            # the same number, specks aside: kept, sure
    ("100", ["100 -"], "100", False),
    ("959%", ["95%", "95%"], "95%", True),             # two readings of three agree: theirs, unsure
    ("=95", ["95", "≥95"], "=95", True),               # no two agree: as read, unsure
])
def test_a_number_cell_read_two_ways_is_checked(first, again, expected, unsure):
    table = _grid(2, 2)
    readings = _readings(table, ["Chỉ tiêu", "Kết quả", "Tỷ lệ", first])
    gray = np.full((200, 400), 255, np.uint8)
    found = ocr._check_number_cells(_NumberEngine(again), gray, table, readings, 0.5)
    read = found.get(table.cells[3], readings[table.cells[3]])
    assert ocr._cell_reading(read) == expected
    assert (table.cells[3] in table.unread) == unsure


# ------------------------------------------------------------------ '≥' read as '='

def _sign(kind: str) -> np.ndarray:
    """A 40 x 40 glyph image: '≥', '≤' (a chevron over a bar) or '=' (two thin bars)."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (40, 40), 255)
    draw = ImageDraw.Draw(image)
    if kind == "=":
        draw.rectangle((6, 14, 30, 16), fill=0)
        draw.rectangle((6, 24, 30, 26), fill=0)
    else:
        tip, ends = (30, 6) if kind == "≥" else (6, 30)
        draw.line((ends, 5, tip, 14, ends, 23), fill=0, width=3)
        draw.rectangle((6, 30, 30, 32), fill=0)
    return np.asarray(image)


@pytest.mark.parametrize(("kind", "expected"), [("≥", "≥"), ("≤", "≤"), ("=", None)])
def test_a_comparator_read_as_equals_is_told_by_its_chevron(kind, expected):
    assert ocr._chevron_sign(_sign(kind), 0, 0, 40, 40) == expected


def test_a_unit_cell_is_read_again_cut_to_its_ink_without_specks():
    crop = np.full((60, 80), 255, np.uint8)
    crop[20:40, 30:50] = 0                  # the mark
    crop[5:7, 5:7] = 0                      # specks
    crop[52:54, 70:72] = 0
    ink, corner = ocr._cell_ink(crop, 72.0 / 200)
    assert ink.shape == (20, 20) and corner == (30, 20) and ink.max() == 0
    blank = np.full((60, 80), 255, np.uint8)
    blank[5:7, 5:7] = 0
    assert ocr._cell_ink(blank, 72.0 / 200)[0].size == 0


def test_a_unit_column_whose_cells_ocr_read_nothing_from_is_still_read_again():
    table = _grid(3, 3)
    readings = _readings(table, ["Chỉ tiêu", "Đơn vị", "Kết quả", "Tỷ lệ", "", "100", "Tỷ lệ", None, "90"])
    gray = np.full((200, 400), 255, np.uint8)
    found = ocr._reread_unit_cells(_UnitEngine({"block": "%"}), gray, gray, table, readings, 0.5)
    assert list(found) == [table.cells[4]]           # the blank cell (no ink) is left alone
