"""extract.items.metadata on its own: the header, title, date and signature of small plans
written in other provinces' words."""

from items_inputs import segmented
from extract.items.metadata import _commonest_spelling, _wrapped_motto_lines, extract_metadata, sentence_case, title_case

PARTY_COMMITTEE = """ĐẢNG ỦY XÃ NA HỐI
BAN CHỈ ĐẠO
*
Số: 07-KH/BCĐ
ĐẢNG CỘNG SẢN VIỆT NAM
Na Hối, ngày 14 tháng 3 năm 2026

**KẾ HOẠCH**

**Triển khai chuyển đổi số trên địa bàn xã Na Hối năm 2026**

Thực hiện Kế hoạch số 115/KH-UBND ngày 20/02/2026 của UBND tỉnh Lào Cai; Ban Chỉ đạo xã ban hành Kế hoạch như sau:

I. MỤC ĐÍCH

Nơi nhận:
- BCĐ tỉnh (b/c);
- Các thành viên BCĐ (để t/h);
- Lưu: VP.

T/M BAN CHỈ ĐẠO
TRƯỞNG BAN

BÍ THƯ ĐẢNG ỦY
Vàng A Sử
"""

TOWN_DRAFT = """ỦY BAN NHÂN DÂN
THỊ TRẤN PHONG THỔ
Số:      /KH-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Phong Thổ, ngày    tháng 4 năm 2026

**KẾ HOẠCH**

**Cải cách hành chính năm 2026**

I. MỤC ĐÍCH

Trên đây là Kế hoạch cải cách hành chính năm 2026 của UBND thị trấn Phong Thổ tỉnh Lai Châu./.

KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Lò Văn Pâng
"""


def test_number_symbol_and_a_party_committee_issuer():
    meta = extract_metadata(segmented(PARTY_COMMITTEE)[0])
    assert (meta.doc_type, meta.number, meta.serial, meta.symbol) == ("ke_hoach", "07-KH/BCĐ", "07", "KH/BCĐ")
    assert (meta.issuer.kind, meta.issuer.level, meta.issuer.locality) == ("ban_chi_dao", "xa", "Na Hối")
    assert meta.issuer.province == "Lào Cai"       # named in the text, not in the header


def test_date_place_title_and_plan_year():
    meta = extract_metadata(segmented(PARTY_COMMITTEE)[0])
    assert meta.place == "Na Hối"
    assert (meta.date.iso, meta.date.text) == ("2026-03-14", "ngày 14 tháng 3 năm 2026")
    assert meta.title == "Triển khai chuyển đổi số trên địa bàn xã Na Hối năm 2026"
    assert meta.plan_year == 2026


def test_signer_in_sentence_case_and_recipients_without_filing_notes():
    meta = extract_metadata(segmented(PARTY_COMMITTEE)[0])
    assert (meta.signer.capacity, meta.signer.title, meta.signer.name) == (
        "T/M BAN CHỈ ĐẠO", "Bí thư Đảng ủy", "Vàng A Sử")
    assert meta.recipients == ["BCĐ tỉnh", "Các thành viên BCĐ"]     # "(b/c)" and "Lưu: VP" dropped


def test_a_draft_keeps_the_parts_of_the_date_it_has():
    meta = extract_metadata(segmented(TOWN_DRAFT)[0])
    assert meta.number is None and meta.symbol == "KH-UBND"       # the serial is left blank
    assert (meta.date.day, meta.date.month, meta.date.year, meta.date.iso) == (None, 4, 2026, None)


def test_a_town_is_a_commune_level_issuer():
    # "thị trấn" is one level word of rules/agencies.yaml; the contract has no town level
    issuer = extract_metadata(segmented(TOWN_DRAFT)[0]).issuer
    assert (issuer.kind, issuer.level, issuer.locality) == ("ubnd", "xa", "Phong Thổ")
    assert issuer.name == "Ủy ban nhân dân thị trấn Phong Thổ"     # named as written, not "xã"
    assert extract_metadata(segmented(TOWN_DRAFT)[0]).signer.title == "Phó Chủ tịch"


def test_case_helpers():
    assert sentence_case("PHÓ CHỦ TỊCH UBND PHƯỜNG") == "Phó Chủ tịch UBND phường"
    assert title_case("ĐIỆN BIÊN PHỦ") == "Điện Biên Phủ"


SCANNED_CLOSING = TOWN_DRAFT.replace("ỦY BAN NHÂN DÂN\nTHỊ TRẤN", "ỦY BAN NHÂN DẦN\nTHỊ TRẤN").replace(
    "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nLò Văn Pâng", "TM. ỦY BAN NHÂN DÂN KT: CHỦ TỊCH\nPHÓ CHỦ TỊCH .\n\nLò Văn Pâng -")


def test_a_scan_misreads_in_the_header_and_signature():
    # the issuer head compared without diacritics; two capacities read as one line: the last
    # signs; specks after the name and title dropped
    assert SCANNED_CLOSING != TOWN_DRAFT
    meta = extract_metadata(segmented(SCANNED_CLOSING)[0])
    assert (meta.issuer.kind, meta.issuer.name) == ("ubnd", "Ủy ban nhân dân thị trấn Phong Thổ")
    assert (meta.signer.capacity, meta.signer.title, meta.signer.name) == ("KT. CHỦ TỊCH", "Phó Chủ tịch", "Lò Văn Pâng")
    merged = SCANNED_CLOSING.replace("KT: CHỦ TỊCH\nPHÓ CHỦ TỊCH .", "KT. CHỦ TỊCH -PHÓ CHỦ TỊCH")
    signer = extract_metadata(segmented(merged)[0]).signer
    assert (signer.capacity, signer.title) == ("KT. CHỦ TỊCH", "Phó Chủ tịch")     # two lines read as one


def test_a_speck_before_the_title_is_not_part_of_it():
    meta = extract_metadata(segmented(TOWN_DRAFT.replace("**Cải cách hành chính", "**- Cải cách hành chính"))[0])
    assert meta.title == "Cải cách hành chính năm 2026"


def test_a_scan_s_speck_before_the_type_line():
    scanned = TOWN_DRAFT.replace("**KẾ HOẠCH**", "- KẾ HOẠCH")
    meta = extract_metadata(segmented(scanned, ocr=True)[0])
    assert (meta.doc_type, meta.title) == ("ke_hoach", "Cải cách hành chính năm 2026")


def test_a_motto_wrapped_in_two_lines_is_no_part_of_the_issuer():
    # a narrow column (or OCR) wraps the motto, and the issuer's second line was lost
    header = TOWN_DRAFT.replace("THỊ TRẤN PHONG THỔ\n", "").replace(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA\nVIỆT NAM")
    issuer = extract_metadata(segmented(header)[0]).issuer
    assert (issuer.level, issuer.locality) == ("xa", "Phong Thổ")       # from the place line and the closing
    assert "nghĩa" not in issuer.name.lower() and "việt nam" not in issuer.name.lower()
    # compared without diacritics (a scan's "NGHIÃ"); "VIỆT NAM" of an issuer's own name stays
    assert _wrapped_motto_lines(["ỦY BAN NHÂN DÂN", "CỘNG HOÀ XÃ HỘI CHỦ NGHIÃ", "VIỆT NAM"]) == {1, 2}
    assert _wrapped_motto_lines(["ỦY BAN MTTQ", "VIỆT NAM", "XÃ NA HỐI"]) == set()



def test_an_ocr_locality_takes_the_spelling_the_document_writes_most():
    text = ("Chiếng Mai, ngày 24 tháng 3 năm 2026. Xã Chiềng Mai triển khai; UBND xã Chiềng Mai giao; "
            "XÃ CHIẾNG MAI")
    assert _commonest_spelling(text, "Chiếng Mai") == "Chiềng Mai"
    assert _commonest_spelling("Quyết Thắng và Quyết Tháng", "QUYẾT THẮNG") is None     # a tie decides nothing
