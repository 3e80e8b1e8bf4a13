"""DOCX: walk the body XML in order (w:p, w:tbl), resolving formatting through styles.

python-docx is not used to read: its package load parses every part and its `row.cells`
repeats merged cells per grid position. Instead the main part and styles are parsed once
with a hardened lxml parser (see ooxml.py) and w:tc elements are walked directly, so a
gridSpan cell appears once with `span`, and a vMerge continuation is an empty Cell.

Layout tables (borderless, at most 3 columns: the Decree 30 header and closing) are
flattened into paragraphs column by column, left column first, like the PDF reader does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from extract.load.errors import LoadError
from extract.load.ooxml import W, Package, parse_xml, xml_int
from extract.structures import Block, Cell, Format, Paragraph, RawDocument, Row, Table

LAYOUT_MAX_COLUMNS = 3
# Bounds of the numbers read from attributes (Word's own limits): beyond them a value is
# damage, clamped so that no table, list label or page count can grow without bound.
MAX_GRID_COLUMNS = 64          # Word allows 63 columns
MAX_OUTLINE_LEVEL = 9          # w:outlineLvl 0..9 (9: body text)
MAX_LIST_LEVEL = 8             # w:ilvl 0..8
MAX_LIST_START = 32767         # w:start, w:startOverride
MAX_APP_PAGES = 100_000        # docProps/app.xml <Pages>
MAX_ROMAN = 3999               # larger list numbers in roman or letter formats print as digits
MAX_LETTER_REPEAT = 30         # a..z, aa..zz, … up to 30 letters (780)

# Tags, precomputed once.
P, R, T, TBL, TR, TC = W + "p", W + "r", W + "t", W + "tbl", W + "tr", W + "tc"
PPR, RPR, TCPR, TRPR, TBLPR = W + "pPr", W + "rPr", W + "tcPr", W + "trPr", W + "tblPr"
SDT, SDT_CONTENT, CUSTOM_XML = W + "sdt", W + "sdtContent", W + "customXml"
TAB, BR, CR, LAST_RENDERED = W + "tab", W + "br", W + "cr", W + "lastRenderedPageBreak"
NO_BREAK_HYPHEN, PTAB = W + "noBreakHyphen", W + "ptab"      # w:softHyphen is invisible: skipped
SECT_PR, BODY, VAL = W + "sectPr", W + "body", W + "val"
TXBX_CONTENT = W + "txbxContent"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
ALTERNATE_CONTENT, MC_CHOICE = "{%s}AlternateContent" % MC_NS, "{%s}Choice" % MC_NS
DRAWING, PICT = W + "drawing", W + "pict"
# Containers whose runs are part of the paragraph text.
_RUN_CONTAINERS = frozenset(W + name for name in (
    "hyperlink", "ins", "smartTag", "fldSimple", "sdt", "sdtContent", "customXml", "moveTo", "dir", "bdo",
))
_BLOCK_CONTAINERS = frozenset((SDT, SDT_CONTENT, CUSTOM_XML, W + "ins", W + "moveTo"))
_FALSE = frozenset(("0", "false", "off", "none"))
_HEADING_NAME = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_PAGE_MARKERS = (b'w:type="page"', b"lastRenderedPageBreak", b"pageBreakBefore")


def _on(element: etree._Element | None) -> bool | None:
    """A toggle property (w:b, w:i, w:vanish): None when absent."""
    if element is None:
        return None
    return element.get(VAL, "1").lower() not in _FALSE


# ------------------------------------------------------------------ styles

@dataclass(slots=True)
class _Style:
    kind: str
    name: str
    based_on: str | None
    bold: bool | None = None
    italic: bool | None = None
    centered: bool | None = None
    outline: int | None = None
    num_id: str | None = None
    num_level: int | None = None
    page_break_before: bool | None = None
    borders: dict[str, bool] = field(default_factory=dict)


def _val_int(element: etree._Element | None, default: int | None, low: int, high: int) -> int | None:
    """The w:val of `element` as a bounded integer (see ooxml.xml_int); `default` when absent."""
    if element is None:
        return default
    return xml_int(element.get(VAL), default, low, high)


class Styles:
    """styles.xml resolved: bold/italic/alignment/heading/numbering per style id, with inheritance."""

    def __init__(self, root: etree._Element | None):
        self.styles: dict[str, _Style] = {}
        self._cache: dict[tuple[str, str], object] = {}
        self.default_bold = self.default_italic = False
        self.default_paragraph: str | None = None
        self.default_table: str | None = None
        if root is None:
            return
        defaults = root.find(W + "docDefaults")
        if defaults is not None:
            rpr = defaults.find(f"{W}rPrDefault/{RPR}")
            if rpr is not None:
                self.default_bold = bool(_on(rpr.find(W + "b")))
                self.default_italic = bool(_on(rpr.find(W + "i")))
        for element in root.iter(W + "style"):
            style_id = element.get(W + "styleId")
            if not style_id:
                continue
            kind = element.get(W + "type", "paragraph")
            name_el = element.find(W + "name")
            based_el = element.find(W + "basedOn")
            style = _Style(kind, name_el.get(VAL, "") if name_el is not None else "",
                           based_el.get(VAL) if based_el is not None else None)
            rpr = element.find(RPR)
            if rpr is not None:
                style.bold = _on(rpr.find(W + "b"))
                style.italic = _on(rpr.find(W + "i"))
            ppr = element.find(PPR)
            if ppr is not None:
                jc = ppr.find(W + "jc")
                if jc is not None:
                    style.centered = jc.get(VAL) == "center"
                style.outline = _val_int(ppr.find(W + "outlineLvl"), None, 0, MAX_OUTLINE_LEVEL)
                num_pr = ppr.find(W + "numPr")
                if num_pr is not None:
                    num_id = num_pr.find(W + "numId")
                    style.num_id = num_id.get(VAL) if num_id is not None else None
                    style.num_level = _val_int(num_pr.find(W + "ilvl"), None, 0, MAX_LIST_LEVEL)
                style.page_break_before = _on(ppr.find(W + "pageBreakBefore"))
            tbl_pr = element.find(TBLPR)
            if tbl_pr is not None:
                style.borders = border_sides(tbl_pr.find(W + "tblBorders"))
            if element.get(W + "default") in ("1", "true"):
                if kind == "paragraph":
                    self.default_paragraph = style_id
                elif kind == "table":
                    self.default_table = style_id
            self.styles[style_id] = style

    def _chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            style = self.styles.get(style_id)
            if style is None:
                return
            yield style
            style_id = style.based_on

    def get(self, style_id: str | None, attribute: str):
        """The first value of `attribute` set along the basedOn chain (None if never set)."""
        key = (style_id or "", attribute)
        try:
            return self._cache[key]
        except KeyError:
            pass
        value = None
        for style in self._chain(style_id):
            value = getattr(style, attribute)
            if value is not None:
                break
        self._cache[key] = value
        return value

    def heading(self, style_id: str | None) -> int | None:
        key = (style_id or "", "#heading")
        if key not in self._cache:
            level = None
            for style in self._chain(style_id):
                match = _HEADING_NAME.match(style.name.strip())
                if match:
                    level = int(match.group(1))
                    break
            if level is None:
                outline = self.get(style_id, "outline")
                if outline is not None and outline < 9:
                    level = outline + 1
            self._cache[key] = level
        return self._cache[key]

    def table_borders(self, style_id: str | None) -> dict[str, bool]:
        merged: dict[str, bool] = {}
        for style in reversed(list(self._chain(style_id or self.default_table))):
            merged.update(style.borders)
        return merged


_BORDER_SIDES = ("top", "left", "start", "bottom", "right", "end", "insideH", "insideV")


def border_sides(borders: etree._Element | None) -> dict[str, bool]:
    """Visible (True) or hidden (False) per declared border side."""
    if borders is None:
        return {}
    result = {}
    for side in _BORDER_SIDES:
        element = borders.find(W + side)
        if element is not None:
            result[side] = element.get(VAL, "nil") not in ("nil", "none")
    return result


@lru_cache(maxsize=32)
def _cached_styles(key: tuple[int, int], data: bytes) -> Styles:
    return Styles(parse_xml(data, "styles.xml"))


# ------------------------------------------------------------------ numbering

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _roman(number: int) -> str:
    if not 0 < number <= MAX_ROMAN:
        return str(number)
    out = []
    for value, letters in _ROMAN:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def _letters(number: int) -> str:
    # Word repeats the letter: a..z, aa..zz, ...
    if number > 26 * MAX_LETTER_REPEAT:
        return str(number)
    return chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1) if number > 0 else ""


def _format_number(number: int, fmt: str) -> str:
    if fmt == "upperRoman":
        return _roman(number)
    if fmt == "lowerRoman":
        return _roman(number).lower()
    if fmt == "upperLetter":
        return _letters(number).upper()
    if fmt == "lowerLetter":
        return _letters(number)
    if fmt == "decimalZero":
        return f"{number:02d}"
    if fmt == "none":
        return ""
    return str(number)


@dataclass(slots=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    suffix: str = "tab"
    legal: bool = False


class Numbering:
    """numbering.xml: renders the automatic list label of a paragraph ("1.", "a)", "-")."""

    _PLACEHOLDER = re.compile(r"%([1-9])")

    def __init__(self, root: etree._Element | None):
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if root is None:
            return
        for abstract in root.iter(W + "abstractNum"):
            levels = {}
            for lvl in abstract.iter(W + "lvl"):
                levels[xml_int(lvl.get(W + "ilvl"), 0, 0, MAX_LIST_LEVEL)] = self._level(lvl)
            self.abstract[abstract.get(W + "abstractNumId", "")] = levels
        for num in root.iter(W + "num"):
            abstract_id = num.find(W + "abstractNumId")
            overrides = {}
            for override in num.iter(W + "lvlOverride"):
                start = _val_int(override.find(W + "startOverride"), None, 0, MAX_LIST_START)
                if start is not None:
                    overrides[xml_int(override.get(W + "ilvl"), 0, 0, MAX_LIST_LEVEL)] = start
            if abstract_id is not None:
                self.nums[num.get(W + "numId", "")] = (abstract_id.get(VAL, ""), overrides)

    @staticmethod
    def _level(lvl: etree._Element) -> _Level:
        level = _Level()
        level.start = _val_int(lvl.find(W + "start"), level.start, 0, MAX_LIST_START)
        fmt = lvl.find(W + "numFmt")
        if fmt is not None:
            level.fmt = fmt.get(VAL, "decimal")
        text = lvl.find(W + "lvlText")
        if text is not None:
            level.text = text.get(VAL, "")
        suffix = lvl.find(W + "suff")
        if suffix is not None:
            level.suffix = suffix.get(VAL, "tab")
        level.legal = lvl.find(W + "isLgl") is not None
        return level

    def label(self, num_id: str | None, ilvl: int) -> str:
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id)
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for level_index, start in overrides.items():
                counters[level_index] = start - 1
        level = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [index for index in counters if index > ilvl]:
            del counters[deeper]
        if level.fmt == "bullet":
            bullet = level.text.strip()
            label = "•" if not bullet or any("\ue000" <= ch <= "\uf8ff" for ch in bullet) else bullet
        else:
            def substitute(match: re.Match) -> str:
                index = int(match.group(1)) - 1
                lvl = levels.get(index, _Level())
                value = counters.get(index, lvl.start)
                return _format_number(value, "decimal" if level.legal and index != ilvl else lvl.fmt)
            label = self._PLACEHOLDER.sub(substitute, level.text)
        if not label:
            return ""
        return label + ("" if level.suffix == "nothing" else " ")


# ------------------------------------------------------------------ body walk

@dataclass(slots=True)
class _Line:
    """One visual line of a paragraph (paragraphs are split at w:br line breaks)."""

    parts: list[tuple[str, bool, bool]] = field(default_factory=list)
    page: int | None = None


class _Walker:
    def __init__(self, styles: Styles, numbering: Numbering, paginate: bool, section_breaks: dict):
        self.styles = styles
        self.numbering = numbering
        self.paginate = paginate
        self.section_breaks = section_breaks    # sectPr -> whether the next section starts a page
        self.page = 1
        self.text_since_break = True            # no page break counted since the last text

    # -- pages
    def _page_break(self, rendered: bool = False) -> None:
        if rendered and not self.text_since_break:
            return        # Word's rendered marker right after a hard break: same page change
        self.page += 1
        self.text_since_break = False

    def _current_page(self) -> int | None:
        return self.page if self.paginate else None

    # -- paragraphs
    def paragraph_lines(self, p: etree._Element) -> tuple[list[_Line], dict]:
        ppr = p.find(PPR)
        style_id = None
        direct: dict = {}
        if ppr is not None:
            pstyle = ppr.find(W + "pStyle")
            if pstyle is not None:
                style_id = pstyle.get(VAL)
            jc = ppr.find(W + "jc")
            if jc is not None:
                direct["centered"] = jc.get(VAL) == "center"
            outline = _val_int(ppr.find(W + "outlineLvl"), None, 0, MAX_OUTLINE_LEVEL)
            if outline is not None:
                direct["outline"] = outline
            if _on(ppr.find(W + "pageBreakBefore")):
                direct["page_break_before"] = True
            num_pr = ppr.find(W + "numPr")
            if num_pr is not None:
                num_id = num_pr.find(W + "numId")
                direct["num_id"] = num_id.get(VAL) if num_id is not None else None
                level = _val_int(num_pr.find(W + "ilvl"), None, 0, MAX_LIST_LEVEL)
                if level is not None:
                    direct["num_level"] = level
        if style_id is None:
            style_id = self.styles.default_paragraph
        styles = self.styles
        if direct.get("page_break_before") or (
                "page_break_before" not in direct and styles.get(style_id, "page_break_before")):
            self._page_break()
        para_bold = styles.get(style_id, "bold")
        para_italic = styles.get(style_id, "italic")
        base_bold = para_bold if para_bold is not None else styles.default_bold
        base_italic = para_italic if para_italic is not None else styles.default_italic
        lines = [_Line()]
        num_id = direct.get("num_id", styles.get(style_id, "num_id"))
        if num_id:
            level = direct.get("num_level", styles.get(style_id, "num_level")) or 0
            label = self.numbering.label(num_id, level)
            if label:
                lines[0].parts.append((label, None, None))   # label takes the formatting of the text
        extra: list[etree._Element] = []
        self._runs(p, lines, base_bold, base_italic, extra)
        centered = direct.get("centered", styles.get(style_id, "centered"))
        heading = styles.heading(style_id)
        if "outline" in direct and direct["outline"] < 9:
            heading = direct["outline"] + 1
        info = {"centered": bool(centered), "heading": heading, "textboxes": extra}
        if ppr is not None:
            sect = ppr.find(SECT_PR)
            if sect is not None and self.section_breaks.get(sect):
                self._page_break()
        return lines, info

    def _runs(self, container, lines: list[_Line], base_bold, base_italic, extra) -> None:
        styles = self.styles
        for child in container:
            tag = child.tag
            if tag == R:
                rpr = child.find(RPR)
                bold, italic = base_bold, base_italic
                if rpr is not None:
                    if _on(rpr.find(W + "vanish")):
                        continue
                    rstyle = rpr.find(W + "rStyle")
                    if rstyle is not None:
                        style_bold = styles.get(rstyle.get(VAL), "bold")
                        style_italic = styles.get(rstyle.get(VAL), "italic")
                        bold = style_bold if style_bold is not None else bold
                        italic = style_italic if style_italic is not None else italic
                    direct_bold = _on(rpr.find(W + "b"))
                    direct_italic = _on(rpr.find(W + "i"))
                    bold = direct_bold if direct_bold is not None else bold
                    italic = direct_italic if direct_italic is not None else italic
                for item in child:
                    item_tag = item.tag
                    if item_tag == T:
                        text = item.text
                        if text:
                            line = lines[-1]
                            if (line.page is None or not self.text_since_break) and text.strip():
                                if line.page is None:
                                    line.page = self._current_page()
                                self.text_since_break = True
                            line.parts.append((text, bold, italic))
                    elif item_tag == TAB or item_tag == PTAB:
                        lines[-1].parts.append((" ", bold, italic))
                    elif item_tag == BR or item_tag == CR:
                        if item.get(W + "type") == "page":
                            self._page_break()
                        if item.get(W + "type") != "column" or item_tag == CR:
                            lines.append(_Line())
                    elif item_tag == LAST_RENDERED:
                        self._page_break(rendered=True)
                    elif item_tag == NO_BREAK_HYPHEN:
                        lines[-1].parts.append(("-", bold, italic))
                    elif item_tag in (DRAWING, PICT, ALTERNATE_CONTENT):
                        extra.extend(_textbox_contents(item))
            elif tag in _RUN_CONTAINERS:
                self._runs(child, lines, base_bold, base_italic, extra)
            elif tag == ALTERNATE_CONTENT:
                extra.extend(_textbox_contents(child))

    def paragraph_blocks(self, p: etree._Element) -> list[Block]:
        lines, info = self.paragraph_lines(p)
        blocks: list[Block] = []
        for line in lines:
            paragraph = _make_paragraph(line, info)
            if paragraph is not None:
                blocks.append(paragraph)
        for textbox in info["textboxes"]:
            blocks.extend(self.blocks(textbox))
        return blocks

    # -- block containers
    def blocks(self, container: etree._Element, layout: bool = True) -> list[Block]:
        """Paragraphs and tables of a body, cell or text box; `layout=False` inside a data
        cell, where a nested table is read row by row whatever its borders."""
        out: list[Block] = []
        for child in container:
            tag = child.tag
            if tag == P:
                out.extend(self.paragraph_blocks(child))
            elif tag == TBL:
                out.extend(self.table(child, layout))
            elif tag in _BLOCK_CONTAINERS:
                out.extend(self.blocks(child, layout))
        return out

    # -- tables
    def table(self, tbl: etree._Element, layout: bool = True) -> list[Block]:
        grid = _table_grid(tbl)
        if layout and _is_layout_table(tbl, grid, self.styles):
            return self._flatten_layout(grid)
        rows: list[Row] = []
        first_page = None
        for tr, cells in grid.rows:
            row_cells: list[Cell] = []
            row_page = None
            for _column, tc, span, continuation in cells:
                if tc is None or continuation:      # gridBefore placeholder, vMerge continuation
                    row_cells.append(Cell("", span=span))
                    continue
                texts, bold, italic, page = self._cell_content(tc)
                if row_page is None:
                    row_page = page
                text = "\n".join(texts)
                row_cells.append(Cell(text, bold=bold, italic=italic, span=span))
            page = (row_page or self.page) if self.paginate else None
            if first_page is None:
                first_page = page
            trpr = tr.find(TRPR)
            header = bool(trpr is not None and _on(trpr.find(W + "tblHeader")))
            rows.append(Row(row_cells, page=page, header=header))
        return [Table(rows, page=first_page)] if rows else []

    def _cell_content(self, tc: etree._Element) -> tuple[list[str], bool, bool, int | None]:
        """Text lines of a cell (nested tables flattened), whether all bold / italic, first page."""
        texts: list[str] = []
        bold = italic = True
        page = None
        for block in self.blocks(tc, layout=False):
            if isinstance(block, Paragraph):
                texts.append(block.text)
                bold = bold and block.bold
                italic = italic and block.italic
                if page is None:
                    page = block.page
            else:
                for row in block.rows:
                    line = " ".join(cell.text.replace("\n", " ") for cell in row.cells if cell.text)
                    if line:
                        texts.append(line)
                        bold = bold and all(cell.bold for cell in row.cells if cell.text)
                        italic = False
        return texts, bold and bool(texts), italic and bool(texts), page

    def _flatten_layout(self, grid: "_Grid") -> list[Block]:
        by_column: dict[int, list[etree._Element]] = {}
        for _tr, cells in grid.rows:
            for column, tc, _span, continuation in cells:
                if tc is not None and not continuation:
                    by_column.setdefault(column, []).append(tc)
        out: list[Block] = []
        for column in sorted(by_column):
            for tc in by_column[column]:
                out.extend(self.blocks(tc))      # nested tables stay tables (flattened if layout)
        return out


def _make_paragraph(line: _Line, info: dict) -> Paragraph | None:
    text = "".join(part[0] for part in line.parts).strip()
    if not text:
        return None
    inked = [part for part in line.parts if part[0].strip() and part[1] is not None]
    bold = bool(inked) and all(part[1] for part in inked)
    italic = bool(inked) and all(part[2] for part in inked)
    return Paragraph(text, page=line.page, bold=bold, italic=italic,
                     heading=info["heading"], centered=info["centered"])


def _textbox_contents(element: etree._Element) -> list[etree._Element]:
    """w:txbxContent of a drawing; of mc:AlternateContent only the Choice (no double copy)."""
    if element.tag == ALTERNATE_CONTENT:
        choice = element.find(MC_CHOICE)
        if choice is None:
            return []
        element = choice
    return list(element.iter(TXBX_CONTENT))


# ------------------------------------------------------------------ table grid

@dataclass(slots=True)
class _Grid:
    columns: int
    # per row: (w:tr, [(grid column, w:tc or None for gridBefore, span, is vertical continuation)])
    rows: list[tuple[etree._Element, list[tuple[int, etree._Element | None, int, bool]]]]


def _children(element: etree._Element, tag: str):
    """Child elements with `tag`, looking through content controls and custom XML wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _BLOCK_CONTAINERS:
            yield from _children(child, tag)


def _table_grid(tbl: etree._Element) -> _Grid:
    grid_el = tbl.find(W + "tblGrid")
    declared = len(grid_el.findall(W + "gridCol")) if grid_el is not None else 0
    rows = []
    widest = 0
    for tr in _children(tbl, TR):
        trpr = tr.find(TRPR)
        column = 0
        cells: list[tuple[int, etree._Element | None, int, bool]] = []
        if trpr is not None:
            before = _val_int(trpr.find(W + "gridBefore"), 0, 0, MAX_GRID_COLUMNS)
            if before:
                cells.append((0, None, before, False))
                column = before
        for tc in _children(tr, TC):
            tcpr = tc.find(TCPR)
            span = 1
            continuation = False
            if tcpr is not None:
                span = _val_int(tcpr.find(W + "gridSpan"), 1, 1, MAX_GRID_COLUMNS)
                vmerge = tcpr.find(W + "vMerge")
                if vmerge is not None and vmerge.get(VAL, "continue") == "continue":
                    continuation = True
                hmerge = tcpr.find(W + "hMerge")
                if hmerge is not None and hmerge.get(VAL, "continue") == "continue" and cells:
                    # legacy horizontal merge: widen the previous cell instead of adding one
                    previous = cells[-1]
                    cells[-1] = (previous[0], previous[1], previous[2] + span, previous[3])
                    column += span
                    continue
            cells.append((column, tc, span, continuation))
            column += span
        widest = max(widest, column)
        rows.append((tr, cells))
    return _Grid(max(declared, widest), rows)


def _is_layout_table(tbl: etree._Element, grid: _Grid, styles: Styles) -> bool:
    columns = max((sum(cell[2] for cell in cells) for _tr, cells in grid.rows), default=0)
    if columns == 0 or columns > LAYOUT_MAX_COLUMNS:
        return False
    tbl_pr = tbl.find(TBLPR)
    style_id = None
    direct = {}
    if tbl_pr is not None:
        style = tbl_pr.find(W + "tblStyle")
        style_id = style.get(VAL) if style is not None else None
        direct = border_sides(tbl_pr.find(W + "tblBorders"))
    borders = styles.table_borders(style_id)
    borders.update(direct)
    if any(borders.values()):
        return False
    # Cell borders drawn on two or more sides of a cell make a visible grid.
    for tc in tbl.iter(TC):
        tcpr = tc.find(TCPR)
        if tcpr is not None:
            sides = border_sides(tcpr.find(W + "tcBorders"))
            if sum(sides.values()) >= 2:
                return False
    return True


# ------------------------------------------------------------------ document

def _section_breaks(body: etree._Element) -> dict[etree._Element, bool]:
    """For each paragraph-level sectPr: whether the section after it starts on a new page.

    Keyed by the element itself: holding the proxies keeps lxml returning the same objects.
    """
    sections = list(body.iter(SECT_PR))
    result = {}
    for current, following in zip(sections, sections[1:]):
        kind = following.find(W + "type")
        result[current] = (kind.get(VAL) if kind is not None else "nextPage") != "continuous"
    return result


def _app_pages(package: Package) -> int | None:
    """<Pages> of docProps/app.xml, unless the file is a template's stale copy (<Words> 0)."""
    if not package.has("docProps/app.xml"):
        return None
    try:
        root = package.xml("docProps/app.xml")
    except LoadError:
        return None
    values = {etree.QName(child).localname: (child.text or "").strip() for child in root
              if isinstance(child.tag, str)}
    pages, words = xml_int(values.get("Pages"), None, 1, MAX_APP_PAGES, clamp=False), values.get("Words")
    if words is not None and words == "0":
        return None
    return pages


def load_docx(data: bytes, fmt: Format = "docx") -> RawDocument:
    package = Package(data)
    main = package.main_part()
    if main is None:
        raise LoadError("not_a_document", _not_a_document_message(package))
    document_bytes = package.read(main)
    root = parse_xml(document_bytes, main)
    body = root.find(BODY)
    if body is None:
        raise LoadError("corrupt_docx", f"{main} has no w:body")
    styles_part = package.sibling(main, "styles.xml")
    styles = (_cached_styles(package.crc(styles_part), package.read(styles_part))
              if package.has(styles_part) else Styles(None))
    numbering_part = package.sibling(main, "numbering.xml")
    numbering = Numbering(package.xml(numbering_part) if package.has(numbering_part)
                          and b"numPr" in document_bytes + _style_bytes_hint(styles) else None)
    section_breaks = _section_breaks(body)
    paginate = any(marker in document_bytes for marker in _PAGE_MARKERS) or any(section_breaks.values())
    walker = _Walker(styles, numbering, paginate, section_breaks)
    blocks = walker.blocks(body)
    # Page count: Word's own statistic, else Word's rendered breaks; hard page and section
    # breaks alone give only a lower bound, so then the count stays unknown.
    pages = _app_pages(package)
    if b"lastRenderedPageBreak" in document_bytes:
        pages = max(pages or 0, walker.page)
    return RawDocument(format=fmt, blocks=blocks, pages=pages)


def _style_bytes_hint(styles: Styles) -> bytes:
    """b'numPr' when some paragraph style carries numbering (headings numbered by style)."""
    return b"numPr" if any(style.num_id for style in styles.styles.values()) else b""


def _not_a_document_message(package: Package) -> str:
    names = package.infos
    if any(name.startswith("xl/") for name in names):
        return "a spreadsheet (XLSX), not a text document"
    if any(name.startswith("ppt/") for name in names):
        return "a presentation (PPTX), not a text document"
    return "a ZIP archive without word/document.xml: not a DOCX document"
