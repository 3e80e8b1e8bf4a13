#!/usr/bin/env python3
"""Build the test corpus: DOCX and PDF from each text export in corpus/.

A plan source is its text export, corpus/<name>.txt (markdown-ish headings and emphasis,
inline <b>/<i>/<u>, tables as tab-separated lines whose header line is repeated after each page
break), plus a layout sidecar tools/corpus_layout/<name>.yaml with what a text export loses:

    issuer: [UBND PHƯỜNG MINH XUÂN, BAN CHỈ ĐẠO …]   # header, left column, top to bottom
    motto: state            # state: CỘNG HÒA … / Độc lập …; party: ĐẢNG CỘNG SẢN VIỆT NAM
    appendices:             # in document order; every key optional
      - landscape: true     # default true
        widths_cm: [1.2, 9, …]   # default: from the cell text lengths
        merge_columns: [0]  # columns vertically merged over an indicator's sub-rows (default [0])

For every plan it writes corpus/<name>.txt (a byte copy of the source), corpus/<name>.docx
(laid out like a real submission: Decree 30 header and closing as borderless tables, appendices
in landscape sections with real bordered tables, repeating header rows and merged cells) and
corpus/<name>.pdf (the DOCX converted by LibreOffice headless).

    python tools/make_corpus.py               # every plan
    python tools/make_corpus.py --only NAME   # one plan
    python tools/make_corpus.py --no-pdf      # DOCX and TXT only
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1]
LAYOUT_DIR = ROOT / "tools" / "corpus_layout"  # what a text export loses
OUT_DIR = ROOT / "corpus"

FONT = "Times New Roman"
BODY_PT = 14
HEADER_PT = 13
TABLE_PT = 13
FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

STATE_MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
PARTY_MOTTO = "ĐẢNG CỘNG SẢN VIỆT NAM"

# Inline markup of the text export: *** toggles bold and italic together (so "A***(B)*" is
# bold A then italic (B)), ** bold, * italic, and HTML-ish <b>, <i>, <u>.
MARKUP = re.compile(r"\*\*\*|\*\*|\*|</?[biuBIU]>")
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
ROMAN = re.compile(r"^(?=[IVXLC]+$)M{0,3}(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")
DOC_TYPES = ("KẾ HOẠCH", "KẾ HOẠCH HÀNH ĐỘNG")
NUMBER_LINE = re.compile(r"^Số\b")
DATE_LINE = re.compile(r"ngày.*tháng.*(?:năm|tháng)\s*\d{4}", re.IGNORECASE)  # also a damaged "tháng 2026"
MOTTO_LINE = re.compile(r"^(CỘNG HÒA|CỘNG HOÀ|Độc lập|ĐẢNG CỘNG SẢN)", re.IGNORECASE)
RECIPIENTS_LINE = re.compile(r"^Nơi nhận", re.IGNORECASE)
APPENDIX_LABEL = re.compile(r"^(Phụ lục|PHỤ LỤC)\b")
ATTACHMENT_LINE = re.compile(r"^\(\s*Kèm theo", re.IGNORECASE)


def plain(text: str) -> str:
    """Text without inline markup and heading marks."""
    text = HEADING.sub(r"\2", text.strip())
    return MARKUP.sub("", text).strip()


# ------------------------------------------------------------------ text export model

@dataclass
class Para:
    lines: list[str]            # raw lines; a line ending in two spaces is a soft line break
    heading: int = 0            # markdown heading level, 0 for body text


@dataclass
class TableRow:
    cells: list[str]            # raw cell text with inline markup
    kind: str                   # group | item | sub
    subrows: list["TableRow"] = field(default_factory=list)


@dataclass
class Table:
    header: list[str]
    rows: list[TableRow]        # group and item rows; sub-rows hang under their item
    page_breaks: int = 0        # header repeats in the export
    joined: int = 0             # rows continued across a page break, joined back


@dataclass
class Appendix:
    label: str
    titles: list[str]
    attachment: str | None
    blocks: list[Para | Table]


@dataclass
class Plan:
    header_lines: dict[str, str]    # number, date
    doc_type: Para
    title: list[Para]
    body: list[Para]
    recipients: list[str]           # left column of the closing, "Nơi nhận:" first
    capacity: list[str]             # signature authority lines
    signer: list[str]               # lines under the signature space (title, name)
    appendices: list[Appendix]


def blocks_of(lines: list[str]) -> list[list[str]]:
    """Runs of consecutive non-blank lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def paras_of(lines: list[str]) -> list[Para]:
    """One Para per line (or per run of soft-broken lines); headings from markdown '#'."""
    paras: list[Para] = []
    for block in blocks_of(lines):
        pending: list[str] = []
        for line in block:
            pending.append(line)
            if not line.endswith("  "):
                paras.append(make_para(pending))
                pending = []
        if pending:
            paras.append(make_para(pending))
    return paras


def make_para(lines: list[str]) -> Para:
    match = HEADING.match(lines[0])
    if match:
        return Para([match.group(2)] + lines[1:], heading=len(match.group(1)))
    return Para(lines)


def parse_plan(text: str, name: str) -> Plan:
    lines = text.split("\n")
    plains = [plain(line) for line in lines]

    doc_idx = next((i for i, p in enumerate(plains) if p in DOC_TYPES), None)
    if doc_idx is None:
        raise ValueError(f"{name}: no document type line")
    header_lines = parse_header(lines[:doc_idx], name)

    # trích yếu: the block after the document type
    i = doc_idx + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    title_start = i
    while i < len(lines) and lines[i].strip():
        i += 1
    title = paras_of(lines[title_start:i])

    rec_idx = next((j for j in range(i, len(lines)) if RECIPIENTS_LINE.match(plains[j])), None)
    if rec_idx is None:
        raise ValueError(f"{name}: no 'Nơi nhận' line")
    body = paras_of(lines[i:rec_idx])

    app_starts = [j for j in range(rec_idx, len(lines)) if APPENDIX_LABEL.match(plains[j])]
    closing_end = app_starts[0] if app_starts else len(lines)
    recipients, capacity, signer = parse_closing(lines[rec_idx:closing_end])

    appendices = []
    for k, start in enumerate(app_starts):
        end = app_starts[k + 1] if k + 1 < len(app_starts) else len(lines)
        appendices.append(parse_appendix(lines[start:end], name))

    return Plan(header_lines, make_para([lines[doc_idx]]), title, body,
                recipients, capacity, signer, appendices)


def parse_header(lines: list[str], name: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        text = plain(line)
        if not text or text == "*" or MOTTO_LINE.match(text):
            continue
        if NUMBER_LINE.match(text):
            found["number"] = text
        elif DATE_LINE.search(text):
            found["date"] = text
        # any other line is an issuer line that this export kept; the sidecar has them all
    if "number" not in found or "date" not in found:
        raise ValueError(f"{name}: header needs 'Số:' and date lines, got {found}")
    return found


def parse_closing(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Left column: 'Nơi nhận:' and its '- …' / '(…)' lines; right: signature blocks."""
    recipients: list[str] = []
    sig_blocks: list[list[str]] = []
    new_block = True
    for line in lines:
        text = plain(line)
        if not text:
            new_block = True
            continue
        if RECIPIENTS_LINE.match(text) or text[0] in "-–+(":
            recipients.append(text)
            new_block = True
            continue
        if new_block or not sig_blocks:
            sig_blocks.append([])
            new_block = False
        sig_blocks[-1].append(text)
    if not sig_blocks:
        raise ValueError("closing without a signature block")
    return recipients, sig_blocks[0], [t for b in sig_blocks[1:] for t in b]


def split_mashed(line: str) -> list[str]:
    """'**Phụ lục II****TITLE***(Kèm theo …)*' (runs glued by the export) -> three lines."""
    line = line.replace("****", "**\n**").replace("***(", "**\n*(")
    return line.split("\n")


def parse_appendix(lines: list[str], name: str) -> Appendix:
    first_tab = next((i for i, line in enumerate(lines) if "\t" in line), len(lines))
    label, titles, attachment, notes = "", [], None, []
    for raw in lines[:first_tab]:
        for piece in split_mashed(raw):
            text = plain(piece)
            if not text:
                continue
            if not label and APPENDIX_LABEL.match(text):
                label = text
            elif ATTACHMENT_LINE.match(text):
                attachment = text
            elif attachment is None:
                titles.append(text)
            else:
                notes.append(piece)
    blocks: list[Para | Table] = list(paras_of(notes))
    rest = lines[first_tab:]
    while rest:
        if "\t" in rest[0]:
            table, used = parse_table(rest, name)
            blocks.append(table)
        else:
            used = next((i for i, line in enumerate(rest) if "\t" in line), len(rest))
            blocks.extend(paras_of(rest[:used]))
        rest = rest[used:]
    return Appendix(label, titles, attachment, blocks)


def parse_table(lines: list[str], name: str) -> tuple[Table, int]:
    """Rows until the first non-blank line without a tab. A repeated header line marks a page
    break; a row with an empty first cell right after it continues the row before the break;
    any other row with an empty first cell is a sub-row of the item above."""
    header_line = lines[0].strip()
    header = lines[0].rstrip("\n").split("\t")
    ncols = len(header)
    rows: list[TableRow] = []
    last: TableRow | None = None
    after_break = False
    breaks = joined = 0
    used = 1
    for line in lines[1:]:
        if not line.strip():
            used += 1
            continue
        if "\t" not in line:
            break
        used += 1
        if line.strip() == header_line:
            after_break = True
            breaks += 1
            continue
        cells = line.rstrip("\n").split("\t")
        if len(cells) > ncols:
            if any(c.strip() for c in cells[ncols:]):
                raise ValueError(f"{name}: row wider than header: {line[:80]!r}")
            cells = cells[:ncols]
        cells += [""] * (ncols - len(cells))
        first = plain(cells[0]).rstrip(".")
        if after_break and not first and last is not None:
            last.cells = [join_cell(a, b) for a, b in zip(last.cells, cells)]
            after_break = False
            joined += 1
            continue
        after_break = False
        if ROMAN.match(first) and not any(plain(c) for c in cells[2:]):
            row = TableRow(cells, "group")
            rows.append(row)
        elif not first and rows and rows[-1].kind == "item":
            row = TableRow(cells, "sub")
            rows[-1].subrows.append(row)
        else:
            row = TableRow(cells, "item")
            rows.append(row)
        last = row
    return Table(header, rows, breaks, joined), used


def join_cell(before: str, after: str) -> str:
    before, after = before.strip(), after.strip()
    if before and after:
        return f"{before} {after}"
    return before or after


# ------------------------------------------------------------------ inline runs

def inline_runs(lines: list[str]):
    """Yield (text, bold, italic, underline, break_before) over soft-broken lines; emphasis
    carries over line ends, as in '**KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH**'."""
    bold = italic = underline = False
    for n, line in enumerate(lines):
        line = line.rstrip()
        brk = n > 0
        if line.startswith("* "):          # a '*' bullet, not emphasis
            yield "* ", bold, italic, underline, brk
            line, brk = line[2:], False
        pos = 0
        for match in MARKUP.finditer(line):
            if match.start() > pos:
                yield line[pos:match.start()], bold, italic, underline, brk
                brk = False
            bold, italic, underline = toggle(match.group().lower(), bold, italic, underline)
            pos = match.end()
        if pos < len(line) or brk:
            yield line[pos:], bold, italic, underline, brk


def toggle(mark: str, bold: bool, italic: bool, underline: bool) -> tuple[bool, bool, bool]:
    if mark == "***":
        return not bold, not italic, underline
    if mark == "**":
        return not bold, italic, underline
    if mark == "*":
        return bold, not italic, underline
    on = not mark.startswith("</")
    letter = mark.strip("</>")
    if letter == "b":
        return on, italic, underline
    if letter == "i":
        return bold, on, underline
    return bold, italic, on


# ------------------------------------------------------------------ docx helpers

def set_rfonts(rpr) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)


def setup_styles(doc) -> None:
    normal = doc.styles["Normal"]
    set_rfonts(normal.element.get_or_add_rPr())
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    for level in range(1, 5):
        style = doc.styles[f"Heading {level}"]
        rpr = style.element.get_or_add_rPr()
        color = rpr.find(qn("w:color"))
        if color is not None:
            rpr.remove(color)
        set_rfonts(rpr)
        style.font.size = Pt(BODY_PT)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(6)
        style.paragraph_format.space_after = Pt(6)


def set_borders(table, value: str) -> None:
    tbl_pr = table._tbl.tblPr
    borders = tbl_pr.find(qn("w:tblBorders"))
    if borders is None:
        borders = OxmlElement("w:tblBorders")
        tbl_pr.append(borders)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), value)
        if value != "nil":
            el.set(qn("w:sz"), "4")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)


def set_widths(table, widths_cm: list[float]) -> None:
    table.autofit = False
    for i, width in enumerate(widths_cm):
        table.columns[i].width = Cm(width)
        for cell in table.columns[i].cells:
            cell.width = Cm(width)


def mark_header_row(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def tight(paragraph, align=WD_ALIGN_PARAGRAPH.CENTER, after: float = 0) -> None:
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    fmt.line_spacing = 1.0
    fmt.first_line_indent = None


def add_text(paragraph, text: str, size: float, bold=False, italic=False, underline=False):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold or None
    run.italic = italic or None
    run.underline = underline or None
    return run


def add_runs(paragraph, lines: list[str], size: float | None = None, force_bold=False) -> None:
    for text, bold, italic, underline, brk in inline_runs(lines):
        if brk:
            paragraph.add_run().add_break()
        if text:
            run = paragraph.add_run(text)
            if size:
                run.font.size = Pt(size)
            run.bold = (bold or force_bold) or None
            run.italic = italic or None
            run.underline = underline or None


def cell_paragraph(cell):
    """The cell's first paragraph, emptied (python-docx merges leave one paragraph)."""
    for extra in cell.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    return cell.paragraphs[0]


def add_page_number_header(section) -> None:
    """Decree 30 numbers pages from the second one, at the top centre."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    tight(paragraph)
    run = paragraph.add_run()
    run.font.size = Pt(HEADER_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, None), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
        else:
            el = OxmlElement("w:t")
            el.text = "2"
        run._r.append(el)


def page_setup(section, landscape: bool) -> None:
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(2.0)
        section.top_margin = section.bottom_margin = Cm(2.0)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin, section.right_margin = Cm(3.0), Cm(2.0)
        section.top_margin = section.bottom_margin = Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)


def text_width_cm(section) -> float:
    return (section.page_width - section.left_margin - section.right_margin) / 360000


# ------------------------------------------------------------------ docx layout

def build_docx(plan: Plan, side: dict) -> bytes:
    doc = Document()
    setup_styles(doc)
    section = doc.sections[0]
    page_setup(section, landscape=False)
    add_page_number_header(section)

    add_header_table(doc, plan, side)
    add_title(doc, plan)
    for para in plan.body:
        add_body_paragraph(doc, para)
    add_closing_table(doc, plan)

    app_sides = side.get("appendices") or []
    for k, appendix in enumerate(plan.appendices):
        opts = app_sides[k] if k < len(app_sides) else {}
        add_appendix(doc, appendix, opts)

    props = doc.core_properties
    props.author = props.last_modified_by = ""
    props.title = plain(" ".join(l for p in plan.title for l in p.lines))
    props.comments = props.keywords = props.subject = props.category = ""
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return deterministic_zip(buffer.getvalue())


def add_header_table(doc, plan: Plan, side: dict) -> None:
    issuer = side["issuer"]
    table = doc.add_table(rows=2, cols=2)
    set_borders(table, "nil")
    set_widths(table, [8.0, 8.0] if side.get("motto") == "party" else [6.0, 10.0])
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.cell(0, 0), table.cell(0, 1)
    for i, line in enumerate(issuer):
        p = left.paragraphs[0] if i == 0 else left.add_paragraph()
        tight(p)
        add_text(p, line.upper(), HEADER_PT, bold=(i == len(issuer) - 1))
    if side.get("motto", "state") == "party":
        p = right.paragraphs[0]
        tight(p)
        add_text(p, PARTY_MOTTO, BODY_PT, bold=True, underline=True)
    else:
        p = right.paragraphs[0]
        tight(p)
        add_text(p, STATE_MOTTO[0], HEADER_PT, bold=True)
        p = right.add_paragraph()
        tight(p)
        add_text(p, STATE_MOTTO[1], BODY_PT, bold=True)
    p = table.cell(1, 0).paragraphs[0]
    tight(p)
    p.paragraph_format.space_before = Pt(6)
    add_text(p, plan.header_lines["number"], HEADER_PT)
    p = table.cell(1, 1).paragraphs[0]
    tight(p)
    p.paragraph_format.space_before = Pt(6)
    add_text(p, plan.header_lines["date"], BODY_PT, italic=True)


def add_title(doc, plan: Plan) -> None:
    p = doc.add_paragraph(style=heading_style(plan.doc_type.heading))
    tight(p, after=0)
    p.paragraph_format.space_before = Pt(18)
    add_runs(p, plan.doc_type.lines, BODY_PT, force_bold=True)
    for para in plan.title:
        p = doc.add_paragraph(style=heading_style(para.heading))
        tight(p, after=0)
        add_runs(p, para.lines, BODY_PT, force_bold=True)
    p.paragraph_format.space_after = Pt(18)


def heading_style(level: int) -> str:
    return f"Heading {min(max(level - 1, 1), 4)}" if level else "Normal"


def add_body_paragraph(doc, para: Para) -> None:
    p = doc.add_paragraph(style=heading_style(para.heading))
    fmt = p.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Cm(1.0)
    add_runs(p, para.lines)


def add_closing_table(doc, plan: Plan) -> None:
    table = doc.add_table(rows=1, cols=2)
    set_borders(table, "nil")
    set_widths(table, [7.5, 8.5])
    left, right = table.cell(0, 0), table.cell(0, 1)
    for i, line in enumerate(plan.recipients):
        p = left.paragraphs[0] if i == 0 else left.add_paragraph()
        tight(p, WD_ALIGN_PARAGRAPH.LEFT)
        if i == 0:
            p.paragraph_format.space_before = Pt(12)
            add_text(p, line, 12, bold=True, italic=True)
        else:
            add_text(p, line, 11)
    lines = plan.capacity + [""] * 4 + plan.signer
    for i, line in enumerate(lines):
        p = right.paragraphs[0] if i == 0 else right.add_paragraph()
        tight(p)
        if i == 0:
            p.paragraph_format.space_before = Pt(12)
        if line:
            add_text(p, line, BODY_PT, bold=True)


def add_appendix(doc, appendix: Appendix, opts: dict) -> None:
    landscape = opts.get("landscape", True)
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    page_setup(section, landscape)
    heads = [(appendix.label, True, False)] + [(t, True, False) for t in appendix.titles]
    if appendix.attachment:
        heads.append((appendix.attachment, False, True))
    for text, bold, italic in heads:
        p = doc.add_paragraph()
        tight(p)
        add_text(p, text, BODY_PT, bold=bold, italic=italic)
    p.paragraph_format.space_after = Pt(12)
    for block in appendix.blocks:
        if isinstance(block, Table):
            add_grid_table(doc, block, opts, text_width_cm(section))
        else:
            add_body_paragraph(doc, block)


def auto_widths(table: Table, total: float) -> list[float]:
    """Column widths from the mean cell length (square-rooted so long text does not starve
    the short columns), at least 1.3 cm."""
    ncols = len(table.header)
    rows = [r for r in table.rows if r.kind != "group"]
    rows += [s for r in table.rows for s in r.subrows]
    weights = []
    for c in range(ncols):
        lengths = [len(plain(r.cells[c])) for r in rows] or [0]
        mean = max(sum(lengths) / len(lengths), len(plain(table.header[c])) / 2, 2)
        weights.append(mean ** 0.6)
    widths = [total * w / sum(weights) for w in weights]
    widths = [max(w, 1.3) for w in widths]
    scale = total / sum(widths)
    return [round(w * scale, 2) for w in widths]


def add_grid_table(doc, table: Table, opts: dict, total_width: float) -> None:
    ncols = len(table.header)
    merge_cols = opts.get("merge_columns", [0])
    flat: list[TableRow] = []
    for row in table.rows:
        flat.append(row)
        flat.extend(row.subrows)
    grid = doc.add_table(rows=1 + len(flat), cols=ncols)
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = opts.get("widths_cm") or auto_widths(table, total_width)
    if len(widths) != ncols:
        raise ValueError(f"widths_cm has {len(widths)} values for {ncols} columns")
    set_widths(grid, widths)
    mark_header_row(grid.rows[0])

    # merges first, on empty cells; then text into the cells that remain visible
    hidden: set[tuple[int, int]] = set()
    r = 1
    for row in table.rows:
        if row.kind == "group" and ncols > 2:
            grid.cell(r, 1).merge(grid.cell(r, ncols - 1))
            hidden.update((r, c) for c in range(2, ncols))
        if row.subrows:
            last = r + len(row.subrows)
            for c in merge_cols:
                if any(plain(s.cells[c]) for s in row.subrows):
                    raise ValueError(f"sub-row has text in merged column {c}: {row.subrows}")
                grid.cell(r, c).merge(grid.cell(last, c))
                hidden.update((k, c) for k in range(r + 1, last + 1))
        r += 1 + len(row.subrows)

    short = [max((len(plain(x.cells[c])) for x in flat), default=0) <= 14 for c in range(ncols)]
    for c, text in enumerate(table.header):
        p = cell_paragraph(grid.cell(0, c))
        tight(p, after=0)
        add_runs(p, [text], TABLE_PT, force_bold=True)
        grid.cell(0, c).vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for r, row in enumerate(flat, start=1):
        group = row.kind == "group"
        for c in range(ncols):
            if (r, c) in hidden:
                continue
            cell = grid.cell(r, c)
            p = cell_paragraph(cell)
            centered = c == 0 or (short[c] and not group)
            tight(p, WD_ALIGN_PARAGRAPH.CENTER if centered else WD_ALIGN_PARAGRAPH.LEFT, after=0)
            p.paragraph_format.space_before = Pt(2)
            p.paragraph_format.space_after = Pt(2)
            add_runs(p, [row.cells[c].strip()], TABLE_PT, force_bold=group)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    doc.add_paragraph()


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed member timestamps so reruns give the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


# ------------------------------------------------------------------ pdf

def convert_to_pdf(docx_path: Path, pdf_path: Path, profile: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="make-corpus-") as out_dir:
        cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
               "--convert-to", "pdf", "--outdir", out_dir, str(docx_path)]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        produced = Path(out_dir) / (docx_path.stem + ".pdf")
        if result.returncode != 0 or not produced.exists():
            raise RuntimeError(f"soffice failed on {docx_path.name}: {result.stderr.strip()}")
        shutil.move(str(produced), pdf_path)


# ------------------------------------------------------------------ driver

def plan_names() -> list[str]:
    return sorted(p.stem for p in LAYOUT_DIR.glob("*.yaml"))


def build(name: str, pdf: bool, profile: Path) -> None:
    txt_src, side_src = OUT_DIR / f"{name}.txt", LAYOUT_DIR / f"{name}.yaml"
    side = yaml.safe_load(side_src.read_text(encoding="utf-8"))
    text = txt_src.read_text(encoding="utf-8")
    plan = parse_plan(text, name)
    docx_path = OUT_DIR / f"{name}.docx"
    docx_path.write_bytes(build_docx(plan, side))
    if pdf:
        convert_to_pdf(docx_path, OUT_DIR / f"{name}.pdf", profile)
    tables = [t for a in plan.appendices for t in a.blocks if isinstance(t, Table)]
    shapes = ", ".join(
        f"{sum(r.kind == 'item' for r in t.rows)} items + "
        f"{sum(len(r.subrows) for r in t.rows)} sub-rows + "
        f"{sum(r.kind == 'group' for r in t.rows)} groups "
        f"({t.page_breaks} breaks, {t.joined} joined)" for t in tables)
    print(f"{name}: {len(plan.body)} body paragraphs; tables: {shapes or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", metavar="NAME", help="build one plan (corpus/NAME.txt)")
    parser.add_argument("--no-pdf", action="store_true", help="skip the LibreOffice conversion")
    args = parser.parse_args(argv)
    names = [args.only] if args.only else plan_names()
    missing = [n for n in names if not (LAYOUT_DIR / f"{n}.yaml").exists()]
    if missing:
        parser.error(f"no source for {', '.join(missing)}")
    profile = Path(tempfile.gettempdir()) / f"lo-profile-{os.getpid()}"
    try:
        for name in names:
            build(name, pdf=not args.no_pdf, profile=profile)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
