"""extract.patterns: the grammar several stages share, built from the vocabulary files."""

import re

from hypothesis import given, strategies as st

from extract.patterns import bullet_class, letter_class, list_joiner, list_joiners, written_date


@given(st.integers(1, 31), st.integers(1, 12), st.integers(1900, 2100), st.sampled_from([" ", "  ", "\t"]))
def test_a_written_date_gives_its_parts(day, month, year, gap):
    text = f"ngày{gap}{day:02d}{gap}tháng{gap}{month}{gap}năm{gap}{year}"
    match = re.fullmatch(written_date(), text)
    assert match and (int(match["day"]), int(match["month"]), int(match["year"])) == (day, month, year)


def test_blanks_are_allowed_only_where_asked():
    blank = "ngày  tháng 4 năm 2026"
    assert re.fullmatch(written_date(), blank) is None
    match = re.fullmatch(written_date(r"\s*", blanks=True), blank)
    assert (match["day"], match["month"], match["year"]) == (None, "4", "2026")


def test_the_month_word_typed_for_the_year_word_is_read():
    match = re.fullmatch(written_date(), "ngày 19 tháng 6 tháng 2025")
    assert match["year"] == "2025"


def test_list_markers_and_joiners_come_from_the_vocabulary():
    assert re.fullmatch(bullet_class(), "•") and re.fullmatch(bullet_class(), "-")
    assert not re.fullmatch(bullet_class(), "a")
    assert re.fullmatch(letter_class(), "đ") and not re.fullmatch(letter_class(), "A")
    assert list_joiners()[0] == "và"
    assert re.split(rf"\s+{list_joiner()}\s+", "Sở Tư pháp và Sở Nội vụ") == ["Sở Tư pháp", "Sở Nội vụ"]
