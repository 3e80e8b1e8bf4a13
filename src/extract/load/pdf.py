"""PDF with pdfplumber: ruled tables, then the words outside them as paragraphs.

Per page: `find_tables()` (ruling lines) gives the table grids; `extract_words()` runs once
and each word goes either into the table cell under its centre or into the text flow.
Text lines are grouped by their vertical position. Two-column regions without rulings (the
Decree 30 header and closing) are emitted column by column, left column first, as the DOCX
reader flattens its layout tables. Wrapped lines of one paragraph are joined again.
"""

from __future__ import annotations

import io
import logging
import re
from contextlib import contextmanager
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from extract.load import pdf_limits
from extract.load.errors import LoadError, LoadFailure, scrub_internals
from extract.load.ocr import (OcrPage, PageRenderer, has_vowel, known_header, low_confidence, partial_unit_header,
                               read_unit_cell, repair_header, unit_header, unit_header_label)
from extract.load.pdf_repair import read_words, split_aligned_tables, wrapped_inside_word
from extract.load.pdf_report import page_problems
from extract.patterns import bullet_class, letter_class
from extract.rules import load_rules
from extract.models import ProblemCode, Severity
from extract.structures import Block, Cell, LoadProblem, Paragraph, RawDocument, Row, Table

# Geometry, in PDF points.
LINE_TOLERANCE = 0.45        # words share a line when their vertical centres differ < this x height
COLUMN_GAP = 18.0            # a gap this wide splits a two-word line into two columns
COLUMN_GAP_MIN = 0.8         # a column gap is at least this many line heights wide
COLUMN_GAP_RATIO = 3.0       # and this many times the line's median word gap
PAIR_DISTANCE = 1.2          # a left-only and a right-only line this close (in heights) pair up
COLUMN_ALIGN = 8.0           # a column's lines share their left edge or their centre
FLUSH_TOLERANCE = 2.0        # a justified line ends this close to the right margin
INDENT_TOLERANCE = 6.0       # a first-line indent is wider than this
CENTER_TOLERANCE = 4.0
FURNITURE_BAND = 0.1         # page numbers live in the top/bottom tenth of the page
GLUE_GAP = 0.08              # a gap below this many line heights is no space (font change)
PARAGRAPH_SPACING = 0.25     # extra line pitch (in line heights) that marks a paragraph gap
MARGIN_SUPPORT = 3           # an OCR'd page's margin is where at least this many lines start (end)
UNIT_COLUMN_LEAST = 2        # cells of known units that confirm a unit column whose header OCR cut
HEADER_CELLS_LEAST = 2       # known column headers that show a table's first row is its header

_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demibold|,bd|-bd", re.IGNORECASE)
_ITALIC_FONT = re.compile(r"italic|oblique|,it\b|-it\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.;:!?…]['\")\]”’]*$")


@cache
def _list_marker() -> re.Pattern[str]:
    """A list marker at the start of a line, and the first character of the item after it
    (group `next`); bullets and letters from rules/markup.yaml."""
    return re.compile(rf"^(?:{bullet_class()}|\(?[0-9]{{1,2}}(?:\.[0-9]{{1,2}})*[.)]|\(?{letter_class()}[.)]|[IVXLC]{{1,6}}\.)"
                      rf"\s+(?P<next>\S)")


@cache
def _page_number_pattern() -> re.Pattern:
    """'2', '- 2 -', '2/7', 'Trang 2': a page number printed as page furniture."""
    words = load_rules("markup").get("page_words", [])
    alternatives = "|".join(re.escape(word) for word in words)
    prefix = rf"(?:(?:{alternatives})\s*)?" if alternatives else ""
    return re.compile(rf"^\s*[-–—]?\s*{prefix}\d{{1,4}}(?:\s*/\s*\d{{1,4}})?\s*[-–—]?\s*$", re.IGNORECASE)


@cache
def _column_opener_pattern() -> re.Pattern:
    """Words that start a paragraph of their own in a header or closing column."""
    openers = load_rules("markup").get("column_openers", [])
    alternatives = "|".join(re.escape(opener) for opener in sorted(openers, key=len, reverse=True))
    return re.compile(rf"^(?:{alternatives})(?!\w)") if alternatives else re.compile(r"(?!)")


# ------------------------------------------------------------------ lines

@dataclass(slots=True)
class _Line:
    words: list[dict]
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    text: str = ""
    bold: bool = False
    italic: bool = False
    column_width: float = 0.0   # widest line of its column, for lines of a two-column region
    region_start: bool = False  # first line of the left column of a region

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


def _is_bold(word: dict) -> bool:
    return bool(_BOLD_FONT.search(word.get("fontname", "")))


def _is_italic(word: dict) -> bool:
    return bool(_ITALIC_FONT.search(word.get("fontname", "")))


def _make_line(words: list[dict], page: int) -> _Line:
    words.sort(key=lambda word: word["x0"])
    line = _Line(words, page, min(w["top"] for w in words), max(w["bottom"] for w in words),
                 words[0]["x0"], max(w["x1"] for w in words))
    line.text = _join_words(words)
    line.bold = all(_is_bold(word) for word in words)
    line.italic = all(_is_italic(word) for word in words)
    return line


def _join_words(words: list[dict]) -> str:
    """Words of one line; words split only by a change of font (no gap) are glued back."""
    parts = [words[0]["text"]]
    for prev, word in zip(words, words[1:]):
        gap = word["x0"] - prev["x1"]
        if gap > GLUE_GAP * max(word["bottom"] - word["top"], 1.0):
            parts.append(" ")
        parts.append(word["text"])
    return "".join(parts)


def _group_lines(words: list[dict], page: int) -> list[_Line]:
    """Words -> lines, by vertical centre; lines sorted top to bottom."""
    words = sorted(words, key=lambda word: (word["top"] + word["bottom"]))
    lines: list[_Line] = []
    current: list[dict] = []
    middle = height = 0.0
    for word in words:
        word_middle = (word["top"] + word["bottom"]) / 2
        word_height = word["bottom"] - word["top"]
        if current and abs(word_middle - middle) <= LINE_TOLERANCE * max(height, word_height):
            current.append(word)
            continue
        if current:
            lines.append(_make_line(current, page))
        current = [word]
        middle, height = word_middle, word_height
    if current:
        lines.append(_make_line(current, page))
    return lines


def _sub_line(line: _Line, words: list[dict]) -> _Line:
    return _make_line(list(words), line.page)


# ------------------------------------------------------------------ columns

def _split_at_gap(line: _Line, zone_left: float, zone_right: float) -> tuple[list[dict], list[dict]] | None:
    """The line's words left and right of its widest gap, if that gap separates two columns.

    A column gap is wide in absolute terms and much wider than the line's other word gaps
    (a justified line stretches all its gaps alike).
    """
    words = line.words
    gaps = [words[index]["x0"] - words[index - 1]["x1"] for index in range(1, len(words))]
    if not gaps:
        return None
    best_index = max(range(len(gaps)), key=gaps.__getitem__)
    best_gap = gaps[best_index]
    glue = GLUE_GAP * line.height
    others = sorted(gap for index, gap in enumerate(gaps) if index != best_index and gap > glue)
    if others:
        if best_gap < COLUMN_GAP_MIN * line.height or best_gap < COLUMN_GAP_RATIO * others[len(others) // 2]:
            return None
    elif best_gap < COLUMN_GAP:
        return None
    split = best_index + 1
    width = zone_right - zone_left
    gap_middle = (words[split - 1]["x1"] + words[split]["x0"]) / 2
    if not zone_left + 0.15 * width <= gap_middle <= zone_left + 0.85 * width:
        return None
    return words[:split], words[split:]


@dataclass(slots=True)
class _Region:
    """A two-column region grown around lines split by a column gap."""

    gap_left: float                       # right end of the left column's text
    gap_right: float                      # left end of the right column's text
    left_refs: list[tuple[float, float]]  # (x0, centre) of left parts: alignment references
    right_refs: list[tuple[float, float]]
    seed_top: float = float("-inf")       # top of the line(s) the region grew from

    def side(self, line: _Line) -> str | None:
        """'L' or 'R' when the line sits wholly in one column, aligned like that column.

        The left column may be left-aligned ("Nơi nhận:" list) or centred; the right column
        is centred (motto, date, signature).
        """
        if line.x1 <= self.gap_right and _aligned(line, self.left_refs, by_start=True):
            return "L"
        if line.x0 >= self.gap_left and _aligned(line, self.right_refs, by_start=False):
            return "R"
        return None


def _aligned(line: _Line, refs: list[tuple[float, float]], by_start: bool) -> bool:
    return any(abs(line.center - centre) <= COLUMN_ALIGN or (by_start and abs(line.x0 - x0) <= COLUMN_ALIGN)
               for x0, centre in refs)


@dataclass(slots=True)
class _Columns:
    ordered: list[tuple[str, _Line]]      # reading order, kinds 'F', 'L', 'R'
    continued: int = 0                    # leading items that continue the previous page's region
    trailing: _Region | None = None       # the region reaching the page's last line


def _order_columns(lines: list[_Line], zone_left: float, zone_right: float,
                   carry: _Region | None = None) -> _Columns:
    """Lines of a page in reading order, tagged 'F' (flow) or 'L'/'R' (column of a region).

    A region starts at a line split by a column gap (the Decree 30 header and closing) and
    grows up and down over lines that lie in one column and share its alignment; its left
    column is emitted before its right column, as the DOCX reader flattens layout tables.
    `carry` is a region that ended the previous page: lines at the top of this page that fit
    its columns continue it (a closing table broken by a page break).
    """
    regions = _Regions(lines, {index: split for index, line in enumerate(lines)
                               if (split := _split_at_gap(line, zone_left, zone_right)) is not None})
    if carry is not None and lines:
        continued_last = regions.grow(carry, -1, 1)
        if continued_last >= 0:
            regions.found.append((0, continued_last, carry))
    regions.grow_from_splits()
    regions.grow_from_pairs((zone_left + zone_right) / 2)
    regions.found.sort(key=lambda region: region[0])
    return _reading_order(regions, carry)


@dataclass(slots=True)
class _Regions:
    """The column regions of one page as they are found: which line lies in which column."""

    lines: list[_Line]
    splits: dict[int, tuple[list[dict], list[dict]]]   # line index -> (left words, right words) at a gap
    side: dict[int, str] = field(default_factory=dict)  # line index -> 'S' (split), 'L' or 'R'
    found: list[tuple[int, int, _Region]] = field(default_factory=list)   # (first, last line index, region)

    def add_split(self, region: _Region, index: int) -> bool:
        """Take the split line `index` into `region` when its gap agrees with the region's."""
        left_words, right_words = self.splits[index]
        if region.left_refs and not (left_words[-1]["x1"] < region.gap_right
                                     and right_words[0]["x0"] > region.gap_left):
            return False
        for words, refs in ((left_words, region.left_refs), (right_words, region.right_refs)):
            x0, x1 = words[0]["x0"], max(word["x1"] for word in words)
            refs.append((x0, (x0 + x1) / 2))
        region.gap_left = max(region.gap_left, left_words[-1]["x1"])
        region.gap_right = min(region.gap_right, right_words[0]["x0"])
        self.side[index] = "S"
        return True

    def grow(self, region: _Region, start: int, step: int) -> int:
        """Extend from `start` (exclusive) in direction `step`; the last index taken."""
        taken = start
        index = start + step
        while 0 <= index < len(self.lines) and index not in self.side:
            if index in self.splits:
                if not self.add_split(region, index):
                    break
            else:
                kind = region.side(self.lines[index])
                if kind is None:
                    break
                self.side[index] = kind
            taken = index
            index += step
        return taken

    def grow_from_splits(self) -> None:
        """A region around every split line not yet in one."""
        for seed in sorted(self.splits):
            if seed in self.side:
                continue
            left_part, right_part = self.splits[seed]
            region = _Region(left_part[-1]["x1"], right_part[0]["x0"], [], [], self.lines[seed].top)
            self.add_split(region, seed)
            first = self.grow(region, seed, -1)
            last = self.grow(region, seed, 1)
            self.found.append((first, last, region))

    def grow_from_pairs(self, middle: float) -> None:
        """Columns whose baselines do not meet (different font sizes or spacing): a line wholly
        in the left half next to a line wholly in the right half, less than a line apart."""
        lines, side = self.lines, self.side
        for index in range(len(lines) - 1):
            a, b = lines[index], lines[index + 1]
            if index in side or index + 1 in side or b.top - a.top > PAIR_DISTANCE * max(a.height, b.height):
                continue
            pair = (a, b) if a.x1 < middle < b.x0 else (b, a) if b.x1 < middle < a.x0 else None
            if pair is None:
                continue
            left_line, right_line = pair
            region = _Region(left_line.x1, right_line.x0, [(left_line.x0, left_line.center)],
                             [(right_line.x0, right_line.center)], a.top)
            side[index], side[index + 1] = ("L", "R") if pair[0] is a else ("R", "L")
            first = self.grow(region, index, -1)
            last = self.grow(region, index + 1, 1)
            self.found.append((first, last, region))


def _reading_order(regions: _Regions, carry: _Region | None) -> _Columns:
    """The page's lines with each region's left column before its right column; sets each
    column line's `column_width` and marks a region's first line."""
    lines, side, splits = regions.lines, regions.side, regions.splits
    result = _Columns([])
    starts = {first: (last, region) for first, last, region in regions.found}
    index = 0
    while index < len(lines):
        if index not in starts:
            result.ordered.append(("F", lines[index]))
            index += 1
            continue
        last, region = starts[index]
        left, right = [], []
        measured: tuple[list[_Line], list[_Line]] = ([], [])   # lines from the seed down
        for i in range(index, last + 1):
            if side[i] == "S":
                parts = (_sub_line(lines[i], splits[i][0]), _sub_line(lines[i], splits[i][1]))
                left.append(parts[0])
                right.append(parts[1])
                if lines[i].top >= region.seed_top:
                    measured[0].append(parts[0])
                    measured[1].append(parts[1])
                continue
            column = left if side[i] == "L" else right
            column.append(lines[i])
            if lines[i].top >= region.seed_top:
                measured[0 if side[i] == "L" else 1].append(lines[i])
        # Lines above the region's seed are usually the tail of a paragraph: not a width.
        for column, sample in ((left, measured[0]), (right, measured[1])):
            widest = max((line.x1 - line.x0 for line in sample or column), default=0.0)
            for line in column:
                line.column_width = widest
        if left and region is not carry:
            left[0].region_start = True
        if region is carry:
            result.continued = len(left) + len(right)
        result.ordered.extend(("L", line) for line in left)
        result.ordered.extend(("R", line) for line in right)
        if last == len(lines) - 1:
            result.trailing = region
        index = last + 1
    return result


# ------------------------------------------------------------------ paragraphs

@dataclass(slots=True)
class _Geometry:
    """Text area of the pages of one width (or of one scanned page), and the usual line pitch
    (in line heights)."""

    left: float
    right: float
    pitch: float
    width: float = 0.0          # the page width, rounded to points


def _first_word_width(line: _Line) -> float:
    return line.words[0]["x1"] - line.words[0]["x0"]


def _starts_item(line: _Line) -> bool:
    match = _list_marker().match(line.text)
    return bool(match) and not match.group("next").islower()


def _all_caps(text: str) -> bool | None:
    """True for capitals only, False with lowercase letters, None without enough letters."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 3:
        return None
    return not any(ch.islower() for ch in letters)


def _continues(prev: _Line, line: _Line, geometry: _Geometry, column: str) -> bool:
    """Whether `line` is a wrapped continuation of the paragraph whose last line is `prev`.

    `column` is 'F' for the page's text flow, 'L'/'R' for a column of a two-column region.
    """
    height = max(prev.height, line.height, 1.0)
    if column == "F" and _wrapped_ocr_line(prev, line, geometry):
        return True
    if "conf" in line.words[0] and opens_sub_label(prev.text, line.text):
        return False
    if line.page == prev.page:
        if (line.top - prev.top) / height > geometry.pitch + PARAGRAPH_SPACING:
            return False
        if line.top < prev.bottom - 0.5 * height:
            return False
    if abs(line.height - prev.height) > 0.25 * height:
        return False            # another font size: a heading or a title
    prev_caps, line_caps = _all_caps(prev.text), _all_caps(line.text)
    if prev_caps and line_caps is False:
        return False            # a capitalised title does not go on in lowercase
    first = line.text[:1]
    space = max(2.0, 0.25 * height)
    left, right = geometry.left, geometry.right
    if column != "F":
        # Cell edges are invisible: a line is full when the next line's first word would not
        # have fitted within the column's widest line.
        if _starts_item(line) or _column_opener_pattern().match(line.text):
            return False
        if prev.text.endswith(","):
            return True
        if _SENTENCE_END.search(prev.text):
            return False
        if first.islower() or first.isdigit():
            return True
        return (prev.x1 - prev.x0) + space + _first_word_width(line) > line.column_width + space
    middle = (left + right) / 2
    if abs(line.center - middle) < CENTER_TOLERANCE and line.x0 > left + INDENT_TOLERANCE:
        # a centred line goes on a centred paragraph (a title) whose line above is full
        if abs(prev.center - middle) >= CENTER_TOLERANCE or prev.bold != line.bold or _starts_item(line):
            return False
        return (prev.x1 - prev.x0) + space + _first_word_width(line) > right - left
    if line.x0 > prev.x0 + INDENT_TOLERANCE and line.x0 > left + INDENT_TOLERANCE:
        return False            # indented more than the line above: a new paragraph's first line
    if prev.x1 >= right - FLUSH_TOLERANCE:
        return True             # justified to the margin: the paragraph goes on
    if _starts_item(line):
        return False
    if _SENTENCE_END.search(prev.text) and not first.islower():
        return False
    return prev.x1 + space + _first_word_width(line) > right - FLUSH_TOLERANCE


@cache
def _period_words() -> frozenset[str]:
    """The words of rules/deadlines.yaml that a number must follow ("quý", "ngày", "tháng",
    "năm"), casefolded."""
    rules = load_rules("deadlines")
    return frozenset(str(word).casefold() for key in ("quarter", "day", "month", "year") for word in rules.get(key) or ())


def _wrapped_ocr_line(prev: _Line, line: _Line, geometry: _Geometry) -> bool:
    """Whether OCR'd `line` goes on the sentence of `prev` by the sentence's shape alone: `prev`
    is full to the right margin and ends no sentence, `line` starts back at the left margin
    with a small letter or a digit (or anything after a period word that needs its number:
    "… trong Quý" ⏎ "II/2026") and no list marker, no more than a paragraph gap below.
    An OCR box hugs its line's ink, so the few letters of a wrapped line's end ("định.",
    "này.") box taller or shorter than a body line and sit off the usual pitch: the height
    and spacing tests alone would start a paragraph there."""
    if "conf" not in line.words[0] or "conf" not in prev.words[0] or line.page != prev.page:
        return False
    height = max(min(prev.height, line.height), 1.0)
    step = (line.top - prev.top) / height
    first = line.text[:1]
    return (0 < step <= geometry.pitch + 2 * PARAGRAPH_SPACING
            and prev.x1 >= geometry.right - FLUSH_TOLERANCE
            and line.x0 <= geometry.left + INDENT_TOLERANCE
            and (first.islower() or first.isdigit() or prev.text.rsplit(" ", 1)[-1].casefold() in _period_words())
            and not _SENTENCE_END.search(prev.text)
            and not _list_marker().match(line.text))


_DECIMAL_LABEL = re.compile(r"^(\d{1,2})\.\d{1,2}\.?\s+[A-ZĐÀ-Ỹ]")


def opens_sub_label(prev: str, text: str) -> bool:
    """OCR: `text` opens with a decimal label under the numbered line `prev` ("2.1. Vận hành"
    below "2. Về chuyển đổi số …", or "2.2." below "2.1. …"): a new item, not the wrapped end
    of a heading that reached the right margin."""
    match = _DECIMAL_LABEL.match(text)
    return bool(match) and re.match(rf"{match.group(1)}(?:[.)]\s|\.\d)", prev) is not None


def _paragraphs(lines: list[tuple[str, _Line]], geometry_of) -> list[Paragraph]:
    out: list[Paragraph] = []
    current: list[_Line] = []
    current_kind = None

    def flush() -> None:
        if current:
            words = [word for line in current for word in line.words]
            text = current[0].text
            for line in current[1:]:
                # a word broken after its hyphen ("57-" / "NQ/TW") is one word again
                glue = "" if len(text) > 1 and text[-1] == "-" and text[-2].isalnum() else " "
                text += glue + line.text
            first = current[0]
            geometry = geometry_of(first.page)
            centered = (current_kind == "F" and abs(first.center - (geometry.left + geometry.right) / 2)
                        < CENTER_TOLERANCE and first.x0 > geometry.left + INDENT_TOLERANCE)
            out.append(Paragraph(text, page=first.page, bold=all(_is_bold(w) for w in words),
                                 italic=all(_is_italic(w) for w in words), centered=centered,
                                 low_confidence=low_confidence(words)))
            current.clear()

    def goes_on(prev: _Line, line: _Line, kind: str) -> bool:
        if geometry_of(prev.page).width != geometry_of(line.page).width:
            return False        # a page of another orientation (a landscape appendix) starts afresh
        return _continues(prev, line, geometry_of(prev.page), kind)

    for kind, line in lines:
        if current and kind == current_kind and goes_on(current[-1], line, kind):
            current.append(line)
            continue
        if (current and current_kind == "F" and kind == "L" and line.region_start
                and goes_on(current[-1], line, "F")):
            current.append(line)        # the last line of a paragraph just above a region
            current_kind = kind
            continue
        flush()
        current.append(line)
        current_kind = kind
    flush()
    return out


# ------------------------------------------------------------------ tables

# A document symbol cut inside ("02-CTr/BCĐT|W"): it has a '/' or '-' and ends in capitals.
_CODE_END = re.compile(r"[/-][\w-]*[A-ZĐ]$")
# A line that fills its cell to within this many points (the cell's padding and about one
# character) was cut by the cell's edge.
_CELL_EDGE_SLACK = 9.0


def _cell_text(lines: list[_Line], cell_x1: float) -> str:
    """Lines of one cell joined by '\\n', except where a word too wide for a narrow cell was
    cut at the edge ("Thư|ờng", "02-CTr/BCĐT|W"): those halves are glued back together."""
    parts = [lines[0].text] if lines else []
    for prev, line in zip(lines, lines[1:]):
        # the next line's first word did not fit after this one (else there was no cut)
        at_edge = cell_x1 - prev.x1 <= _first_word_width(line) + _CELL_EDGE_SLACK
        last_word = (prev.text.split() or [""])[-1]
        head = line.text[:1]
        syllable_cut = " " not in prev.text.strip() and head.islower() and has_vowel(head)
        code_cut = bool(_CODE_END.search(last_word)) and head.isupper()
        parts.append("" if at_edge and (syllable_cut or code_cut or wrapped_inside_word(prev.text, line.text))
                     else "\n")
        parts.append(line.text)
    return "".join(parts)


def _table_block(table, words: list[dict], page: int, unread=()) -> Table | None:
    """A pdfplumber table and the words inside it -> Table with merged cells resolved.
    `unread`: cells of an OCR'd table that hold ink OCR read nothing from (flagged unsure)."""
    cells = [cell for cell in table.cells]
    if not cells:
        return None
    xs = sorted({round(cell[0], 1) for cell in cells})
    ys = sorted({round(cell[1], 1) for cell in cells})
    owner: dict[tuple[int, int], int] = {}
    for index, (x0, top, x1, bottom) in enumerate(cells):
        c0, r0 = xs.index(round(x0, 1)), ys.index(round(top, 1))
        c1 = bisect_right(xs, round(x1, 1) - 0.5)
        r1 = bisect_right(ys, round(bottom, 1) - 0.5)
        for r in range(r0, max(r1, r0 + 1)):
            for c in range(c0, max(c1, c0 + 1)):
                owner.setdefault((r, c), index)
    cell_words: dict[int, list[dict]] = {}
    for word in words:
        cx = (word["x0"] + word["x1"]) / 2
        cy = (word["top"] + word["bottom"]) / 2
        key = (bisect_right(ys, cy) - 1, bisect_right(xs, cx) - 1)
        index = owner.get(key)
        if index is not None:
            cell_words.setdefault(index, []).append(word)

    rows: list[Row] = []
    any_text = False
    for r, y in enumerate(ys):
        row_cells: list[Cell] = []
        c = 0
        while c < len(xs):
            index = owner.get((r, c))
            if index is None:
                row_cells.append(Cell(""))
                c += 1
                continue
            x0, top, x1, _bottom = cells[index]
            span = max(1, bisect_right(xs, round(x1, 1) - 0.5) - c)
            if round(top, 1) != y:
                # a cell drawn once across rows: every row it spans has its value
                row_cells.append(Cell("", span=span, merged_above=True))
            else:
                members = cell_words.get(index, [])
                text = _cell_text(_group_lines(members, page), x1) if members else ""
                any_text = any_text or bool(text)
                row_cells.append(Cell(text, bold=bool(members) and all(_is_bold(w) for w in members),
                                      italic=bool(members) and all(_is_italic(w) for w in members),
                                      span=span, merges_down=owner.get((r + 1, c)) == index,
                                      low_confidence=low_confidence(members) or cells[index] in unread))
            c += span
        rows.append(Row(row_cells, page=page))
    if not any_text:
        return None
    return Table(rows, page=page)


# ------------------------------------------------------------------ document

@dataclass(slots=True)
class _PageContent:
    number: int
    width: float
    height: float
    items: list[tuple[float, Table]]     # (top, table)
    lines: list[_Line]
    images: bool = False                 # the page shows images (a scan, if it has no text)
    ocr: OcrPage | None = None           # what OCR read, where the text layer was missing or unusable
    repairs: tuple[str, ...] = ()        # text-layer repairs applied (extract.load.pdf_repair)
    ocr_missing: str | None = None       # why OCR could not read a page that needed it
    unread_columns: list[str] = field(default_factory=list)   # column layouts not read as tables


def _read_page(page, number: int, renderer: PageRenderer | None = None) -> _PageContent:
    reading = read_words(page, number - 1, renderer)     # damaged layers repaired, scans OCRed
    words = reading.words
    tables = []
    if reading.ocr is not None:
        tables = reading.ocr.tables
    elif page.edges:
        tables = page.find_tables()
    table_words: list[list[dict]] = [[] for _ in tables]
    flow_words = []
    boxes = [table.bbox for table in tables]
    for word in words:
        cx = (word["x0"] + word["x1"]) / 2
        cy = (word["top"] + word["bottom"]) / 2
        for index, (x0, top, x1, bottom) in enumerate(boxes):
            if x0 <= cx <= x1 and top <= cy <= bottom:
                table_words[index].append(word)
                break
        else:
            flow_words.append(word)
    items: list[tuple[float, object]] = []
    for table, members in zip(tables, table_words):
        block = _table_block(table, members, number, getattr(table, "unread", ()))
        if block is not None and reading.ocr is not None and block.rows:
            header = block.rows[0].cells           # misread diacritics and specks in header cells
            for cell, text in zip(header, repair_header([cell.text for cell in header])):
                cell.text = text
            _complete_unit_header(block)
            _check_unit_cells(block)
        if block is not None:
            items.append((table.bbox[1], block))
        else:
            flow_words.extend(members)
    lines = _group_lines(flow_words, number)
    lines = _drop_furniture(lines, float(page.height))
    lines, aligned, unread = split_aligned_tables(lines, number)      # tables without rulings
    items.extend(aligned)
    return _PageContent(number, float(page.width), float(page.height), items, lines, bool(page.images),
                        reading.ocr, reading.repairs, reading.ocr_missing, unread)


def _complete_unit_header(block: Table) -> None:
    """An OCR'd table's header cell that reads as part of a unit column's header ("Đơn" or
    "tính" of "Đơn vị tính": a line of the cell lost, `ocr.partial_unit_header`) made that
    header when its column holds units: at least UNIT_COLUMN_LEAST of its cells, and at least
    half of those with text, are known units (`ocr.read_unit_cell`). So is a header cell read
    as no known header at all ("Đm tỉ", or nothing) over a column of known units only, in a
    row that is the table's header (at least HEADER_CELLS_LEAST other cells are known headers:
    a continued table's first row of data is left alone). Without it the column's units are
    lost."""
    header, position = block.rows[0].cells, 0
    known = [known_header(cell.text) or unit_header(cell.text) for cell in header]
    for index, cell in enumerate(header):
        part = partial_unit_header(cell.text)
        unread = part is None and not known[index] and sum(known) >= HEADER_CELLS_LEAST
        if part is not None or unread:
            texts = [text for text in _column_texts(block, position) if text.strip()]
            units = sum(1 for text in texts if read_unit_cell(text)[1])
            if units >= UNIT_COLUMN_LEAST and (2 * units >= len(texts) if part else units == len(texts)):
                cell.text = part or unit_header_label()
        position += cell.span


def _column_texts(block: Table, column: int) -> list[str]:
    """The texts of the cells below the header that start at grid column `column`."""
    texts = []
    for row in block.rows[1:]:
        position = 0
        for cell in row.cells:
            if position == column and not cell.merged_above:
                texts.append(cell.text)
            position += cell.span
    return texts


def _check_unit_cells(block: Table) -> None:
    """The cells of an OCR'd table's unit column ("Đơn vị", "ĐVT"; its header already
    repaired) checked against the known units (`ocr.read_unit_cell`): a near miss becomes the
    unit, anything else unknown is flagged unsure."""
    header = block.rows[0].cells
    columns, position = [], 0
    for cell in header:
        if unit_header(cell.text):
            columns.append(position)
        position += cell.span
    if not columns:
        return
    for row in block.rows[1:]:
        position = 0
        for cell in row.cells:
            if position in columns and not cell.merged_above:
                cell.text, sure = read_unit_cell(cell.text)
                cell.low_confidence = cell.low_confidence or not sure
            position += cell.span


def _drop_furniture(lines: list[_Line], height: float) -> list[_Line]:
    if not lines:
        return lines
    keep = lines[:]
    if keep and keep[-1].top > height * (1 - FURNITURE_BAND) and _page_number_pattern().match(keep[-1].text):
        keep.pop()
    if keep and keep[0].bottom < height * FURNITURE_BAND and _page_number_pattern().match(keep[0].text):
        keep.pop(0)
    return keep


def _geometries(pages: list[_PageContent]) -> dict[float, _Geometry]:
    """Text area per page width: left = most common line start, right = most common end of the
    wide (justified) lines; with too few lines to tell, margins are taken as symmetric."""
    by_width: dict[float, list[_Line]] = {}
    for content in pages:
        by_width.setdefault(round(content.width), []).extend(content.lines)
    result = {}
    for width, lines in by_width.items():
        if not lines:
            result[width] = _Geometry(0.0, float(width), 1.2, width)
            continue
        left = min(line.x0 for line in lines)
        common_left, count = Counter(round(line.x0) for line in lines).most_common(1)[0]
        if count >= 3:
            left = min(left, common_left)
        widest = max(line.x1 for line in lines)
        wide = [line for line in lines if line.x1 - line.x0 > 0.5 * (widest - left)]
        common_right, count = Counter(round(line.x1) for line in wide).most_common(1)[0] if wide else (0, 0)
        if count >= 3:
            right = max(line.x1 for line in wide if round(line.x1) == common_right)
        else:
            right = max(widest, width - left)
        result[width] = _Geometry(left, right, _pitch(lines) or 1.2, width)
    return result


def _pitch(lines: list[_Line]) -> float | None:
    """The most common distance from one line's top to the next's, in line heights; None
    without two lines on a page."""
    pitches = Counter()
    for prev, line in zip(lines, lines[1:]):
        if prev.page == line.page and line.top > prev.top:
            ratio = (line.top - prev.top) / max(prev.height, line.height, 1.0)
            if 0.9 <= ratio <= 2.5:
                pitches[round(ratio, 1)] += 1
    return pitches.most_common(1)[0][0] if pitches else None


def _edge(ends: list[float], outermost) -> float | None:
    """The outermost (`min` for a left edge, `max` for a right one) of the positions `ends`
    that at least MARGIN_SUPPORT of them share within FLUSH_TOLERANCE; None without one."""
    supported = [end for end in ends if sum(abs(other - end) <= FLUSH_TOLERANCE for other in ends) >= MARGIN_SUPPORT]
    return outermost(supported) if supported else None


def _scanned_geometry(content: _PageContent, common: _Geometry) -> _Geometry:
    """Text area of one OCR'd page. Each scanned page's text block sits at its own x (how the
    sheet lay on the glass, the deskewing turn), so the pages of a width share no margin;
    and a lone OCR mark beside the text is no margin either. Left = the leftmost line start
    that MARGIN_SUPPORT lines share, right = the rightmost such end of the wide lines; where
    the page has no such edge, the pages' common one, moved by the other edge's offset. The
    line pitch is the page's own too when it has lines enough."""
    left = _edge([line.x0 for line in content.lines], min)
    widest = max((line.x1 - line.x0 for line in content.lines), default=0.0)
    right = _edge([line.x1 for line in content.lines if line.x1 - line.x0 > 0.5 * widest], max)
    # OCR line heights are the page's median glyph height, so the pitch in heights is the
    # page's own: that of its body text (wide lines; a closing's short lines are set closer)
    wide = [line for line in content.lines if line.x1 - line.x0 > 0.5 * widest]
    pitch = _pitch(wide) if len(wide) >= MARGIN_SUPPORT * 2 else None
    if left is None and right is None:
        return _Geometry(common.left, common.right, pitch or common.pitch, common.width)
    if left is None:
        left = common.left + (right - common.right)
    if right is None:
        right = common.right + (left - common.left)
    return _Geometry(left, right, pitch or common.pitch, common.width)


def _causes(exc: BaseException):
    """The exception, what it wraps (pdfplumber wraps pdfminer's errors) and its causes."""
    seen = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        stack.extend((current.__cause__, current.__context__))


def _pdf_error(exc: Exception, doing: str) -> LoadError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    for cause in _causes(exc):
        if isinstance(cause, MemoryError):
            raise cause       # the batch reports out_of_memory (its worker's memory cap)
        if isinstance(cause, PDFPasswordIncorrect):
            return LoadError(LoadFailure.encrypted, "the PDF is encrypted: it needs a password to open")
        if isinstance(cause, PDFEncryptionError):
            return LoadError(LoadFailure.encrypted, "the PDF is encrypted with a method the reader does not support; "
                                          "save it again without a password")
    return LoadError(LoadFailure.corrupt_pdf, f"{doing}: the PDF file is damaged or truncated; "
                                    "export it again from the original document")


class _Collect(logging.Handler):
    """Keeps pdfminer's complaints about damaged content (instead of printing them)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _pdfminer_warnings():
    logger = logging.getLogger("pdfminer")
    handler = _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def load_pdf(data: bytes, max_inflated: int = pdf_limits.DEFAULT_MAX_INFLATED) -> RawDocument:
    """A PDF's pages as a RawDocument (text layer, tables, OCR of scanned pages), reading at
    most `max_inflated` decoded stream bytes. Raises LoadError (corrupt_pdf, encrypted, too_large)."""
    import pdfplumber

    with pdf_limits.bounded(max_inflated), _pdfminer_warnings() as warnings:
        try:
            pdf = pdfplumber.open(io.BytesIO(data))
        except Exception as exc:  # pdfminer raises many unrelated types for broken files
            raise _pdf_error(exc, "cannot open the PDF") from exc
        renderer = PageRenderer(data)
        try:
            with pdf:
                pages = []
                for number, page in enumerate(pdf.pages, start=1):
                    pages.append(_read_page(page, number, renderer))
                    page.close()        # release the page's parsed objects: memory stays flat
        except LoadError:
            raise
        except Exception as exc:
            raise _pdf_error(exc, "cannot read the PDF pages") from exc
        finally:
            renderer.close()
    document = _assemble(pages)
    if warnings:
        document.problems.append(LoadProblem(
            ProblemCode.pdf_damaged, Severity.warning,
            f"the PDF reader reported {len(warnings)} problem(s) with damaged content, first: {scrub_internals(warnings[0][:200])}"))
    return document


def _assemble(pages: list[_PageContent]) -> RawDocument:
    if not pages:
        raise LoadError(LoadFailure.corrupt_pdf, "the PDF has no pages")
    problems = page_problems(pages)
    ocr_used = any(content.ocr is not None for content in pages)
    if not any(content.lines or content.items for content in pages):
        return RawDocument(format="pdf", blocks=[], pages=len(pages), ocr=ocr_used, problems=problems)

    geometries = _geometries(pages)
    width_of = {content.number: round(content.width) for content in pages}

    scanned = {content.number: _scanned_geometry(content, geometries[width_of[content.number]])
               for content in pages if content.ocr is not None}

    def geometry_of(page: int) -> _Geometry:
        return scanned.get(page) or geometries[width_of[page]]

    blocks: list[Block] = []
    flow: list[tuple[str, _Line]] = []     # lines waiting to become paragraphs (may cross pages)
    carry: _Region | None = None           # a region that ended the previous page
    for content in pages:
        geometry = geometry_of(content.number)
        columns = _order_columns(content.lines, geometry.left, geometry.right, carry)
        first_table = min((top for top, _block in content.items), default=None)
        if columns.continued and (first_table is None or first_table > columns.ordered[0][1].top):
            _continue_region(flow, columns.ordered[:columns.continued])
            ordered = columns.ordered[columns.continued:]
        else:
            ordered = columns.ordered
        items: list[tuple[float, int, object]] = [(top, 1, block) for top, block in content.items]
        # Column regions keep their own order: anchor their lines at the region's first top.
        anchor = None
        for kind, line in ordered:
            if kind == "F":
                anchor = None
                items.append((line.top, 0, (kind, line)))
            else:
                if anchor is None:
                    anchor = line.top
                items.append((anchor, 0, (kind, line)))
        items.sort(key=lambda item: (item[0], item[1]))
        for _top, _order, item in items:
            if isinstance(item, Table):
                blocks.extend(_paragraphs(flow, geometry_of))
                flow.clear()
                blocks.append(item)
            else:
                flow.append(item)
        ends_in_region = bool(items) and not isinstance(items[-1][2], Table) and items[-1][2][0] != "F"
        carry = columns.trailing if ends_in_region else None
    blocks.extend(_paragraphs(flow, geometry_of))
    _mark_repeated_headers(blocks)
    return RawDocument(format="pdf", blocks=blocks, pages=len(pages), ocr=ocr_used, problems=problems)


def _mark_repeated_headers(blocks: list[Block]) -> None:
    """A table fragment on the next page that starts with the same row as the previous
    fragment: that row is a repeating header row (what w:tblHeader says in a DOCX)."""
    previous: Table | None = None
    for block in blocks:
        if not isinstance(block, Table):
            if block.page is not None and previous is not None and block.page != previous.page:
                previous = None
            continue
        if (previous is not None and block.rows and previous.rows and block.page == (previous.page or 0) + 1
                and _row_key(block.rows[0]) == _row_key(previous.rows[0])):
            previous.rows[0].header = True
            block.rows[0].header = True
        previous = block


def _row_key(row: Row) -> tuple:
    return tuple((" ".join(cell.text.split()), cell.span) for cell in row.cells)


def _continue_region(flow: list[tuple[str, _Line]], continuation: list[tuple[str, _Line]]) -> None:
    """Splice a region's continuation into the region ending `flow`: left lines after the
    region's left lines, right lines at the end."""
    if not flow or flow[-1][0] == "F":
        flow.extend(continuation)
        return
    first_right = len(flow)
    while first_right > 0 and flow[first_right - 1][0] == "R":
        first_right -= 1
    lefts = [item for item in continuation if item[0] == "L"]
    rights = [item for item in continuation if item[0] == "R"]
    flow[first_right:first_right] = lefts
    flow.extend(rights)
