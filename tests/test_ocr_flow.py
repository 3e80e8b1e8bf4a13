"""How OCR'd lines flow into the plan's items, without running Tesseract: a wrapped line's few
letters joined to their sentence, a responsibility label with a speck inside it, recurrence
words read with the wrong mark, and a quarter's Roman numeral counted by its stems."""

from __future__ import annotations

import numpy as np
import pytest

from extract.load import ocr, pdf


def word(text: str, x0: float, x1: float, top: float = 100.0, bottom: float = 112.0, conf: float = 95.0) -> dict:
    return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "conf": conf, "fontname": ""}


def repaired(text: str) -> str:
    words = [word(part, 10.0 * i, 10.0 * i + 8) for i, part in enumerate(text.split())]
    ocr.repair_line(words)
    return " ".join(w["text"] for w in words)


# ------------------------------------------------------------------ wrapped lines

def test_a_short_line_boxed_taller_by_its_marks_gets_the_body_height():
    lines = [[word("chữ", 85, 538, 100 + 17 * i, 110.4 + 17 * i)] for i in range(5)]
    lines.append([word("định.", 85, 112, 183.2, 197.9)])          # "đ" above, "ị" below: 14.7 tall
    ocr._even_heights(lines)
    assert lines[-1][0]["bottom"] - lines[-1][0]["top"] == pytest.approx(10.4)


def test_a_long_line_of_another_size_keeps_its_height():
    lines = [[word("chữ", 85, 538, 100 + 17 * i, 110.4 + 17 * i)] for i in range(5)]
    lines.append([word("KẾ HOẠCH PHÁT TRIỂN", 200, 400, 200, 215)])
    ocr._even_heights(lines)
    assert lines[-1][0]["bottom"] - lines[-1][0]["top"] == pytest.approx(15)


def ocr_line(text: str, x0: float, x1: float, top: float, height: float = 10.4, conf: float | None = 90.0) -> pdf._Line:
    found = word(text, x0, x1, top, top + height)
    if conf is None:
        del found["conf"]                # a digital text layer's word
    return pdf._make_line([found], 1)


GEOMETRY = {1: pdf._Geometry(85.5, 538.0, 1.5, 595)}


@pytest.mark.parametrize(("last", "next_text", "next_top", "joined"), [
    ("theo quy", "định.", 186.0, True),           # a wrapped end, a little off the pitch
    ("theo quy", "30/4/2026.", 186.0, True),
    ("thiết bị trong Quý", "II/2026.", 186.0, True),    # the quarter word needs its numeral
    ("theo quy định.", "tiếp theo", 186.0, False),  # the sentence ended
    ("theo quy", "a) xây dựng", 186.0, False),     # a list item
    ("theo quy", "Các sở", 186.0, False),          # a capital after a word that may end a line
    ("theo quy", "định.", 200.0, False),          # farther than a paragraph gap
])
def test_an_ocr_line_going_on_a_full_line_s_sentence_joins_it(last, next_text, next_top, joined):
    prev = ocr_line(last, 123.0, 538.0, 166.3)
    line = ocr_line(next_text, 85.8, 112.6, next_top, height=14.7)
    assert (len(pdf._paragraphs([("F", prev), ("F", line)], GEOMETRY.get)) == 1) is joined


def test_digital_lines_are_not_joined_by_sentence_shape():
    prev = ocr_line("theo quy", 123.0, 538.0, 166.3, conf=None)
    line = ocr_line("định.", 85.8, 112.6, 186.0, height=14.7, conf=None)
    assert len(pdf._paragraphs([("F", prev), ("F", line)], GEOMETRY.get)) == 2


# ------------------------------------------------------------------ labels and recurrences

@pytest.mark.parametrize(("read", "expected"), [
    ("Đơn vị:phối hợp: Các tổ dân phố", "Đơn vị phối hợp: Các tổ dân phố"),
    ("- Đơn vị thực:hiện: Phòng Kinh tế", "- Đơn vị thực hiện: Phòng Kinh tế"),
    ("+ Cơ quan. phối hợp: Trạm y tế xã", "+ Cơ quan phối hợp: Trạm y tế xã"),
    (":Đơn vị thực hiện: Phòng Văn hóa", "Đơn vị thực hiện: Phòng Văn hóa"),
    (": Đơn vị thực hiện: Phòng Văn hóa", "Đơn vị thực hiện: Phòng Văn hóa"),
    ("- : Đơn vị thực hiện: Phòng Văn hóa", "- Đơn vị thực hiện: Phòng Văn hóa"),
    ("-:Ðơn vị thực hiện: Phòng Văn hóa", "- Đơn vị thực hiện: Phòng Văn hóa"),    # and an eth for "Đ"
    ("Đơn vị phối hợp: Các tổ dân phố", "Đơn vị phối hợp: Các tổ dân phố"),     # as written
    ("Phối hợp với các cơ quan: Sở", "Phối hợp với các cơ quan: Sở"),         # no label
])
def test_a_speck_or_colon_inside_a_field_label_is_a_space(read, expected):
    assert repaired(read) == expected


def test_a_label_repair_keeps_the_line_s_extent():
    words = [word("Đơn", 0, 20), word("vị:phối", 25, 60), word("hợp:", 65, 85), word("Các", 90, 110)]
    ocr._repair_field_label(words)
    assert [w["text"] for w in words] == ["Đơn", "vị", "phối", "hợp:", "Các"]
    assert words[0]["x0"] == 0 and words[3]["x1"] == pytest.approx(85) and words[4]["x0"] == 90


@pytest.mark.parametrize(("read", "expected"), [
    ("trước ngày 15 hãng tháng", "trước ngày 15 hằng tháng"), ("định kỳ hãng quý;", "định kỳ hằng quý;"),
    ("10/12 hãng năm).", "10/12 hằng năm)."),
])
def test_every_read_as_a_firm_before_a_period_is_every_again(read, expected):
    assert repaired(read) == expected


# ------------------------------------------------------------------ quarter numerals

def numeral_image(stems: int, slash: bool = True) -> np.ndarray:
    """A serifed "I" * stems (touching serifs), then a slash leaning right, then a digit's bowl."""
    ink = np.zeros((30, 70), dtype=bool)
    for index in range(stems):
        left = 4 + 7 * index
        ink[3:27, left:left + 3] = True
        ink[3:5, left - 2:left + 5] = ink[25:27, left - 2:left + 5] = True
    if slash:
        start = 6 + 7 * stems
        for row in range(2, 29):
            column = start + (29 - row) // 3
            ink[row, column:column + 3] = True
    ink[3:27, 55:57] = ink[3:27, 63:65] = True          # a "0": two sides of one bowl
    return ink


@pytest.mark.parametrize("stems", [1, 2, 3])
def test_a_quarter_numeral_s_stems_are_counted_up_to_its_slash(stems):
    assert ocr.roman_stems(numeral_image(stems)) == stems


def test_no_stems_are_counted_in_an_empty_box():
    assert ocr.roman_stems(np.zeros((30, 40), dtype=bool)) is None


def test_a_quarter_read_one_stem_short_is_read_by_its_stems():
    image = np.where(numeral_image(3), 0, 255).astype(np.uint8)
    words = [[word("Quý", 0, 10), word("II/2026", 0, 70 * 0.36, top=0, bottom=30 * 0.36)]]
    ocr._count_quarter_stems(image, words, 0.36)
    assert words[0][1]["text"] == "III/2026"


def test_a_confusion_parted_by_a_line_break_is_repaired():
    lines = [[word("định", 0, 20), word("kỳ", 25, 35), word("hãng", 40, 60)], [word("quý;", 0, 20), word("xây", 25, 40)]]
    ocr._repair_phrases_across_lines(lines)
    assert lines[0][-1]["text"] == "hằng" and lines[1][0]["text"] == "quý;"


def test_a_quarter_numeral_read_as_a_digit_on_the_next_line_is_read_by_its_stems():
    image = np.where(numeral_image(2), 0, 255).astype(np.uint8)
    lines = [[word("trong", 0, 10), word("Quý", 20, 30)], [word("1/2026.", 0, 70 * 0.36, top=0, bottom=30 * 0.36)]]
    ocr._count_quarter_stems(image, lines, 0.36)
    assert lines[1][0]["text"] == "II/2026."


def test_a_month_s_number_is_no_quarter():
    image = np.where(numeral_image(2), 0, 255).astype(np.uint8)
    lines = [[word("Tháng", 0, 10), word("11/2026", 0, 70 * 0.36, top=0, bottom=30 * 0.36)]]
    ocr._count_quarter_stems(image, lines, 0.36)
    assert lines[0][1]["text"] == "11/2026"


@pytest.mark.skipif(not ocr.syllable_lexicon(), reason="underthesea's word list is not installed")
def test_a_syllable_split_after_an_opening_bracket_is_joined():
    assert repaired("(trư ớc ngày 10/6/2026)") == "(trước ngày 10/6/2026)"


@pytest.mark.parametrize(("read", "expected"), [
    ("trước ngày 10/12_ hằng năm", "trước ngày 10/12 hằng năm"), ("ngày ___ tháng", "ngày ___ tháng"),
])
def test_a_speck_read_as_an_underscore_after_a_word_is_dropped(read, expected):
    assert repaired(read) == expected


@pytest.mark.parametrize(("read", "expected"), [
    ("- 10. Các tổ dân phố trên địa bàn", "10. Các tổ dân phố trên địa bàn"),
    ("- 8. Đề nghị Ủy ban Mặt trận", "8. Đề nghị Ủy ban Mặt trận"),
    ("- 30% hồ sơ", "- 30% hồ sơ"),             # a bulleted figure, no heading
    ("- 2. bước", "- 2. bước"),
])
def test_a_speck_read_as_a_dash_before_a_heading_numeral_is_dropped(read, expected):
    assert repaired(read) == expected


@pytest.mark.parametrize(("read", "expected"), [
    (". Trên đây là Kế hoạch", "Trên đây là Kế hoạch"), (", Các sở", "Các sở"),
    ("... và các đơn vị", "... và các đơn vị"),           # not before a capital
])
def test_a_speck_read_as_a_point_opening_a_line_is_dropped(read, expected):
    assert repaired(read) == expected


def test_a_roman_heading_numeral_s_point_read_as_a_colon_is_a_point():
    assert repaired("IV: TỔ CHỨC THỰC HIỆN") == "IV. TỔ CHỨC THỰC HIỆN"


@pytest.mark.parametrize(("read", "expected"), [
    ("chủ trì theo đõi, hướng dẫn", "chủ trì theo dõi, hướng dẫn"),
    ("các phòng, ban chuyền môn", "các phòng, ban chuyên môn"),
    ("không dùng tiên mặt", "không dùng tiền mặt"),
])
def test_a_frequent_phrase_read_with_one_syllable_another_word_is_repaired(read, expected):
    assert repaired(read) == expected
