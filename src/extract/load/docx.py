"""DOCX: walk the body XML in order (w:p, w:tbl), resolving formatting through styles.

python-docx is not used to read: its package load parses every part and its `row.cells`
repeats merged cells per grid position. Instead the main part and styles are parsed once
with a hardened lxml parser (see ooxml.py) and w:tc elements are walked directly, so a
gridSpan cell appears once with `span`, and a vMerge continuation is an empty Cell.

Layout tables (borderless, at most 3 columns: the Decree 30 header and closing) are
flattened into paragraphs column by column, left column first, like the PDF reader does.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from extract.load.errors import LoadError, LoadFailure
from extract.load.fonts import (
    decode_legacy, is_symbol_font, legacy_codec, legacy_problem, symbol_char, symbol_text,
)
from extract.load.embedded import xlsx_table
from extract.load.ooxml import REL_NS, W, Package, parse_xml, xml_int
from extract.models import ProblemCode, Severity
from extract.numbering import roman
from extract.patterns import bullet_class, letter_class
from extract.structures import Block, Cell, Format, LoadProblem, Paragraph, RawDocument, RawNote, Row, Table

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
SYM = W + "sym"
SECT_PR, BODY, VAL = W + "sectPr", W + "body", W + "val"
TXBX_CONTENT = W + "txbxContent"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
ALTERNATE_CONTENT, MC_CHOICE = "{%s}AlternateContent" % MC_NS, "{%s}Choice" % MC_NS
DRAWING, PICT = W + "drawing", W + "pict"
OBJECT, FOOTNOTE_REF, ENDNOTE_REF = W + "object", W + "footnoteReference", W + "endnoteReference"
OLE_OBJECT = "{urn:schemas-microsoft-com:office:office}OLEObject"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
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
    font: str | None = None


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
        self.default_font: str | None = None
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
                self.default_font = run_font(rpr)
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
                style.font = run_font(rpr)
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
        """The outline level (1-9) a paragraph style gives through its name or its base styles
        ('Heading 2' -> 2); None for body styles. Cached per style."""
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
        """Which borders a table style draws (border name -> drawn), its base styles first and then
        its own overriding them."""
        merged: dict[str, bool] = {}
        for style in reversed(list(self._chain(style_id or self.default_table))):
            merged.update(style.borders)
        return merged


def run_font(rpr: etree._Element | None) -> str | None:
    """The font a run property set names for Latin text (w:rFonts ascii, else hAnsi)."""
    fonts = rpr.find(W + "rFonts") if rpr is not None else None
    if fonts is None:
        return None
    return fonts.get(W + "ascii") or fonts.get(W + "hAnsi")


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

def _roman(number: int) -> str:
    return roman(number) if 0 < number <= MAX_ROMAN else str(number)


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

    def __init__(self, root: etree._Element | None, styles: Styles | None = None):
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if root is None:
            return
        style_links: dict[str, str] = {}      # abstract id -> the list style it only points to
        for abstract in root.iter(W + "abstractNum"):
            levels = {}
            for lvl in abstract.iter(W + "lvl"):
                levels[xml_int(lvl.get(W + "ilvl"), 0, 0, MAX_LIST_LEVEL)] = self._level(lvl)
            abstract_id = abstract.get(W + "abstractNumId", "")
            self.abstract[abstract_id] = levels
            link = abstract.find(W + "numStyleLink")
            if link is not None and link.get(VAL):
                style_links[abstract_id] = link.get(VAL)
        for num in root.iter(W + "num"):
            abstract_id = num.find(W + "abstractNumId")
            overrides = {}
            for override in num.iter(W + "lvlOverride"):
                start = _val_int(override.find(W + "startOverride"), None, 0, MAX_LIST_START)
                if start is not None:
                    overrides[xml_int(override.get(W + "ilvl"), 0, 0, MAX_LIST_LEVEL)] = start
            if abstract_id is not None:
                self.nums[num.get(W + "numId", "")] = (abstract_id.get(VAL, ""), overrides)
        self._follow_list_styles(root, style_links, styles)

    def _follow_list_styles(self, root: etree._Element, style_links: dict[str, str],
                            styles: Styles | None) -> None:
        """A list used through a list style (w:numStyleLink) has no levels of its own: its
        nums are pointed at the abstract that defines the style (w:styleLink), or the one the
        style's own numPr names, so labels render and counters are shared."""
        if not style_links:
            return
        defining = {link.get(VAL): abstract.get(W + "abstractNumId", "")
                    for abstract in root.iter(W + "abstractNum")
                    for link in abstract.findall(W + "styleLink") if link.get(VAL)}
        for num_id, (abstract_id, overrides) in list(self.nums.items()):
            style_id = style_links.get(abstract_id)
            if style_id is None:
                continue
            target = defining.get(style_id)
            if target is None and styles is not None:
                style_num = styles.get(style_id, "num_id")
                target = self.nums.get(style_num, ("", {}))[0] if style_num else None
            if target and target in self.abstract and target not in style_links:
                self.nums[num_id] = (target, overrides)

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
        """The next label of a numbered paragraph ('1.', 'a)', 'II.') for list `num_id` at level
        `ilvl`, counting as Word does; '' when not numbered."""
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
        self.paragraph_font: str | None = None  # font of the paragraph's style (runs inherit it)
        self.legacy_fonts: set[str] = set()     # legacy-encoded fonts whose text was converted
        self.objects: list[tuple[str, str]] = []        # (relationship id, ProgID) met in this paragraph
        self.note_refs: list[tuple[str, str]] = []      # (footnote|endnote, id) cited in this paragraph
        self.citations: list[tuple[str, str, str]] = []  # (kind, id, citing text) of the document
        self.embedded_reader = None      # rId, ProgID -> blocks of an embedded object (see load_docx)

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
        self.paragraph_font = styles.get(style_id, "font") or styles.default_font
        para_bold = styles.get(style_id, "bold")
        para_italic = styles.get(style_id, "italic")
        base_bold = para_bold if para_bold is not None else styles.default_bold
        base_italic = para_italic if para_italic is not None else styles.default_italic
        lines = [_Line()]
        num_id = direct.get("num_id", styles.get(style_id, "num_id"))
        if num_id and _wholly_deleted(p, ppr):
            num_id = None       # Word shows no number for a deleted list item: the list runs on
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
                font = self._run_font(rpr)
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
                        if text and font:
                            text = self._font_text(font, text)
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
                    elif item_tag == SYM:
                        lines[-1].parts.append((symbol_char(item.get(W + "font"), item.get(W + "char")), bold, italic))
                    elif item_tag in (DRAWING, PICT, ALTERNATE_CONTENT):
                        extra.extend(_textbox_contents(item))
                    elif item_tag == OBJECT:
                        self.objects.extend((ole.get(R_ID, ""), ole.get("ProgID", "")) for ole in item.iter(OLE_OBJECT))
                    elif item_tag == FOOTNOTE_REF or item_tag == ENDNOTE_REF:
                        self.note_refs.append(("footnote" if item_tag == FOOTNOTE_REF else "endnote",
                                               item.get(W + "id", "")))
            elif tag in _RUN_CONTAINERS:
                self._runs(child, lines, base_bold, base_italic, extra)
            elif tag == ALTERNATE_CONTENT:
                extra.extend(_textbox_contents(child))

    def _run_font(self, rpr: etree._Element | None) -> str | None:
        """The run's font: direct, else its character style's, else the paragraph's."""
        font = run_font(rpr)
        if font is None and rpr is not None:
            rstyle = rpr.find(W + "rStyle")
            if rstyle is not None:
                font = self.styles.get(rstyle.get(VAL), "font")
        return font or self.paragraph_font

    def _font_text(self, font: str, text: str) -> str:
        """Text stored in a symbol font or a legacy Vietnamese encoding, as it shows."""
        if is_symbol_font(font):
            return symbol_text(font, text)
        legacy = legacy_codec(font)
        if legacy is None:
            return text
        converted = decode_legacy(text, legacy[0], capitals=legacy[1])
        if converted != text:
            self.legacy_fonts.add(font)
        return converted

    def paragraph_blocks(self, p: etree._Element) -> list[Block]:
        self.objects, self.note_refs = [], []
        lines, info = self.paragraph_lines(p)
        lines = _join_broken_heading(lines, info)
        blocks: list[Block] = []
        for line in lines:
            paragraph = _make_paragraph(line, info)
            if paragraph is not None:
                blocks.append(paragraph)
        cited = " ".join(block.text for block in blocks)
        self.citations.extend((kind, note_id, cited) for kind, note_id in self.note_refs)
        objects = self.objects
        for textbox in info["textboxes"]:
            blocks.extend(self.blocks(textbox))
        if objects and self.embedded_reader is not None:
            for rel_id, prog_id in objects:
                blocks.extend(self.embedded_reader(rel_id, prog_id))
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
                    row_cells.append(Cell("", span=span, merged_above=continuation))
                    continue
                texts, bold, italic, page = self._cell_content(tc)
                if row_page is None:
                    row_page = page
                text = "\n".join(texts)
                row_cells.append(Cell(text, bold=bold, italic=italic, span=span, hard_breaks=len(texts) > 1))
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


@lru_cache(maxsize=1)
def _label_start() -> re.Pattern[str]:
    """A numbered heading's label ("II.", "1.2.", "a)") or a list bullet at the start of a line
    (letters and bullets: rules/markup.yaml)."""
    return re.compile(rf"^\s*(?:(?:[IVXLCDM]+|\d+(?:\.\d+)*|{letter_class()})[.)]|{bullet_class()})(?:\s|$)")


def _join_broken_heading(lines: list[_Line], info: dict) -> list[_Line]:
    """A heading typed over two lines with Shift+Enter (w:br) is one heading: a line that
    goes on in the same weight and case as a labelled (or heading-style) first line, without a
    label of its own, is joined to it. Other broken paragraphs stay one line per line (a title
    block "KẾ HOẠCH / Chuyển đổi số …" typed as one paragraph)."""
    if len(lines) < 2:
        return lines
    first = "".join(part[0] for part in lines[0].parts).strip()
    if not (info["heading"] or _label_start().match(first)):
        return lines
    joined = [lines[0]]
    for line in lines[1:]:
        text = "".join(part[0] for part in line.parts).strip()
        head = joined[-1]
        if text and not _label_start().match(text) and _same_look(head, line) and not first.endswith(":"):
            head.parts.append((" ", None, None))
            head.parts.extend(line.parts)
        else:
            joined.append(line)
    return joined


def _same_look(head: _Line, line: _Line) -> bool:
    """Both lines bold (or both not) and both in capitals (or both not)."""
    def look(part_line: _Line) -> tuple[bool, bool]:
        inked = [p for p in part_line.parts if p[0].strip() and p[1] is not None]
        text = "".join(p[0] for p in inked)
        letters = [c for c in text if c.isalpha()]
        return (bool(inked) and all(p[1] for p in inked), bool(letters) and all(c.isupper() for c in letters))
    return look(head) == look(line)


def _wholly_deleted(p: etree._Element, ppr: etree._Element | None) -> bool:
    """A tracked deletion of a whole paragraph: its mark is deleted and no text is left."""
    mark = ppr.find(RPR) if ppr is not None else None
    if mark is None or mark.find(W + "del") is None:
        return False
    return not any(t.text for t in p.iter(T))


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
    return not _numbered_rows(grid)


_INDEX_CELL = re.compile(r"^\s*(?:\d{1,3}|[IVXLC]{1,5})[.)]?\s*$")


def _numbered_rows(grid: _Grid) -> bool:
    """A borderless table is still a data table when its rows are numbered down the first
    column (1, 2, 3 …): the Decree 30 header and closing never are. Decided by content, since
    a typist may remove every border of a 3-column appendix."""
    numbered = 0
    for _tr, cells in grid.rows:
        first = next((tc for _column, tc, _span, continuation in cells if tc is not None and not continuation), None)
        if first is not None and _INDEX_CELL.match("".join(t.text or "" for t in first.iter(T))):
            numbered += 1
    return numbered >= 2


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
    """A DOCX (or another WordprocessingML package) as a RawDocument: paragraphs and tables in body
    order, pages from explicit breaks, footnotes and embedded worksheets. Raises LoadError
    (not_a_document, corrupt_docx, zip_bomb, xml_entities)."""
    package = Package(data)
    main = package.main_part()
    if main is None:
        raise LoadError(LoadFailure.not_a_document, _not_a_document_message(package))
    document_bytes = package.read(main)
    root = parse_xml(document_bytes, main)
    body = root.find(BODY)
    if body is None:
        raise LoadError(LoadFailure.corrupt_docx, f"{main} has no w:body")
    styles_part = package.sibling(main, "styles.xml")
    styles = (_cached_styles(package.crc(styles_part), package.read(styles_part))
              if package.has(styles_part) else Styles(None))
    numbering_part = package.sibling(main, "numbering.xml")
    numbering = Numbering(package.xml(numbering_part) if package.has(numbering_part)
                          and (b"numPr" in document_bytes or bool(_style_bytes_hint(styles))) else None, styles)
    section_breaks = _section_breaks(body)
    paginate = any(marker in document_bytes for marker in _PAGE_MARKERS) or any(section_breaks.values())
    walker = _Walker(styles, numbering, paginate, section_breaks)
    problems: list[LoadProblem] = []
    walker.embedded_reader = _embedded_reader(package, main, problems)
    blocks = walker.blocks(body)
    # Page count: Word's own statistic, else Word's rendered breaks; hard page and section
    # breaks alone give only a lower bound, so then the count stays unknown.
    pages = _app_pages(package)
    if b"lastRenderedPageBreak" in document_bytes:
        pages = max(pages or 0, walker.page)
    # Word's rendered page marks place each paragraph on the page Word printed it on; from
    # hard page and section breaks alone the page is a lower bound: an estimate.
    raw = RawDocument(format=fmt, blocks=blocks, pages=pages,
                      pages_estimated=paginate and b"lastRenderedPageBreak" not in document_bytes)
    raw.problems.extend(problems)
    if walker.legacy_fonts:
        raw.problems.append(legacy_problem("fonts " + ", ".join(sorted(walker.legacy_fonts))))
    if walker.citations:
        try:
            raw.notes = _notes(package, main, styles, walker.citations)
        except LoadError as exc:        # the body is fine; say the notes were lost
            raw.problems.append(LoadProblem(ProblemCode.notes_unread, Severity.warning, f"footnotes/endnotes not read: {exc.message}"))
    return raw


def _relationships(package: Package, part: str) -> dict[str, str]:
    """Relationship id -> target part name (internal targets only) of `part`."""
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if not package.has(rels):
        return {}
    out = {}
    for rel in package.xml(rels).iter("{%s}Relationship" % REL_NS):
        if rel.get("TargetMode") == "External":
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(part), rel.get("Target", "")))
        out[rel.get("Id", "")] = target.lstrip("/")
    return out


def _embedded_reader(package: Package, main: str, problems: list[LoadProblem]):
    """A reader of embedded objects for the walker: an Excel worksheet becomes a Table; any
    other embedded object, or a workbook that cannot be read, becomes a problem - an
    appendix is never lost without a word."""
    relationships: dict[str, str] | None = None

    def read(rel_id: str, prog_id: str) -> list[Block]:
        nonlocal relationships
        if relationships is None:
            try:
                relationships = _relationships(package, main)
            except LoadError:
                relationships = {}       # a damaged relationships part: the object is reported below
        target = relationships.get(rel_id)
        excel = prog_id.startswith("Excel.") or (target or "").endswith((".xlsx", ".xlsm"))
        if not excel:
            problems.append(LoadProblem(ProblemCode.embedded_object_unread, Severity.warning,
                                        f"an embedded object ({prog_id or 'unknown kind'}, {target or rel_id}) "
                                        "was not read: its content is missing from the extraction"))
            return []
        if target is None or not package.has(target):
            problems.append(LoadProblem(ProblemCode.embedded_object_unread, Severity.warning,
                                        f"an embedded Excel object ({prog_id}) has no part {target or rel_id} in the file"))
            return []
        data = package.read(target)
        if not data.startswith(b"PK"):
            problems.append(LoadProblem(ProblemCode.embedded_object_unread, Severity.warning,
                                        f"an embedded Excel object ({prog_id}, {target}) is in the legacy binary "
                                        "format (.xls): save the appendix as .xlsx or paste it as a table"))
            return []
        try:
            table = xlsx_table(data)
        except LoadError as exc:
            problems.append(LoadProblem(ProblemCode.embedded_object_unread, Severity.warning,
                                        f"an embedded Excel object ({prog_id}, {target}) cannot be read: {exc.message}"))
            return []
        if table is None:
            return []
        problems.append(LoadProblem(ProblemCode.embedded_table_read, Severity.info,
                                    f"an embedded Excel worksheet ({target}) was read as a table"))
        return [table]

    return read


def _notes(package: Package, main: str, styles: Styles, citations: list[tuple[str, str, str]]) -> list[RawNote]:
    """The footnotes and endnotes cited in the body, in citing order, with the citing text."""
    texts: dict[tuple[str, str], str] = {}
    for kind in ("footnote", "endnote"):
        part = package.sibling(main, f"{kind}s.xml")
        if not package.has(part):
            continue
        walker = _Walker(styles, Numbering(None), False, {})
        for note in package.xml(part).iter(W + kind):
            if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            text = " ".join(block.text for block in walker.blocks(note) if isinstance(block, Paragraph))
            texts[(kind, note.get(W + "id", ""))] = " ".join(text.split())
    return [RawNote(kind, texts[(kind, note_id)], cited) for kind, note_id, cited in citations
            if texts.get((kind, note_id))]


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
