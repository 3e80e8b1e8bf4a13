"""PDF loader: a DOCX plan converted by LibreOffice reads back as the same paragraphs and rows.

Conversions run once per module (LibreOffice takes about a second each); the tests that need
them are skipped where LibreOffice is not installed.
"""

from __future__ import annotations

import shutil

import pytest

from extract.load import load
from extract.load.doc import convert
from extract.structures import Paragraph, Table
from fixtures.load_docs import (
    APPENDIX_TITLE, CLOSING_LEFT, CLOSING_RIGHT, HEADER_LEFT, HEADER_RIGHT, LONG_PARAGRAPH, TASK_GROUP, TASK_HEADER,
    TASK_ROWS, pdf_bytes, plan_document, save,
)

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("soffice")
    source = save(plan_document(), folder / "plan.docx")
    pdf = convert(source, "pdf", folder)
    doc = convert(source, "doc", folder)
    return {"docx": load(source), "pdf": load(pdf), "doc": load(doc)}


def texts(document) -> list[str]:
    return [" ".join(block.text.split()) for block in document.blocks if isinstance(block, Paragraph)]


def rows(document) -> list[list[str]]:
    return [[" ".join(cell.text.split()) for cell in row.cells]
            for block in document.blocks if isinstance(block, Table) for row in block.rows]


@needs_soffice
def test_two_column_header_and_closing_are_not_interleaved(converted):
    paragraphs = texts(converted["pdf"])
    assert paragraphs[:6] == HEADER_LEFT + HEADER_RIGHT
    closing = paragraphs.index(CLOSING_LEFT[0])
    assert paragraphs[closing:closing + 6] == CLOSING_LEFT + CLOSING_RIGHT


@needs_soffice
def test_same_paragraphs_as_the_docx(converted):
    assert texts(converted["pdf"]) == texts(converted["docx"])
    assert LONG_PARAGRAPH in texts(converted["pdf"])            # wrapped lines joined again


@needs_soffice
def test_table_rows_come_back_with_merges(converted):
    pdf = converted["pdf"]
    table = next(block for block in pdf.blocks if isinstance(block, Table))
    assert rows(pdf) == [TASK_HEADER, [TASK_GROUP], TASK_ROWS[0], TASK_ROWS[1][:2] + [""] + TASK_ROWS[1][3:]]
    assert table.rows[1].cells[0].span == len(TASK_HEADER)
    assert all(cell.bold for cell in table.rows[0].cells) and not table.rows[2].cells[1].bold
    assert table.page == 2 and all(row.page == 2 for row in table.rows)


@needs_soffice
def test_pages_bold_and_block_order(converted):
    pdf = converted["pdf"]
    assert pdf.format == "pdf" and pdf.pages == 2 and not pdf.problems
    by_text = {" ".join(block.text.split()): block for block in pdf.blocks if isinstance(block, Paragraph)}
    assert by_text[APPENDIX_TITLE].page == 2 and by_text[HEADER_LEFT[0]].page == 1
    assert by_text["KẾ HOẠCH"].bold and by_text["KẾ HOẠCH"].centered
    assert by_text["I. MỤC ĐÍCH, YÊU CẦU"].bold and not by_text[LONG_PARAGRAPH].bold
    kinds = [type(block).__name__ for block in pdf.blocks]
    assert kinds[-1] == "Table" and kinds.count("Table") == 1


@needs_soffice
def test_legacy_doc_reads_like_its_docx(converted):
    doc = converted["doc"]
    assert doc.format == "doc"
    assert texts(doc) == texts(converted["docx"]) and rows(doc) == rows(converted["docx"])


def test_page_numbers_are_dropped_and_lines_kept(tmp_path):
    page = [(72, 80, "Ke hoach so 01"), (72, 100, "Noi dung chinh"), (290, 810, "- 1 -")]
    second = [(290, 30, "2"), (72, 80, "Trang thu hai"), (500, 810, "Trang 2")]
    path = tmp_path / "numbers.pdf"
    path.write_bytes(pdf_bytes([page, second]))
    raw = load(path)
    assert texts(raw) == ["Ke hoach so 01", "Noi dung chinh", "Trang thu hai"]
    assert [block.page for block in raw.blocks] == [1, 1, 2] and raw.pages == 2


def test_pdf_without_text_layer_is_a_problem_not_an_error(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_bytes([[], []]))
    raw = load(path)
    assert raw.blocks == [] and raw.pages == 2
    assert [(problem.code, problem.severity) for problem in raw.problems] == [("text_layer_missing", "error")]


def centred(text: str, centre: float) -> float:
    """The x that centres `text` (Helvetica 12) on `centre`."""
    from pdfminer.fontmetrics import FONT_METRICS

    widths = FONT_METRICS["Helvetica"][1]
    return centre - sum(widths[ch] for ch in text) * 12 / 1000 / 2


def test_two_columns_without_rulings_left_first(tmp_path):
    lines = [(72, 60, "UBND XA A"), (centred("CONG HOA XA HOI", 420), 60, "CONG HOA XA HOI"),
             (72, 75, "So: 01/KH"), (centred("Doc lap", 420), 75, "Doc lap"),
             (centred("Ha Noi, ngay 1", 420), 90, "Ha Noi, ngay 1"), (250, 130, "KE HOACH")]
    path = tmp_path / "header.pdf"
    path.write_bytes(pdf_bytes([lines]))
    assert texts(load(path)) == ["UBND XA A", "So: 01/KH", "CONG HOA XA HOI", "Doc lap", "Ha Noi, ngay 1",
                                 "KE HOACH"]


def test_columns_whose_baselines_do_not_meet(tmp_path):
    lines = [(72, 60, "UBND XA A"), (centred("CONG HOA XA HOI", 420), 66, "CONG HOA XA HOI"), (72, 75, "BAN CHI DAO"),
             (centred("Doc lap", 420), 81, "Doc lap"), (72, 90, "So: 01/KH"), (250, 130, "KE HOACH")]
    path = tmp_path / "offset.pdf"
    path.write_bytes(pdf_bytes([lines]))
    assert texts(load(path)) == ["UBND XA A", "BAN CHI DAO", "So: 01/KH", "CONG HOA XA HOI", "Doc lap", "KE HOACH"]
