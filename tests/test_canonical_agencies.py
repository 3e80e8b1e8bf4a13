"""Agency names (contract: Agency) and the tone-mark clean-up of names."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from extract.canonical import canonical_agency_name, fix_tone_marks, split_agencies


# ------------------------------------------------------------------------ tone marks

@pytest.mark.parametrize("text, fixed", [
    ("hoá", "hóa"), ("Hoà Bình", "Hòa Bình"), ("khoẻ", "khỏe"), ("thuỷ lợi", "thủy lợi"), ("Uỷ ban", "Ủy ban"),
    ("UỶ BAN", "ỦY BAN"), ("tuỳ", "tùy"), ("Khánh Hoà", "Khánh Hòa"),
    ("quý", "quý"), ("Quý II", "Quý II"), ("hoàn", "hoàn"), ("thuyền", "thuyền"), ("ngoài", "ngoài"),
    ("hóa", "hóa"), ("khuya", "khuya"), ("hoạch", "hoạch"),
])
def test_fix_tone_marks(text, fixed):
    assert fix_tone_marks(text) == fixed


VIETNAMESE = "aáàảãạoóòỏõọeéèẻẽẹuúùủũụyýỳỷỹỵqhktngđ ÁOÓUỦYỶQHKƯơ-,."


# Text whose NFC form has no combining mark left over (a second tone on one vowel is damage,
# not Vietnamese; see test_stacked_tone_marks_stay_nfc).
COMPOSED_TEXT = st.text(max_size=40).map(lambda t: unicodedata.normalize("NFC", t)).filter(
    lambda t: not any(unicodedata.combining(c) for c in t))


@settings(max_examples=200)
@given(st.one_of(st.text(alphabet=VIETNAMESE, max_size=40), COMPOSED_TEXT))
def test_fix_tone_marks_is_idempotent_length_preserving_and_nfc(text):
    text = unicodedata.normalize("NFC", text)
    fixed = fix_tone_marks(text)
    assert len(fixed) == len(text)
    assert fix_tone_marks(fixed) == fixed
    assert unicodedata.is_normalized("NFC", fixed)


@pytest.mark.parametrize("text", ["oa\u0301\u0323", "Uy\u0300\u0300"])
def test_stacked_tone_marks_stay_nfc(text):
    assert unicodedata.is_normalized("NFC", fix_tone_marks(unicodedata.normalize("NFC", text)))


# ---------------------------------------------------------------------- single names

@pytest.mark.parametrize("text, level, name", [
    ("Phòng Văn hoá – Xã hội xã", "xa", "Phòng Văn hóa - Xã hội"),
    ("Phòng Văn hóa - Xã hội xã", "xa", "Phòng Văn hóa - Xã hội"),
    ("Phòng Văn hoá-Xã hội", "xa", "Phòng Văn hóa - Xã hội"),
    ("phòng Văn hóa - Xã hội phường", "phuong", "Phòng Văn hóa - Xã hội"),
    ("Trung tâm Phục vụ hành chính công phường", "phuong", "Trung tâm Phục vụ hành chính công"),
    ("Trung tâm Phục vụ hành chính công xã", "tinh", "Trung tâm Phục vụ hành chính công xã"),
    ("Phòng Kinh tế, Hạ tầng và Đô thị phường", "phuong", "Phòng Kinh tế, Hạ tầng và Đô thị"),
    ("Phòng Kinh tế - Hạ tầng và Đô thị", "phuong", "Phòng Kinh tế, Hạ tầng và Đô thị"),
    ("So Khoa hoc va Cong nghe", "xa", "Sở Khoa học và Công nghệ"),
    ("Sở Khoa hoc và Công nghê", "xa", "Sở Khoa học và Công nghệ"),
    ("Sở KH&CN", "xa", "Sở Khoa học và Công nghệ"),
    ("Sở KHCN tỉnh", "xa", "Sở Khoa học và Công nghệ"),
    ("Sở Khoa học & Công nghệ", None, "Sở Khoa học và Công nghệ"),
    ("Sở Khoa học và Công nghệ (B/c)", "xa", "Sở Khoa học và Công nghệ"),
    ("Sở Văn hoá, Thể thao và Du lịch tỉnh Tuyên Quang", "xa", "Sở Văn hóa, Thể thao và Du lịch tỉnh Tuyên Quang"),
    ("Uỷ ban nhân dân xã", "xa", "Ủy ban nhân dân xã"),
    ("UBND tỉnh", "xa", "Ủy ban nhân dân tỉnh"),
    ("UBND xã Bình Thành", "xa", "Ủy ban nhân dân xã Bình Thành"),
    ("UBND XÃ VŨ DƯƠNG", None, "Ủy ban nhân dân xã Vũ Dương"),
    ("UBND", "phuong", "Ủy ban nhân dân phường"),
    ("HĐND xã", "xa", "Hội đồng nhân dân xã"),
    ("Đảng ủy", "xa", "Đảng ủy xã"),
    ("Công an", "xa", "Công an xã"),
    ("Công an", None, "Công an"),
    ("Công an phường", "phuong", "Công an phường"),
    ("Công an tỉnh", "xa", "Công an tỉnh"),
    ("Ban Chỉ huy Quân sự xã", "xa", "Ban Chỉ huy Quân sự xã"),
    ("Văn phòng UBND tỉnh", "xa", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("Thanh tra tỉnh", "tinh", "Thanh tra tỉnh"),
    ("VP HĐND-UBND", "xa", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân"),
    ("Văn phòng HĐND và UBND xã", "xa", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân"),
    ("Ủy ban MTTQ VN xã", "xa", "Ủy ban Mặt trận Tổ quốc Việt Nam xã"),
    ("Ủy ban MTTQ", "xa", "Ủy ban Mặt trận Tổ quốc Việt Nam xã"),
    ("UBMTTQ phường", "phuong", "Ủy ban Mặt trận Tổ quốc Việt Nam phường"),
    ("Đề nghị Ủy ban Mặt trận Tổ quốc", "phuong", "Ủy ban Mặt trận Tổ quốc Việt Nam phường"),
    ("Hội LHPN xã", "xa", "Hội Liên hiệp Phụ nữ"),
    ("Đoàn Thanh niên xã", "xa", "Đoàn Thanh niên"),
    ("Viettel tỉnh", "xa", "Viettel"),
    ("BCD về phát triển KH,CN, ĐMST, CDS, CCHC & ĐA06 tỉnh", "phuong",
     "Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo, chuyển đổi số, cải cách hành chính "
     "và Đề án 06 tỉnh"),
    ("Ban chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyên đổi số phường", "phuong",
     "Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số phường"),
    ("Tổ công nghệ số cộng đồng", "phuong", "Tổ công nghệ số cộng đồng"),
    ("Trung tâm Dịch vụ công phường", "phuong", "Trung tâm Dịch vụ công"),
    # collective agencies: kept as written, capital first letter, agency abbreviations expanded
    ("các cơ quan, đơn vị có hồ sơ TTHC", "xa", "Các cơ quan, đơn vị có hồ sơ TTHC"),
    ("Các doanh nghiệp viễn thông", "xa", "Các doanh nghiệp viễn thông"),
    ("các đoàn thể xã", "xa", "Các đoàn thể"),          # the level word repeats the issuer's
    ("Các sở, ban, ngành tỉnh", "tinh", "Các sở, ban, ngành"),
    ("Các cơ quan, đơn vị trên địa bàn xã", "xa", "Các cơ quan, đơn vị trên địa bàn xã"),  # says where
    ("Các sở, ban, ngành cấp tỉnh", "tinh", "Các sở, ban, ngành cấp tỉnh"),
    ("Các cơ quan, đơn vị thuộc UBND xã", "xa", "Các cơ quan, đơn vị thuộc Ủy ban nhân dân xã"),
])
def test_canonical_agency_name(text, level, name):
    assert canonical_agency_name(text, level) == name


@pytest.mark.parametrize("text, level, name", [
    ("Đề nghị Ủy ban MTTQ, các đoàn thể xã", "xa", "Ủy ban Mặt trận Tổ quốc Việt Nam xã, các đoàn thể"),
    ("Đề nghị Ủy ban Mặt trận Tổ quốc và các tổ chức, chính trị - xã hội phường", "phuong",
     "Ủy ban Mặt trận Tổ quốc Việt Nam phường và các tổ chức, chính trị - xã hội"),
    ("Ủy ban nhân dân phường (qua Phòng Văn hóa - Xã hội phường, Cơ quan thường trực Ban Chỉ đạo)", "phuong",
     "Ủy ban nhân dân phường"),
])
def test_canonical_name_of_a_group(text, level, name):
    assert canonical_agency_name(text, level) == name


def test_no_false_fuzzy_merges():
    # near neighbours in the gazetteer stay apart; an unclear typo stays as written
    assert canonical_agency_name("Sở Nội vụ") == "Sở Nội vụ"
    assert canonical_agency_name("Sở Ngoại vụ") == "Sở Ngoại vụ"
    assert canonical_agency_name("Sở Ngoi vụ") == "Sở Ngoi vụ"
    assert canonical_agency_name("Phòng Kinh tế") == "Phòng Kinh tế"
    assert canonical_agency_name("Phòng Văn hóa - Thông tin") == "Phòng Văn hóa - Thông tin"
    assert canonical_agency_name("Tổ công tác 07") == "Tổ công tác 07"


@pytest.mark.parametrize("text", [
    "Phòng Văn hoá – Xã hội xã", "UBND tỉnh Thái Nguyên", "Công an xã", "Ủy ban MTTQ VN xã", "Sở KH&CN",
    "VP HĐND-UBND", "các cơ quan, đơn vị có hồ sơ TTHC", "Trung tâm Phục vụ hành chính công phường",
])
def test_canonical_name_is_a_fixed_point(text):
    name = canonical_agency_name(text, "xa")
    assert canonical_agency_name(name, "xa") == name


def test_known_name_costs_microseconds():
    canonical_agency_name("Phòng Văn hoá – Xã hội xã", "xa")
    started = time.perf_counter()
    for _ in range(10000):
        canonical_agency_name("Phòng Văn hoá – Xã hội xã", "xa")
    assert (time.perf_counter() - started) / 10000 < 20e-6


# ------------------------------------------------------------------------- splitting

def split(text: str, level: str | None = "xa") -> list[tuple[str, str]]:
    return [(a.name, a.text) for a in split_agencies(text, level)]


@pytest.mark.parametrize("text, expected", [
    ("Trung tâm Phục vụ hành chính công; các cơ quan, đơn vị có hồ sơ TTHC",
     [("Trung tâm Phục vụ hành chính công", "Trung tâm Phục vụ hành chính công"),
      ("Các cơ quan, đơn vị có hồ sơ TTHC", "các cơ quan, đơn vị có hồ sơ TTHC")]),
    ("Các sở, ngành: Tư pháp, Công an, Nội vụ",
     [("Sở Tư pháp", "Tư pháp"), ("Công an tỉnh", "Công an"), ("Sở Nội vụ", "Nội vụ")]),
    ("Các phòng: Kinh tế, Văn hóa - Xã hội",
     [("Phòng Kinh tế", "Kinh tế"), ("Phòng Văn hóa - Xã hội", "Văn hóa - Xã hội")]),
    ("Sở Tư pháp, Nội vụ và Tài chính",
     [("Sở Tư pháp", "Sở Tư pháp"), ("Sở Nội vụ", "Nội vụ"), ("Sở Tài chính", "Tài chính")]),
    ("Sở Y tế, Giáo dục và Đào tạo",
     [("Sở Y tế", "Sở Y tế"), ("Sở Giáo dục và Đào tạo", "Giáo dục và Đào tạo")]),
    ("Sở Khoa học và Công nghệ", [("Sở Khoa học và Công nghệ", "Sở Khoa học và Công nghệ")]),
    ("Văn phòng HĐND và UBND xã",
     [("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân", "Văn phòng HĐND và UBND xã")]),
    ("Phòng Kinh tế, Hạ tầng và Đô thị", [("Phòng Kinh tế, Hạ tầng và Đô thị", "Phòng Kinh tế, Hạ tầng và Đô thị")]),
    ("các cơ quan, đơn vị", [("Các cơ quan, đơn vị", "các cơ quan, đơn vị")]),
    ("Các cơ quan, ban, ngành, đoàn thể xã", [("Các cơ quan, ban, ngành, đoàn thể", "Các cơ quan, ban, ngành, đoàn thể xã")]),
    ("Phòng Văn hóa – Xã hội; các cơ quan, đơn vị.",
     [("Phòng Văn hóa - Xã hội", "Phòng Văn hóa – Xã hội"), ("Các cơ quan, đơn vị", "các cơ quan, đơn vị")]),
    ("Ủy ban MTTQ, các đoàn thể xã",
     [("Ủy ban Mặt trận Tổ quốc Việt Nam xã", "Ủy ban MTTQ"), ("Các đoàn thể", "các đoàn thể xã")]),
    ("Phòng Văn hóa - Xã hội phường, Công an phường và các đơn vị liên quan",
     [("Phòng Văn hóa - Xã hội", "Phòng Văn hóa - Xã hội phường"), ("Công an phường", "Công an phường"),
      ("Các đơn vị liên quan", "các đơn vị liên quan")]),
    ("Phòng Văn hóa - Xã hội, Văn phòng HĐND và UBND xã",
     [("Phòng Văn hóa - Xã hội", "Phòng Văn hóa - Xã hội"),
      ("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân", "Văn phòng HĐND và UBND xã")]),
    ("Ban Chỉ huy Quân sự và Công an xã",
     [("Ban Chỉ huy Quân sự xã", "Ban Chỉ huy Quân sự"), ("Công an xã", "Công an xã")]),
    ("- Sở Khoa học và Công nghệ (B/c);\n- Phòng Văn hoá – Xã hội (chủ trì)",
     [("Sở Khoa học và Công nghệ", "Sở Khoa học và Công nghệ (B/c)"),
      ("Phòng Văn hóa - Xã hội", "Phòng Văn hoá – Xã hội (chủ trì)")]),
    # a name wrapped across lines in a cell is one agency
    ("Trung tâm Phục vụ hành chính\ncông", [("Trung tâm Phục vụ hành chính công", "Trung tâm Phục vụ hành chính công")]),
    ("Các cơ quan, đơn vị có\nhồ sơ TTHC", [("Các cơ quan, đơn vị có hồ sơ TTHC", "Các cơ quan, đơn vị có hồ sơ TTHC")]),
    ("Phòng Văn hóa - Xã hội\nCông an xã", [("Phòng Văn hóa - Xã hội", "Phòng Văn hóa - Xã hội"), ("Công an xã", "Công an xã")]),
    ("Các doanh nghiệp viễn thông; Viettel, VNPT",
     [("Các doanh nghiệp viễn thông", "Các doanh nghiệp viễn thông"), ("Viettel", "Viettel"), ("VNPT", "VNPT")]),
    ("Phòng Văn hóa - Xã hội; Phòng Văn hoá-Xã hội xã", [("Phòng Văn hóa - Xã hội", "Phòng Văn hóa - Xã hội")]),
    # no cut inside parentheses
    ("Ủy ban nhân dân phường (qua Phòng Văn hóa - Xã hội phường; Cơ quan thường trực); Công an phường",
     [("Ủy ban nhân dân phường", "Ủy ban nhân dân phường (qua Phòng Văn hóa - Xã hội phường; Cơ quan thường trực)"),
      ("Công an phường", "Công an phường")]),
    # village heads are partners of their own ("Trưởng bản", "Trưởng thôn")
    ("Đoàn Thanh niên xã, Trưởng bản các bản",
     [("Đoàn Thanh niên", "Đoàn Thanh niên xã"), ("Trưởng bản các bản", "Trưởng bản các bản")]),
    ("", []), (" - ; ", []), ("(B/c)", []),
])
def test_split_agencies(text, expected):
    assert split(text) == expected


@settings(max_examples=200)
@given(st.text(max_size=80), st.sampled_from([None, "xa", "phuong", "tinh", "trung_uong"]))
def test_agency_functions_never_raise(text, level):
    canonical_agency_name(text, level)
    for agency in split_agencies(text, level):
        assert agency.name and agency.text


def test_a_scan_s_doubled_letter_and_colon_between_agencies():
    # "UBMTTTQ": one stroke read twice; "A: B" where a semicolon was read as a colon
    assert [a.name for a in split_agencies("UBMTTTQ phường", "phuong")] == ["Ủy ban Mặt trận Tổ quốc Việt Nam phường"]
    assert [a.name for a in split_agencies("Ủy ban MITQ Việt Nam xã", "xa")] == ["Ủy ban Mặt trận Tổ quốc Việt Nam xã"]
    assert [a.name for a in split_agencies("Văn phòng HĐND và UBNDxã -", "xa")] == [
        "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân"]                 # run together, a speck after
    assert [a.name for a in split_agencies("Tổ trưởng các tổ dân phố: Đoàn Thanh niên", "phuong")] == [
        "Tổ trưởng các tổ dân phố", "Đoàn Thanh niên"]
