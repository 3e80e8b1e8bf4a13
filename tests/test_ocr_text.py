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
    ("Ghi chú", "Ghi chú"), ("Tên chỉ tiêu", "Tên chỉ tiêu"), ("Xyz", "Xyz"),
    ("Đơm vị tính", "Đơn vị tính"), ("Đơn vi phồi họp", "Đơn vị phối hợp"),   # a letter misread
    ("TS", "TS")])                                     # too short to tell one letter from a misreading
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


# ------------------------------------------------------------------ unit cells

@pytest.mark.parametrize(("read", "expected", "sure"), [
    ("%", "%", True), ("", "", True), ("Doanh nghiệp", "Doanh nghiệp", True),
    ("Đi ếm", "Điểm", True),          # a syllable split in two and a hook read as an acute
    ("Tố", "Tổ", True), ("Sản phầm", "Sản phẩm", True), ("MÔ HINH", "MÔ HÌNH", True),
    ("96", "96", False),              # a "%" read as digits: kept, but never silently
    ("Yo", "Yo", False), ("Hệ thông tin", "Hệ thông tin", False),
])
def test_a_unit_cell_is_a_known_unit_or_unsure(read, expected, sure):
    assert ocr.read_unit_cell(read) == (expected, sure)


def test_the_unit_column_is_found_by_its_header():
    assert ocr.unit_header("Đơn vị") and ocr.unit_header("Đơn\nvị tính") and ocr.unit_header("ĐVT")
    assert not ocr.unit_header("Đơn vị chủ trì") and not ocr.unit_header("Chỉ tiêu")


def _grid(columns: int, rows: int, width: float = 60.0, height: float = 20.0):
    from extract.load.ocr_tables import ImageTable

    cells = [(c * width, r * height, (c + 1) * width, (r + 1) * height) for r in range(rows) for c in range(columns)]
    return ImageTable(cells, (0.0, 0.0, columns * width, rows * height))


def _in(cell, text: str, conf: float = 95.0) -> dict:
    x0, top, x1, bottom = cell
    return word(text, x0 + 2, x1 - 2, top + 4, bottom - 4, conf)


def test_an_inked_cell_ocr_read_nothing_from_is_unsure():
    """A unit cell with ink but no word ("%" lost by OCR) flags its row: the target's unit
    would otherwise be missing without a word."""
    table = _grid(3, 2)
    header = [_in(table.cells[0], "Chỉ"), _in(table.cells[1], "Đơn"), _in(table.cells[2], "Kết")]
    table.unread.add(table.cells[4])
    block = pdf._table_block(table, [*header, _in(table.cells[3], "Tỷ"), _in(table.cells[5], "100")], 1,
                             table.unread)
    assert [cell.low_confidence for cell in block.rows[1].cells] == [False, True, False]


def test_ocr_unit_cells_are_repaired_or_flagged():
    table = _grid(3, 4)
    cells = table.cells
    words = [_in(cells[0], "Chỉ"), _in(cells[1], "Đơn"), _in((cells[1][0], cells[1][1] + 8, cells[1][2], cells[1][3] + 8), "vị"),
             _in(cells[2], "Kết"),
             _in(cells[3], "Số"), _in(cells[4], "Tố"), _in(cells[5], "22"),
             _in(cells[6], "Tỷ"), _in(cells[7], "96"), _in(cells[8], "95"),
             _in(cells[9], "Số"), _in(cells[10], "Điểm"), _in(cells[11], "5")]
    block = pdf._table_block(table, words, 1)
    pdf._check_unit_cells(block)
    units = [(row.cells[1].text, row.cells[1].low_confidence) for row in block.rows[1:]]
    assert units == [("Tổ", False), ("96", True), ("Điểm", False)]


# ------------------------------------------------------------------ unsure lines read again

class _LineEngine:
    """Answers a line re-read with fixed TSV words (pixels of the crop) and records the crops."""

    def __init__(self, words: list[tuple[str, int, float]]) -> None:
        self.words, self.crops = words, []

    def tsv(self, image, mode: str = "page") -> str:
        assert mode == "line"
        self.crops.append(image.size)
        rows = ["level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"]
        for number, (text, left, conf) in enumerate(self.words, 1):
            rows.append(f"5\t1\t1\t1\t1\t{number}\t{left}\t12\t{len(text) * 9}\t20\t{conf}\t{text}")
        return "\n".join(rows)


def _page_line(*pairs: tuple[str, float]) -> list[dict]:
    x, line = 72.0, []
    for text, conf in pairs:
        line.append(word(text, x, x + 4 * len(text), conf=conf))
        x += 4 * len(text) + 3
    return line


def test_an_unsure_line_is_read_again_alone_and_the_surer_reading_kept():
    import numpy as np

    gray = np.full((600, 800), 255, np.uint8)
    sure = _page_line(("Kế", 96.0), ("hoạch", 95.0))
    unsure = _page_line(("thục", 41.0), ("hiện", 90.0))
    engine = _LineEngine([("thực", 16, 93.0), ("hiện", 50, 95.0)])   # 1 point off the ends
    lines = ocr._reread_unsure_lines(engine, gray, [sure, unsure], 0.5)
    assert len(engine.crops) == 1                       # the sure line is not read again
    assert texts(lines[0]) == ["Kế", "hoạch"] and texts(lines[1]) == ["thực", "hiện"]
    assert lines[1][0]["x0"] == unsure[0]["x0"] and lines[1][-1]["x1"] == unsure[-1]["x1"]   # ends kept
    assert {w["top"] for w in lines[1]} == {unsure[0]["top"]}


@pytest.mark.parametrize(("reading_alone", "why"), [
    ([("Uỷ", 0, 99.0), ("bạn", 40, 99.0)], "no word of the word list where the page reading had one"),
    ([("Phụ", 0, 99.0), ("lục", 40, 99.0), ("M", 80, 99.0)], "a shapeless word ('M' for 'II')"),
    ([("Ủy", 0, 99.0), ("ban", 40, 99.0)], "the same words: surer, but no better"),
])
def test_a_reading_alone_that_reads_no_more_like_vietnamese_is_not_kept(reading_alone, why):
    import numpy as np

    gray = np.full((600, 800), 255, np.uint8)
    page = ([("Ủy", 70.0), ("ban", 92.0)] if reading_alone[0][0] != "Phụ"
            else [("Phụ", 70.0), ("lục", 92.0), ("II", 75.0)])
    unsure = _page_line(*page)
    lines = ocr._reread_unsure_lines(_LineEngine(reading_alone), gray, [unsure], 0.5)
    assert texts(lines[0]) == [text for text, _ in page], why


@needs_lexicon
@pytest.mark.parametrize(("page", "worth"), [
    ([("Kế", 70.0), ("hoạch", 92.0)], False),            # a word of the list as read
    ([("thục", 41.0), ("hiện", 90.0)], True),           # no word as read, "thực hiện" by its bare letters
    ([("dừ", 74.0), ("liệu", 95.0), ("lớn", 95.0)], True),
    ([("gản", 67.0), ("với", 95.0)], True),             # a shapeless word
    ([("TỔ", 97.0), ("CHỨC", 97.0), ("THỰỤC", 57.0)], True),    # capitals with a marked vowel: no abbreviation
    ([("UBND", 70.0), ("tỉnh", 95.0)], False),           # an abbreviation
    ([("'IV.KINH", 62.0), ("PHÍ", 91.0), ("THỰC", 91.0), ("HIỆN", 65.0)], True),    # a space lost
    ([("ngày", 95.0), ("/4/2026", 77.0)], True),         # an unsure number
    ([("-", 60.0), ("Ủy", 95.0), ("ban", 95.0)], True),  # an unsure sign
])
def test_a_line_is_read_again_only_where_a_reading_alone_may_read_better(page, worth):
    assert ocr._may_read_better(_page_line(*page)) is worth


@needs_lexicon
def test_a_line_of_words_that_read_right_is_not_read_again():
    import numpy as np

    gray = np.full((600, 800), 255, np.uint8)
    engine = _LineEngine([("Kê", 0, 99.0), ("hoạch", 40, 99.0)])
    unsure = _page_line(("Kế", 70.0), ("hoạch", 92.0))
    lines = ocr._reread_unsure_lines(engine, gray, [unsure], 0.5)
    assert texts(lines[0]) == ["Kế", "hoạch"] and engine.crops == []


# ------------------------------------------------------------------ quarters and stray points

def _repaired(text: str) -> str:
    words = [word(part, 10.0 * i, 10.0 * i + 8) for i, part in enumerate(text.split())]
    ocr.repair_line(words)
    return " ".join(texts(words))


@pytest.mark.parametrize(("read", "expected"), [
    ("Quý 11/2026", "Quý II/2026"), ("Hoàn thành Quý 111/2026.", "Hoàn thành Quý III/2026."),
    ("quý lV.", "quý IV."), ("Quý II1/2026", "Quý III/2026"), ("Quý H/2026", "Quý II/2026"),
    ("Quý IHII/2026", "Quý IHII/2026"),      # no quarter: left as read (and flagged by its line)
    ("Quý 1/2026", "Quý 1/2026"),           # Arabic quarter numbers are written too
    ("tháng 11/2026", "tháng 11/2026"),      # only after the quarter word
])
def test_a_quarter_numeral_read_as_digits_is_roman_again(read, expected):
    assert _repaired(read) == expected


@pytest.mark.parametrize(("read", "expected"), [
    ("Thường. xuyên", "Thường xuyên"), ("Rà soát,.làm sạch", "Rà soát, làm sạch"),
    ("kết thúc. Tiếp theo", "kết thúc. Tiếp theo"),       # a sentence ends before a capital
    ("TP. Hà Nội", "TP. Hà Nội"), ("v.v. và", "v.v. và"),   # abbreviations keep their points
])
def test_a_speck_read_as_a_point_inside_a_sentence_is_dropped(read, expected):
    assert _repaired(read) == expected


@pytest.mark.parametrize(("read", "expected"), [
    ("theo döi", "theo dõi"), ("điểm löm sóng", "điểm lõm sóng"),       # a tilde read as a diaeresis
])
def test_letters_no_vietnamese_word_has_are_read_as_their_look_alike(read, expected):
    assert _repaired(read) == expected


@needs_lexicon
@pytest.mark.parametrize(("read", "expected"), [
    ("cơ.quan phối hợp", "cơ quan phối hợp"),
    ("dichvucong.gov.vn", "dichvucong.gov.vn"), ("TP.Hà Nội", "TP.Hà Nội"), ("v.v.", "v.v."),
])
def test_a_speck_read_as_a_point_between_two_syllables_is_a_space(read, expected):
    assert _repaired(read) == expected


@needs_lexicon
@pytest.mark.parametrize(("read", "expected"), [
    ("mức độ hài: lòng của", "mức độ hài lòng của"), ("VỀ KHOA. HỌC, CÔNG NGHỆ", "VỀ KHOA HỌC, CÔNG NGHỆ"),
    ("đổi mới sáng . tạo", "đổi mới sáng tạo"), ("huy động, sử - dụng", "huy động, sử dụng"),
    ("cam -kết hoàn thành", "cam kết hoàn thành"), ("Phòng Văn hóa - Xã hội", "Phòng Văn hóa - Xã hội"),
    ("gồm: các cơ quan", "gồm: các cơ quan"), ("Thời gian: tháng 6", "Thời gian: tháng 6"),   # a label's colon
    ("các thôn, bản", "các thôn, bản"), ("các sở, ban, ngành", "các sở, ban, ngành"),         # commas list
])
def test_a_speck_read_as_a_colon_or_point_inside_a_word_is_dropped(read, expected):
    assert _repaired(read) == expected


@pytest.mark.parametrize("read", ["- UBND tỉnh (để bíc);", "- Thường trực Đảng ủy (để b/©);"])
def test_a_misread_reporting_note_after_de_is_read_back(read):
    assert _repaired(read).endswith("b/c);")


@pytest.mark.parametrize(("read", "expected"), [
    ("Phòng Văn hóa : Xã hội", "Phòng Văn hóa - Xã hội"),
    ("Nơi nhận: Sở Tư pháp", "Nơi nhận: Sở Tư pháp"),          # a colon against its word stays
    ("gồm : các thôn", "gồm : các thôn"),                      # not before a capital
])
def test_a_lone_colon_before_a_capital_is_a_dash(read, expected):
    assert _repaired(read) == expected
