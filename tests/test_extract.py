"""Extractors on small plans written in other words than the corpus."""


import pytest

from extract.pipeline import extract_path

PLAN = """UBND TỈNH HÀ TĨNH
Số: 45/KH-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Tĩnh, ngày 07 tháng 02 năm 2026

**KẾ HOẠCH**

**Chuyển đổi số tỉnh Hà Tĩnh năm 2026**

Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, công nghệ;

Căn cứ Quyết định số 1131/QĐ-TTg ngày 12 tháng 6 năm 2025 của Thủ tướng Chính phủ; Nghị quyết số 193/2025/QH15 ngày 19/02/2025 của Quốc hội;

Thực hiện Chương trình số 01 - CTr/BCĐTW ngày 15/01/2026 của Ban Chỉ đạo Trung ương, UBND tỉnh ban hành Kế hoạch như sau:

I. MỤC TIÊU

1. Chỉ tiêu năm 2026

- Phấn đấu 95% hồ sơ công việc cấp tỉnh được xử lý trên môi trường mạng.

- Tỷ lệ dân số trưởng thành có chữ ký số đạt tối thiểu 50%; tỷ lệ hộ gia đình có cáp quang trên 85%.

- Ít nhất 02 trung tâm dữ liệu được đưa vào vận hành.

- Tỷ lệ văn bản ký số đạt 90% tại cấp tỉnh, 80% tại cấp xã.

+ Cơ quan chủ trì: Sở Khoa học và Công nghệ.

+ Thời hạn hoàn thành: Quý IV/2026.

- Triển khai chữ ký số miễn phí cho người dân trên ứng dụng VNeID.

II. NHIỆM VỤ

1. Hoàn thiện thể chế

Ban hành Quy chế quản lý dữ liệu của tỉnh. Sở Tư pháp chủ trì, phối hợp với Sở Nội vụ thực hiện, hoàn thành trước ngày 30/6/2026.

III. TỔ CHỨC THỰC HIỆN

1. Sở Khoa học và Công nghệ

Tổng hợp, báo cáo UBND tỉnh trước ngày 20 hằng tháng; báo cáo năm trước ngày 15/12 hằng năm.

2. Đề nghị Ủy ban MTTQ Việt Nam tỉnh

Tuyên truyền, vận động Nhân dân tham gia.

Trên đây là Kế hoạch chuyển đổi số năm 2026; Kế hoạch này thay thế Kế hoạch số 12/KH-UBND ngày 05/01/2025 của UBND tỉnh./.

Nơi nhận:
- Bộ Khoa học và Công nghệ (b/c);
- TT Tỉnh ủy, TT HĐND tỉnh;
- Lưu: VT, KGVX.

TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Nguyễn Hồng Lĩnh
"""


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "ha-tinh.txt"
    path.write_text(PLAN, encoding="utf-8")
    return extract_path(path)


def test_metadata(doc):
    meta = doc.document
    assert (meta.doc_type, meta.number, meta.serial, meta.symbol) == ("ke_hoach", "45/KH-UBND", "45", "KH-UBND")
    assert meta.issuer.name == "Ủy ban nhân dân tỉnh Hà Tĩnh"
    assert (meta.issuer.kind, meta.issuer.level, meta.issuer.locality, meta.issuer.province) == (
        "ubnd", "tinh", "Hà Tĩnh", "Hà Tĩnh")
    assert meta.date.iso == "2026-02-07" and meta.place == "Hà Tĩnh"
    assert meta.title == "Chuyển đổi số tỉnh Hà Tĩnh năm 2026" and meta.plan_year == 2026
    assert (meta.signer.name, meta.signer.title, meta.signer.capacity) == ("Nguyễn Hồng Lĩnh", "Phó Chủ tịch", "KT. CHỦ TỊCH")
    assert meta.recipients == ["Bộ Khoa học và Công nghệ", "TT Tỉnh ủy, TT HĐND tỉnh"]


def test_references_once_per_number_with_roles(doc):
    refs = {r.number: r for r in doc.document.references}
    assert refs["57-NQ/TW"].role == "basis" and refs["57-NQ/TW"].date == "2024-12-22"
    assert refs["1131/QĐ-TTg"].date == "2025-06-12" and refs["1131/QĐ-TTg"].issuer == "Thủ tướng Chính phủ"
    assert refs["193/2025/QH15"].role == "basis" and refs["193/2025/QH15"].type == "nghi_quyet"
    assert refs["01-CTr/BCĐTW"].role == "implements"
    assert refs["12/KH-UBND"].role == "replaces"
    assert "45/KH-UBND" not in refs  # the document's own number


def test_indicators_in_the_text(doc):
    got = {i.name: [(t.value, t.comparator, t.unit, t.scope) for t in i.targets] for i in doc.indicators}
    assert got["Tỷ lệ hồ sơ công việc cấp tỉnh được xử lý trên môi trường mạng"] == [(95, "=", "%", None)]
    assert got["Tỷ lệ dân số trưởng thành có chữ ký số"] == [(50, ">=", "%", None)]
    assert got["Tỷ lệ hộ gia đình có cáp quang"] == [(85, ">", "%", None)]
    assert got["Tỷ lệ văn bản ký số"] == [(90, ">=", "%", "Cấp tỉnh"), (80, ">=", "%", "Cấp xã")]
    assert any(v == [(2, ">=", "trung tâm", None)] for v in got.values())
    assert not any("VNeID" in name for name in got)  # no number: not an indicator


def test_inline_block_attaches_to_the_items_it_closes(doc):
    closed = [i for i in doc.indicators if i.lead]
    assert len(closed) == 5
    assert all(i.lead[0].name == "Sở Khoa học và Công nghệ" and i.deadline.kind == "quarter" for i in closed)


def test_task_in_the_text(doc):
    [task] = doc.tasks
    assert task.name == "Ban hành Quy chế quản lý dữ liệu của tỉnh"
    assert [a.name for a in task.lead] == ["Sở Tư pháp"] and [a.name for a in task.partners] == ["Sở Nội vụ"]
    assert task.deadline.end == "2026-06-30"


def test_assignments_with_recurring_deadlines(doc):
    first, second = doc.assignments
    assert first.agency.name == "Sở Khoa học và Công nghệ"
    assert [(d.kind, d.recurrence.freq, d.recurrence.day, d.recurrence.month) for d in first.deadlines] == [
        ("recurring", "monthly", 20, None), ("recurring", "yearly", 15, 12)]
    assert second.agency.name == "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"


def test_sections_and_provenance(doc):
    headings = [(s.level, s.number, s.heading) for s in doc.sections if s.kind == "body"]
    assert headings[:3] == [(1, "I", "MỤC TIÊU"), (2, "1", "Chỉ tiêu năm 2026"), (1, "II", "NHIỆM VỤ")]


NUMBERED_LIST_PLAN = """ỦY BAN NHÂN DÂN XÃ AN PHÚ
Số: 12/KH-UBND
An Phú, ngày 10 tháng 02 năm 2026
KẾ HOẠCH
Chuyển đổi số năm 2026
I. MỤC ĐÍCH, YÊU CẦU
Triển khai hiệu quả Nghị quyết số 57-NQ/TW.
II. CHỈ TIÊU
1. 100% hồ sơ được xử lý trực tuyến.
2. Tỷ lệ người dân sử dụng dịch vụ công trực tuyến đạt trên 80%.
3. Phấn đấu 95% cán bộ, công chức sử dụng chữ ký số.
4. Tối thiểu 3 thôn triển khai mô hình thôn thông minh.
III. NHIỆM VỤ
1. Văn phòng HĐND và UBND xã chủ trì, phối hợp Công an xã rà soát dữ liệu dân cư, hoàn thành trong Quý II/2026.
2. Chuyển đổi số trong y tế
a) Trạm Y tế xã chủ trì triển khai hồ sơ sức khỏe điện tử cho 100% người dân.
"""


def test_a_numbered_list_of_targets_and_duties_is_read_as_items_not_empty_sections(tmp_path):
    path = tmp_path / "an-phu.txt"
    path.write_text(NUMBERED_LIST_PLAN, encoding="utf-8")
    document = extract_path(path)
    targets = {(i.name, t.value, t.comparator, t.unit) for i in document.indicators for t in i.targets}
    assert {("Tỷ lệ hồ sơ được xử lý trực tuyến", 100, "=", "%"),
            ("Tỷ lệ người dân sử dụng dịch vụ công trực tuyến", 80, ">", "%"),
            ("Tỷ lệ cán bộ, công chức sử dụng chữ ký số", 95, "=", "%"),
            ("Số thôn triển khai mô hình thôn thông minh", 3, ">=", "thôn")} <= targets
    task = next(t for t in document.tasks if "rà soát dữ liệu dân cư" in t.name.lower())
    assert task.name == "Rà soát dữ liệu dân cư"        # "phối hợp" without "với" names partners
    assert [a.name for a in task.lead] == ["Văn phòng Hội đồng nhân dân và Ủy ban nhân dân"]
    assert [a.name for a in task.partners] == ["Công an xã"]
    assert task.deadline is not None and task.deadline.kind == "quarter"
    # "2. Chuyển đổi số trong y tế" has a sub-item: it stays a heading, not a statement
    assert any(s.heading == "Chuyển đổi số trong y tế" for s in document.sections)
    assert not any(t.name.startswith("Chuyển đổi số trong y tế") for t in document.tasks)
