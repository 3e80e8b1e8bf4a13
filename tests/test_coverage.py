"""Coverage across levels (extract.coverage): linking, pairing, statuses, report, tables,
heat map in a real browser, and the scores against the hand-made coverage goldens."""

import copy
import json

import duckdb
import openpyxl
import pyarrow.parquet as pq
import pytest
from hypothesis import given, strategies as st
from typer.testing import CliRunner

from browser import browser_page
from conftest import GOLDEN, ROOT, extracted
from extract.cli import app
from extract.coverage import (compare_plans, evaluate_coverage, format_report, link_plan,
                              name_key, target_for_lower_level, target_status, write_batch_coverage)
from extract.matching import pair_one_to_one

PROVINCE = "thai-nguyen-tinh-2026"
COMMUNES = ("binh-thanh-xa-2026", "phu-lac-xa-2026", "quyet-thang-phuong-2026", "vo-tranh-xa-2026")


def plan(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.txt.json").read_text(encoding="utf-8"))


def statuses(coverage, kind="indicators") -> dict:
    return {p.higher["id"]: p.status for p in getattr(coverage, kind) if p.higher}


# ------------------------------------------------------------------------ names, targets

def test_names_compare_after_abbreviations_and_place_words():
    assert name_key("Tỷ lệ TTHC cung cấp DVC trực tuyến") == name_key("thủ tục hành chính cung cấp dịch vụ công trực tuyến")
    assert name_key("Tỷ lệ CBCCVC của xã có chữ ký số") == name_key("Tỷ lệ cán bộ, công chức, viên chức có chữ ký số")


@pytest.mark.parametrize("higher, lower, expected", [
    ({"value": 70, "comparator": ">=", "unit": "%"}, {"value": 70, "comparator": "=", "unit": "%"}, "same"),
    ({"value": 70, "comparator": ">=", "unit": "%"}, {"value": 60, "comparator": ">=", "unit": "%"}, "weaker"),
    ({"value": 70, "comparator": ">=", "unit": "%"}, {"value": 75, "comparator": ">=", "unit": "%"}, "stronger"),
    ({"value": 5, "comparator": "<=", "unit": "%"}, {"value": 3, "comparator": "<=", "unit": "%"}, "stronger"),
    ({"value": 5, "comparator": "<", "unit": "%"}, {"value": 8, "comparator": "<", "unit": "%"}, "weaker"),
    ({"value": 100, "comparator": "=", "unit": "%"}, {"value": 18, "comparator": "=", "unit": "Thôn"}, "unit_differs"),
    ({"value": 100, "comparator": "=", "unit": "%"}, None, "no_target"),
])
def test_target_status(higher, lower, expected):
    assert target_status(higher, lower) == expected


def test_which_indicators_are_meant_for_the_level_below():
    scoped = {"targets": [{"value": 80, "scope": "Cấp tỉnh"}, {"value": 70, "scope": "Cấp xã"}], "lead": []}
    assert target_for_lower_level(scoped) == ({"value": 70, "scope": "Cấp xã"}, True)
    by_agency = {"targets": [{"value": 95, "scope": None}], "lead": [],
                 "partners": [{"name": "Ủy ban nhân dân các xã, phường", "text": "UBND các xã, phường"}]}
    assert target_for_lower_level(by_agency)[1] is True
    province_only = {"targets": [{"value": 100, "scope": "Cấp tỉnh"}],
                     "lead": [{"name": "Sở Nội vụ", "text": "Sở Nội vụ"}]}
    assert target_for_lower_level(province_only) == (None, False)


@given(st.lists(st.lists(st.integers(0, 100), min_size=3, max_size=3), min_size=0, max_size=5))
def test_pairing_is_one_to_one_and_above_threshold(matrix):
    pairs = pair_one_to_one(range(len(matrix)), range(3), lambda i, j: matrix[i][j], 50)
    rights = [j for j, _ in pairs.values()]
    assert len(rights) == len(set(rights))
    assert all(score >= 50 and matrix[i][j] == score for i, (j, score) in pairs.items())


# ---------------------------------------------------------------------------- linking

def test_link_by_number_when_both_are_numbered():
    province = plan(PROVINCE)
    numbered = copy.deepcopy(province)
    numbered["document"]["number"] = "131/KH-UBND"
    link = link_plan(plan("phu-lac-xa-2026"), [plan("quang-tri-tinh-2026"), numbered])
    assert (link.higher, link.method, link.confidence) == (1, "number", 1.0)


def test_the_same_number_in_another_province_is_another_plan():
    other = copy.deepcopy(plan("quang-tri-tinh-2026"))
    other["document"]["number"] = "131/KH-UBND"        # Quảng Trị's own plan 131, not Thái Nguyên's
    province = plan(PROVINCE)
    link = link_plan(plan("phu-lac-xa-2026"), [other, province])
    assert link.higher == 1 and link.method == "issuer_date_title"
    anonymous = plan("vo-tranh-xa-2026")                  # cites "131/KH-UBND … của UBND tỉnh"
    anonymous["document"]["issuer"]["province"] = None
    numbered = copy.deepcopy(province)
    numbered["document"]["number"] = "131/KH-UBND"
    assert link_plan(anonymous, [numbered]).method == "number"


def test_link_without_number_by_issuer_date_and_title():
    candidates = [plan("quang-tri-tinh-2026"), plan(PROVINCE), plan("heldout-ca-mau-tinh-2026")]
    link = link_plan(plan("binh-thanh-xa-2026"), candidates)
    assert link.higher == 1 and link.method == "issuer_date_title"
    assert {"issuer", "date"} <= set(link.evidence) and link.confidence >= 0.5
    # cited without any number ("Kế hoạch ngày 30/3/2026 của UBND tỉnh Thái Nguyên"): weaker, still linked
    weak = link_plan(plan("quyet-thang-phuong-2026"), candidates)
    assert weak.higher == 1 and 0.5 <= weak.confidence < link.confidence


def test_no_link_to_another_province_another_year_or_a_numbered_other_plan():
    province = plan(PROVINCE)
    assert link_plan(plan("minh-xuan-phuong-2026"), [province]).higher is None
    other_year = copy.deepcopy(province)
    other_year["document"]["plan_year"] = 2025
    assert link_plan(plan("phu-lac-xa-2026"), [other_year]).higher is None
    other_number = copy.deepcopy(province)
    other_number["document"]["number"] = "99/KH-UBND"   # the commune cites 131/KH-UBND
    other_number["document"]["references"] = []
    assert link_plan(plan("phu-lac-xa-2026"), [other_number]).confidence < 0.5


# --------------------------------------------------------------------------- coverage

def test_commune_with_lower_targets_a_count_and_a_late_task():
    coverage = compare_plans(plan("phu-lac-xa-2026"), plan(PROVINCE))
    found = statuses(coverage)
    assert found["ind-1"] == "same" and found["ind-2"] == "weaker" and found["ind-3"] == "weaker"
    assert found["ind-13"] == "unit_differs" and found["ind-6"] == "missing" and found["ind-8"] == "missing"
    assert "ind-11" not in found            # 5G is not the communes' to do, and they did not adopt it
    tasks = statuses(coverage, "tasks")
    assert tasks["task-4"] == "late" and tasks["task-1"] == "adopted" and tasks["task-3"] == "missing"


def test_ward_with_higher_targets_and_its_own_indicator():
    coverage = compare_plans(plan("quyet-thang-phuong-2026"), plan(PROVINCE))
    found = statuses(coverage)
    assert found["ind-3"] == "stronger" and found["ind-10"] == "stronger" and found["ind-12"] == "missing"
    extra = [p.lower["name"] for p in coverage.indicators if p.status == "extra"]
    assert extra == ["Tỷ lệ hộ kinh doanh trên địa bàn phường sử dụng thanh toán không dùng tiền mặt"]


def test_commune_against_a_province_plan_written_another_way():
    """Held-out style: targets for communes stated in the text under "Đối với UBND các xã,
    phường", other names, the province's number blank and its title in other words."""
    province = extracted(ROOT / "tests" / "fixtures" / "coverage" / "thai-nguyen-tinh-variant.txt").model_dump(mode="json")
    commune = plan("binh-thanh-xa-2026")
    link = link_plan(commune, [plan("quang-tri-tinh-2026"), province])
    assert link.higher == 1 and {"issuer", "date"} <= set(link.evidence)
    coverage = compare_plans(commune, province, link)
    by_name = {p.higher["name"]: (p.status, (p.lower or {}).get("id")) for p in coverage.indicators if p.higher}
    assert by_name["Tỷ lệ CBCCVC cấp xã có trang thiết bị và chữ ký số cá nhân để giải quyết công việc trên môi "
                   "trường điện tử"] == ("same", "ind-1")
    assert by_name["Tỷ lệ văn bản, hồ sơ công việc cấp xã được xử lý toàn trình trên môi trường điện tử"] == \
        ("weaker", "ind-3")
    assert by_name["Tỷ lệ CBCCVC cấp xã chuyên trách công nghệ thông tin, chuyển đổi số được bồi dưỡng về quản trị "
                   "dữ liệu"] == ("weaker", "ind-11")
    assert by_name["Tỷ lệ thôn, tổ dân phố có Tổ công nghệ số cộng đồng"] == ("missing", None)
    assigned = {p.higher["name"] for p in coverage.indicators if p.higher and p.assigned}
    assert "Tỷ lệ hồ sơ công việc tại các sở, ban, ngành được xử lý trên môi trường điện tử" not in assigned


def test_report_is_readable():
    coverage = compare_plans(plan("vo-tranh-xa-2026"), plan(PROVINCE))
    text = format_report(coverage)
    assert "Cam kết thấp hơn tỉnh" in text and "Chưa cụ thể hóa" in text and "≥95% → 90%" in text


def test_scores_on_the_coverage_goldens():
    scores = evaluate_coverage(GOLDEN / "coverage", extracted, root=ROOT, formats=("txt",))["txt"].as_dict()
    assert scores["link_accuracy"] == 1.0 and scores["links"] >= 10
    assert scores["precision"] >= 0.98 and scores["recall"] >= 0.98


def test_scoring_sees_a_wrong_status(tmp_path):
    gold = json.loads((GOLDEN / "coverage" / "phu-lac-xa-2026.json").read_text(encoding="utf-8"))
    gold["indicators"][1]["status"] = "same"   # it is "weaker"
    (tmp_path / "case.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    scores = evaluate_coverage(tmp_path, extracted, root=ROOT, formats=("txt",))["txt"]
    assert scores.fp == 1 and scores.fn == 1


# ------------------------------------------------------------------ command line, batch

def test_compare_command_prints_a_report_and_json():
    runner = CliRunner()
    lower, higher = str(GOLDEN / "phu-lac-xa-2026.txt.json"), str(GOLDEN / f"{PROVINCE}.txt.json")
    result = runner.invoke(app, ["compare", lower, higher])
    assert result.exit_code == 0 and "Cam kết thấp hơn tỉnh" in result.output
    result = runner.invoke(app, ["compare", lower, higher, "--json"])
    data = json.loads(result.output)
    assert data["link"]["method"] == "issuer_date_title" and data["counts"]["indicators"]["weaker"] == 3
    result = runner.invoke(app, ["compare", str(ROOT / "corpus" / "phu-lac-xa-2026.txt"), higher])
    assert result.exit_code == 0 and "Khác đơn vị tính" in result.output


def test_compare_says_when_the_plans_are_swapped_or_not_linked():
    runner = CliRunner()
    commune, province = str(GOLDEN / "phu-lac-xa-2026.txt.json"), str(GOLDEN / f"{PROVINCE}.txt.json")
    swapped = runner.invoke(app, ["compare", province, commune])
    assert swapped.exit_code == 1 and "đảo thứ tự" in swapped.output
    other_province = runner.invoke(app, ["compare", commune, str(GOLDEN / "bac-ninh-tinh-2026.txt.json")])
    assert other_province.exit_code == 1 and "không xác định được" in other_province.output.lower()


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch")
    (out / "docs").mkdir()
    for name in (PROVINCE, *COMMUNES, "minh-xuan-phuong-2026"):
        (out / "docs" / f"{name}.txt.json").write_text((GOLDEN / f"{name}.txt.json").read_text(encoding="utf-8"),
                                                       encoding="utf-8")
    return out, write_batch_coverage(out)


def test_batch_writes_coverage_tables(batch_out):
    out, result = batch_out
    assert result["linked"] == 4 and len(result["unlinked"]) == 1 and "Minh Xuân" in result["unlinked"][0]
    table = pq.read_table(out / "coverage" / "coverage_indicators.parquet").to_pandas()
    assert set(table["lower_locality"]) == {"Bình Thành", "Phú Lạc", "Quyết Thắng", "Vô Tranh"}
    assigned = table[table["assigned"]]
    assert len(assigned) == 4 * 10                  # every commune x every indicator assigned to communes
    connection = duckdb.connect(str(out / "coverage" / "coverage.duckdb"), read_only=True)
    missing = connection.execute("SELECT count(*) FROM coverage_indicators WHERE status = 'missing'").fetchone()[0]
    connection.close()
    assert missing == (assigned["status"] == "missing").sum() > 0
    workbook = openpyxl.load_workbook(out / "coverage" / "coverage.xlsx", read_only=True)
    rows = list(workbook["Chỉ tiêu"].iter_rows(values_only=True))
    assert len(rows) == 5 and len(rows[0]) == 12 and rows[0][2].startswith("1. Tỷ lệ cán bộ")
    assert rows[0][:2] == ("Địa phương", "Tệp") and all(row[1] for row in rows[1:])   # which file each row is
    vo_tranh = next(r for r in rows if r[0] == "Ủy ban nhân dân xã Vô Tranh")
    assert vo_tranh.count("Chưa cụ thể hóa") == 7 and "Cam kết thấp hơn tỉnh" in vo_tranh
    assert len(list(workbook["Nhiệm vụ"].iter_rows(values_only=True))) == 5
    styled = openpyxl.load_workbook(out / "coverage" / "coverage.xlsx")["Chỉ tiêu"]
    assert styled.auto_filter.ref == "A1:L5"
    missing_cell = next(c for c in styled[5][2:] if c.value == "Chưa cụ thể hóa")
    assert missing_cell.fill.fgColor.rgb.lower().endswith("c62828")
    assert (out / "coverage" / "coverage_tasks.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_heat_map_renders_in_a_browser(batch_out):
    out, _ = batch_out
    page_file = next((out / "coverage").glob("heatmap-*.html"))
    with browser_page() as page:
        page.goto(page_file.as_uri())
        assert page.locator("#heatmap tbody tr").count() == 4
        assert page.locator("#heatmap thead th.col").count() == 10
        assert page.locator("#heatmap tbody tr").first.locator("th").inner_text() == "Ủy ban nhân dân xã Bình Thành"
        missing = page.locator('#heatmap td[data-status="missing"]').first
        assert missing.is_visible()
        colour = missing.evaluate("cell => getComputedStyle(cell).backgroundColor")
        assert colour == "rgb(198, 40, 40)"
        weaker = page.locator('#heatmap td[data-status="weaker"]')
        assert weaker.count() >= 4 and "Cam kết thấp hơn tỉnh" in weaker.first.get_attribute("title")
        legend = page.locator("#legend").inner_text()
        assert "Chưa cụ thể hóa" in legend and "Cam kết cao hơn tỉnh" in legend
        assert page.locator("#columns li").count() == 10
        box = page.locator("#heatmap").bounding_box()
        assert box["width"] <= 1280      # readable without scrolling sideways


def test_batch_command_with_compare_to(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("phu-lac-xa-2026", "vo-tranh-xa-2026"):
        (inputs / f"{name}.txt").write_bytes((ROOT / "corpus" / f"{name}.txt").read_bytes())
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(inputs), "-o", str(out), "--workers", "1", "--no-nlp",
                                      "--compare-to", str(ROOT / "corpus" / f"{PROVINCE}.docx")])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out / "coverage" / "coverage_indicators.parquet").to_pandas()
    assert set(table["lower_locality"]) == {"Phú Lạc", "Vô Tranh"}
    assert (out / "coverage" / f"heatmap-{PROVINCE}.docx.html").exists()
