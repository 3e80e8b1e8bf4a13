"""extract.items.appendix_tables on its own: appendix tables read into indicators and tasks, whatever
the columns are called."""

from items_inputs import quoted, segmented
from extract.items.appendix_tables import extract_table_items, map_columns

PLAN = """UBND TỈNH GIA LAI
Số: 88/KH-UBND
Gia Lai, ngày 03 tháng 4 năm 2026

**KẾ HOẠCH**

**Phát triển hạ tầng số tỉnh Gia Lai năm 2026**

I. MỤC TIÊU

Nơi nhận:
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH

Rơ Mah Tuấn

**Phụ lục 01**

**DANH MỤC NHIỆM VỤ**

| TT | Nội dung nhiệm vụ | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian hoàn thành | Sản phẩm |
|---|---|---|---|---|---|
| I | Hạ tầng | | | | |
| 1 | Nâng cấp mạng truyền số liệu chuyên dùng | Sở Khoa học và Công nghệ | VNPT Gia Lai | Quý III/2026 | Mạng được nâng cấp |
| 2 | Xây dựng kho dữ liệu dùng chung | Sở Tài chính | | 30/11/2026 | Kho dữ liệu |

**Phụ lục 02**

**CHỈ TIÊU**

| STT | Tên chỉ tiêu | ĐVT | Kết quả năm 2025 | Chỉ tiêu năm 2026 |
|---|---|---|---|---|
| 1 | Tỷ lệ hồ sơ thủ tục hành chính xử lý trực tuyến toàn trình | % | 62 | ≥80 |
| 2 | Số điểm phục vụ hành chính công một cấp | điểm | 40 | 135 |
| | Cấp tỉnh | điểm | | 1 |
| | Cấp xã | điểm | | 134 |
| 3 | Tỷ lệ hộ thanh toán không dùng tiền mặt | % | | |
| | Hộ sản xuất nông nghiệp quy mô hàng hóa | % | | ≥ 40 |
"""


def _items():
    seg, prov = segmented(PLAN)
    return seg, extract_table_items(seg.tables, prov, plan_year=2026, level="tinh")


def test_columns_are_found_by_their_many_names():
    kind, columns = map_columns(["TT", "Nội dung công việc", "Chủ trì", "Phối hợp", "Thời hạn"], 2026)
    assert kind == "task" and columns == {"index": 0, "task": 1, "lead": 2, "partners": 3, "deadline": 4}
    assert map_columns(["Họ và tên", "Chức vụ"], 2026) == (None, {})


def test_a_past_year_column_is_a_result_not_the_target():
    kind, columns = map_columns(["STT", "Tên chỉ tiêu", "ĐVT", "Thực hiện năm 2025", "Chỉ tiêu năm 2026"], 2026)
    assert kind == "indicator" and columns["target"] == 4


def test_task_rows_with_lead_partners_deadline_output_and_appendix():
    seg, items = _items()
    first, second = items.tasks
    assert first.name == "Nâng cấp mạng truyền số liệu chuyên dùng"
    assert [a.name for a in first.lead] == ["Sở Khoa học và Công nghệ"]
    assert [a.text for a in first.partners] == ["VNPT Gia Lai"]
    assert (first.deadline.kind, first.deadline.end) == ("quarter", "2026-09-30")
    assert first.output == "Mạng được nâng cấp"
    assert first.appendix == "Phụ lục 1" and first.group == "Hạ tầng"
    assert (second.deadline.kind, second.deadline.end, second.partners) == ("date", "2026-11-30", [])
    assert all(quoted(seg, s) == s.quote for t in items.tasks for s in t.sources)


def test_indicator_rows_with_scoped_sub_rows():
    _, items = _items()
    share, count, cashless = items.indicators
    assert [(t.value, t.comparator, t.unit) for t in share.targets] == [(80, ">=", "%")]   # not 62 of 2025
    assert [(t.value, t.unit, t.scope) for t in count.targets] == [
        (135, "điểm", None), (1, "điểm", "Cấp tỉnh"), (134, "điểm", "Cấp xã")]
    assert [(t.value, t.scope) for t in cashless.targets] == [(40, "Hộ sản xuất nông nghiệp quy mô hàng hóa")]
    assert count.appendix == "Phụ lục 2"
