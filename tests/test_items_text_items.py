"""extract.items.text_items on its own: indicators, tasks, assignments and reported results
stated in a commune's running text (rules only, no NLP tagger)."""

from items_inputs import quoted, segmented
from extract.items.text_items import agency_phrase_end, extract_text_items

PLAN = """UBND XÃ MƯỜNG ẢNG
Số: 09/KH-UBND
Mường Ảng, ngày 15 tháng 01 năm 2026

**KẾ HOẠCH**

**Chuyển đổi số xã Mường Ảng năm 2026**

I. ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN NĂM 2025

Năm 2025, đã có 65% hồ sơ được tiếp nhận trực tuyến.

II. MỤC TIÊU

1. Mục tiêu cụ thể

a) Về chính quyền số

- Phấn đấu 90% hồ sơ công việc được xử lý trên môi trường mạng.

- Tỷ lệ văn bản đi được ký số đạt 95% tại cấp tỉnh, 85% tại cấp xã.

- Ít nhất 02 mô hình dân vận khéo về chuyển đổi số được nhân rộng.

III. NHIỆM VỤ

- Số hóa sổ hộ tịch còn lưu giữ tại xã.

+ Đơn vị chủ trì: Văn phòng HĐND và UBND xã.

+ Thời gian thực hiện: trước ngày 30/9/2026.

- Công an xã chủ trì, phối hợp với Đoàn Thanh niên xã hướng dẫn người dân kích hoạt tài khoản định danh điện tử, hoàn thành trong tháng 6/2026.

IV. TỔ CHỨC THỰC HIỆN

1. Văn phòng HĐND và UBND xã

Tổng hợp kết quả, báo cáo UBND xã trước ngày 20 hằng tháng.

2. Đề nghị Ủy ban MTTQ Việt Nam xã

Vận động Nhân dân tham gia.
"""


def _items():
    seg, prov = segmented(PLAN)
    return seg, extract_text_items(seg, prov, plan_year=2026, level="xa", nlp=None)


def test_a_share_is_named_tyle_and_a_count_so_without_the_aim_verb():
    _, items = _items()
    names = [i.name for i in items.indicators]
    assert "Tỷ lệ hồ sơ công việc được xử lý trên môi trường mạng" in names
    count = next(i for i in items.indicators if i.name.startswith("Số mô hình"))
    assert [(t.value, t.comparator, t.unit) for t in count.targets] == [(2, ">=", "mô hình")]


def test_two_scopes_of_one_target_share_its_comparator():
    _, items = _items()
    signed = next(i for i in items.indicators if i.name.startswith("Tỷ lệ văn bản đi"))
    assert [(t.value, t.comparator, t.scope) for t in signed.targets] == [(95, ">=", "Cấp tỉnh"), (85, ">=", "Cấp xã")]
    assert signed.group == "Về chính quyền số"      # "Mục tiêu cụ thể" is a container heading


def test_an_inline_block_closes_the_item_before_it():
    _, items = _items()
    task = next(t for t in items.tasks if t.name.startswith("Số hóa sổ hộ tịch"))
    assert [a.name for a in task.lead] == ["Văn phòng Hội đồng nhân dân và Ủy ban nhân dân"]
    assert (task.deadline.kind, task.deadline.end) == ("date", "2026-09-30")


def test_a_lead_clause_gives_lead_partners_action_and_deadline():
    seg, items = _items()
    task = next(t for t in items.tasks if t.lead and t.lead[0].name == "Công an xã")
    assert task.name == "Hướng dẫn người dân kích hoạt tài khoản định danh điện tử"
    assert [a.name for a in task.partners] == ["Đoàn Thanh niên"]
    assert (task.deadline.kind, task.deadline.end) == ("month", "2026-06-30")
    assert all(quoted(seg, s) == s.quote for s in task.sources)


def test_assignments_of_the_implementation_section():
    _, items = _items()
    office, front = items.assignments
    assert office.duties == ["Tổng hợp kết quả, báo cáo UBND xã trước ngày 20 hằng tháng."]
    assert [(d.kind, d.recurrence.freq, d.recurrence.day) for d in office.deadlines] == [("recurring", "monthly", 20)]
    assert front.agency.name == "Ủy ban Mặt trận Tổ quốc Việt Nam xã"     # "Đề nghị" dropped


def test_results_already_achieved_are_not_targets():
    _, items = _items()
    assert [r.text for r in items.results] == ["Năm 2025, đã có 65% hồ sơ được tiếp nhận trực tuyến"]
    assert not any(t.value == 65 for i in items.indicators for t in i.targets)


def test_an_agency_phrase_ends_where_the_action_starts():
    text = "Phòng Văn hóa - Xã hội tham mưu UBND xã tổ chức hội nghị"
    assert text[:agency_phrase_end(text)].strip() == "Phòng Văn hóa - Xã hội"


def test_a_numbered_item_with_its_lead_and_deadline_on_the_same_line():
    # "1. <task>. Chủ trì: <agency>. Thời gian: <deadline>." is one task, not a heading "… Chủ trì"
    plan = PLAN.replace("- Số hóa sổ hộ tịch còn lưu giữ tại xã.\n\n+ Đơn vị chủ trì: Văn phòng HĐND và UBND xã.\n\n"
                        "+ Thời gian thực hiện: trước ngày 30/9/2026.",
                        "1. Số hóa sổ hộ tịch còn lưu giữ tại xã. Chủ trì: Công an xã. Thời gian: Quý III/2026.")
    assert plan != PLAN
    seg, prov = segmented(plan)
    items = extract_text_items(seg, prov, plan_year=2026, level="xa", nlp=None)
    task = next(t for t in items.tasks if t.name.startswith("Số hóa sổ hộ tịch"))
    assert task.name == "Số hóa sổ hộ tịch còn lưu giữ tại xã"
    assert [a.name for a in task.lead] == ["Công an xã"]
    assert (task.deadline.kind, task.deadline.start) == ("quarter", "2026-07-01")


def test_a_count_named_by_its_unit_does_not_repeat_it():
    plan = PLAN.replace("- Ít nhất 02 mô hình dân vận khéo về chuyển đổi số được nhân rộng.",
                        "- Số tổ công nghệ số cộng đồng hoạt động hiệu quả đạt 12 tổ.")
    seg, prov = segmented(plan)
    items = extract_text_items(seg, prov, plan_year=2026, level="xa", nlp=None)
    count = next(i for i in items.indicators if i.name.startswith("Số tổ"))
    assert count.name == "Số tổ công nghệ số cộng đồng hoạt động hiệu quả"
    assert [(t.value, t.unit) for t in count.targets] == [(12, "tổ")]


def _tasks_instead_of_the_registry_task(statements: str):
    """The plan with `statements` in place of its civil-registry task: (segmented, tasks by name)."""
    plan = PLAN.replace("- Số hóa sổ hộ tịch còn lưu giữ tại xã.\n\n+ Đơn vị chủ trì: Văn phòng HĐND và UBND xã.\n\n"
                        "+ Thời gian thực hiện: trước ngày 30/9/2026.", statements)
    assert plan != PLAN
    seg, prov = segmented(plan)
    return seg, {t.name: t for t in extract_text_items(seg, prov, plan_year=2026, level="xa", nlp=None).tasks}


def test_a_responsibility_block_in_brackets_closes_the_whole_statement():
    seg, tasks = _tasks_instead_of_the_registry_task(
        "- Rà soát các vùng lõm sóng di động; đề xuất doanh nghiệp lắp đặt trạm phát sóng (Phòng Kinh "
        "tế chủ trì, phối hợp Viettel Lào Cai; chậm nhất ngày 31/7/2026).\n\n"
        "- Cập nhật, làm sạch dữ liệu dân cư (Công an xã chủ trì; các thôn phối hợp; thực hiện "
        "thường xuyên).\n\n"
        "- Đưa chỉ tiêu chuyển đổi số vào bình xét thi đua (Văn phòng HĐND và UBND xã tham mưu; "
        "hoàn thành trong quý II/2026).")
    waves = tasks["Rà soát các vùng lõm sóng di động; đề xuất doanh nghiệp lắp đặt trạm phát sóng"]
    assert ([a.name for a in waves.lead], [a.name for a in waves.partners]) == (["Phòng Kinh tế"], ["Viettel Lào Cai"])
    assert (waves.deadline.kind, waves.deadline.end) == ("date", "2026-07-31")
    data = tasks["Cập nhật, làm sạch dữ liệu dân cư"]
    assert ([a.name for a in data.lead], [a.name for a in data.partners], data.deadline.kind) == (
        ["Công an xã"], ["Các thôn"], "ongoing")
    emulation = tasks["Đưa chỉ tiêu chuyển đổi số vào bình xét thi đua"]
    assert [a.name for a in emulation.lead] == ["Văn phòng Hội đồng nhân dân và Ủy ban nhân dân"]
    assert (emulation.deadline.kind, emulation.deadline.start) == ("quarter", "2026-04-01")
    assert all(quoted(seg, s) == s.quote for t in tasks.values() for s in t.sources)


def test_a_sentence_handing_the_statement_before_it_to_a_lead_names_no_task_of_its_own():
    # "<task>; <task>. Giao <lead> chủ trì, phối hợp với <partners> thực hiện; <deadline>."
    seg, tasks = _tasks_instead_of_the_registry_task(
        "- Rà soát các điểm chưa có sóng di động tại các thôn; kiến nghị doanh nghiệp viễn thông đầu tư "
        "trạm phát sóng. Giao Phòng Kinh tế chủ trì, phối hợp với VNPT Lào Cai, Trưởng thôn các thôn "
        "thực hiện; thời gian: trước ngày 30/6/2026.\n\n"
        "- Làm sạch dữ liệu dân cư. Giao Công an xã chủ trì, phối hợp với các thôn thực hiện thường "
        "xuyên.")
    waves = tasks["Rà soát các điểm chưa có sóng di động tại các thôn; kiến nghị doanh nghiệp viễn thông đầu tư "
                  "trạm phát sóng"]
    assert ([a.name for a in waves.lead], [a.name for a in waves.partners]) == (
        ["Phòng Kinh tế"], ["VNPT Lào Cai", "Trưởng thôn các thôn"])
    assert (waves.deadline.kind, waves.deadline.end) == ("date", "2026-06-30")
    data = tasks["Làm sạch dữ liệu dân cư"]
    assert ([a.name for a in data.lead], data.deadline.kind) == (["Công an xã"], "ongoing")
    assert not any(name.startswith("Giao") for name in tasks)
    assert all(quoted(seg, s) == s.quote for t in tasks.values() for s in t.sources)
