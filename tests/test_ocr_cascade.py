"""One OCR misread must not cost a whole structure: a heading label garbled around its numeral,
a Roman part whose label (and first word) was lost, a decimal label run together, a letter label
read as a digit — each read back where its sibling sequence confirms it (extract.segment
`_resilient_label`), on OCR'd documents only; the same text typed stays as typed. And an OCR'd
sub-label ("2.1. …") is never the wrapped end of its parent heading's line (extract.load.pdf)."""

from __future__ import annotations

from extract.items.text_items import _is_implementation
from extract.load.pdf import opens_sub_label
from extract.normalize import normalize_document
from extract.segment import segment
from extract.structures import Paragraph, RawDocument


def plan(*blocks, ocr=True):
    return segment(normalize_document(RawDocument("pdf", [
        Paragraph("Số: 12/KH-UBND"), Paragraph("Hà Tĩnh, ngày 05 tháng 3 năm 2026"),
        Paragraph("KẾ HOẠCH", bold=True), Paragraph("Chuyển đổi số năm 2026", bold=True),
        Paragraph("Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị;"),
        *blocks,
    ], ocr=ocr)))


def tree(seg):
    return [(s.level, s.number, s.heading) for s in seg.sections if s.kind == "body"]


BODY = [
    Paragraph("I. QUAN ĐIỂM", bold=True),
    Paragraph("1. Quán triệt phương châm hành động năm 2026."),
    Paragraph("_H. MỤC TIÊU", bold=True),                         # a speck, two strokes run together
    Paragraph("1. Mục tiêu chung", bold=True),
    Paragraph("- Tổ chức triển khai quyết liệt các mục tiêu."),
    Paragraph("_2.Mục tiêu cụ thể", bold=True),                   # a speck, the space after the point lost
    Paragraph(". 8) Về chính quyền số"),                          # "a)" read as "8)"
    Paragraph("- 100% hồ sơ công việc xử lý trên môi trường điện tử."),
    Paragraph("b) Về dịch vụ công trực tuyến"),
    Paragraph("TH, NHIỆM VỤ, GIẢI PHÁP", bold=True),              # "III." read as "TH,"
    Paragraph("1. Về công tác lãnh đạo, chỉ đạo"),
    Paragraph("1.1. Các chi bộ đưa nội dung chuyển đổi số vào sinh hoạt chuyên đề."),
    Paragraph("12. Ủy ban Kiểm tra Đảng ủy đưa Nghị quyết vào chương trình kiểm tra."),   # "1.2."
    Paragraph("IV. KINH PHÍ THỰC HIỆN", bold=True),
    Paragraph("1. Ngân sách nhà nước."), Paragraph("2. Nguồn xã hội hóa."),
    Paragraph("CHỨC THỰC HIỆN", bold=True),                       # "V. TỔ" lost
    Paragraph("1. Sở Khoa học và Công nghệ", bold=True),
    Paragraph("_- 2, Phòng Văn hóa - Xã hội", bold=True),          # a speck, a bullet, a comma
    Paragraph("- Chủ trì tham mưu UBND xã tổ chức triển khai."),
    Paragraph("3. Công an xã", bold=True),
    Paragraph("Trên đây là Kế hoạch chuyển đổi số."),
]


def test_labels_one_misread_garbled_are_read_back_from_their_sequence():
    sections = tree(plan(*BODY))
    assert sections == [
        (1, "I", "QUAN ĐIỂM"), (2, "1", "Quán triệt phương châm hành động năm 2026"),
        (1, "II", "MỤC TIÊU"), (2, "1", "Mục tiêu chung"), (2, "2", "Mục tiêu cụ thể"),
        (3, "a", "Về chính quyền số"), (3, "b", "Về dịch vụ công trực tuyến"),
        (1, "III", "NHIỆM VỤ, GIẢI PHÁP"), (2, "1", "Về công tác lãnh đạo, chỉ đạo"),
        (3, "1.1", "Các chi bộ đưa nội dung chuyển đổi số vào sinh hoạt chuyên đề"),
        (3, "1.2", "Ủy ban Kiểm tra Đảng ủy đưa Nghị quyết vào chương trình kiểm tra"),
        (1, "IV", "KINH PHÍ THỰC HIỆN"), (2, "1", "Ngân sách nhà nước"), (2, "2", "Nguồn xã hội hóa"),
        (1, "V", "CHỨC THỰC HIỆN"), (2, "1", "Sở Khoa học và Công nghệ"),
        (2, "2", "Phòng Văn hóa - Xã hội"), (2, "3", "Công an xã"),
    ]


def test_typed_labels_stay_as_typed():
    sections = tree(plan(*BODY, ocr=False))
    headings = [heading for _level, _number, heading in sections]
    assert "_2.Mục tiêu cụ thể" in headings and "TH, NHIỆM VỤ, GIẢI PHÁP" in headings
    assert not any(number in ("II", "III", "V", "a", "1.2") for _level, number, _heading in sections)


def test_a_garbled_label_the_sequence_does_not_confirm_stays_text():
    sections = tree(plan(
        Paragraph("I. MỤC TIÊU", bold=True),
        Paragraph("1. Mục tiêu chung", bold=True),
        Paragraph("_5.Nội dung khác", bold=True),                 # neither "4." before nor "6." after
        Paragraph("CÁC CHỈ TIÊU CHỦ YẾU", bold=True),              # no "1." count restarts after it
        Paragraph("2. Mục tiêu cụ thể", bold=True),
    ))
    assert not any(number == "5" for _level, number, _heading in sections)
    assert not any(level == 1 and heading == "CÁC CHỈ TIÊU CHỦ YẾU" for level, _number, heading in sections)


def test_part_one_whose_numeral_was_read_as_a_digit_loses_it_from_its_heading():
    sections = tree(plan(
        Paragraph("1. MỤC ĐÍCH, YÊU CẦU", bold=True), Paragraph("1. Mục đích", bold=True),
        Paragraph("II. NỘI DUNG", bold=True), Paragraph("1. Phát triển hạ tầng số.")))
    assert sections[:2] == [(1, "I", "MỤC ĐÍCH, YÊU CẦU"), (2, "1", "Mục đích")]


def test_an_implementation_heading_that_lost_its_first_word():
    assert _is_implementation("CHỨC THỰC HIỆN", ocr=True)
    assert not _is_implementation("CHỨC THỰC HIỆN", ocr=False)
    assert not _is_implementation("THỰC HIỆN", ocr=True)           # too short a tail
    assert not _is_implementation("KINH PHÍ THỰC HIỆN", ocr=True)


def test_a_sub_label_opens_a_new_line_under_its_parent():
    assert opens_sub_label("2. Về chuyển đổi số trong cơ quan Đảng, chính quyền", "2.1. Vận hành thông suốt")
    assert opens_sub_label("2.1. Vận hành thông suốt hệ thống", "2.2. Số hóa hồ sơ đảng viên")
    assert not opens_sub_label("3. Về khoa học, công nghệ", "2.1. Vận hành thông suốt")
    assert not opens_sub_label("ngân sách năm", "2026. Các cơ quan")


def test_an_arabic_label_with_a_digit_read_as_a_letter_is_read_back_from_its_sequence():
    sections = tree(plan(
        Paragraph("I. QUAN ĐIỂM", bold=True), Paragraph("1. Quán triệt phương châm."),
        Paragraph("II. MỤC TIÊU", bold=True),
        Paragraph("I. Mục tiêu chung", bold=True),                 # "1." read as a Roman one
        Paragraph("- Tổ chức triển khai."),
        Paragraph("2. Mục tiêu cụ thể", bold=True),
        Paragraph("III. NHIỆM VỤ", bold=True),
        Paragraph("l. Phát triển hạ tầng số", bold=True),          # "1." read as a small L
        Paragraph("2. Phát triển dữ liệu số", bold=True),
        Paragraph("9. Sở Tài chính", bold=True), Paragraph("1O. Sở Nội vụ", bold=True),   # "10."
        Paragraph("Trên đây là Kế hoạch chuyển đổi số."),
    ))
    assert sections[2:] == [
        (1, "II", "MỤC TIÊU"), (2, "1", "Mục tiêu chung"), (2, "2", "Mục tiêu cụ thể"),
        (1, "III", "NHIỆM VỤ"), (2, "1", "Phát triển hạ tầng số"), (2, "2", "Phát triển dữ liệu số"),
        (2, "9", "Sở Tài chính"), (2, "10", "Sở Nội vụ"),
    ]


def test_a_letter_for_a_digit_the_sequence_does_not_confirm_stays():
    sections = tree(plan(
        Paragraph("I. Mục đích", bold=True),                       # part I itself, no part open
        Paragraph("1. Quán triệt phương châm.", bold=True),
        Paragraph("II. NHIỆM VỤ", bold=True),
        Paragraph("I. Mục tiêu chung", bold=True),                 # no "2." after it
        Paragraph("III. TỔ CHỨC THỰC HIỆN", bold=True),
    ))
    assert sections[0] == (1, "I", "Mục đích")
    assert not any(number == "1" and heading == "Mục tiêu chung" for _level, number, heading in sections)


def test_a_group_heading_opener_read_with_another_tone_is_read_back():
    from extract.load.ocr_lexicon import word_list
    if not word_list():
        return                                                     # no word list: nothing changes
    sections = tree(plan(
        Paragraph("I. MỤC TIÊU", bold=True), Paragraph("1. Mục tiêu cụ thể", bold=True),
        Paragraph("a) Vê chuyển đổi số"), Paragraph("- 100% hồ sơ công việc xử lý trên môi trường mạng."),
        Paragraph("b) VẾ KINH TẾ SỐ"), Paragraph("- Kinh tế số chiếm 20% GRDP."),
        Paragraph("c) Vệ sinh môi trường"), Paragraph("- Thu gom rác thải."),
    ))
    assert [heading for _level, _number, heading in sections[2:]] == [
        "Về chuyển đổi số", "VỀ KINH TẾ SỐ", "Vệ sinh môi trường"]
    typed = tree(plan(Paragraph("I. MỤC TIÊU", bold=True), Paragraph("a) Vê chuyển đổi số"), ocr=False))
    assert typed[1][2] == "Vê chuyển đổi số"


def test_a_syllable_split_in_two_is_joined_when_the_word_list_says_so():
    from extract.load.ocr import repair_line
    from extract.load.ocr_lexicon import word_list
    if not word_list():
        return

    def read(text):
        words = [{"text": part, "conf": 80.0, "x0": 10 * i, "x1": 10 * i + 8, "top": 0, "bottom": 10}
                 for i, part in enumerate(text.split())]
        repair_line(words)
        return " ".join(word["text"] for word in words)

    assert read("QUAN ĐI ẾM") == "QUAN ĐIỂM"
    assert read("lĩnh vực trọng đi ếm") == "lĩnh vực trọng điểm"
    assert read("cho trẻ đi ăn cơm") == "cho trẻ đi ăn cơm"


GROUPS = [
    Paragraph("I. MỤC TIÊU", bold=True), Paragraph("1. Mục tiêu cụ thể", bold=True),
    Paragraph("c) Về chuyển đổi số"),
    Paragraph("(1) Chuyển đổi số các cơ quan"), Paragraph("- 100% hồ sơ công việc xử lý trên môi trường mạng."),
    Paragraph("(2) Kinh tế số"), Paragraph("100% TTHC đủ điều kiện được cung cấp DVC trực tuyến."),
    Paragraph("Xã hội số"),                                       # "(3)" lost whole
    Paragraph("- Tỷ lệ người dân hài lòng đạt tối thiểu 95%;"), Paragraph("- Triển khai chữ ký số."),
]


def test_a_group_heading_whose_label_was_lost_whole_takes_its_siblings_next_number():
    sections = tree(plan(*GROUPS, Paragraph("d) Về khoa học, công nghệ")))
    assert sections[3:] == [(4, "(1)", "Chuyển đổi số các cơ quan"), (4, "(2)", "Kinh tế số"),
                            (4, "(3)", "Xã hội số"), (3, "d", "Về khoa học, công nghệ")]
    assert not any(heading == "Xã hội số" for _l, _n, heading in tree(plan(*GROUPS, ocr=False)))


def test_a_short_line_the_sequence_does_not_want_stays_content():
    taken = tree(plan(*GROUPS, Paragraph("(3) Xã hội số"), Paragraph("- Phủ sóng 5G.")))
    assert [number for _level, number, _heading in taken].count("(3)") == 1
    no_list = tree(plan(*GROUPS[:-2], Paragraph("Tỷ lệ người dân hài lòng đạt tối thiểu 95%;")))
    assert not any(heading == "Xã hội số" for _l, _n, heading in no_list)


def test_a_container_heading_with_its_marks_misread_stays_out_of_the_group_path():
    from extract.items.text_items import _is_container
    assert _is_container("Mục tiêu cự thế", ocr=True)
    assert not _is_container("Mục tiêu cự thế", ocr=False)
    assert _is_container("Mục tiêu cụ thể", ocr=False)
    assert not _is_container("Về chuyển đổi số", ocr=True)


def test_a_decimal_label_with_its_points_misread_is_read_back_where_the_outline_confirms_it():
    blocks = [
        Paragraph("I. MỤC TIÊU", bold=True),
        Paragraph("2. Mục tiêu cụ thể", bold=True),
        Paragraph("2.1. Về khoa học, công nghệ"),
        Paragraph("- Tối thiểu 90% nhiệm vụ cập nhật tiến độ."),
        Paragraph("2.2, Về chuyển đổi số của xã"),             # the last point read as a comma
        Paragraph("2:2.1. Về hạ tầng số"),                     # the first point read as a colon
        Paragraph("- Phủ sóng 4G cho 100% bản."),
        Paragraph("2.2.2. Về dữ liệu số"),
        Paragraph("7:3, Về một nội dung khác"),                # nothing around it confirms "7.3"
    ]
    found = tree(plan(*blocks))
    assert (3, "2.2", "Về chuyển đổi số của xã") in found
    assert (4, "2.2.1", "Về hạ tầng số") in found
    assert not any(number == "7.3" for _level, number, _heading in found)
    assert not any(number == "2.2" for _level, number, _heading in tree(plan(*blocks, ocr=False)))
