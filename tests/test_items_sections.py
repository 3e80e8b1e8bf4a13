"""extract.items.sections on its own: the heading tree a reader navigates by, with the
exact quote of each heading."""

from items_inputs import quoted, segmented
from extract.items.sections import extract_sections

PLAN = """UBND XÃ EA KLY
Số: 12/KH-UBND
Ea Kly, ngày 09 tháng 01 năm 2026

**KẾ HOẠCH**

**Chuyển đổi số xã Ea Kly năm 2026**

I. MỤC ĐÍCH, YÊU CẦU

1. Mục đích: Đẩy mạnh chuyển đổi số trong hoạt động của chính quyền xã.

II. NHIỆM VỤ

1. Nhiệm vụ chung

1.1. Hạ tầng số

a) Phủ sóng di động

(1) Thôn Ea Tar

III. TỔ CHỨC THỰC HIỆN

Nơi nhận:
- Như trên;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH

Y Khuê Niê
"""


def _sections():
    seg, prov = segmented(PLAN)
    return seg, extract_sections(seg, prov)


def test_levels_follow_the_nesting_of_label_kinds():
    _, sections = _sections()
    levels = {s.heading: (s.number, s.level) for s in sections}
    assert levels["NHIỆM VỤ"] == ("II", 1)
    assert levels["Nhiệm vụ chung"] == ("1", 2)
    assert levels["Hạ tầng số"] == ("1.1", 3)
    assert levels["Phủ sóng di động"] == ("a", 4)
    assert levels["Thôn Ea Tar"] == ("(1)", 5)


def test_parents_point_up_the_tree():
    _, sections = _sections()
    by_id = {s.id: s for s in sections}
    leaf = next(s for s in sections if s.heading == "Thôn Ea Tar")
    path = []
    while leaf is not None:
        path.append(leaf.heading)
        leaf = by_id.get(leaf.parent)
    assert path == ["Thôn Ea Tar", "Phủ sóng di động", "Hạ tầng số", "Nhiệm vụ chung", "NHIỆM VỤ"]


def test_a_short_heading_before_a_colon_is_the_heading():
    _, sections = _sections()
    assert any(s.heading == "Mục đích" and s.number == "1" for s in sections)


def test_closing_sections_and_quotes():
    seg, sections = _sections()
    closing = [s.heading for s in sections if s.kind == "closing"]
    assert closing == ["Nơi nhận", "TM. ỦY BAN NHÂN DÂN"]
    for section in sections:
        assert section.sources and all(quoted(seg, s) == s.quote for s in section.sources)
