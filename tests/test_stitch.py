"""Page-break stitching (extract.stitch): fragments of one table become one table."""

from __future__ import annotations

import re

from hypothesis import given, strategies as st

from extract.segment import vocabulary
from extract.stitch import append_table_line, grid_cells, group_fragments, stitch_page_broken_rows
from extract.structures import CellText, Line

SCOPE = vocabulary().scope


def row(texts: list[str], table: int = 0, page: int = 1, header: bool = False, spans: list[int] | None = None) -> Line:
    """A table row line with one cell per text (offsets made up, consecutive)."""
    cells, start = [], 0
    for index, text in enumerate(texts):
        span = spans[index] if spans else 1
        cells.append(CellText(text=text, start=start, end=start + len(text), span=span))
        start += len(text) + 1
    return Line(text="\t".join(texts), start=0, end=start, page=page, table=table, cells=cells, header=header)


HEADER = ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"]


def test_a_header_repeated_on_the_next_page_is_dropped_and_the_next_row_marked():
    first = [row(HEADER), row(["1", "Xây dựng kế hoạch", "Văn phòng", "Quý I"])]
    second = [row(HEADER, table=1, page=2), row(["2", "Tổ chức tập huấn", "Phòng Nội vụ", "Quý II"], table=1, page=2)]
    header_lines, rows = stitch_page_broken_rows([first, second], SCOPE)
    assert header_lines == [first[0]]
    assert [r.text(0) for r in rows] == ["1", "2"]
    assert [r.after_break for r in rows] == [False, True]


def test_a_row_continued_after_the_break_joins_the_row_above_cell_by_cell():
    first = [row(HEADER), row(["1", "Xây dựng cơ sở dữ liệu", "Văn phòng", "Quý I"])]
    second = [row(["", "dùng chung của tỉnh", "", ""], table=1, page=2)]
    _, rows = stitch_page_broken_rows([first, second], SCOPE)
    assert len(rows) == 1
    assert rows[0].text(1) == "Xây dựng cơ sở dữ liệu dùng chung của tỉnh"
    assert rows[0].lines == [first[1], second[0]]


def test_a_scope_sub_row_after_the_break_stays_a_row_of_its_own():
    first = [row(HEADER), row(["1", "Tỷ lệ hồ sơ trực tuyến", "Văn phòng", "2026"])]
    second = [row(["", "Cấp xã", "", ""], table=1, page=2)]
    _, rows = stitch_page_broken_rows([first, second], SCOPE)
    assert [r.text(1) for r in rows] == ["Tỷ lệ hồ sơ trực tuyến", "Cấp xã"]


def test_header_extension_and_numbering_rows_belong_to_the_header():
    lines = [row(HEADER), row(["", "", "Chủ trì", "Phối hợp"], header=True), row(["(1)", "(2)", "(3)", "(4)"]),
             row(["1", "Rà soát thủ tục", "Văn phòng", "Quý III"])]
    header_lines, rows = stitch_page_broken_rows([lines], SCOPE)
    assert header_lines == lines[:3] and len(rows) == 1


def test_fragments_of_one_table_are_grouped_only_when_nothing_lies_between():
    owner = object()
    a = [row(HEADER, table=0, page=1), row(["1", "x", "y", "z"], table=0, page=1)]
    b = [row(HEADER, table=1, page=2), row(["2", "x", "y", "z"], table=1, page=2)]
    c = [row(HEADER, table=3, page=3)]                 # table 2 (not a row here) lies between
    lines = [*a, *b, Line(text="Đoạn văn", start=0, end=8), *c]
    position = {id(line): index for index, line in enumerate(lines)}
    groups: list = []
    for line in lines:
        if line.is_row:
            append_table_line(groups, owner, line)
    merged = group_fragments(groups, position)
    assert [len(fragments) for _, fragments in merged] == [2, 1]


def test_grid_cells_put_none_under_a_span():
    line = row(["a", "b", "c"], spans=[1, 2, 1])
    assert [cell.text if cell else None for cell in grid_cells(line)] == ["a", "b", None, "c"]


@given(st.lists(st.lists(st.from_regex(re.compile(r"[1-9][0-9]?"), fullmatch=True), min_size=1, max_size=4),
                min_size=1, max_size=4))
def test_numbered_rows_survive_any_page_split(pages):
    """Every numbered row of every page fragment is kept once, in order, whatever the split."""
    fragments = []
    for page_index, numbers in enumerate(pages):
        fragment = [row(HEADER, table=page_index, page=page_index + 1)]
        fragment += [row([number, f"Nhiệm vụ {number}", "Văn phòng", "Quý I"], table=page_index, page=page_index + 1)
                     for number in numbers]
        fragments.append(fragment)
    _, rows = stitch_page_broken_rows(fragments, SCOPE)
    assert [r.text(0) for r in rows] == [number for numbers in pages for number in numbers]
