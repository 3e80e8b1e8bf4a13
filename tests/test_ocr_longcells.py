"""Long appendix cells of scanned pages, without running Tesseract: an underline inside a cell
is no row line, a written syllable is never split as two run together, a dash glued between
two small-letter syllables is a speck."""

from __future__ import annotations

import numpy as np
import pytest

from extract.load import ocr
from extract.load.ocr_tables import find_tables

needs_lexicon = pytest.mark.skipif(not ocr.syllable_lexicon(), reason="underthesea's word list is not installed")


def word(text: str, x0: float, x1: float) -> dict:
    return {"text": text, "x0": x0, "x1": x1, "top": 100.0, "bottom": 112.0, "conf": 95.0, "fontname": ""}


def _table_with_underlined_text(underline: bool, row_line: bool = False):
    """A 3-column, 2-row grid whose tall right cell holds four lines of "letters" (ink blocks),
    the first two underlined (a line under the letters, clear of the cell's lines); with
    `row_line`, a real row line across the right cell instead, clear of any letters."""
    image = np.full((700, 1200), 255, dtype=np.uint8)
    xs, ys = [100, 300, 600, 1100], [100, 200, 600]
    for y in ys:
        image[y - 1:y + 2, xs[0]:xs[-1] + 1] = 0
    for x in xs:
        image[ys[0]:ys[-1] + 1, x - 1:x + 2] = 0
    for index, top in enumerate((220, 280, 340, 400)):
        for left in range(xs[2] + 20, xs[3] - 60, 16):
            image[top + 12:top + 26, left:left + 10] = 0    # a letter, its foot at top + 26
        if underline and index < 2:
            image[top + 28:top + 31, xs[2] + 20:xs[3] - 70] = 0
    if row_line:
        image[499:502, xs[2] + 2:xs[3] - 1] = 0             # meets the column lines at both ends
    return image


def test_an_underline_inside_a_cell_is_no_row_line():
    plain, _ = find_tables(_table_with_underlined_text(False), 0.5)
    underlined, cleaned = find_tables(_table_with_underlined_text(True), 0.5)
    assert len(underlined[0].cells) == len(plain[0].cells) == 6
    assert cleaned[248:251, 640:1000].min() == 0           # the underline stays: the letters keep their feet


def test_a_row_line_that_meets_the_column_lines_still_parts_the_cell():
    tables, _ = find_tables(_table_with_underlined_text(True, row_line=True), 0.5)
    assert len(tables[0].cells) == 7


@needs_lexicon
@pytest.mark.parametrize(("text", "expected"), [
    ("lượt", "lượt"), ("Đoàn", "Đoàn"), ("điểm", "điểm"), (".Đoàn", ".Đoàn"),
    ("CHUYỂNĐỔI", "CHUYỂN ĐỔI"), ("thườngxuyên", "thường xuyên")])
def test_a_written_syllable_is_never_split(text, expected):
    assert ocr.split_syllables(text) == expected


@needs_lexicon
@pytest.mark.parametrize(("line", "expected"), [
    (["theo-quy", "định"], ["theo", "quy", "định"]),
    (["trực", "tuyến-và"], ["trực", "tuyến", "và"]),
    (["những", "-khó"], ["những", "khó"]),
    (["kết-", "quả"], ["kết", "quả"]),
    (["Văn", "hóa", "-", "Xã", "hội"], ["Văn", "hóa", "-", "Xã", "hội"]),    # a written dash, spaced
    (["kinh", "tế-Xã"], ["kinh", "tế-Xã"]),                                   # a capital after it
    (["số", "10-15"], ["số", "10-15"]),                                       # a number
    (["COVID-19"], ["COVID-19"]), (["Ea-Drăng"], ["Ea-Drăng"]),
])
def test_a_dash_glued_between_small_syllables_is_a_speck(line, expected):
    words = [word(text, 20.0 * i, 20.0 * i + 16) for i, text in enumerate(line)]
    ocr._drop_dashes_between_syllables(words)
    assert [w["text"] for w in words] == expected
    assert all(w["x0"] < w["x1"] for w in words)
    assert all(a["x1"] < b["x0"] for a, b in zip(words, words[1:]))
