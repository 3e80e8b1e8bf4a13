"""Damaged PDF text layers: each kind has a small PDF (tools/make_damaged_pdfs.py) and the
text that must come out of it.

The (cid:N) page is read by OCR; that test needs Tesseract's Vietnamese model (`make
tesseract`) and is skipped, saying so, where it is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.load import load
from extract.load.ocr import unavailable_reason
from extract.load.pdf_repair import wrapped_inside_word
from extract.pipeline import document_text, extract_path
from extract.structures import Paragraph, Table

DAMAGED = Path(__file__).parent / "fixtures" / "damaged"
PLAN_LINES = ["UBND XÃ AN BÌNH", "KẾ HOẠCH", "Chuyển đổi số năm 2026", "I. MỤC TIÊU",
              "Tỷ lệ hồ sơ được xử lý trực tuyến đạt 100% trong năm 2026."]

needs_ocr = pytest.mark.skipif(unavailable_reason() is not None,
                               reason=f"OCR unavailable: {unavailable_reason()}")


def paragraphs(name: str) -> list[str]:
    return [block.text for block in load(DAMAGED / f"{name}.pdf").blocks if isinstance(block, Paragraph)]


def rows(name: str) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for block in load(DAMAGED / f"{name}.pdf").blocks
            if isinstance(block, Table) for row in block.rows]


def problem_codes(name: str) -> set[str]:
    return {problem.code for problem in load(DAMAGED / f"{name}.pdf").problems}


def test_fake_bold_is_deduplicated():
    assert paragraphs("fake_bold") == PLAN_LINES
    assert "text_layer_repaired" in problem_codes("fake_bold")


def test_words_without_space_glyphs_are_split_at_their_gaps():
    assert paragraphs("no_spaces") == PLAN_LINES
    assert "text_layer_repaired" in problem_codes("no_spaces")


@needs_ocr
def test_text_without_a_character_map_is_read_by_ocr():
    raw = load(DAMAGED / "cid.pdf")
    text = document_text(DAMAGED / "cid.pdf")
    assert "(cid:" not in text
    assert raw.ocr is True
    for line in ("KẾ HOẠCH", "Chuyển đổi số năm 2026", "I. MỤC TIÊU"):
        assert line in text
    assert "100%" in text
    assert {"ocr_used", "text_layer_repaired"} <= {problem.code for problem in raw.problems}


def test_numbers_and_words_wrapped_in_narrow_cells_are_joined():
    table = rows("narrow_cells")
    assert table[1][3] == "100" and table[2][3] == "≥70"        # never "10 0" or a target of 10
    assert table[3][4] == "Thường xuyên"
    document = extract_path(DAMAGED / "narrow_cells.pdf")
    values = {indicator.name: [(t.value, t.comparator) for t in indicator.targets] for indicator in document.indicators}
    assert values.get("Tỷ lệ hồ sơ trực tuyến") == [(100, "=")]


def test_wrapping_rule_keeps_separate_lines_apart():
    assert wrapped_inside_word("10", "0")
    assert wrapped_inside_word("≥7", "0")
    assert wrapped_inside_word("Thườn", "g xuyên")
    assert not wrapped_inside_word("2025", "2026")       # a whole number on the next line
    assert not wrapped_inside_word("Văn phòng", "UBND xã")
    assert not wrapped_inside_word("Phòng Kinh", "tế")   # a syllable of its own


def test_table_without_rulings_is_found_from_its_columns():
    table = rows("borderless_table")
    assert table[0] == ["STT", "Chỉ tiêu", "Đơn vị tính", "Năm 2026", "Cơ quan chủ trì"]
    assert table[1] == ["1", "Tỷ lệ hồ sơ trực tuyến", "%", "≥ 90", "Văn phòng"]
    assert table[3][1] == "Tỷ lệ người dân có tài khoản định danh điện tử mức độ 2"   # wrapped cell
    document = extract_path(DAMAGED / "borderless_table.pdf")
    targets = {indicator.name: [(t.value, t.comparator, t.unit) for t in indicator.targets]
               for indicator in document.indicators}
    assert targets["Tỷ lệ hồ sơ trực tuyến"] == [(90, ">=", "%")]
    assert len(document.indicators) == 3


def test_column_layout_that_is_no_table_raises_table_shape():
    from extract.load.pdf_repair import split_aligned_tables

    class Line:
        def __init__(self, top: float, spans: list[tuple[float, float, str]]):
            self.words = [{"x0": x0, "x1": x1, "text": text, "top": top, "bottom": top + 10} for x0, x1, text in spans]
            self.top, self.bottom, self.height = top, top + 10, 10.0

    # three lines of three cells whose columns do not line up: no blank column runs down them
    lines = [Line(100, [(60, 100, "a"), (130, 200, "b"), (240, 300, "c")]),
             Line(115, [(60, 140, "d"), (170, 260, "e"), (290, 340, "f")]),
             Line(130, [(60, 90, "g"), (120, 180, "h"), (200, 330, "i")])]
    kept, tables, unread = split_aligned_tables(lines, 3)
    assert tables == [] and len(kept) == 3 and unread and unread[0].startswith("page 3")


def test_two_column_header_and_closing_without_a_table_do_not_interleave():
    assert paragraphs("two_columns") == [
        "ỦY BAN NHÂN DÂN", "XÃ AN BÌNH", "HUYỆN ĐÔNG HẢI",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "KẾ HOẠCH", "Triển khai chuyển đổi số năm 2026 trên địa bàn xã.",
        "Nơi nhận:", "- UBND huyện;", "- Đảng ủy xã;", "- Các ban, ngành xã;", "- Lưu: VT.",
        "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An"]
    document = extract_path(DAMAGED / "two_columns.pdf")
    assert document.document.signer.name == "Nguyễn Văn An"
    assert "HUYỆN ĐÔNG HẢI" not in " ".join(document.document.recipients)
