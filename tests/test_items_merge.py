"""extract.items.merge on its own: an indicator stated in the text and again as an appendix
row is one indicator; others stay apart."""

from extract.items.merge import merge_indicators
from extract.models import Agency, Indicator, Source, Target


def _indicator(name, value=None, unit="%", start=0, **fields) -> Indicator:
    targets = [Target(value=value, unit=unit, text=str(value))] if value is not None else []
    return Indicator(id="", name=name, targets=targets, sources=[Source(quote=name, start=start, end=start + 1)],
                     **fields)


def test_a_mention_and_a_row_with_the_same_value_are_one_indicator():
    row = _indicator("Tỷ lệ hộ gia đình có địa chỉ số", 90, start=500, lead=[Agency(name="Bưu điện tỉnh", text="Bưu điện tỉnh")])
    mention = _indicator("Tỷ lệ hộ gia đình trên địa bàn có địa chỉ số", 90, start=40, group="Về xã hội số")
    merged = merge_indicators([row], [mention])
    assert len(merged) == 1
    one = merged[0]
    assert one.name == "Tỷ lệ hộ gia đình có địa chỉ số"          # the row's name is kept
    assert one.group == "Về xã hội số"                            # the text gives the group
    assert [a.name for a in one.lead] == ["Bưu điện tỉnh"]
    assert [s.start for s in one.sources] == [40, 500]            # both places, in document order


def test_names_typed_without_diacritics_still_meet():
    row = _indicator("Tỷ lệ thôn có cáp quang", 100)
    mention = _indicator("Ty le thon co cap quang", 100)
    assert len(merge_indicators([row], [mention])) == 1


def test_different_values_need_very_close_names():
    row = _indicator("Tỷ lệ người dân có tài khoản định danh điện tử mức 2", 80)
    close = _indicator("Tỷ lệ người dân có tài khoản định danh điện tử mức 2", 85)
    loose = _indicator("Tỷ lệ người dân sử dụng tài khoản thanh toán điện tử", 85)
    assert len(merge_indicators([row], [loose])) == 2
    merged = merge_indicators([row], [close])
    assert len(merged) == 1 and [t.value for t in merged[0].targets] == [80]


def test_pairs_are_one_to_one_best_first():
    row = _indicator("Tỷ lệ trường học có kết nối Internet băng rộng", 100)
    best = _indicator("Tỷ lệ trường học có kết nối Internet băng rộng", 100, start=10, group="A")
    second = _indicator("Tỷ lệ trường học được kết nối mạng Internet", 100, start=20, group="B")
    merged = merge_indicators([row], [second, best])
    assert [m.group for m in merged] == ["A", "B"]       # the closer mention takes the row; the other stays
    assert merged[1].name == "Tỷ lệ trường học được kết nối mạng Internet"


def test_nothing_to_merge():
    assert merge_indicators([], []) == []
    only_text = [_indicator("Số doanh nghiệp số", 20, unit="doanh nghiệp")]
    assert merge_indicators([], only_text) == only_text
