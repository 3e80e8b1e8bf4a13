"""Damaged PDF text layers: detected per page, repaired, or the page sent to OCR.

- Fake bold: every glyph printed twice at a small offset ("KKẾẾ HHOOẠẠCCHH"): the second
  copies are dropped (pdfplumber's `dedupe_chars`).
- Fonts without ToUnicode: the text comes out as "(cid:12)…", unusable: OCR that page.
- No space glyphs (words placed by kerning only): words split at the gaps between glyphs.
- Image-only pages (a scan, or a scanned appendix among digital pages): OCR.

`read_words` is the one entry point the PDF reader calls per page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.load import ocr
from extract.structures import Cell, Row, Table

_CID = re.compile(r"\(cid:\d+\)")
UNUSABLE_SHARE = 0.1        # this share of a page's characters as (cid:N): the layer is unusable
DOUBLED_SHARE = 0.4         # this share of glyphs printed twice: fake bold
DOUBLE_OFFSET = 1.5         # points: a second copy of a glyph lies this close to the first
SPACELESS_WORD = 14.0       # mean word length (characters) above which a space-less page is re-split
GAP_RATIO = 0.12            # re-split at gaps wider than this share of the glyph size

WORD_OPTIONS = {"extra_attrs": ["fontname"], "keep_blank_chars": False, "use_text_flow": False}


@dataclass(slots=True)
class PageWords:
    """A page's words (pdfplumber shape), its grid tables when read by OCR, and what was done."""

    words: list[dict]
    ocr: ocr.OcrPage | None = None
    repairs: tuple[str, ...] = ()
    ocr_missing: str | None = None     # why an unusable page could not be read by OCR


def doubled_glyphs(chars: list[dict]) -> bool:
    """Whether most glyphs are printed twice, the copy offset by less than DOUBLE_OFFSET."""
    if len(chars) < 8:
        return False
    doubled = 0
    # in reading order the copy sits next to its original, whichever order they were printed in
    chars = sorted(chars, key=lambda char: (round(char["top"]), char["x0"]))
    for previous, char in zip(chars, chars[1:]):
        if (char["text"] == previous["text"] and not char["text"].isspace()
                and abs(char["x0"] - previous["x0"]) < DOUBLE_OFFSET
                and abs(char["top"] - previous["top"]) < DOUBLE_OFFSET):
            doubled += 1
    return doubled >= DOUBLED_SHARE * len(chars) / 2


def unusable(words: list[dict]) -> bool:
    """Whether the text layer is mostly "(cid:N)" placeholders (a font without ToUnicode)."""
    total = sum(len(word["text"]) for word in words)
    cids = sum(len(match) for word in words for match in _CID.findall(word["text"]))
    return total > 0 and cids >= UNUSABLE_SHARE * total


def spaceless(chars: list[dict], words: list[dict]) -> bool:
    """Whether the page places words by position only (no space glyphs), run together."""
    if not words or any(char["text"] == " " for char in chars):
        return False
    return sum(len(word["text"]) for word in words) / len(words) > SPACELESS_WORD


_NUMBER_END = re.compile(r"(?:^|[\s≥≤<>~])\d+$")
_NUMBER_TAIL = re.compile(r"^\d{1,2}(?:[.,]\d+)?%?(?=\s|$)")


def wrapped_inside_word(previous: str, following: str) -> bool:
    """Whether a cell line wrapped at the cell's edge inside a word or number: "10" + "0",
    "≥7" + "0" (a number's last one or two digits), "Thườn" + "g xuyên" (a tail with no
    vowel, which no Vietnamese syllable is). The caller has checked the edge."""
    head = following.split(" ", 1)[0]
    if _NUMBER_END.search(previous) and _NUMBER_TAIL.match(following):
        return True
    return bool(head) and head.isalpha() and head.islower() and not ocr.has_vowel(head) \
        and previous[-1:].isalpha()


def read_words(page, index: int, renderer: ocr.PageRenderer | None) -> PageWords:
    """The words of pdfplumber page `page` (0-based `index`), repaired; OCR where the layer
    is missing (images only) or unusable. `renderer` None: no OCR is tried."""
    repairs: list[str] = []
    chars = page.chars
    if doubled_glyphs(chars):
        page = page.dedupe_chars(tolerance=DOUBLE_OFFSET)
        chars = page.chars
        repairs.append("fake_bold")
    words = page.extract_words(**WORD_OPTIONS)
    if spaceless(chars, words):
        words = page.extract_words(x_tolerance_ratio=GAP_RATIO, **WORD_OPTIONS)
        repairs.append("spaces_from_gaps")
    broken = unusable(words)
    if not (broken or (not words and page.images)):
        return PageWords(words, None, tuple(repairs))
    reason = ocr.unavailable_reason() if renderer is not None else "OCR was not requested"
    if reason is not None:
        return PageWords([] if broken else words, None, tuple(repairs), reason)
    dpi = ocr.render_dpi(float(page.width), page.images)
    result = ocr.read_page(renderer, index, dpi)
    return PageWords(result.words, result, (*repairs, "cid_text") if broken else tuple(repairs))


# ------------------------------------------------------------------ tables without rulings

ALIGNED_GAP = 1.0            # a gap of a line height or more separates two cells of a line
ALIGNED_MIN_LINES = 3        # a header and two rows at least
ALIGNED_MIN_COLUMNS = 3
RIVER_WIDTH = 4.0            # points: the least width of a blank column running down the table


def _segments(words: list[dict]) -> list[list[dict]]:
    """A line's words cut at gaps wider than ALIGNED_GAP line heights."""
    height = max(max(word["bottom"] - word["top"] for word in words), 1.0)
    segments = [[words[0]]]
    for previous, word in zip(words, words[1:]):
        if word["x0"] - previous["x1"] > ALIGNED_GAP * height:
            segments.append([])
        segments[-1].append(word)
    return segments


def _rivers(rows: list[list[list[dict]]]) -> list[tuple[float, float]]:
    """x ranges blank in every line of `rows` (lists of segments), inside the table's span."""
    spans = sorted((segment[0]["x0"], max(word["x1"] for word in segment)) for row in rows for segment in row)
    rivers, reach = [], spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - reach >= RIVER_WIDTH:
            rivers.append((reach, x0))
        reach = max(reach, x1)
    return rivers


def split_aligned_tables(lines: list, page: int) -> tuple[list, list[tuple[float, Table]], list[str]]:
    """Tables laid out without rulings (pasted from Excel): runs of lines whose cells are
    cut by the same blank columns. `lines` are the PDF reader's lines (with `.words`,
    `.top`), top to bottom. Returns the lines left, the tables found as (top, Table), and
    messages for column-like runs that could not be read as a table (a `table_shape` problem).
    """
    cells_of = [_segments(line.words) for line in lines]
    candidate = [len(cells) >= ALIGNED_MIN_COLUMNS for cells in cells_of]
    tables: list[tuple[float, Table]] = []
    unread: list[str] = []
    taken: set[int] = set()
    index = 0
    while index < len(lines):
        if not candidate[index]:
            index += 1
            continue
        end = index
        while end + 1 < len(lines) and candidate[end + 1]:
            end += 1
        core = list(range(index, end + 1))
        if len(core) >= ALIGNED_MIN_LINES:
            rivers = _rivers([cells_of[i] for i in core])
            # wrapped cell lines below a row: they keep within the columns
            while end + 1 < len(lines) and not _crosses(lines[end + 1].words, rivers) \
                    and lines[end + 1].top - lines[end].bottom < lines[end].height:
                end += 1
            if len(rivers) + 1 >= ALIGNED_MIN_COLUMNS:
                tables.append((lines[index].top, _aligned_table([lines[i].words for i in range(index, end + 1)],
                                                                rivers, page)))
                taken.update(range(index, end + 1))
            else:
                unread.append(f"page {page}: {len(core)} lines laid out in columns without rulings, "
                              f"from '{' '.join(w['text'] for w in lines[index].words)[:60]}'")
        index = end + 1
    return [line for i, line in enumerate(lines) if i not in taken], tables, unread


def _crosses(words: list[dict], rivers: list[tuple[float, float]]) -> bool:
    return any(word["x0"] < right and word["x1"] > left for word in words for left, right in rivers)


def _aligned_table(lines: list[list[dict]], rivers: list[tuple[float, float]], page: int) -> Table:
    """Rows of a ruling-less table: each line's words put in the column between two rivers;
    a line with nothing in the first column continues the row above (a wrapped cell)."""
    bounds = [(left + right) / 2 for left, right in rivers]
    rows: list[list[list[str]]] = []
    for words in lines:
        columns: list[list[str]] = [[] for _ in range(len(bounds) + 1)]
        for word in words:
            centre = (word["x0"] + word["x1"]) / 2
            columns[sum(centre > bound for bound in bounds)].append(word["text"])
        if rows and not columns[0]:
            for cell, more in zip(rows[-1], columns):
                cell.extend(more)
        else:
            rows.append(columns)
    return Table([Row([Cell(" ".join(cell)) for cell in row], page=page) for row in rows], page=page)
