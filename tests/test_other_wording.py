"""Other provinces' wording: the Bắc Ninh corpus plan (text export, DOCX, PDF) and small
variants written here, each asserting the value a reader expects."""

from __future__ import annotations

import pytest

from conftest import CORPUS, extracted
from extract.items.appendix_tables import map_columns
from extract.pipeline import extract_path

PLAN = "bac-ninh-tinh-2026"
FORMATS = ["txt", "docx", "pdf"]


@pytest.fixture(scope="module", params=FORMATS)
def plan(request):
    return extracted(CORPUS / f"{PLAN}.{request.param}")


def _refs(document):
    return {r.number or r.text: r for r in document.document.references}


# ---- 10: an issuer header of only "ỦY BAN NHÂN DÂN"

def test_issuer_without_its_second_line_takes_level_and_locality_from_the_place_and_title(plan):
    issuer = plan.document.issuer
    assert (issuer.name, issuer.kind, issuer.level, issuer.locality, issuer.province) == (
        "Ủy ban nhân dân tỉnh Bắc Ninh", "ubnd", "tinh", "Bắc Ninh", "Bắc Ninh")
    assert plan.document.place == "Bắc Ninh"


# ---- 11: references

def test_references_listed_under_a_basis_heading_are_basis(plan):
    refs = _refs(plan)
    for number in ("57-NQ/TW", "71/NQ-CP", "749/QĐ-TTg", "12-CTr/TU"):
        assert refs[number].role == "basis", number


def test_action_programme_head_and_issuer_without_the_verb_after_it(plan):
    programme = _refs(plan)["12-CTr/TU"]
    assert programme.type == "chuong_trinh"
    assert programme.text.startswith("Chương trình hành động số 12-CTr/TU")
    assert programme.issuer == "Tỉnh ủy Bắc Ninh"


def test_law_cited_by_name_keeps_its_date_and_twice_is_one_reference(plan):
    laws = [r for r in plan.document.references if r.type == "luat"]
    assert len(laws) == 1
    assert laws[0].text.startswith("Luật Chuyển đổi số") and laws[0].date == "2025-06-14"
    assert laws[0].role == "basis" and len(laws[0].sources) == 2


def test_damaged_number_and_date_are_repaired(plan):
    assert "71/NQ-CP" in _refs(plan)
    assert plan.document.date.iso == "2026-01-19"


# ---- 12: horizons in cited titles, past results

def test_a_cited_documents_horizon_is_not_a_task(plan):
    assert not [t for t in plan.tasks if "749/QĐ-TTg" in t.name or "định hướng" in t.name]


def test_past_results_are_results_not_indicators(plan):
    assert [r.text for r in plan.results] == [
        "Kết quả: đã hoàn thành 23/34 mục tiêu của Kế hoạch năm 2025",
        "Tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến toàn trình đạt 65%",
        "100% cơ quan nhà nước cấp tỉnh sử dụng hệ thống quản lý văn bản và điều hành",
    ]
    assert plan.results[1].values[0].value == 65
    values = {t.value for i in plan.indicators for t in i.targets}
    assert 65 not in values and 18 not in values       # nor last year's column of the table


# ---- 13: target column, type line, title in capitals, year in capitals

def test_target_column_chi_tieu_cu_the_next_to_last_years_results(plan):
    targets = {i.name: (i.targets[0].comparator, i.targets[0].value) for i in plan.indicators}
    assert targets["Tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến toàn trình"] == (">", 80)
    assert targets["Số doanh nghiệp công nghệ số"] == ("=", 1000)
    assert len(plan.indicators) == 6


def test_action_plan_type_line_and_title_in_capitals(plan):
    meta = plan.document
    assert meta.doc_type == "ke_hoach"
    assert meta.title == "THỰC HIỆN CHUYỂN ĐỔI SỐ, PHÁT TRIỂN KINH TẾ SỐ VÀ XÃ HỘI SỐ TỈNH BẮC NINH NĂM 2026"
    assert meta.plan_year == 2026


@pytest.mark.parametrize("header,target", [
    (["TT", "Nội dung chỉ tiêu", "ĐVT", "Chỉ tiêu cụ thể", "Cơ quan chủ trì"], 3),
    (["TT", "Chỉ tiêu", "ĐVT", "Chỉ tiêu giao", "Chủ trì"], 3),
    (["TT", "Tên chỉ tiêu", "Đơn vị tính", "Kết quả năm 2025", "Kế hoạch năm", "Chủ trì"], 4),
    (["STT", "Chỉ tiêu", "Đơn vị tính", "Mục tiêu đến năm 2030"], 3),
    (["STT", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch năm 2026"], 3),
])
def test_target_column_headers(header, target):
    kind, mapping = map_columns(header, 2026)
    assert kind == "indicator" and mapping["target"] == target


TITLE_ONLY = """UBND XÃ TÂN LẬP
Số: 09/KH-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Tân Lập, ngày 05 tháng 02 năm 2026
CHUYỂN ĐỔI SỐ XÃ TÂN LẬP NĂM 2026
I. MỤC TIÊU
- Tỷ lệ hồ sơ trực tuyến đạt 90%.
"""


def test_title_in_capitals_without_a_type_line(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(TITLE_ONLY, encoding="utf-8")
    meta = extract_path(path).document
    assert meta.title == "CHUYỂN ĐỔI SỐ XÃ TÂN LẬP NĂM 2026"
    assert meta.plan_year == 2026
    assert (meta.issuer.level, meta.issuer.locality) == ("xa", "Tân Lập")


# ---- 14: what a reviewer checks first

def test_indicator_without_a_lead_is_a_problem(plan):
    problems = [p for p in plan.problems if p.code == "lead_missing"]
    assert [p.message for p in problems] == ["indicator without a lead agency: 'Số doanh nghiệp công nghệ số'"]


def test_every_table_item_names_its_appendix(plan):
    assert {i.appendix for i in plan.indicators} == {"Phụ lục I"}
    assert [t.appendix for t in plan.tasks] == ["Phụ lục II"] * 3 + [None, None]
    # text tasks have a group instead, so none is reported as coming from nowhere
    assert not [p for p in plan.problems if p.code == "group_missing"]


def test_numbered_and_dated_plan_is_not_a_draft(plan):
    assert not [p for p in plan.problems if p.code == "draft_unnumbered"]


DRAFT = """UBND XÃ TÂN LẬP
Số:    /KH-UBND
Tân Lập, ngày    tháng 02 năm 2026
KẾ HOẠCH
Chuyển đổi số năm 2026
I. NHIỆM VỤ
- Rà soát hạ tầng mạng, hoàn thành trong Quý II/2026.
"""


def test_plan_without_number_or_day_is_a_draft(tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(DRAFT, encoding="utf-8")
    document = extract_path(path)
    codes = [p.code for p in document.problems]
    assert "draft_unnumbered" in codes
    assert "number and no date" in next(p.message for p in document.problems if p.code == "draft_unnumbered")
    # a text task under a Roman part only: no group, no appendix
    assert "group_missing" in codes


LOWER_CASE_BASIS = """UBND TỈNH HÀ NAM
Số: 12/KH-UBND
Hà Nam, ngày 05 tháng 02 năm 2026
KẾ HOẠCH
Chuyển đổi số năm 2026
Thực hiện Kế hoạch số 01/KH-BCĐ ngày 02/01/2026 của Ban Chỉ đạo tỉnh; căn cứ Quyết định số 20/QĐ-UBND ngày 03/01/2026 của Ủy ban nhân dân tỉnh Triển khai nhiệm vụ năm 2026, Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:
I. MỤC TIÊU
- Tỷ lệ hồ sơ trực tuyến đạt 90%.
"""


def test_lower_case_basis_inside_a_paragraph_and_issuer_before_a_capitalised_verb(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(LOWER_CASE_BASIS, encoding="utf-8")
    refs = _refs(extract_path(path))
    assert refs["01/KH-BCĐ"].role == "implements"
    assert refs["20/QĐ-UBND"].role == "basis"
    assert refs["20/QĐ-UBND"].issuer == "Ủy ban nhân dân tỉnh"


ISSUING_SENTENCE = """ỦY BAN NHÂN DÂN
Số: 30/KH-UBND
Hà Nam, ngày 10 tháng 3 năm 2026
KẾ HOẠCH
Chuyển đổi số năm 2026
Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị;
Ủy ban nhân dân tỉnh ban hành Kế hoạch chuyển đổi số năm 2026 như sau:
I. KẾT QUẢ NĂM 2025
- Tỷ lệ hồ sơ trực tuyến đạt 70%.
II. MỤC TIÊU
- Tỷ lệ hồ sơ trực tuyến đạt 90%.
"""


def test_level_from_the_issuing_sentence_and_results_under_a_results_heading(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(ISSUING_SENTENCE, encoding="utf-8")
    document = extract_path(path)
    issuer = document.document.issuer
    assert (issuer.name, issuer.level, issuer.locality) == ("Ủy ban nhân dân tỉnh Hà Nam", "tinh", "Hà Nam")
    assert [(i.name, i.targets[0].value) for i in document.indicators] == [("Tỷ lệ hồ sơ trực tuyến", 90)]
    assert [r.values[0].value for r in document.results] == [70]
