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
