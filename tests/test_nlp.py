"""The NLP stage (extract/nlp.py): agency phrases by part of speech, and a held-out check on
agencies the gazetteer lacks, scored with and without NLP through the functions text_items
uses (the honest ablation: the golden plans name only agencies the rules already know)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("underthesea")

from extract.canonical import canonical_agency_name, split_agencies  # noqa: E402
from extract.items.text_items import _agencies_from_field, _lead_in_sentence  # noqa: E402
from extract.nlp import agency_tagger  # noqa: E402

LEVEL = "xa"


@pytest.fixture(scope="module")
def tagger():
    return agency_tagger()


def test_importing_extract_loads_no_nlp_library():
    code = ("import sys, extract.pipeline, extract.cli, extract.nlp; "
            "print(any(m.split('.')[0] in ('underthesea', 'spacy') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("text, agencies", [
    ("Phòng Văn hóa - Xã hội tham mưu giúp UBND xã theo dõi", "Phòng Văn hóa - Xã hội"),
    ("Các doanh nghiệp viễn thông hoàn thành xóa vùng lõm sóng", "Các doanh nghiệp viễn thông"),
    ("Hội Nông dân xã, Hội Liên hiệp Phụ nữ xã vận động hội viên tham gia", "Hội Nông dân xã, Hội Liên hiệp Phụ nữ xã"),
    # a verb-looking word inside a gazetteer name is not where the name ends
    ("Trung tâm Phục vụ hành chính công xã hướng dẫn người dân", "Trung tâm Phục vụ hành chính công xã"),
])
def test_prefix_end_before_the_first_verb(tagger, text, agencies):
    assert text[:tagger.agency_prefix_end(text)] == agencies


@pytest.mark.parametrize("text", [
    "Các doanh nghiệp viễn thông", "Phòng Văn hóa - Xã hội xã", "Viettel Lào Cai; VNPT Lào Cai; trưởng các thôn",
    "Trưởng các thôn, bản; Trạm Y tế xã", "Đoàn Thanh niên xã; Tổ công nghệ số cộng đồng", "",
])
def test_prefix_end_none_without_a_verb(tagger, text):
    assert tagger.agency_prefix_end(text) is None


def test_find_agencies_offsets_and_names(tagger):
    text = "Định kỳ gửi báo cáo về Chi cục Thống kê khu vực XII và Văn phòng HĐND và UBND xã để tổng hợp."
    found = tagger.find_agencies(text, LEVEL)
    assert [text[s:e] for s, e, _ in found] == ["Chi cục Thống kê khu vực XII", "Văn phòng HĐND và UBND xã"]
    assert found[1][2] == "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân"


@pytest.mark.parametrize("text", [
    "Tổ chức hội nghị sơ kết trên Cổng Dịch vụ công quốc gia.",
    "Nâng cấp Trung tâm dữ liệu của tỉnh, bảo đảm năng lực lưu trữ.",
    "Mỗi Tổ hướng dẫn tối thiểu 30 lượt người dân sử dụng dịch vụ công trực tuyến.",
])
def test_find_agencies_ignores_non_agencies(tagger, text):
    assert tagger.find_agencies(text) == []


def test_agencies_ending_at_the_lead_cue(tagger):
    text = "Năm 2026, giao Hợp tác xã Chè Tân Hà và Hội Nông dân xã chủ trì"
    end = text.index(" chủ trì")
    assert text[tagger.agencies_ending_at(text, end):end] == "Hợp tác xã Chè Tân Hà và Hội Nông dân xã"
    assert tagger.agencies_ending_at("Mỗi chỉ tiêu có một cơ quan chủ trì", 30) is None


def test_find_agencies_text_without_letters(tagger):
    assert tagger.find_agencies("") == []
    assert tagger.find_agencies("1.2. -") == []


# ---------------------------------------------------------------- held-out: agencies the gazetteer lacks
# Written for this check, not taken from the corpus. Field values ("Đơn vị chủ trì: …") that
# go on with a verb the rule list does not have, and lead sentences whose lead or partner the
# rules' head list does not know; expected agencies as written.

FIELD_CASES = [
    ("Trung tâm Y tế khu vực Mường Khương cấp mã định danh y tế cho người dân", ["Trung tâm Y tế khu vực Mường Khương"]),
    ("Chi cục Thống kê khu vực XII cung cấp số liệu thống kê kinh tế số", ["Chi cục Thống kê khu vực XII"]),
    ("Phòng Giao dịch Ngân hàng Chính sách xã hội xã giải ngân vốn vay cho hộ kinh doanh",
     ["Phòng Giao dịch Ngân hàng Chính sách xã hội xã"]),
    ("Trung tâm Dịch vụ nông nghiệp xã khảo sát nhu cầu ứng dụng công nghệ của nông hộ",
     ["Trung tâm Dịch vụ nông nghiệp xã"]),
    ("Hội Sinh viên tỉnh phát động cuộc thi sáng tạo trẻ", ["Hội Sinh viên tỉnh"]),
    ("Trường Trung học cơ sở Tân Hà lắp đặt màn hình tương tác cho các lớp học", ["Trường Trung học cơ sở Tân Hà"]),
    ("Đội Quản lý thị trường số 3 giám sát hoạt động kinh doanh trên sàn thương mại điện tử",
     ["Đội Quản lý thị trường số 3"]),
    ("Điện lực Mường Khương duy trì cấp điện ổn định cho các trạm phát sóng", ["Điện lực Mường Khương"]),
    ("Ban Tuyên giáo và Dân vận Đảng ủy biên soạn tài liệu tuyên truyền về chuyển đổi số",
     ["Ban Tuyên giáo và Dân vận Đảng ủy"]),
    ("Bệnh viện Đa khoa khu vực Bắc Quảng Trị áp dụng bệnh án điện tử toàn viện",
     ["Bệnh viện Đa khoa khu vực Bắc Quảng Trị"]),
    ("Các hợp tác xã nông nghiệp đăng ký tham gia sàn thương mại điện tử", ["Các hợp tác xã nông nghiệp"]),
    # the rule list ends the name at "xây dựng" before NLP is asked: a known miss
    ("Ban Quản lý dự án đầu tư xây dựng xã lập hồ sơ đề xuất dự án hạ tầng số",
     ["Ban Quản lý dự án đầu tư xây dựng xã"]),
]

LEAD_CASES = [
    ("Hợp tác xã Chè Tân Hà chủ trì xây dựng gian hàng trên sàn thương mại điện tử", ["Hợp tác xã Chè Tân Hà"]),
    ("Điện lực Quảng Trị chủ trì, phối hợp với Trung tâm Y tế khu vực Mường Khương lắp đặt công tơ điện tử",
     ["Điện lực Quảng Trị", "Trung tâm Y tế khu vực Mường Khương"]),
    ("Tỉnh đoàn chủ trì tổ chức cuộc thi ý tưởng chuyển đổi số", ["Tỉnh đoàn"]),
    ("Viện Khoa học Nông nghiệp chủ trì chuyển giao quy trình canh tác thông minh", ["Viện Khoa học Nông nghiệp"]),
    ("Trong năm 2026, Quỹ Hỗ trợ nông dân chủ trì cho vay vốn phát triển sản xuất", ["Quỹ Hỗ trợ nông dân"]),
    ("Đội Quản lý thị trường số 3 chủ trì, phối hợp với Công an xã kiểm tra hoạt động kinh doanh",
     ["Đội Quản lý thị trường số 3", "Công an xã"]),
    ("Phòng Giao dịch Ngân hàng Chính sách xã hội xã chủ trì, phối hợp với Hội Nông dân xã giải ngân vốn vay",
     ["Phòng Giao dịch Ngân hàng Chính sách xã hội xã", "Hội Nông dân xã"]),
    # "Chi đoàn" is in no head list: a known miss
    ("Chi đoàn thôn Tân Lập chủ trì ra quân hỗ trợ người dân cài đặt ứng dụng", ["Chi đoàn thôn Tân Lập"]),
]


def _field_names(text: str, nlp) -> set[str]:
    return {a.name for a in _agencies_from_field(text, LEVEL, nlp)}


def _lead_names(text: str, nlp) -> set[str]:
    found = _lead_in_sentence(text, LEVEL, nlp)
    return {a.name for a in found.lead + found.partners} if found else set()


def held_out_scores(nlp) -> dict[str, tuple[int, int, int]]:
    """(expected, found, wrong) agency names per family, through text_items' functions."""
    scores = {}
    for family, cases, names in (("field", FIELD_CASES, _field_names), ("lead", LEAD_CASES, _lead_names)):
        expected = found = wrong = 0
        for text, agencies in cases:
            gold = {canonical_agency_name(a, LEVEL) for a in agencies}
            got = names(text, nlp)
            expected += len(gold)
            found += len(gold & got)
            wrong += len(got - gold)
        scores[family] = (expected, found, wrong)
    return scores


def test_held_out_recall_with_and_without_nlp(tagger):
    with_nlp, rules_only = held_out_scores(tagger), held_out_scores(None)
    for family in with_nlp:
        expected, found, wrong = with_nlp[family]
        _, found_rules, wrong_rules = rules_only[family]
        print(f"held-out {family}: NLP {found}/{expected} ({wrong} wrong), rules {found_rules}/{expected} "
              f"({wrong_rules} wrong)")
    found = sum(s[1] for s in with_nlp.values())
    found_rules = sum(s[1] for s in rules_only.values())
    expected = sum(s[0] for s in with_nlp.values())
    assert found / expected >= 0.8
    # rules alone: the head words of rules/agencies.yaml (one list since #13, which lets the lead
    # rule see "Hợp tác xã", "Viện", "Đội" … too: 7 of the 23 held-out names)
    assert found_rules / expected <= 0.35
    assert sum(s[2] for s in with_nlp.values()) < sum(s[2] for s in rules_only.values())


def test_held_out_spans_in_running_text(tagger):
    """find_agencies finds each held-out agency's exact span in its sentence."""
    cases = FIELD_CASES + LEAD_CASES
    spans = expected = 0
    for text, agencies in cases:
        found = {text[s:e] for s, e, _ in tagger.find_agencies(text, LEVEL)}
        expected += len(agencies)
        spans += len(set(agencies) & found)
    print(f"held-out spans: {spans}/{expected}")
    assert spans / expected >= 0.8


def test_split_agencies_of_a_found_name():
    assert [a.name for a in split_agencies("Trung tâm Y tế khu vực Mường Khương", LEVEL)] == \
        ["Trung tâm Y tế khu vực Mường Khương"]
