"""The corpus is complete and its DOCX files carry the layout of a real submission.

Every plan in corpus/ (text export, with its layout sidecar in tools/corpus_layout/) has a .docx and .pdf;
the DOCX has the Decree 30 header and closing as borderless two-column tables and each appendix
table as a bordered grid with a repeating header row. Regenerate with tools/make_corpus.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.oxml.ns import qn
from docx.enum.section import WD_ORIENT

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
LAYOUT = CORPUS.parent / "tools" / "corpus_layout"
sys.path.insert(0, str(ROOT / "tools"))
import make_corpus  # noqa: E402

PLANS = sorted(p.stem for p in LAYOUT.glob("*.yaml"))


def test_corpus_has_plans():
    assert len(PLANS) >= 7
    for name in PLANS:
        assert (LAYOUT / f"{name}.yaml").exists(), name


@pytest.mark.parametrize("name", PLANS)
def test_plan_in_every_format(name):
    assert (CORPUS / f"{name}.txt").stat().st_size > 0
    assert (CORPUS / f"{name}.docx").read_bytes()[:2] == b"PK"
    assert (CORPUS / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"


def borderless(table) -> bool:
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    return borders is not None and all(b.get(qn("w:val")) == "nil" for b in borders)


def parsed(name):
    return make_corpus.parse_plan((CORPUS / f"{name}.txt").read_text(encoding="utf-8"), name)


@pytest.mark.parametrize("name", PLANS)
def test_docx_layout_tables(name):
    doc = Document(CORPUS / f"{name}.docx")
    side = yaml.safe_load((LAYOUT / f"{name}.yaml").read_text(encoding="utf-8"))
    body = doc.element.body
    first = next(el for el in body.iterchildren() if el.tag in (qn("w:tbl"), qn("w:p")))
    assert first.tag == qn("w:tbl"), "document must open with the header table"

    header, closing = doc.tables[0], next(t for t in doc.tables if "Nơi nhận" in t.cell(0, 0).text)
    for table in (header, closing):
        assert borderless(table) and len(table.columns) == 2
    left, right = header.cell(0, 0).text, header.cell(0, 1).text
    assert left.split("\n") == [line.upper() for line in side["issuer"]]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right or "ĐẢNG CỘNG SẢN VIỆT NAM" in right
    assert header.cell(1, 0).text.startswith("Số")
    # (one plan keeps a typist's damaged date: "ngày 19 tháng 01 tháng 2026")
    assert "năm 2026" in header.cell(1, 1).text or "tháng 2026" in header.cell(1, 1).text

    grids = [t for t in doc.tables if t.style is not None and t.style.name == "Table Grid"]
    expected = [b for a in parsed(name).appendices for b in a.blocks
                if isinstance(b, make_corpus.Table)]
    assert len(grids) == len(expected)
    for grid, table in zip(grids, expected):
        first_row = grid.rows[0]._tr
        assert first_row.trPr is not None and first_row.trPr.find(qn("w:tblHeader")) is not None
        assert all(r.font.bold for c in grid.rows[0].cells for p in c.paragraphs for r in p.runs)
        rows = sum(1 + len(r.subrows) for r in table.rows)
        assert len(grid.rows) == 1 + rows, "rows broken across a page break are joined"
        xml = grid._tbl.xml
        if any(r.kind == "group" for r in table.rows):
            assert "w:gridSpan" in xml
        if any(r.subrows for r in table.rows):
            assert 'w:vMerge w:val="restart"' in xml


@pytest.mark.parametrize("name", PLANS)
def test_appendix_sections(name):
    doc = Document(CORPUS / f"{name}.docx")
    side = yaml.safe_load((LAYOUT / f"{name}.yaml").read_text(encoding="utf-8"))
    appendices = parsed(name).appendices
    assert len(doc.sections) == 1 + len(appendices)
    assert doc.sections[0].orientation == WD_ORIENT.PORTRAIT
    opts = side.get("appendices") or []
    for k, section in enumerate(doc.sections[1:]):
        landscape = (opts[k] if k < len(opts) else {}).get("landscape", True)
        assert (section.orientation == WD_ORIENT.LANDSCAPE) == landscape
        assert (section.page_width > section.page_height) == landscape


def test_generator_is_deterministic_and_corpus_current():
    name = "quang-tri-tinh-2026" if "quang-tri-tinh-2026" in PLANS else PLANS[0]
    side = yaml.safe_load((LAYOUT / f"{name}.yaml").read_text(encoding="utf-8"))
    first = make_corpus.build_docx(parsed(name), side)
    assert first == make_corpus.build_docx(parsed(name), side)
    assert first == (CORPUS / f"{name}.docx").read_bytes(), "run tools/make_corpus.py"
