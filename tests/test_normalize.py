import unicodedata

from hypothesis import given, strategies as st

from extract.normalize import fix_known_typos, fix_tone_marks, normalize_text, normalize_with_map, normalize_document
from extract.structures import Cell, Paragraph, RawDocument, Row, Table


def test_tone_marks_move_to_first_vowel_of_open_syllables():
    assert fix_tone_marks("Văn hoá – Xã hội") == "Văn hóa – Xã hội"
    assert fix_tone_marks("khoẻ mạnh, Uỷ ban, UỶ BAN, thuỷ lợi, Hoà Bình") == "khỏe mạnh, Ủy ban, ỦY BAN, thủy lợi, Hòa Bình"


def test_tone_marks_left_alone_where_already_standard_or_closed():
    for word in ("quý", "Quý", "QUÝ", "hoàn", "thuyền", "ngoài", "khuya", "hóa", "hoạch", "toàn"):
        assert fix_tone_marks(word) == word


def test_normalize_text_cleans_markup_dashes_and_spaces():
    assert normalize_text("  **Phòng**\u00a0Văn hoá – Xã hội\u200b ") == "Phòng Văn hóa - Xã hội"
    assert normalize_text("<b>TT</b>") == "TT"
    assert normalize_text("Ho\u0300a") == "Hòa"  # NFC


def test_control_characters_never_reach_names_or_quotes():
    # DEL, C0 and C1 controls come from pasted or damaged Word text; the text around them stays
    assert normalize_text("Phòng\x7f Văn\x00hóa\x85 - Xã\x1f hội\x9b") == "Phòng Vănhóa - Xã hội"
    cleaned, origin = normalize_with_map("a\x7fb")
    assert cleaned == "ab" and origin == [0, 2]


def test_known_typos_fixed_as_whole_words():
    assert fix_known_typos("BCD về phát triển") == "BCĐ về phát triển"
    assert fix_known_typos("ABCDE") == "ABCDE"


# (idempotence, length and NFC of fix_tone_marks: tests/test_canonical_agencies.py)


@given(st.text(max_size=60))
def test_map_points_back_into_the_source(text):
    text = unicodedata.normalize("NFC", text)
    cleaned, origin = normalize_with_map(text)
    assert len(origin) == len(cleaned)
    assert origin == sorted(origin)
    assert all(0 <= i < len(text) for i in origin)


def test_document_offsets_index_the_document_text():
    raw = RawDocument("txt", [
        Paragraph("KẾ  HOẠCH"), Paragraph(""),
        Table([Row([Cell("TT"), Cell("Chỉ tiêu"), Cell("Đơn vị")]),
               Row([Cell("1"), Cell("Tỷ lệ hồ sơ\ntrực tuyến"), Cell("%")])]),
        Paragraph("Phòng Văn hoá – Xã hội\nCông an xã"),
    ])
    doc = normalize_document(raw)
    assert [l.text for l in doc.lines] == ["KẾ HOẠCH", "TT\tChỉ tiêu\tĐơn vị", "1\tTỷ lệ hồ sơ trực tuyến\t%",
                                           "Phòng Văn hóa - Xã hội", "Công an xã"]
    for line in doc.lines:
        assert doc.text[line.start:line.end] == line.text
        for cell in line.cells or []:
            assert doc.text[cell.start:cell.end] == cell.text


def test_the_icelandic_eth_is_read_as_vietnamese_d_with_stroke():
    """OCR engines and converted fonts give 'Ð' for 'Đ': a symbol or name would otherwise
    never match ("05-CTr/ÐU")."""
    assert normalize_text("Chương trình số 05-CTr/ÐU của Ðảng ủy, ðơn vị") == "Chương trình số 05-CTr/ĐU của Đảng ủy, đơn vị"
    cleaned, origin = normalize_with_map("số 05-CTr/ÐU")
    assert cleaned == "số 05-CTr/ĐU" and len(origin) == len(cleaned)
