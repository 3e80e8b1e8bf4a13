"""What the second round of OCR work repairs in scanned pages' words and layout, without
running Tesseract: syllables split in two, dashes and specks, glued numerals, misread table
headers, unsure numbers, each scanned page's own text area, and the count of scan targets
read wrong without a flag."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from extract.evaluate import silently_wrong_targets
from extract.load import ocr, pdf
from extract.load.ocr import OcrPage

needs_lexicon = pytest.mark.skipif(not ocr.syllable_lexicon(), reason="underthesea's word list is not installed")


def word(text: str, x0: float, x1: float, top: float = 100.0, bottom: float = 112.0, conf: float = 95.0) -> dict:
    return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "conf": conf, "fontname": ""}


def texts(words: list[dict]) -> list[str]:
    return [w["text"] for w in words]


# ------------------------------------------------------------------ syllables

@needs_lexicon
@pytest.mark.parametrize(("first", "second", "joined"), [
    ("đi", "ện", True), ("đo", "àn", True), ("TRƯ", "ỞNG", True), ("th", "ành.", True),
    ("cư", "ở", False),             # two syllables of their own: "dân cư ở"
    ("thí", "đi", False), ("Ea", "Drăng", False), ("2", "0", False), ("a", "n", False)])
def test_a_syllable_split_in_two_is_joined_only_when_its_parts_are_not_syllables(first, second, joined):
    assert ocr.joins_syllable(first, second) is joined


@needs_lexicon
def test_split_syllables_are_joined_in_a_line():
    line = [word("môi", 0, 20), word("trường", 25, 50), word("đi", 55, 62), word("ện", 64, 75), word("tử.", 80, 95)]
    ocr.repair_line(line)
    assert texts(line) == ["môi", "trường", "điện", "tử."]
    assert line[2]["x0"] == 55 and line[2]["x1"] == 75


@needs_lexicon
@given(st.lists(st.text(alphabet="0123456789,.%", min_size=1, max_size=4), min_size=2, max_size=5))
def test_numbers_are_never_joined(parts):
    line = [word(part, 10 * i, 10 * i + 8) for i, part in enumerate(parts)]
    ocr.repair_line(line)
    assert "".join(texts(line)) == "".join(parts) and len(line) >= len(parts)     # nothing glued


# ------------------------------------------------------------------ signs

TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def tsv(rows: list[tuple]) -> str:
    """Rows of (line, word number in its line, (left, top, width, height), conf, text)."""
    return "\n".join([TSV_HEADER] + ["\t".join(map(str, (5, 1, 1, 1, line, number, *box, conf, text)))
                                     for line, number, box, conf, text in rows])


def test_an_unsure_dash_between_words_is_kept_and_a_speck_at_a_line_end_is_not():
    lines = ocr.parse_tsv(tsv([
        (1, 1, (100, 200, 60, 30), 96.0, "Văn"), (1, 2, (170, 200, 50, 30), 96.0, "hóa"),
        (1, 3, (230, 214, 18, 3), 39.0, "—-"),          # the en dash, read unsure
        (1, 4, (260, 200, 40, 30), 96.0, "Xã"), (1, 5, (310, 200, 50, 30), 96.0, "hội"),
        (1, 6, (370, 214, 18, 3), 39.0, "_"),           # an unsure dash closing the line: a speck
        (2, 1, (100, 300, 12, 3), 20.0, "-"),           # an unsure dash opening a line: a speck
        (2, 2, (130, 290, 60, 30), 96.0, "Nội"), (2, 3, (200, 290, 60, 30), 96.0, "dung"),
        (3, 1, (100, 400, 12, 3), 90.0, "-"),           # a sure bullet stays
        (3, 2, (130, 390, 60, 30), 96.0, "Bảo")]), 1.0)
    assert [texts(words) for words in lines] == [["Văn", "hóa", "-", "Xã", "hội"], ["Nội", "dung"], ["-", "Bảo"]]


@pytest.mark.parametrize(("text", "expected"), [
    ("I.MỤC", ["I.", "MỤC"]), ("2.Yêu", ["2.", "Yêu"]), ("QuýIV/2026", ["Quý", "IV/2026"]),
    ("thứII", ["thứ", "II"]), ("PhụlụcIl", ["Phụ", "lục", "II"]), ("Hotel", ["Hotel"]), ("CHUYỂNĐỔI", ["CHUYỂN", "ĐỔI"]), ("XI", ["XI"]), ("17,5%", ["17,5%"]),
    ("HĐND", ["HĐND"])])
def test_numerals_glued_to_their_word_are_split(text, expected):
    line = [word(text, 0, 100), word("x", 110, 120)]
    ocr.repair_line(line)
    assert texts(line)[:-1] == expected


def test_stray_points_brackets_and_ticks_are_dropped():
    line = [word("TỈNH", 0, 30), word("QUẢNG", 35, 70), word(".CỘNG", 200, 240), word("HÒA", 245, 270)]
    ocr.repair_line(line)
    assert texts(line) == ["TỈNH", "QUẢNG", "CỘNG", "HÒA"]
    line = [word("I[.", 0, 10), word("MỤC", 15, 40), word("TIÊU", 45, 70)]
    ocr.repair_line(line)
    assert texts(line) == ["I.", "MỤC", "TIÊU"]
    line = [word("1.", 0, 10), word("Công", 15, 40), word("an", 45, 55), word("xã", 60, 70), word("`", 75, 78)]
    ocr.repair_line(line)
    assert texts(line) == ["1.", "Công", "an", "xã"]


@pytest.mark.parametrize(("words", "unsure"), [
    (["Tỷ", "trọng", "17,", "5"], True),           # 17,5 or a list: the number may be cut
    (["-05"], True), (["=90"], True), (["≥", "95%"], False), (["2025,", "2026"], False), (["%"], False),
    (["*"], True), (["Sở", "KH&CN;"], False), (["(B/C);"], False),
    (["Thường", "xuyÝ"], True), (["ứng", "dụng", "VNeID"], False), (["đi", "ện"], True), (["Điểm"], False),
    (["Ea", "Drăng"], False)])
def test_unsure_numbers_and_stray_signs_flag_their_line(words, unsure):
    assert ocr.low_confidence([word(text, 0, 1) for text in words]) is unsure


# ------------------------------------------------------------------ table headers

@pytest.mark.parametrize(("read", "header"), [
    ("Đơn\nvi", "Đơn vị"), ("Đơn vị\ntính -", "Đơn vị tính"), ("Thời\nhan", "Thời hạn"),
    ("Cơ quan chủ trì thực\nhiên", "Cơ quan chủ trì thực hiện"),
    ("Kết\nquả", "Kết\nquả"),                       # known as read: kept
    ("Ghi chú", "Ghi chú"), ("Tên chỉ tiêu", "Tên chỉ tiêu"), ("Xyz", "Xyz")])
def test_misread_table_headers_become_the_known_header(read, header):
    assert ocr.repair_header([read]) == [header]


# ------------------------------------------------------------------ text area of a scanned page

def line(x0: float, x1: float, top: float, page: int = 1, text: str = "chữ") -> pdf._Line:
    return pdf._make_line([word(text, x0, x1, top, top + 12)], page)


def scanned_page(number: int, lines: list[pdf._Line], width: float = 595.0) -> pdf._PageContent:
    return pdf._PageContent(number, width, 842.0, [], lines, True, OcrPage([], [], 90.0))


def test_a_scanned_page_has_its_own_margins_and_a_lone_mark_is_none():
    lines = [line(92.0, 505.0, 100 + 16 * i) for i in range(6)] + [line(120.0, 505.0, 200.0), line(40.0, 48.0, 220.0)]
    geometry = pdf._scanned_geometry(scanned_page(2, lines), pdf._Geometry(85.0, 510.0, 1.2, 595))
    assert geometry.left == pytest.approx(92.0) and geometry.right == pytest.approx(505.0)


def test_a_scanned_page_without_edges_takes_the_common_text_area():
    common = pdf._Geometry(85.0, 510.0, 1.2, 595)
    assert pdf._scanned_geometry(scanned_page(3, [line(200.0, 300.0, 100.0)]), common) == common


def test_a_page_of_another_width_starts_a_new_paragraph():
    geometries = {1: pdf._Geometry(85.0, 510.0, 1.2, 595), 2: pdf._Geometry(60.0, 780.0, 1.2, 842),
                  3: pdf._Geometry(85.0, 510.0, 1.2, 595)}
    flush = line(85.0, 510.0, 800.0, page=1, text="Phan Thị Hải")
    landscape = line(90.0, 300.0, 60.0, page=2, text="Phụ lục I")
    same = line(85.0, 300.0, 60.0, page=3, text="phụ lục I")
    assert len(pdf._paragraphs([("F", flush), ("F", landscape)], geometries.get)) == 2
    assert len(pdf._paragraphs([("F", flush), ("F", same)], geometries.get)) == 1


# ------------------------------------------------------------------ right or flagged

def test_targets_read_wrong_count_unless_flagged():
    gold = {"indicators": [{"name": "Tỷ lệ hồ sơ trực tuyến", "targets": [
        {"value": 90, "comparator": ">=", "unit": "%", "scope": None}]}], "tasks": []}
    source = {"page": 1, "quote": "Tỷ lệ hồ sơ trực tuyến", "start": 10, "end": 32}
    pred = {"indicators": [{"name": "Tỷ lệ hồ sơ trực tuyến", "sources": [source], "targets": [
        {"value": 9, "comparator": ">=", "unit": "%", "scope": None}]}], "tasks": [], "problems": []}
    assert [target["value"] for _name, target in silently_wrong_targets(gold, pred)] == [9]
    pred["problems"] = [{"code": "ocr_low_confidence", "sources": [source]}]
    assert silently_wrong_targets(gold, pred) == []
    pred["problems"] = []
    pred["indicators"][0]["targets"][0]["value"] = 90
    assert silently_wrong_targets(gold, pred) == []


@needs_lexicon
@pytest.mark.parametrize(("first", "second", "expected"), [
    ("tố", "chức", ("tổ", "chức")), ("TỐ", "CHỨC", ("TỔ", "CHỨC")), ("tập", "thế.", ("tập", "thể.")),
    ("đấy", "mạnh", ("đẩy", "mạnh")),
    ("thế", "giới", None),           # a word as read
    ("cấp", "tỉnh", None),           # no word either way, and a hook is never read back as an acute
    ("năm", "2026", None)])
def test_a_tone_mark_read_for_its_look_alike_is_repaired_only_into_a_known_word(first, second, expected):
    words = [word(first, 0, 20), word(second, 25, 50)]
    ocr.repair_line(words)
    assert tuple(texts(words)) == (expected or (first, second))
