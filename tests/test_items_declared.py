"""extract.items.declared on its own: what a plan says it contains (totals, task groups,
appendices) and the problems where it does not hold it."""

import pytest

from items_inputs import quoted, segmented
from extract.items.declared import appendix_name, appendix_number, extract_declared

PLAN = """UBND XÃ TÂN THÀNH
Số: 21/KH-UBND
Tân Thành, ngày 10 tháng 02 năm 2026

**KẾ HOẠCH**

**Thực hiện Đề án 06 năm 2026**

I. MỤC TIÊU

Kế hoạch đề ra 12 chỉ tiêu, chi tiết tại Phụ lục 1 kèm theo.

II. NHIỆM VỤ

Tổng số nhiệm vụ: 05 nhiệm vụ, gồm:
- Về hoàn thiện thể chế: 02 nhiệm vụ
- Về dữ liệu dân cư: 03 nhiệm vụ

Danh mục nhiệm vụ tại Phụ lục số 02 và Phụ lục III.

**PHỤ LỤC I**

**DANH MỤC CHỈ TIÊU**
"""


def _declared(counts):
    seg, prov = segmented(PLAN)
    return seg, *extract_declared(seg, prov, counts)


def test_totals_groups_and_appendices():
    _, declared, _ = _declared({"indicators": 12, "tasks": 5})
    assert (declared.indicators, declared.tasks) == (12, 5)
    assert [(g.name, g.count) for g in declared.task_groups] == [("Về hoàn thiện thể chế", 2), ("Về dữ liệu dân cư", 3)]
    assert declared.appendices == ["Phụ lục 1", "Phụ lục 2", "Phụ lục III"]


def test_an_appendix_referred_to_but_not_attached():
    seg, _, problems = _declared({"indicators": 12, "tasks": 5})
    missing = [p for p in problems if p.code == "appendix_missing"]
    # "Phụ lục 1" is attached as "PHỤ LỤC I": numbers are compared by value
    assert sorted(p.message for p in missing) == ["Phụ lục 2 is referred to but not attached",
                                                  "Phụ lục III is referred to but not attached"]
    assert all(quoted(seg, s) == s.quote for p in missing for s in p.sources)


def test_a_declared_count_that_the_plan_does_not_hold():
    _, _, problems = _declared({"indicators": 9, "tasks": 5})
    mismatch = [p for p in problems if p.code == "declared_count_mismatch"]
    assert [p.message for p in mismatch] == ["the plan declares 12 indicators but 9 were found"]


def test_one_sentence_declares_both_totals():
    seg, prov = segmented(PLAN.replace("Kế hoạch đề ra 12 chỉ tiêu, chi tiết tại Phụ lục 1 kèm theo.",
                                       "Kế hoạch đề ra 12 chỉ tiêu và 05 nhiệm vụ.")
                          .replace("Tổng số nhiệm vụ: 05 nhiệm vụ, gồm:", ""))
    declared, _ = extract_declared(seg, prov, {"indicators": 12, "tasks": 5})
    assert (declared.indicators, declared.tasks) == (12, 5)


@pytest.mark.parametrize("label, number", [("01", 1), ("IV", 4), ("IX", 9), ("XII", 12), ("A", None)])
def test_appendix_numbers(label, number):
    assert appendix_number(label) == number


def test_appendix_names():
    assert (appendix_name("02"), appendix_name("II"), appendix_name(None)) == ("Phụ lục 2", "Phụ lục II", "Phụ lục")
