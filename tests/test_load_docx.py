"""DOCX loader: layout tables flattened, merges resolved, formatting through styles, pages."""

from __future__ import annotations

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from lxml import etree

from extract.load import load
from extract.structures import Paragraph, Table
from fixtures.load_docs import (
    CLOSING_LEFT, CLOSING_RIGHT, HEADER_LEFT, HEADER_RIGHT, LONG_PARAGRAPH, TASK_GROUP, TASK_HEADER, TASK_ROWS,
    TITLE, layout_table, plan_document, save,
)


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return load(save(plan_document(), tmp_path_factory.mktemp("docx") / "plan.docx"))


def texts(document) -> list[str]:
    return [block.text for block in document.blocks if isinstance(block, Paragraph)]


def only_table(document) -> Table:
    tables = [block for block in document.blocks if isinstance(block, Table)]
    assert len(tables) == 1
    return tables[0]


def test_header_and_closing_layout_tables_flatten_left_column_first(plan):
    paragraphs = texts(plan)
    assert paragraphs[:6] == HEADER_LEFT + HEADER_RIGHT
    closing = paragraphs.index(CLOSING_LEFT[0])
    assert paragraphs[closing:closing + 6] == CLOSING_LEFT + CLOSING_RIGHT
    assert plan.format == "docx"


def test_paragraph_formatting(plan):
    by_text = {block.text: block for block in plan.blocks if isinstance(block, Paragraph)}
    assert by_text[TITLE[0]].bold and by_text[TITLE[0]].centered
    assert by_text["I. MỤC ĐÍCH, YÊU CẦU"].bold              # bold set by the paragraph style only
    assert not by_text[LONG_PARAGRAPH].bold and not by_text[LONG_PARAGRAPH].centered
    assert by_text[HEADER_LEFT[0]].bold and not by_text[HEADER_LEFT[2]].bold


def test_automatic_numbering_is_rendered(plan):
    assert "1. Mục đích" in texts(plan) and "2. Yêu cầu" in texts(plan)


def test_grid_span_once_vmerge_continuation_empty_and_header_row(plan):
    table = only_table(plan)
    assert [cell.text for cell in table.rows[0].cells] == TASK_HEADER
    assert table.rows[0].header and not any(row.header for row in table.rows[1:])
    assert all(cell.bold for cell in table.rows[0].cells)
    group = table.rows[1].cells
    assert len(group) == 1 and group[0].text == TASK_GROUP and group[0].span == len(TASK_HEADER)
    first, second = table.rows[2].cells, table.rows[3].cells
    assert [cell.text for cell in first] == TASK_ROWS[0]
    assert [cell.text for cell in second] == [TASK_ROWS[1][0], TASK_ROWS[1][1], "", TASK_ROWS[1][3]]
    assert all(cell.span == 1 for cell in first + second)


def test_pages_from_explicit_page_break(plan):
    appendix = next(block for block in plan.blocks if isinstance(block, Paragraph) and block.text == "Phụ lục I")
    assert appendix.page == 2 and plan.blocks[0].page == 1
    assert only_table(plan).page == 2 and all(row.page == 2 for row in only_table(plan).rows)
    assert plan.pages is None        # no rendered page count: python-docx writes a stale app.xml


def test_no_page_markers_means_no_pages(tmp_path):
    document = Document()
    document.add_paragraph("Một trang")
    raw = load(save(document, tmp_path / "one.docx"))
    assert raw.blocks[0].page is None and raw.pages is None


def test_bold_through_character_style_and_explicit_override(tmp_path):
    document = Document()
    strong = document.styles.add_style("Nhấn mạnh", WD_STYLE_TYPE.CHARACTER)
    strong.font.bold = True
    bold_para = document.styles.add_style("Đậm", WD_STYLE_TYPE.PARAGRAPH)
    bold_para.font.bold = True
    document.add_paragraph().add_run("đậm qua kiểu ký tự", style="Nhấn mạnh")
    paragraph = document.add_paragraph(style="Đậm")
    paragraph.add_run("không đậm").bold = False           # explicit False beats the style
    mixed = document.add_paragraph(style="Đậm")
    mixed.add_run("đậm ")
    mixed.add_run("thường").bold = False
    document.add_heading("Mục tiêu", level=2)
    raw = load(save(document, tmp_path / "styles.docx"))
    blocks = {block.text: block for block in raw.blocks}
    assert blocks["đậm qua kiểu ký tự"].bold
    assert not blocks["không đậm"].bold
    assert not blocks["đậm thường"].bold
    assert blocks["Mục tiêu"].heading == 2


def test_line_breaks_split_paragraphs_and_tabs_become_spaces(tmp_path):
    document = Document()
    paragraph = document.add_paragraph()
    run = paragraph.add_run("KT. CHỦ TỊCH")
    run.add_break()
    paragraph.add_run("PHÓ CHỦ TỊCH\tUBND")
    raw = load(save(document, tmp_path / "breaks.docx"))
    assert texts(raw) == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH UBND"]


def test_nested_table_text_is_flattened_into_its_cell(tmp_path):
    document = Document()
    outer = document.add_table(rows=1, cols=4)
    outer.style = "Table Grid"
    for column in range(4):
        outer.cell(0, column).text = f"c{column}"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    for r in range(2):
        for c in range(2):
            inner.cell(r, c).text = f"n{r}{c}"
    table = only_table(load(save(document, tmp_path / "nested.docx")))
    assert [cell.text for cell in table.rows[0].cells] == ["c0", "c1\nn00 n01\nn10 n11", "c2", "c3"]


def test_borderless_wide_table_stays_a_table_and_bordered_narrow_table_too(tmp_path):
    document = Document()
    wide = document.add_table(rows=1, cols=4)           # borderless but 4 columns: data
    for column in range(4):
        wide.cell(0, column).text = f"w{column}"
    narrow = document.add_table(rows=1, cols=2)
    narrow.style = "Table Grid"                         # 2 columns but ruled: data
    narrow.cell(0, 0).text, narrow.cell(0, 1).text = "a", "b"
    layout_table(document, ["trái"], ["phải"])
    raw = load(save(document, tmp_path / "tables.docx"))
    kinds = [type(block).__name__ for block in raw.blocks]
    assert kinds == ["Table", "Table", "Paragraph", "Paragraph"]
    assert texts(raw) == ["trái", "phải"]


def _raw_paragraph(document, xml: str) -> None:
    body = document.element.body
    element = etree.fromstring(
        f'<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">{xml}</w:p>')
    body.insert(len(body) - 1, element)


def test_tracked_changes_hidden_text_and_rendered_page_breaks(tmp_path):
    document = Document()
    _raw_paragraph(document, '<w:r><w:t xml:space="preserve">Giữ </w:t></w:r>'
                             '<w:del w:id="1" w:author="a"><w:r><w:delText>xóa </w:delText></w:r></w:del>'
                             '<w:ins w:id="2" w:author="a"><w:r><w:t xml:space="preserve">thêm </w:t></w:r></w:ins>'
                             '<w:r><w:rPr><w:vanish/></w:rPr><w:t>ẩn</w:t></w:r><w:r><w:t>cuối</w:t></w:r>')
    _raw_paragraph(document, '<w:r><w:lastRenderedPageBreak/><w:t>Trang hai</w:t></w:r>')
    _raw_paragraph(document, '<w:r><w:br w:type="page"/></w:r><w:r><w:lastRenderedPageBreak/><w:t>Trang ba</w:t></w:r>')
    raw = load(save(document, tmp_path / "changes.docx"))
    assert [(block.text, block.page) for block in raw.blocks] == [
        ("Giữ thêm cuối", 1), ("Trang hai", 2), ("Trang ba", 3)]
    assert raw.pages == 3


def test_gridbefore_and_vertical_merge_restart(tmp_path):
    document = Document()
    table = document.add_table(rows=3, cols=3)
    table.style = "Table Grid"
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"{r}{c}"
    table.cell(0, 0).merge(table.cell(2, 0)).text = "gộp"
    raw = load(save(document, tmp_path / "merge.docx"))
    rows = [[cell.text for cell in row.cells] for row in only_table(raw).rows]
    assert rows == [["gộp", "01", "02"], ["", "11", "12"], ["", "21", "22"]]


def test_page_break_before_style_and_section_breaks(tmp_path):
    document = Document()
    document.add_paragraph("Một")
    document.add_section()                          # new page section
    document.add_paragraph("Hai")
    paragraph = document.add_paragraph("Ba")
    paragraph.paragraph_format.page_break_before = True
    raw = load(save(document, tmp_path / "sections.docx"))
    assert [(block.text, block.page) for block in raw.blocks] == [("Một", 1), ("Hai", 2), ("Ba", 3)]
