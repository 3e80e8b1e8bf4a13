"""parse_deadline and find_deadlines: every row of the contract's Deadline table and the
phrasings plans use (domain.md)."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from extract.canonical import find_deadlines, parse_deadline
from extract.models import Deadline

PLAN_YEAR = 2026


def fields(deadline: Deadline) -> tuple:
    recurrence = deadline.recurrence
    return (deadline.kind, deadline.start, deadline.end,
            None if recurrence is None else (recurrence.freq, recurrence.day, recurrence.month, recurrence.time))


@pytest.mark.parametrize("text, expected", [
    # date
    ("30/6/2026", ("date", None, "2026-06-30", None)),
    ("trước ngày 31/3/2026", ("date", None, "2026-03-31", None)),
    ("ngày 15 tháng 7 năm 2026", ("date", None, "2026-07-15", None)),
    ("Chậm nhất ngày 30/9/2026", ("date", None, "2026-09-30", None)),
    ("trước ngày 15/11", ("date", None, "2026-11-15", None)),
    ("Cuối năm 2026", ("date", None, "2026-12-31", None)),
    ("đến hết năm 2026", ("date", None, "2026-12-31", None)),
    ("trước Quý III/2026", ("date", None, "2026-06-30", None)),   # before the quarter starts
    # month
    ("tháng 9/2026", ("month", "2026-09-01", "2026-09-30", None)),
    ("Tháng 9 năm 2026", ("month", "2026-09-01", "2026-09-30", None)),
    ("Tháng 02/2028", ("month", "2028-02-01", "2028-02-29", None)),
    ("Trong tháng 12", ("month", "2026-12-01", "2026-12-31", None)),
    # quarter
    ("Quý II/2026", ("quarter", "2026-04-01", "2026-06-30", None)),
    ("Quý I năm 2026", ("quarter", "2026-01-01", "2026-03-31", None)),
    ("Hoàn thành trong Quý III năm 2026", ("quarter", "2026-07-01", "2026-09-30", None)),
    ("quý 3/2026", ("quarter", "2026-07-01", "2026-09-30", None)),
    ("Quý IV", ("quarter", "2026-10-01", "2026-12-31", None)),
    ("QUÝ II/2027", ("quarter", "2027-04-01", "2027-06-30", None)),
    # half
    ("6 tháng đầu năm 2026", ("half", "2026-01-01", "2026-06-30", None)),
    ("6 tháng đầu năm", ("half", "2026-01-01", "2026-06-30", None)),
    ("6 tháng cuối năm", ("half", "2026-07-01", "2026-12-31", None)),
    # year
    ("Trong năm 2026", ("year", "2026-01-01", "2026-12-31", None)),
    ("Năm 2026", ("year", "2026-01-01", "2026-12-31", None)),
    ("năm 2026", ("year", "2026-01-01", "2026-12-31", None)),
    ("Trong năm", ("year", "2026-01-01", "2026-12-31", None)),
    # range
    ("Từ tháng 01/2026 đến tháng 6/2026", ("range", "2026-01-01", "2026-06-30", None)),
    ("Tháng 3 - tháng 6/2026", ("range", "2026-03-01", "2026-06-30", None)),
    ("Tháng 3-6/2026", ("range", "2026-03-01", "2026-06-30", None)),
    ("2026-2030", ("range", "2026-01-01", "2030-12-31", None)),
    ("giai đoạn 2026 - 2030", ("range", "2026-01-01", "2030-12-31", None)),
    ("từ năm 2026 đến năm 2030", ("range", "2026-01-01", "2030-12-31", None)),
    ("Quý II-III/2026", ("range", "2026-04-01", "2026-09-30", None)),
    ("Quý II/2026 - Quý IV/2026", ("range", "2026-04-01", "2026-12-31", None)),
    ("Năm 2026-2027", ("range", "2026-01-01", "2027-12-31", None)),
    ("Quý II - 2026", ("quarter", "2026-04-01", "2026-06-30", None)),
    ("từ 01/3 đến 30/6/2026", ("range", "2026-03-01", "2026-06-30", None)),
    # from
    ("Từ tháng 01/2026", ("from", "2026-01-01", None, None)),
    ("từ năm 2026", ("from", "2026-01-01", None, None)),
    ("Từ năm 2026 trở đi", ("from", "2026-01-01", None, None)),
    ("Năm 2026 và các năm tiếp theo", ("from", "2026-01-01", None, None)),
    ("Kể từ ngày 01/7/2026", ("from", "2026-07-01", None, None)),
    # recurring
    ("trước 16h00 ngày 25 hàng tháng", ("recurring", None, None, ("monthly", 25, None, "16:00"))),
    ("Định kỳ trước ngày 20 hằng quý", ("recurring", None, None, ("quarterly", 20, None, None))),
    ("trước ngày 05/12 hằng năm", ("recurring", None, None, ("yearly", 5, 12, None))),
    ("Hằng tháng", ("recurring", None, None, ("monthly", None, None, None))),
    ("Định kỳ hằng quý", ("recurring", None, None, ("quarterly", None, None, None))),
    ("Hằng năm", ("recurring", None, None, ("yearly", None, None, None))),
    ("hàng tuần", ("recurring", None, None, ("weekly", None, None, None))),
    ("mỗi tháng", ("recurring", None, None, ("monthly", None, None, None))),
    # the contract has no half-yearly frequency: "định kỳ 6 tháng" is written as yearly
    ("định kỳ 6 tháng", ("recurring", None, None, ("yearly", None, None, None))),
    ("Định kỳ 03 tháng", ("recurring", None, None, ("quarterly", None, None, None))),
    ("Báo cáo tháng trước ngày 05 của tháng báo cáo",
     ("recurring", None, None, ("monthly", 5, None, None))),
    ("trước ngày 15 của tháng cuối quý", ("recurring", None, None, ("quarterly", 15, None, None))),
    ("Hằng tháng, trước ngày 20", ("recurring", None, None, ("monthly", 20, None, None))),
    ("định kỳ hằng quý (trước ngày 18 của tháng cuối quý)",
     ("recurring", None, None, ("quarterly", 18, None, None))),
    ("trước 16 giờ 30 ngày 25 hằng tháng", ("recurring", None, None, ("monthly", 25, None, "16:30"))),
    ("trước ngày 15 tháng 12 hằng năm", ("recurring", None, None, ("yearly", 15, 12, None))),
    # weekly: day is the ISO weekday (Monday = 1)
    ("trước 15h00 thứ Sáu hằng tuần", ("recurring", None, None, ("weekly", 5, None, "15:00"))),
    # ongoing
    ("Thường xuyên", ("ongoing", None, None, None)),
    ("Liên tục", ("ongoing", None, None, None)),
    ("Thường xuyên, liên tục", ("ongoing", None, None, None)),
    ("Hằng ngày", ("ongoing", None, None, None)),
    # continuous work reported on a recurring date: the recurrence
    ("Thường xuyên, báo cáo kết quả trước ngày 25 hằng quý",
     ("recurring", None, None, ("quarterly", 25, None, None))),
    # unspecified
    ("Thời hạn trình theo văn bản giao nhiệm vụ của Thủ tướng Chính phủ", ("unspecified", None, None, None)),
    ("6 tháng đầu năm và cuối năm", ("unspecified", None, None, None)),
    ("Quý II và Quý IV năm 2026", ("unspecified", None, None, None)),
    ("Quý III, IV/2026", ("unspecified", None, None, None)),
    ("Định kỳ 6 tháng, hằng năm", ("unspecified", None, None, None)),
    ("hằng quý, năm", ("unspecified", None, None, None)),
    ("Theo yêu cầu của cấp trên", ("unspecified", None, None, None)),
    ("Thường xuyên; trước ngày 30/6/2026", ("unspecified", None, None, None)),
    ("31/2/2026", ("unspecified", None, None, None)),
    ("Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị", ("unspecified", None, None, None)),
])
def test_parse_deadline(text, expected):
    deadline = parse_deadline(f"  {text} ", PLAN_YEAR)
    assert deadline.text == text
    assert fields(deadline) == expected


def test_year_left_out_takes_the_plan_year_or_stays_null():
    assert fields(parse_deadline("Quý II", 2027)) == ("quarter", "2027-04-01", "2027-06-30", None)
    assert fields(parse_deadline("Quý II", None)) == ("quarter", None, None, None)
    assert fields(parse_deadline("6 tháng đầu năm", None)) == ("half", None, None, None)
    assert fields(parse_deadline("Trong năm 2026", None)) == ("year", "2026-01-01", "2026-12-31", None)


def test_empty_text_is_unspecified():
    assert fields(parse_deadline("   ", PLAN_YEAR)) == ("unspecified", None, None, None)


def test_results_are_independent_copies():
    first = parse_deadline("Quý II/2026", PLAN_YEAR)
    first.start = "changed"
    assert parse_deadline("Quý II/2026", PLAN_YEAR).start == "2026-04-01"


def test_find_deadlines_in_a_reporting_sentence():
    text = ("Báo cáo tháng trước ngày 05 của tháng báo cáo; "
            "báo cáo năm gửi trước ngày 05/12 hằng năm.")
    found = find_deadlines(text, PLAN_YEAR)
    assert [fields(d) for _, _, d in found] == [
        ("recurring", None, None, ("monthly", 5, None, None)),
        ("recurring", None, None, ("yearly", 5, 12, None)),
    ]
    for start, end, deadline in found:
        assert text[start:end] == deadline.text
    assert [d.text for _, _, d in found] == ["trước ngày 05 của tháng báo cáo", "trước ngày 05/12 hằng năm"]


def test_find_deadlines_at_the_end_of_a_task():
    text = "Xây dựng và triển khai nền tảng trí tuệ nhân tạo hỗ trợ công vụ. Hoàn thành trong Quý III năm 2026."
    (start, end, deadline), = find_deadlines(text, PLAN_YEAR)
    assert text[start:end] == deadline.text == "Hoàn thành trong Quý III năm 2026"
    assert fields(deadline) == ("quarter", "2026-07-01", "2026-09-30", None)


def test_find_deadlines_skips_titles_and_cited_documents():
    text = ("Căn cứ Nghị quyết số 57-NQ/TW, ngày 22/12/2024 của Bộ Chính trị; xác định năm 2026 là năm "
            "tăng tốc; triển khai Kế hoạch chuyển đổi số giai đoạn 2026-2030; phục vụ người dân liên tục, "
            "không gián đoạn.")
    assert find_deadlines(text, PLAN_YEAR) == []


def test_find_deadlines_keeps_a_parenthesised_day_with_its_recurrence():
    text = ("gửi Sở Khoa học và Công nghệ định kỳ hằng quý (trước ngày 18 của tháng cuối quý) "
            "và báo cáo năm trước ngày 05/12/2026.")
    found = find_deadlines(text, PLAN_YEAR)
    assert [(d.text, fields(d)) for _, _, d in found] == [
        ("định kỳ hằng quý (trước ngày 18 của tháng cuối quý)", ("recurring", None, None, ("quarterly", 18, None, None))),
        ("trước ngày 05/12/2026", ("date", None, "2026-12-05", None)),
    ]


def test_find_deadlines_takes_cued_periods_and_clause_openers():
    text = "Thường xuyên rà soát hồ sơ; hoàn thành trước ngày 30/6/2026; thời gian thực hiện: Trong năm 2026."
    found = find_deadlines(text, PLAN_YEAR)
    assert [(d.text, d.kind) for _, _, d in found] == [
        ("Thường xuyên", "ongoing"), ("trước ngày 30/6/2026", "date"), ("Trong năm 2026", "year")]


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@settings(max_examples=200)
@given(st.integers(2000, 2100), st.integers(1, 4), st.sampled_from(["Quý {r}/{y}", "Quý {r} năm {y}", "quý {q}/{y}",
                                                                     "Hoàn thành trong Quý {r} năm {y}"]))
def test_quarter_bounds_for_any_year(year, quarter, template):
    deadline = parse_deadline(template.format(r=ROMAN[quarter], q=quarter, y=year), None)
    last_month = 3 * quarter
    assert deadline.kind == "quarter"
    assert deadline.start == date(year, last_month - 2, 1).isoformat()
    assert deadline.end == date(year, last_month, calendar.monthrange(year, last_month)[1]).isoformat()


@settings(max_examples=200)
@given(st.integers(2000, 2100), st.integers(1, 12), st.sampled_from(["tháng {m}/{y}", "Tháng {m:02d} năm {y}",
                                                                      "trong tháng {m}/{y}"]))
def test_month_bounds_for_any_year(year, month, template):
    deadline = parse_deadline(template.format(m=month, y=year), None)
    assert deadline.kind == "month"
    assert deadline.start == date(year, month, 1).isoformat()
    assert deadline.end == date(year, month, calendar.monthrange(year, month)[1]).isoformat()


VOCABULARY = ["Quý", "II", "IV", "/", "2026", "2030", "tháng", "ngày", "trước", "hằng", "hàng", "năm", "-", "đến",
              "từ", "6", "31", "12", "02", "29", "16h00", "đầu", "cuối", "và", ",", "Thường", "xuyên", "định",
              "kỳ", "của", "báo", "cáo", "quý", "tuần", "thứ", "Sáu", "trở", "đi", "giai", "đoạn", "1/2026"]


def check_deadline(deadline: Deadline) -> None:
    Deadline.model_validate(deadline.model_dump())
    for value in (deadline.start, deadline.end):
        if value is not None:
            assert date.fromisoformat(value).isoformat() == value
    if deadline.start and deadline.end:
        assert deadline.start <= deadline.end
    assert (deadline.recurrence is not None) == (deadline.kind == "recurring")


@settings(max_examples=200)
@given(st.lists(st.sampled_from(VOCABULARY), max_size=10).map(" ".join), st.sampled_from([None, 2026, 2100]))
def test_parse_deadline_is_sane_on_deadline_like_text(text, plan_year):
    deadline = parse_deadline(text, plan_year)
    assert deadline.text == text.strip()
    check_deadline(deadline)
    for start, end, found in find_deadlines(text, plan_year):
        assert text[start:end] == found.text
        check_deadline(found)


@settings(max_examples=200)
@given(st.text(max_size=80), st.sampled_from([None, 2026]))
def test_parse_deadline_never_raises(text, plan_year):
    check_deadline(parse_deadline(text, plan_year))
    for start, end, found in find_deadlines(text, plan_year):
        assert text[start:end] == found.text


@pytest.mark.parametrize(("text", "found"), [
    ("Công an phường chủ trì, phối hợp với các tổ dân phố thực hiện thường xuyên.", ["thường xuyên"]),
    ("Các thôn triển khai liên tục", ["liên tục"]),
    ("Cập nhật liên tục dữ liệu dân cư trên địa bàn", []),       # an adverb inside the sentence
])
def test_an_ongoing_phrase_times_the_duty_after_its_verb(text, found):
    assert [d.text for _, _, d in find_deadlines(text, PLAN_YEAR)] == found
