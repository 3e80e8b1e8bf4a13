"""Numbering read back from OCR (extract.numbering) and the segmenter's use of it: a heading or
appendix numeral repaired from its place in the sequence, a speck before a label dropped, a
misread group numeral in a table, a bullet heading whose italic OCR cannot see — on OCR'd
documents only; the same text typed stays as typed."""

from __future__ import annotations

import pytest

from extract.items.appendix_tables import _is_group_row
from extract.normalize import normalize_document
from extract.numbering import ocr_numeral, repair_sequence, roman, roman_value, speck_prefix
from extract.segment import segment
from extract.structures import Cell, Paragraph, RawDocument, Row, Table


@pytest.mark.parametrize(("readings", "kind", "repaired"), [
    (["I", "II", "II", "IV"], "roman", ["I", "II", "III", "IV"]),       # a stroke lost
    (["I", "II", "II"], "roman", ["I", "II", "III"]),                  # the last one, a repeat
    (["I", None, "III"], "roman", ["I", "II", "III"]),                 # a numeral lost
    (["I", None], "roman", ["I", "II"]),
    (["II", "II", "III"], "roman", ["I", "II", "III"]),                # the first, one stroke off
    (["I", "II", "IV"], "roman", ["I", "II", "IV"]),                   # a gap the author left
    (["I", "II", "III", "IV", "V", "VI"], "roman", ["I", "II", "III", "IV", "V", "VI"]),
    (["1", "2", "3", "1", "2"], "arabic", ["1", "2", "3", "1", "2"]),  # a count restarted
    (["1", "2", "3", "5"], "arabic", ["1", "2", "3", "5"]),            # a digit is not one stroke off
    (["1", "2", "2", "4"], "arabic", ["1", "2", "3", "4"]),
    (["a", "b", "b"], "letter", ["a", "b", "c"]),
    ([None], "roman", [None]),
])
def test_a_numeral_that_breaks_its_sequence_is_repaired_when_one_value_fits(readings, kind, repaired):
    assert repair_sequence(readings, kind) == repaired


def test_roman_numerals():
    assert [roman_value(t) for t in ("I", "IV", "IX", "XIV", "IIII", "h", "")] == [1, 4, 9, 14, None, None, None]
    assert [roman(v) for v in (3, 4, 9, 14)] == ["III", "IV", "IX", "XIV"]


def test_misread_numerals_from_the_rules():
    assert [ocr_numeral(t) for t in ("III", "H", "IH", "1H", "II,", "Il", "1", "11", "IHII", "Một")] == [
        "III", "II", "III", "III", "II", "II", None, None, None, None]


@pytest.mark.parametrize(("text", "length"), [
    ("„Phụ lục I", 1), ("„ Phụ lục I", 2), ("_2. Chỉ tiêu", 1), ("__b) Về xã hội số", 2),
    ("'+ Đơn vị phối hợp", 1), ("- Về hạ tầng", 0), ("(1) Về hạ tầng", 0), ("Về hạ tầng", 0), ("„", 0),
])
def test_speck_before_a_label(text, length):
    assert speck_prefix(text, "-+*•–—·") == length


def plan(*blocks, ocr: bool):
    return segment(normalize_document(RawDocument("pdf", [
        Paragraph("Số: 12/KH-UBND"), Paragraph("Hà Tĩnh, ngày 05 tháng 3 năm 2026"),
        Paragraph("KẾ HOẠCH", bold=True), Paragraph("Chuyển đổi số năm 2026", bold=True),
        Paragraph("Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị;"),
        *blocks,
    ], ocr=ocr)))


BODY = [
    Paragraph("I. MỤC TIÊU", bold=True), Paragraph("_2. Chỉ tiêu cụ thể", bold=True),
    Paragraph("II. NHIỆM VỤ", bold=True),
    Paragraph("- Về hạ tầng số"), Paragraph("+ Phủ sóng 5G toàn xã."),
    Paragraph("II. TỔ CHỨC THỰC HIỆN", bold=True),
    Paragraph("Nơi nhận:"), Paragraph("- Lưu: VT."), Paragraph("KT. CHỦ TỊCH"), Paragraph("Nguyễn Văn An"),
    Paragraph("„ Phụ lục I", bold=True), Paragraph("CHỈ TIÊU", bold=True),
    Paragraph("Phụ lục H", bold=True), Paragraph("NHIỆM VỤ", bold=True),
]


def test_an_ocr_plan_is_read_through_its_misread_numbering():
    seg = plan(*BODY, ocr=True)
    tree = [(s.level, s.number, s.heading, s.kind) for s in seg.sections]
    assert tree == [
        (1, "I", "MỤC TIÊU", "body"), (2, "2", "Chỉ tiêu cụ thể", "body"),
        (1, "II", "NHIỆM VỤ", "body"), (2, None, "Về hạ tầng số", "body"),
        (1, "III", "TỔ CHỨC THỰC HIỆN", "body"), (1, None, "Nơi nhận", "closing"),
        (1, None, "KT. CHỦ TỊCH", "closing"),
        (1, "I", "CHỈ TIÊU", "appendix"), (1, "II", "NHIỆM VỤ", "appendix"),
    ]
    assert [a.number for a in seg.appendices] == ["I", "II"]
    for node in seg.sections:                 # a narrowed line still quotes the document text
        assert seg.text.text[node.line.start:node.line.end] == node.line.text


def test_a_typed_plan_keeps_its_numbering_as_typed():
    seg = plan(*BODY, ocr=False)
    tree = [(s.number, s.heading) for s in seg.sections if s.kind != "closing"]
    assert ("II", "TỔ CHỨC THỰC HIỆN") in tree and ("III", "TỔ CHỨC THỰC HIỆN") not in tree
    assert all("Chỉ tiêu cụ thể" != heading for _number, heading in tree)
    assert all(heading != "Về hạ tầng số" for _number, heading in tree)
    assert len(seg.appendices) == 0


def test_a_misread_group_numeral_in_an_ocr_table():
    seg = plan(Paragraph("I. MỤC TIÊU", bold=True), Paragraph("Nơi nhận:"), Paragraph("KT. CHỦ TỊCH"),
               Paragraph("Phụ lục I", bold=True), Paragraph("CHỈ TIÊU", bold=True),
               Table([Row([Cell("STT"), Cell("Chỉ tiêu"), Cell("Đơn vị tính"), Cell("Chỉ tiêu cụ thể")]),
                      Row([Cell("IH"), Cell("XÃ HỘI SỐ", bold=True)]),
                      Row([Cell("l"), Cell("Tỷ lệ hộ có cáp quang"), Cell("%"), Cell("95")]),
                      Row([Cell("lị"), Cell("KINH TẾ SỐ")]),
                      Row([Cell("l"), Cell("Số doanh nghiệp số")])]),
               ocr=True)
    rows = seg.tables[0].rows
    mapping = {"index": 0}
    assert _is_group_row(rows[0], mapping, ocr=True)
    assert not _is_group_row(rows[1], mapping, ocr=True)      # "l" for "1": an indicator's row
    assert not _is_group_row(rows[0], mapping, ocr=False)
    assert _is_group_row(rows[2], mapping, ocr=True)          # "lị" for "II": no numeral, a title in capitals
    assert not _is_group_row(rows[3], mapping, ocr=True)      # an indicator whose other cells are empty


def test_arabic_far_out_of_the_count_is_repaired():
    assert repair_sequence(["1", "2", "3", "4", "93"], "arabic") == ["1", "2", "3", "4", "5"]


def test_labels_misread_in_a_way_their_sequence_confirms():
    seg = plan(
        Paragraph("I. QUAN ĐIỂM", bold=True),
        Paragraph("1: Tổng số chỉ tiêu: 20 chỉ tiêu."),                         # "2." follows
        Paragraph("2. Quán triệt phương châm hành động."),
        Paragraph("4. Phân công chặt chẽ trách nhiệm giữa các cơ quan " + "và đơn vị " * 20 + "trên địa bàn."),
        Paragraph("5, Huy động và sử dụng hiệu quả các nguồn lực xã hội."),   # point read as a comma
        Paragraph("-6, Đề nghị Ủy ban MTTQ phường", bold=True),                # and a speck before it
        Paragraph("II. MỤC TIÊU", bold=True),
        Paragraph("(1) Chính quyền số"), Paragraph("(2) Kinh tế số"),
        Paragraph("3) Xã hội số"),                                             # its bracket lost
        Paragraph("IHI. KINH PHÍ THỰC HIỆN", bold=True),                       # strokes misread
        Paragraph("IV: TỔ CHỨC THỰC HIỆN", bold=True),                         # point read as a colon
        ocr=True)
    tree = [(s.level, s.number, s.heading) for s in seg.sections]
    assert (2, "5", "Huy động và sử dụng hiệu quả các nguồn lực xã hội") in tree
    assert (2, "6", "Đề nghị Ủy ban MTTQ phường") in tree
    assert (2, "1", "Tổng số chỉ tiêu") in tree
    assert (2, "(3)", "Xã hội số") in tree
    assert (1, "III", "KINH PHÍ THỰC HIỆN") in tree
    assert (1, "IV", "TỔ CHỨC THỰC HIỆN") in tree


def test_an_opening_dash_is_a_bullet_at_mid_height_and_a_speck_above_or_at_the_foot():
    from extract.load.ocr import _opening_dash

    def line(dash_top: float, dash_bottom: float) -> list[dict]:
        return [{"text": "_", "top": dash_top, "bottom": dash_bottom, "opening": True},
                {"text": "Xây", "top": 100.0, "bottom": 112.0, "opening": False},
                {"text": "dựng", "top": 100.0, "bottom": 112.0, "opening": False}]

    middle = line(105.0, 107.0)
    _opening_dash(middle)
    assert [w["text"] for w in middle] == ["-", "Xây", "dựng"]
    above, foot = line(96.0, 98.0), line(111.0, 113.0)
    _opening_dash(above)
    _opening_dash(foot)
    assert [w["text"] for w in above] == [w["text"] for w in foot] == ["Xây", "dựng"]
    assert all("opening" not in w for w in middle + above + foot)


def test_part_one_whose_numeral_was_lost_starts_the_body():
    blocks = [Paragraph("MỤC ĐÍCH, YÊU CẦU"), Paragraph("1. Triển khai kịp thời các chỉ tiêu."),
              Paragraph("II. NỘI DUNG", bold=True), Paragraph("1. Phát triển hạ tầng số."),
              Paragraph("- PHỤ LỤC 02", bold=True), Paragraph("DANH MỤC NHIỆM VỤ", bold=True)]
    seg = plan(*blocks, ocr=True)
    tree = [(s.level, s.number, s.heading, s.kind) for s in seg.sections]
    assert tree[:2] == [(1, "I", "MỤC ĐÍCH, YÊU CẦU", "body"), (2, "1", "Triển khai kịp thời các chỉ tiêu", "body")]
    assert [a.number for a in seg.appendices] == ["02"]
    typed = plan(*blocks, ocr=False)
    assert typed.sections[0].heading == "NỘI DUNG" and not typed.appendices


def test_near_text_allows_one_edit_per_ten_letters():
    from extract.numbering import near_text
    assert near_text("tochucthuuchien", "tochucthuchien")
    assert not near_text("kinhphithuchien", "tochucthuchien")
    assert near_text("ab", "ac") and not near_text("ab", "cd")


def test_an_ocr_implementation_heading_misread_still_holds_the_assignments():
    from extract.items.text_items import _is_implementation
    assert _is_implementation("TÕ CHỨC THỰC HIỆN", ocr=True)
    assert _is_implementation("TỔ CHỨC THỰ ỤC HIỆN", ocr=True)
    assert not _is_implementation("TỔ CHỨC THỰ ỤC HIỆN", ocr=False)
    assert not _is_implementation("KINH PHÍ THỰC HIỆN", ocr=True)


def test_a_group_row_whose_numeral_was_lost_in_an_ocr_table():
    seg = plan(Paragraph("I. MỤC TIÊU", bold=True), Paragraph("Nơi nhận:"), Paragraph("KT. CHỦ TỊCH"),
               Paragraph("Phụ lục I", bold=True), Paragraph("CHỈ TIÊU", bold=True),
               Table([Row([Cell("STT"), Cell("Chỉ tiêu"), Cell("Đơn vị tính"), Cell("Chỉ tiêu cụ thể")]),
                      Row([Cell(""), Cell("CHÍNH QUYỀN SỐ")]),
                      Row([Cell(""), Cell("dịch vụ công trực tuyến toàn trình")])]),
               ocr=True)
    rows = seg.tables[0].rows
    assert _is_group_row(rows[0], {"index": 0}, ocr=True)
    assert not _is_group_row(rows[0], {"index": 0}, ocr=False)
    assert not _is_group_row(rows[1], {"index": 0}, ocr=True)


def test_a_lone_appendix_that_lost_its_numeral_takes_the_one_the_body_cites():
    seg = plan(Paragraph("I. MỤC TIÊU", bold=True), Paragraph("1. Chi tiết các chỉ tiêu tại Phụ lục I kèm theo."),
               Paragraph("Nơi nhận:"), Paragraph("KT. CHỦ TỊCH"),
               Paragraph("Phụ lục", bold=True), Paragraph("CHỈ TIÊU NĂM 2026", bold=True), ocr=True)
    assert [(a.number, a.section.number) for a in seg.appendices] == [("I", "I")]
    typed = plan(Paragraph("I. MỤC TIÊU", bold=True), Paragraph("1. Chi tiết các chỉ tiêu tại Phụ lục I kèm theo."),
                 Paragraph("Nơi nhận:"), Paragraph("KT. CHỦ TỊCH"),
                 Paragraph("Phụ lục", bold=True), Paragraph("CHỈ TIÊU NĂM 2026", bold=True), ocr=False)
    assert [a.number for a in typed.appendices] == [""]


def test_an_appendix_label_read_after_a_speck_dash_and_with_a_wrong_numeral_is_the_cited_one():
    """'Phụ lục I' read "- Phụ lục 5" (a speck as a dash, the numeral misread), neither bold nor
    centered: the label standing alone still opens the appendix, and the body cites only I."""
    blocks = (Paragraph("I. MỤC TIÊU", bold=True), Paragraph("1. Chi tiết các chỉ tiêu tại Phụ lục I kèm theo."),
              Paragraph("Nơi nhận:"), Paragraph("KT. CHỦ TỊCH"),
              Paragraph("- Phụ lục 5"), Paragraph("CHỈ TIÊU NĂM 2026", bold=True))
    assert [(a.number, a.section.number) for a in plan(*blocks, ocr=True).appendices] == [("I", "I")]
    assert plan(*blocks, ocr=False).appendices == []       # typed: a bullet item, as written


@pytest.mark.parametrize("unread_label", ["ÌỤCDI", "+ -t lục 01"])
def test_an_appendix_whose_label_ocr_could_not_read_opens_at_its_attached_line(unread_label):
    # "ÌỤCDI" or "+ -t lục 01" for "PHỤ LỤC 01": found by the "(Kèm theo …)" line under its
    # title, numbered from the body's citation, the unread label kept out of the signature and
    # of the title
    blocks = [Paragraph("I. MỤC TIÊU", bold=True), Paragraph("Hoàn thành 09 chỉ tiêu (chi tiết tại Phụ lục 01)."),
              Paragraph("Nơi nhận:"), Paragraph("- Lưu: VT."), Paragraph("KT. CHỦ TỊCH"),
              Paragraph("PHÓ CHỦ TỊCH"), Paragraph("Phan Thị Thu Hà"),
              Paragraph(unread_label, bold=True), Paragraph("CHỈ TIÊU CHỦ YẾU NĂM 2026", bold=True),
              Paragraph("(Kèm theo Kế hoạch số 12/KH-UBND ngày 05/3/2026 của UBND xã)"),
              Table([Row([Cell("TT"), Cell("Tên chỉ tiêu"), Cell("Đơn vị tính"), Cell("Chỉ tiêu")]),
                     Row([Cell("1"), Cell("Tỷ lệ hộ có cáp quang"), Cell("%"), Cell("95")])])]
    seg = plan(*blocks, ocr=True)
    assert [(a.number, a.title) for a in seg.appendices] == [("01", "CHỈ TIÊU CHỦ YẾU NĂM 2026")]
    assert [line.text for line in seg.signature][-1] == "Phan Thị Thu Hà"
    assert plan(*blocks, ocr=False).appendices == []          # typed: no label, no appendix


def test_a_dash_after_a_heading_s_last_word_is_a_speck():
    from extract.segment import without_trailing_speck
    assert without_trailing_speck("Về chính quyền số -") == "Về chính quyền số"
    assert without_trailing_speck("Văn hóa - Xã hội") == "Văn hóa - Xã hội"
    assert without_trailing_speck("KINH TẾ SỐ .") == "KINH TẾ SỐ"
    seg = plan(Paragraph("I. MỤC TIÊU -", bold=True), Paragraph("1. Về chính quyền số _", bold=True),
               Paragraph("Hoàn thành các chỉ tiêu."), ocr=True)
    assert [s.heading for s in seg.sections] == ["MỤC TIÊU", "Về chính quyền số"]


def test_a_speck_read_as_a_bullet_before_a_label_or_the_closing_sentence():
    seg = plan(Paragraph("I. MỤC TIÊU", bold=True), Paragraph("- 1. Mục tiêu chung", bold=True),
               Paragraph("Hoàn thành các chỉ tiêu."),
               Paragraph("- Trên đây là Kế hoạch chuyển đổi số năm 2026 của UBND xã./."),
               Paragraph("Nơi nhận:"), Paragraph("- Lưu: VT."), Paragraph("KT. CHỦ TỊCH"), Paragraph("Nguyễn Văn An"),
               ocr=True)
    assert [(s.number, s.heading) for s in seg.sections][:2] == [("I", "MỤC TIÊU"), ("1", "Mục tiêu chung")]
    assert [line.text for line in seg.closing_sentence][0].startswith("Trên đây là")
