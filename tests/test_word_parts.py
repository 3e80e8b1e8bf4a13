"""DOCX parts beyond the body text: an Excel appendix embedded as an object, footnotes and
endnotes, Strict Open XML files, Word's rendered page marks, and a borderless data table."""

from __future__ import annotations

import pytest

from extract.load import LoadError, load
from extract.load.ooxml import transitional
from extract.pipeline import extract_path
from extract.structures import Paragraph, Table
from fixtures.load_docs import docx_bytes, plan_document, save
from fixtures.word_habits import (
    ENDNOTE, EXCEL_ROWS, FOOTNOTE, NOTED_SENTENCE, embedded_excel_plan, notes_plan, rendered_pages_plan,
    strict_bytes, xlsx_bytes,
)


# ---- 5: embedded Excel appendix

def test_embedded_excel_worksheet_is_read_as_a_table(tmp_path):
    path = save(embedded_excel_plan(xlsx_bytes()), tmp_path / "excel.docx")
    document = extract_path(path)
    tasks = {t.name: t for t in document.tasks}
    assert list(tasks) == [row[1] for row in EXCEL_ROWS]
    # the lead merged over two rows in the sheet applies to both
    assert [a.name for a in tasks["Số hóa hồ sơ hộ tịch"].lead] == ["Phòng Văn hóa - Xã hội"]
    assert tasks["Số hóa hồ sơ hộ tịch"].deadline.end == "2026-09-30"
    assert {t.appendix for t in document.tasks} == {"Phụ lục I"}
    assert "embedded_table_read" in {p.code for p in document.problems}


@pytest.mark.parametrize("payload,prog_id,part", [
    (b"\xd0\xcf\x11\xe0 legacy workbook", "Excel.Sheet.8", "/word/embeddings/oleObject1.bin"),
    (b"PK\x03\x04 not really a workbook", "Excel.Sheet.12", "/word/embeddings/Microsoft_Excel_Worksheet1.xlsx"),
    (b"\xd0\xcf\x11\xe0 a drawing", "Visio.Drawing.15", "/word/embeddings/oleObject2.bin"),
])
def test_an_embedded_object_that_cannot_be_read_is_a_problem(tmp_path, payload, prog_id, part):
    path = save(embedded_excel_plan(payload, prog_id, part), tmp_path / "object.docx")
    document = extract_path(path)
    problems = [p for p in document.problems if p.code == "embedded_object_unread"]
    assert len(problems) == 1
    assert prog_id in problems[0].message and part.split("/")[-1] in problems[0].message
    assert problems[0].severity == "warning"


def test_borderless_numbered_three_column_table_is_data_not_layout(tmp_path):
    from docx import Document

    from fixtures.load_docs import _set_borders

    document = Document()
    table = document.add_table(rows=4, cols=3)
    _set_borders(table, "nil")
    for r, cells in enumerate([["TT", "Nhiệm vụ", "Chủ trì"], ["1", "Rà soát", "Công an xã"],
                               ["2", "Số hóa", "Phòng Văn hóa - Xã hội"], ["3", "Tuyên truyền", "Đoàn Thanh niên xã"]]):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    raw = load(save(document, tmp_path / "borderless.docx"))
    tables = [b for b in raw.blocks if isinstance(b, Table)]
    assert len(tables) == 1 and len(tables[0].rows) == 4


def test_decree_header_without_borders_stays_layout(tmp_path):
    raw = load(save(plan_document(), tmp_path / "plan.docx"))
    assert isinstance(raw.blocks[0], Paragraph)


# ---- 6: footnotes and endnotes

def test_footnotes_and_endnotes_are_kept_where_they_are_cited(tmp_path):
    document = extract_path(save(notes_plan(), tmp_path / "notes.docx"))
    assert [(n.kind, n.text) for n in document.notes] == [("footnote", FOOTNOTE), ("endnote", ENDNOTE)]
    footnote = document.notes[0]
    assert footnote.cited_in == NOTED_SENTENCE
    assert footnote.sources[0].quote == NOTED_SENTENCE
    # the note's text is not mixed into the body: the indicator is as written
    assert document.indicators[0].name == "Tỷ lệ hồ sơ được xử lý trực tuyến"


# ---- 7: Strict Open XML

def test_strict_open_xml_reads_like_transitional(tmp_path):
    usual = tmp_path / "usual.docx"
    usual.write_bytes(docx_bytes(plan_document()))
    strict = tmp_path / "strict.docx"
    strict.write_bytes(strict_bytes(usual.read_bytes()))
    import zipfile
    assert b"purl.oclc.org/ooxml/wordprocessingml" in zipfile.ZipFile(strict).read("word/document.xml")
    assert extract_path(strict).model_dump(exclude={"source"}) == extract_path(usual).model_dump(exclude={"source"})


def test_namespace_mapping_leaves_transitional_parts_alone():
    data = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
    assert transitional(data) is data


def test_a_docx_without_a_body_is_refused_with_what_is_missing(tmp_path):
    path = tmp_path / "nobody.docx"
    data = docx_bytes(plan_document())
    from fixtures.load_docs import replace_members
    path.write_bytes(replace_members(data, {"word/document.xml":
                     b'<w:document xmlns:w="http://example.org/not-wordprocessingml"/>'}))
    with pytest.raises(LoadError) as error:
        load(path)
    assert "w:body" in error.value.message


# ---- 9: Word's rendered page marks

@pytest.mark.parametrize("rendered", [True, False])
def test_pages_from_rendered_marks_are_not_estimated(tmp_path, rendered):
    path = save(rendered_pages_plan(rendered), tmp_path / "pages.docx")
    raw = load(path)
    assert [b.page for b in raw.blocks if isinstance(b, Paragraph)] == [1, 2, 3]
    document = extract_path(path)
    assert document.source.page_estimated is (not rendered)


def test_an_oversized_embedded_worksheet_is_refused_not_read(monkeypatch, tmp_path):
    from extract.load import embedded

    monkeypatch.setattr(embedded, "MAX_SHEET_BYTES", 100)
    document = extract_path(save(embedded_excel_plan(xlsx_bytes()), tmp_path / "big.docx"))
    assert not document.tasks
    message = next(p.message for p in document.problems if p.code == "embedded_object_unread")
    assert "limit 100" in message


def test_damaged_notes_part_loses_the_notes_not_the_document(tmp_path):
    from fixtures.load_docs import replace_members

    path = tmp_path / "broken-notes.docx"
    path.write_bytes(replace_members(docx_bytes(notes_plan()), {"word/footnotes.xml": b"<w:footnotes"}))
    document = extract_path(path)
    assert document.notes == [] and document.indicators
    assert "notes_unread" in {p.code for p in document.problems}
