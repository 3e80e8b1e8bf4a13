"""OCR of image-only PDF pages: Tesseract's Vietnamese model, words kept with their boxes.

A page is rasterised (pypdfium2, which pdfplumber ships with), cleaned (the red channel only,
so a red seal over the signature block turns white and the signer's name under it stays;
a median filter against scanner noise), deskewed (projection-profile search: scans lean
0.5–2°), its ruling lines found and removed (extract.load.ocr_tables), and recognised. The
words come back shaped like pdfplumber's `extract_words()` output — text, x0, x1, top,
bottom in PDF points of the deskewed page — plus `conf` (0–100), so that the PDF reader
groups them into lines, columns, paragraphs and table cells exactly as it does a digital
page's words.

Binding, chosen by measurement (README: OCR): tesserocr keeps the model loaded in the
process (3.3 s per 300-dpi page here, against 6.2 s through pytesseract and more through a
`tesseract` process per page, which reloads the model and round-trips a PNG). Without the
tesserocr wheel the `tesseract` command is used, with the same TSV output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from extract.load.ocr_lexicon import _same_case, bare_word, repair_lines, repair_words, syllable_lexicon, word_list
from extract.matching import fold_accents
from extract.numbering import near_text, ocr_numeral, roman_value
from extract.rules import load_rules

# One OpenMP thread per process: batch workers are the parallelism (measured faster on 2
# cores than Tesseract's own threads). Must be set before the library is loaded.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANGUAGE = "vie"
DPI_MIN, DPI_MAX = 200, 300       # OCR resolution: the scan's own, within these bounds
LOW_CONFIDENCE = 60.0             # a line whose mean word confidence is below this is flagged
TURNED_BELOW = 60.0               # a page whose words are this unsure or unshaped is tried turned
LOW_NUMBER_CONFIDENCE = 75.0      # a word with a digit read less surely than this is flagged
SKEW_RANGE = 3.0                  # degrees searched either way
INK_LEVEL, PAPER_LEVEL = 60.0, 190.0   # gray levels stretched to black and white (seal ink: ~205)
SPECK_CONFIDENCE = 45.0           # a 1-2 character non-numeric word below this is a speck
SIGN_CONFIDENCE = 80.0            # ... and a 1-2 sign word (no letter, no digit) below this
BOLD_STROKE = 1.3                 # strokes this much thicker than the page's usual are bold
BAR_INK = 180                     # gray level below which a pixel counts toward the bar
CHEVRON_HEIGHT = 0.45             # a '≥' read as '=': its chevron is this share of the glyph's height at least
BAR_SHARE = 0.6                   # a foot row this much inked is the bar of '≥' / '≤'
CELL_PAD = 4                      # pixels: a cell is read inside its lines
FRAME_PX = 10                     # white frame around a cell read on its own
CELL_MIN_INK = 12                 # dark pixels a cell needs before it is read again
WORD_GAP = 1.5                    # points: the least gap kept between two words of a line
FRAGMENT_LENGTH = 2               # letters of a piece of a syllable that is flagged when no syllable
LONE_MARK_LENGTH = 3              # characters a cell's lone mark read as a single word may have
REREAD_BELOW = 80.0               # a page line with a word this unsure is read again on its own ...
REREAD_PAD = 0.35                 # ... cropped with this share of its height above and below
DASH_FOOT = 0.8                   # share of the letters' height below which an opening dash is a speck
DASH_FLATNESS = 2.0               # a dash's box is at least this many times as wide as tall
UNIT_CELLS_LEAST = 2              # known units that show a column without a unit header is the unit column
# How a unit cell read as no known unit is read again, in turn, until a known unit is read:
# (image: "cell" without ruling lines and specks, "ink" the same cut to its ink without the
# blobs smaller than LAYOUT_SPECK, "page" the cleaned page's; upscale factor;
# Otsu binarisation; Tesseract mode). Measured on the unit cells of phone scans (README: OCR).
UNIT_REREADS = (("ink", 1, False, "block"), ("cell", 3, False, "block"), ("page", 2, True, "block"),
                ("cell", 1, False, "char"))
# A cell read as one number, a comparator and "%" at most, is read again (upscale factor, Otsu
# binarisation), and a third time when the two differ (`_check_number_cells`). Measured on the
# target cells of phone scans (README: OCR): binarised, "959%" reads "95%" and "=95" ">95".
NUMBER_REREADS = ((1, True), (2, True))
_EQUALS_NUMBER = re.compile(r"=\d[\d.,]*%?|=")
_NUMBER_CELL = re.compile(r"[^\w\s%]{0,3} ?\d[\d.,]*(?: ?%)?[^\w\s]{0,2}")
BODY_TOLERANCE = 0.3              # a line this near the page's usual height (share) is body size ...
SHORT_LINE_TOLERANCE = 0.5        # ... or this near for a line of at most SHORT_LINE_LETTERS letters
SHORT_LINE_LETTERS = 8
STEM_BANDS = ((0.2, 0.3), (0.7, 0.8))   # shares of a numeral's ink height where its stems are counted
STEM_WIDTH = 0.25                 # a stem is no wider than this share of the ink height ...
STEM_SHIFT = 0.05                 # ... and moves no more than this share (at least a pixel) between the bands
STEM_MIN_HEIGHT = 6               # pixels of ink height a numeral needs before its stems are counted
MARGIN_SNAP = 3.5                 # points: OCR line ends this close to the page's edge are on it
_GARBLED = re.compile(r"\w[(){}\[\]|<>]\w")
_STRAY_OPENING = re.compile(r"^['‘’`´\"“”,.]+(?=[A-ZĐÀ-Ỹ])")
# A number OCR may have cut or signed wrongly: a digit group after a separate "17," or "17."
# ("17, 5" is 17,5 or a list), a dash glued to a number's front ("-05", a speck or a bullet),
# and "=" before a number (plans write "≥ 90" or "90"; a "≥" whose slant is lost reads "=").
_UNSURE_NUMBER = re.compile(r"\d[,.] \d{1,2}(?!\d)|(?:^|\s)[-–—]\d|(?:^|\s)= ?\d")
_PLAIN_SIGNS = ".,;:!?()[]\"'“”‘’…/≥≤<>=+&"      # punctuation and comparators: no stray mark
_TICKS = "`´ˆ'‘’"
_STRAY_POINT = re.compile(r"^[.,]+(?=[A-ZĐÀ-Ỹ])")
_GLUED_NUMERAL = re.compile(r"^((?:[IVX]{1,4}|\d{1,2})\.)\.?(?=[A-ZĐÀ-Ỹ][A-ZĐÀ-Ỹa-zđà-ỹ])")
_GLUED_ROMAN = re.compile(r"^(\w*?[^\W\d_])([IVX][IVXl]{0,3}(?:/\S*)?)$")     # "l": a misread "I"
_CLOSING_QUOTES = "'’\"”"
_OPENING_MARKS = _TICKS + "„‚“\""     # marks a speck opening a line is read as
COLOUR_SPREAD = 60                # channel spread of coloured (not gray) ink
COLOUR_WHITEN = 120.0             # coloured pixels lighter than this are seal ink, not print under it
# Two-column blocks laid out without a table (the Decree 30 header and closing): read each
# column on its own, since Tesseract's page layout slices a right-hand line whose baseline
# misses the left-hand line's (extract.load.ocr.column_blocks). Lengths in points.
LAYOUT_INK = 128                  # gray level below which a pixel counts in the ink profiles
LAYOUT_SPECK = 30                 # pixels at 200 dpi: a smaller blob (noise, seal remains) is a speck ...
SPECK_CLEAR = 2.0                 # ... when no larger ink is this near (a point or comma touches its word)
GUTTER_MIN = 12.0                 # a gutter is at least this wide: wider than a justified line's word gap
GUTTER_ZONE = 0.15                # a gutter's middle lies this share of the text width from either edge
SIDE_INK = 12.0                   # inked width either side of a gutter that starts a block: a word, not a speck
BAND_JOIN = 2.0                   # rows of ink closer than this are one band (a mark above a capital)
BLOCK_MARGIN = 5.0                # a block's rows reach this far past its ink (the marks above and below,
                                  # left out of the profiles as specks), up to the clearest row before the next band
TEXT_EDGE = 0.1                   # share of the bands that start left of the text's left edge (and end right)
FLUSH = 6.0                       # a band starting and ending this near the text's edges is a body line ...
ONE_LINE = 1.5                    # ... when no taller than this many times the page's usual band
BODY_BANDS = 8                    # bands a page needs before its text edges are measured
GUTTER_WIDE = 24.0                # a gutter this wide in the band a block starts at is no word gap ...
BLOCK_ROWS = 2                    # ... a narrower one needs this many bands with words either side
                                  # (body lines' gaps may meet once; two columns' gutter runs on)
BLOCK_GAP = 60.0                  # a band joins the block above when no farther below it (a signature's space)
COLUMN_MODE = "column"            # how a column is read: psm 4 scored as psm 3 and above psm 6 (README: OCR)
_TESSDATA_PLACES = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                    "/usr/share/tessdata", "/usr/local/share/tessdata")


class OcrUnavailable(RuntimeError):
    """Tesseract or its Vietnamese model is missing; the message says how to install them."""


@dataclass(slots=True)
class OcrPage:
    """What OCR read on one page: words in PDF points, grid tables, mean confidence (0–100)."""

    words: list[dict]
    tables: list                      # extract.load.ocr_tables.ImageTable, in PDF points
    confidence: float
    skew: float = 0.0                 # degrees the page was turned back
    low_lines: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ engine

def _tessdata() -> str | None:
    """The folder holding vie.traineddata."""
    places = [os.environ.get("TESSDATA_PREFIX", ""), *_TESSDATA_PLACES]
    for place in places:
        for folder in (Path(place), Path(place) / "tessdata"):
            if place and (folder / f"{LANGUAGE}.traineddata").is_file():
                return str(folder)
    return None


_PSM_NUMBER = {"page": "3", "column": "4", "block": "6", "line": "7", "word": "8", "char": "10"}     # Tesseract's page segmentation modes


class _Engine:
    """Recognises a grayscale PIL image into Tesseract TSV text."""

    def __init__(self) -> None:
        self.tessdata = _tessdata()
        if self.tessdata is None:
            raise OcrUnavailable(
                "OCR needs Tesseract's Vietnamese model (apt-get install tesseract-ocr tesseract-ocr-vie)")
        try:
            import tesserocr
        except ImportError:
            tesserocr = None
        if tesserocr is not None:
            self.api = tesserocr.PyTessBaseAPI(path=self.tessdata + "/", lang=LANGUAGE,
                                               psm=tesserocr.PSM.AUTO)
            self.command = None
        else:
            self.api = None
            self.command = shutil.which("tesseract")
            if self.command is None:
                raise OcrUnavailable("OCR needs Tesseract (pip install tesserocr, or apt-get install "
                                     "tesseract-ocr tesseract-ocr-vie)")

    def tsv(self, image, mode: str = "page") -> str:
        """TSV of `image` read as `mode`: 'page' (automatic layout), 'column' (one column of
        lines of varying size), 'block' (one uniform block of text), 'line' (one text line,
        for a line the page reading was unsure of), 'word' (a single word, for a cell whose
        lone mark a block reading missed) or 'char' (one sign: a unit cell's "%")."""
        if self.api is not None:
            import tesserocr
            self.api.SetPageSegMode({"page": tesserocr.PSM.AUTO, "column": tesserocr.PSM.SINGLE_COLUMN,
                                     "block": tesserocr.PSM.SINGLE_BLOCK, "line": tesserocr.PSM.SINGLE_LINE,
                                     "word": tesserocr.PSM.SINGLE_WORD, "char": tesserocr.PSM.SINGLE_CHAR}[mode])
            self.api.SetImage(image)
            self.api.Recognize()
            return self.api.GetTSVText(0)
        import io
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        done = subprocess.run([self.command, "stdin", "stdout", "-l", LANGUAGE, "--psm", _PSM_NUMBER[mode],
                               "--tessdata-dir", self.tessdata, "tsv"],
                              input=buffer.getvalue(), capture_output=True, check=False, timeout=300)
        if done.returncode:
            raise OcrUnavailable(f"tesseract failed: {done.stderr.decode(errors='replace')[:200]}")
        return done.stdout.decode("utf-8")


@cache
def engine() -> _Engine:
    """The process's OCR engine, loaded once (raises OcrUnavailable)."""
    return _Engine()


def unavailable_reason() -> str | None:
    """None when OCR can run here, else why not (and how to install it)."""
    try:
        engine()
    except OcrUnavailable as exc:
        return str(exc)
    return None


# ------------------------------------------------------------------ image

def render_dpi(page_width_pt: float, images: list[dict]) -> int:
    """The resolution to render at: the widest image's own, within [DPI_MIN, DPI_MAX]."""
    best = 0.0
    for image in images:
        shown = float(image.get("x1", 0)) - float(image.get("x0", 0))
        source = (image.get("srcsize") or (0, 0))[0]
        if shown > 0.3 * page_width_pt and source:
            best = max(best, source / (shown / 72.0))
    return int(min(max(best or DPI_MAX, DPI_MIN), DPI_MAX))


def clean(image):
    """RGB page image -> grayscale numpy array for OCR: the lighting flattened (a phone photo
    is darker on one side), red and other coloured ink (a seal over the signature block)
    turned white, black print kept even where the seal covers it."""
    import cv2
    import numpy as np

    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))     # rendered pages are RGB
    red = rgb[..., 0]
    # Red ink is bright in the red channel; black print is dark in every channel.
    background = cv2.medianBlur(cv2.dilate(red, np.ones((15, 15), np.uint8)), 31)
    # the float page computed in place, step by step as written out it would be (19 MB less at
    # the peak of a 200-dpi page, the same values)
    flat = red.astype(np.float32)
    flat /= np.maximum(background, 1)
    flat *= 255.0
    np.clip(flat, 0, 255, out=flat)
    # channel spread per pixel; np.maximum / np.minimum over the three channel planes rather
    # than a reduction along the short last axis (about 25 times faster, the same values)
    channels = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    colour = (np.maximum(np.maximum(*channels[:2]), channels[2]).astype(np.int16)
              - np.minimum(np.minimum(*channels[:2]), channels[2])) > COLOUR_SPREAD
    flat[colour & (flat > COLOUR_WHITEN)] = 255
    flat -= INK_LEVEL                   # (flat - INK_LEVEL) * 255 / (PAPER_LEVEL - INK_LEVEL)
    flat *= 255.0
    flat /= PAPER_LEVEL - INK_LEVEL
    return np.clip(flat, 0, 255, out=flat).astype(np.uint8)


def estimate_skew(gray) -> float:
    """The page's lean in degrees (positive: counter-clockwise), by the rotation that makes
    the rows of ink most uneven (text lines sharp). Coarse 0.5° steps, then 0.1° steps."""
    import cv2
    import numpy as np

    scale = 800.0 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.float32)
    height, width = ink.shape
    centre = (width / 2, height / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST)
        profile = turned.sum(axis=1)
        return float(np.square(np.diff(profile)).sum())

    coarse = max((step * 0.5 for step in range(-int(SKEW_RANGE * 2), int(SKEW_RANGE * 2) + 1)), key=sharpness)
    return max((coarse + step * 0.1 for step in range(-5, 6)), key=sharpness)


def deskew(gray, angle: float):
    """The image turned back by `angle` degrees about its centre, new corners white."""
    import cv2

    if abs(angle) < 0.05:
        return gray
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)


# ------------------------------------------------------------------ words

def parse_tsv(tsv: str, scale: float, gray=None) -> list[list[dict]]:
    """Tesseract TSV -> its text lines, each a list of word dicts in PDF points.

    Word boxes of one line share the line's top and bottom (a glyph box's height depends on
    its diacritics, which would split lines and paragraphs); `scale` = 72 / dpi. Specks read
    as a letter or two with low confidence are dropped. With the page image `gray` (the one
    recognised), a '>' or '<' with a bar under it is read as '≥' or '≤' (Tesseract's
    Vietnamese model does not know those signs).
    """
    lines: dict[tuple, list[dict]] = {}
    for row in tsv.splitlines()[1:] if tsv.startswith("level") else tsv.splitlines():
        fields = row.split("\t")
        if len(fields) < 12 or fields[0] != "5":
            continue
        text = fields[11].strip()
        if not text:
            continue
        left, top, width, height = (int(value) for value in fields[6:10])
        confidence = max(float(fields[10]), 0.0)
        between = False                 # an unsure dash, kept only between two words
        opening = False                 # a sign opening the line that may be a bullet dash
        if _dash(text):
            first = fields[5] == "1"
            # a bullet opening a line is read less surely than a dash between words
            unsure = confidence < (SPECK_CONFIDENCE if first and text in _repairs().kept_short else SIGN_CONFIDENCE)
            if unsure:
                if first or height * DASH_FLATNESS > width:
                    continue            # a speck
                text, between = "-", True
            elif first and len(text) == 1 and text not in _list_bullets():
                opening = True          # a bullet read as "_" or "~", or a speck: by its height
        elif _speck(text, confidence):
            continue
        if gray is not None and text[0] in "<>" and _barred(gray, left, top, width, height, len(text)):
            text = ("≥" if text[0] == ">" else "≤") + text[1:]
        elif gray is not None and _EQUALS_NUMBER.fullmatch(text):
            text = (_chevron_sign(gray, left, top, width, height) or "=") + text[1:]
        key = (fields[1], fields[2], fields[3], fields[4])
        lines.setdefault(key, []).append({
            "text": text, "x0": left * scale, "x1": (left + width) * scale,
            "top": top * scale, "bottom": (top + height) * scale,
            "conf": confidence, "fontname": "", "upright": True,
            "stroke": _stroke_width(gray, left, top, width, height) if gray is not None else 0.0,
            "between": between, "opening": opening,
        })
    result = []
    for words in lines.values():
        words.sort(key=lambda word: word["x0"])
        words[:] = [word for index, word in enumerate(words)
                    if not word.pop("between") or 0 < index < len(words) - 1]
        _opening_dash(words)
        if not words:
            continue
        for word, following in zip(words, words[1:]):
            # Tesseract's box of a word sometimes runs over the next word's: the space
            # between them must stay a gap
            if word["x1"] > following["x0"] - WORD_GAP:
                word["x1"] = max(following["x0"] - WORD_GAP, word["x0"] + WORD_GAP)
        bottoms = sorted(word["bottom"] for word in words)
        tops = sorted(word["top"] for word in words)
        top, bottom = tops[len(tops) // 2], bottoms[len(bottoms) // 2]
        for word in words:
            word["top"], word["bottom"] = top, bottom
        result.append(words)
    _mark_bold(result)
    _even_heights(result)
    _snap_margins(result)
    return result


def _stroke_width(gray, left: int, top: int, width: int, height: int) -> float:
    """Mean width in pixels of the ink runs along the rows of a word box (bold is thicker)."""
    ink = gray[top:top + height, left:left + width] < 128
    if ink.size == 0:
        return 0.0
    starts = int(ink[:, 0].sum()) + int((ink[:, 1:] & ~ink[:, :-1]).sum())
    return float(ink.sum()) / starts if starts else 0.0


def _mark_bold(lines: list[list[dict]]) -> None:
    """Words whose strokes are BOLD_STROKE times the page's usual stroke get a bold font
    name, so that the PDF reader's bold tests (headings, titles) work on scans too. The
    usual stroke is the median over the page's words of 3 letters or more, weighted by
    letters (body text is the bulk of a page)."""
    strokes = sorted(word["stroke"] for words in lines for word in words
                     if word["stroke"] and sum(ch.isalpha() for ch in word["text"]) >= 3)
    if len(strokes) < 20:
        return
    usual = strokes[len(strokes) // 2]
    for words in lines:
        bold = [word["stroke"] >= BOLD_STROKE * usual for word in words]
        share = sum(bold) / len(bold)
        for word, thick in zip(words, bold):
            # short words ("và", "-") and a line that is mostly one weight follow the line
            if share >= 2 / 3 or share <= 1 / 3 or sum(ch.isalpha() for ch in word["text"]) < 3:
                thick = share > 0.5
            word["fontname"] = "OCR-Bold" if thick else "OCR"


def _opening_dash(words: list[dict]) -> None:
    """A dash sign that is no list bullet ("_", "~") opening a line: a bullet dash when it sits
    within the height of the line's letters, above their foot (a dash is drawn at mid-height);
    a speck when above them or at their foot."""
    marked = [word.pop("opening") for word in words]
    if not marked or not marked[0] or len(words) < 2:
        return
    tops = sorted(word["top"] for word in words[1:])
    bottoms = sorted(word["bottom"] for word in words[1:])
    top, bottom = tops[len(tops) // 2], bottoms[len(bottoms) // 2]
    middle = (words[0]["top"] + words[0]["bottom"]) / 2
    if not top < middle < top + DASH_FOOT * (bottom - top):
        del words[0]
    else:
        words[0]["text"] = "-"


@cache
def _list_bullets() -> frozenset[str]:
    """The list bullets of rules/markup.yaml."""
    return frozenset(map(str, load_rules("markup")["list_markers"]["bullets"]))


def _dash(text: str) -> bool:
    """Whether a word is dash signs only (rules/ocr.yaml `dashes`: Tesseract reads the en dash
    of "Văn hóa – Xã hội" as "—-", "_", "~"). Between two words, in a flat box (a speck is
    about as tall as wide), it is kept however unsure: without it the words either side
    drift apart into what looks like two columns. An unsure one opening or closing a line is
    a speck."""
    return bool(text) and all(ch in _repairs().dashes for ch in text)


def _speck(text: str, confidence: float) -> bool:
    """A speck of dust or a seal's remains read as one or two letters or signs."""
    if len(text) > 2 or any(ch.isdigit() for ch in text) or text in _repairs().kept_short or text in _repairs().bullets:
        return False
    signs_only = not any(ch.isalnum() for ch in text)
    return confidence < (SIGN_CONFIDENCE if signs_only else SPECK_CONFIDENCE)


def _barred(gray, left: int, top: int, width: int, height: int, length: int) -> bool:
    """Whether the first glyph of a word box (pixels) has a horizontal bar along its foot,
    as '≥' and '≤' have and '>' and '<' have not."""
    glyph = gray[top:top + height, left:left + max(width // max(length, 1), 2)] < BAR_INK
    columns = glyph.any(axis=0).nonzero()[0]
    if glyph.size == 0 or not columns.size:
        return False
    glyph = glyph[:, columns[0]:columns[-1] + 1]          # the glyph's own ink width
    foot = glyph[int(glyph.shape[0] * 0.65):]
    return bool(foot.size) and float(foot.mean(axis=1).max()) >= BAR_SHARE


def _chevron_sign(gray, left: int, top: int, width: int, height: int) -> str | None:
    """'≥' or '≤' when the first glyph of a word box (pixels) read as '=' is one: its upper
    stroke is a chevron at least CHEVRON_HEIGHT of the glyph's height (an '=' has two thin
    bars) with a bar along its foot (`_barred`), pointing right ('≥') or left ('≤') where it
    is widest; else None (Tesseract's Vietnamese model reads a photographed '≥' as '=')."""
    import numpy as np

    box = gray[top:top + height, left:left + width] < BAR_INK
    if not box.size:
        return None
    inked = box.any(axis=0)
    first = int(np.argmax(inked))
    gaps = np.flatnonzero(~inked[first:])
    glyph = box[:, first:first + (int(gaps[0]) if gaps.size else box.shape[1] - first)]
    rows = np.flatnonzero(glyph.any(axis=1))
    if rows.size < 4 or not _barred(gray, left + first, top, glyph.shape[1], height, 1):
        return None
    glyph = glyph[rows[0]:rows[-1] + 1]
    blank = np.flatnonzero(~glyph.any(axis=1))
    if not blank.size or blank[0] < CHEVRON_HEIGHT * glyph.shape[0]:
        return None                      # no gap above the bar, or a thin upper bar: '='
    upper = glyph[:blank[0]]
    right = [int(np.flatnonzero(row)[-1]) for row in upper]
    left_ends = [int(np.flatnonzero(row)[0]) for row in upper]
    middle = len(upper) // 2
    if right[middle] >= max(right[0], right[-1]) and left_ends[middle] > min(left_ends[0], left_ends[-1]):
        return "≥"
    if left_ends[middle] <= min(left_ends[0], left_ends[-1]) and right[middle] < max(right[0], right[-1]):
        return "≤"
    return None


def _snap_margins(lines: list[list[dict]]) -> None:
    """Line ends within MARGIN_SNAP points of the page's usual left or right edge are put on
    it: OCR boxes hug the ink, so a justified page's flush lines end a point or two apart,
    and the PDF reader tells a paragraph's wrapped lines from its last line by that edge."""
    from collections import Counter

    if len(lines) < 3:
        return
    for side, pick in (("x0", min), ("x1", max)):
        ends = Counter(round(pick(word[side] for word in words)) for words in lines)
        edge, count = ends.most_common(1)[0]
        near = [pick(word[side] for word in words) for words in lines
                if abs(pick(word[side] for word in words) - edge) <= MARGIN_SNAP]
        if count < 2 or len(near) < 3:
            continue
        target = pick(near)
        for words in lines:
            end_word = min(words, key=lambda w: w["x0"]) if side == "x0" else max(words, key=lambda w: w["x1"])
            if abs(end_word[side] - target) <= MARGIN_SNAP:
                end_word[side] = target


def _even_heights(lines: list[list[dict]]) -> None:
    """Lines of body size get the page's median line height, so that the PDF reader's
    same-font test sees them as one font; titles and small print keep their own."""
    heights = sorted(words[0]["bottom"] - words[0]["top"] for words in lines)
    if not heights:
        return
    usual = heights[len(heights) // 2]
    for words in lines:
        height = words[0]["bottom"] - words[0]["top"]
        if abs(height - usual) <= _height_tolerance(words) * usual:
            middle = (words[0]["top"] + words[0]["bottom"]) / 2
            for word in words:
                word["top"], word["bottom"] = middle - usual / 2, middle + usual / 2


def _height_tolerance(words: list[dict]) -> float:
    """How far (share of the page's usual line height) a line's box may be from the usual and
    still be body size. The box hugs the ink, so a line of a few letters is as tall as their
    marks make it: "định." (a stroke above, a dot below) boxes half as tall again as a body
    line, "sau:" (neither) a third shorter; such a line is a paragraph's wrapped end, and
    given its own height the PDF reader takes it for another font and starts a paragraph."""
    letters = sum(ch.isalnum() for word in words for ch in word["text"])
    return SHORT_LINE_TOLERANCE if letters <= SHORT_LINE_LETTERS else BODY_TOLERANCE


@dataclass(frozen=True, slots=True)
class _Repairs:
    phrases: re.Pattern
    replacements: dict[str, str]
    heading: re.Pattern
    numerals: dict[str, str]
    bullets: frozenset[str]
    bullet: str
    syllables: re.Pattern           # a word run together from 2+ syllables, each captured
    syllable: re.Pattern            # one syllable
    split_ending: re.Pattern        # the first part of a word Tesseract split in two ...
    split_tail: re.Pattern          # ... and its second part
    vowels: frozenset[str]          # the vowel letters every Vietnamese syllable holds
    kept_short: frozenset[str]      # one- or two-character words that are never specks
    dashes: frozenset[str]          # signs Tesseract reads a dash as


@cache
def _repairs() -> _Repairs:
    """rules/ocr.yaml compiled: phrase confusions and misread heading numerals."""
    rules = load_rules("ocr")
    replacements = {str(wrong): str(right) for wrong, right in (rules.get("confusions") or {}).items()}
    for wrong, right in replacements.items():
        if len(wrong.split()) != len(right.split()) or re.search(r"\d", wrong + right):
            raise ValueError(f"rules/ocr.yaml: '{wrong}' -> '{right}' must keep the word count and hold no digit")
    from extract.rules import word_alternation
    replacements = {wrong.casefold(): right for wrong, right in replacements.items()}
    phrases = (re.compile(word_alternation(replacements), re.IGNORECASE) if replacements
               else re.compile(r"(?!)"))
    numerals = {str(wrong): str(right) for wrong, right in (rules.get("heading_numerals") or {}).items()}
    alternatives = "|".join(re.escape(wrong) for wrong in sorted(numerals, key=len, reverse=True))
    # A misread Roman numeral opening a line, before a capitalised heading word of 2+ letters
    # (a speck read as a bracket may sit before its point: "I[. MỤC TIÊU"; the point read as a
    # colon: "IV: TỔ CHỨC THỰC HIỆN").
    heading = re.compile(rf"^(?P<numeral>{alternatives})[\[\]|]?[.,:]?$") if numerals else re.compile(r"(?!)")
    bullets = rules.get("bullet_misreads") or {}
    shape = rules.get("syllable") or {}
    initials = "|".join(sorted(map(str, shape.get("initials", [])), key=len, reverse=True))
    finals = "|".join(sorted(map(str, shape.get("finals", [])), key=len, reverse=True))
    vowels = re.escape(str(shape.get("vowels", "")))
    syllable = rf"(?:{initials})?[{vowels}]{{1,3}}(?:{finals})?" if vowels else r"(?!)"
    syllables = re.compile(rf"({syllable})({syllable})({syllable})?", re.IGNORECASE)
    split = rules.get("split_inside_word") or {}
    return _Repairs(phrases, replacements, heading, numerals,
                    frozenset(str(sign) for sign in bullets.get("read", [])), str(bullets.get("as", "•")),
                    syllables, re.compile(syllable, re.IGNORECASE), re.compile(rf"\w*{split.get('ending', '(?!)')}$"),
                    re.compile(rf"^{split.get('tail', '(?!)')}(?!\w)"),
                    frozenset(str(shape.get("vowels", ""))), frozenset(map(str, rules.get("kept_short") or ())),
                    frozenset(str(rules.get("dashes") or "")))


def has_vowel(word: str) -> bool:
    """Whether `word` holds a Vietnamese vowel letter (rules/ocr.yaml `syllable.vowels`); a
    run of letters without one is no syllable ("g" of "Thườn" + "g xuyên")."""
    vowels = _repairs().vowels
    return any(ch in vowels for ch in word.lower())


def split_syllables(text: str) -> str:
    """A word OCR ran together from Vietnamese syllables, spaced again ("CHUYỂNĐỔI" ->
    "CHUYỂN ĐỔI"); punctuation around it is kept. Only when every syllable carries a
    Vietnamese letter, so that loanwords ("Internet") and names stay whole, and the word is
    no written syllable itself: "lượt", "điểm" stay whole, though "lư" + "ợt" parse as two."""
    match = re.fullmatch(r"(\W*)(\w+)(\W*)", text)
    if not match or len(match.group(2)) < 4 or match.group(2).lower() in syllable_lexicon():
        return text
    parsed = _repairs().syllables.fullmatch(match.group(2))
    if not parsed:
        return text
    parts = [part for part in parsed.groups() if part]
    if len(parts) < 2 or not all(any(ord(ch) > 127 for ch in part) for part in parts):
        return text
    return match.group(1) + " ".join(parts) + match.group(3)


@cache
def _letter_misreads() -> dict[int, str]:
    """rules/ocr.yaml `letter_misreads` as a str.translate table (letters no Vietnamese word has)."""
    return str.maketrans({str(wrong): str(right) for wrong, right in (load_rules("ocr").get("letter_misreads") or {}).items()})


_SPECK_BETWEEN_SYLLABLES = re.compile(r"(?<![\w.])([^\W\d_]+)[.]([^\W\d_]+)(?![\w.])")


def _space_if_syllables(match: re.Match) -> str:
    """"cơ.quan" -> "cơ quan": two syllables of the lexicon, one with a Vietnamese letter, kept
    apart by a speck read as a point; web addresses ("gov.vn") and abbreviations stay."""
    first, second = match.group(1), match.group(2)
    lexicon = syllable_lexicon()
    if (first.lower() in lexicon and second.lower() in lexicon and second[:1].islower()
            and any(ord(ch) > 127 for ch in first + second)):
        return f"{first} {second}"
    return match.group(0)


def _respaced(word: dict) -> list[dict]:
    """The word, or the words OCR ran together in it ("học,công", "CHUYỂNĐỔI"), each with
    its share of the box (by characters)."""
    # "học,công", a heading numeral glued to its heading ("I.MỤC", "2.Yêu") and a Roman
    # numeral to its word ("QuýIV/2026"): two words
    text = _GLUED_NUMERAL.sub(r"\1 ", word["text"])
    glued = _GLUED_ROMAN.match(text)
    if glued and glued.group(1)[-1].islower():
        text = glued.group(1) + " " + glued.group(2)
    text = re.sub(r"(?<=[^\W\d_])([,;])[.]+(?=[^\W\d_])", r"\1", text)      # "soát,.làm": a speck after the comma
    text = text.translate(_letter_misreads())
    text = _SPECK_BETWEEN_SYLLABLES.sub(_space_if_syllables, text)          # "cơ.quan": a speck between words
    pieces = re.split(r"(?<=[^\W\d_],)(?=[^\W\d_])", text)       # letters only: "17,5" is a number
    pieces = [part for piece in pieces for part in piece.split(" ")]
    text = " ".join(split_syllables(piece) for piece in pieces)
    numeral = text.rpartition(" ")[2]
    if text != numeral and numeral in _repairs().numerals:           # "Phụ lục Il" -> "Phụ lục II"
        text = text[:len(text) - len(numeral)] + _repairs().numerals[numeral]
    parts = text.split(" ")
    if len(parts) == 1:
        word["text"] = text
        return [word]
    width = (word["x1"] - word["x0"]) / max(len(text), 1)
    result, offset = [], 0
    for part in parts:
        piece = dict(word, text=part)
        piece["x0"] = word["x0"] + offset * width
        piece["x1"] = piece["x0"] + len(part) * width
        result.append(piece)
        offset += len(part) + 1
    return result


_LETTERS = re.compile(r"[^\W\d_]+")
_LETTERS_THEN_STOPS = re.compile(r"([^\W\d_]+)([.,;:!?)]*)")


def joins_syllable(first: str, second: str) -> bool:
    """Whether `first` and `second` are one syllable Tesseract split in two ("đi" + "ện",
    "đo" + "àn", "TRƯ" + "ỞNG"): both letters only (a digit is never joined; `second` may
    end in punctuation), the joined letters are a syllable of `syllable_lexicon()` and at
    least one part is not ("cư" + "ở" stay two words)."""
    tail = _LETTERS_THEN_STOPS.fullmatch(second)
    if not _LETTERS.fullmatch(first) or not tail:
        return False
    lexicon = syllable_lexicon()
    joined = (first + tail.group(1)).lower()
    return joined in lexicon and (first.lower() not in lexicon or tail.group(1).lower() not in lexicon)


_OPENING_BRACKETS = "([{\"“‘'"      # signs that open a bracketed phrase before its first syllable


def _rejoined(words: list[dict]) -> list[dict]:
    """Words Tesseract split inside a syllable ("đư" + "ợc", "đi" + "ện", "(trư" + "ớc")
    joined again (rules/ocr.yaml `split_inside_word`, and the syllable lexicon)."""
    repairs = _repairs()
    result: list[dict] = []
    for word in words:
        if result and ((repairs.split_ending.match(result[-1]["text"]) and repairs.split_tail.match(word["text"]))
                       or joins_syllable(result[-1]["text"].lstrip(_OPENING_BRACKETS), word["text"])):
            previous = result[-1]
            previous["text"] += word["text"]
            previous["x1"] = word["x1"]
            previous["conf"] = min(previous["conf"], word["conf"])
            continue
        result.append(word)
    return result


def _rejoined_by_neighbours(words: list[dict]) -> list[dict]:
    """Two written syllables Tesseract split one into ("đi" + "ếm" of "quan điểm", "trọng đi
    ếm"), joined again when the word list says so: the second opens with a vowel, the joined
    letters are a syllable of `syllable_lexicon()`, neither part makes a word with the other or
    with its neighbour (by bare letters, `bare_word`) and the joined syllable does with the word
    before or after it. The word repair then gives it its tone ("điếm" -> "điểm")."""
    vowels = _repairs().vowels
    letters = [word["text"] if _LETTERS.fullmatch(word["text"]) else None for word in words]
    result: list[dict] = []
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        first, second = letters[i], letters[i + 1] if i + 1 < len(words) else None
        before = letters[i - 1] if i else None
        after = letters[i + 2] if i + 2 < len(words) else None
        if first and second and second[0].lower() in vowels and len(first) > 1 \
                and (first + second).lower() in syllable_lexicon():
            joined = first + second
            near = [pair for pair in ((before, first), (first, second), (second, after)) if all(pair)]
            if not any(bare_word(a, b) for a, b in near) and (
                    (before and bare_word(before, joined)) or (after and bare_word(joined, after))):
                result.append({**word, "text": joined, "x1": words[i + 1]["x1"],
                               "conf": min(word["conf"], words[i + 1]["conf"])})
                skip = True
                continue
        result.append(word)
    return result


def _drop_opening_speck(words: list[dict]) -> None:
    """A line's first word that is only ticks or quote marks ("ˆ KT. CHỦ TỊCH", "„ Phụ lục I")
    is a speck (a seal's or signature's remains, dust) when no quote closes later in the line:
    left there, it hides the capacity line or appendix heading the line opens."""
    if (len(words) >= 2 and words[0]["text"] and all(ch in _OPENING_MARKS for ch in words[0]["text"])
            and not any(ch in word["text"] for word in words[1:] for ch in _CLOSING_QUOTES)):
        words.pop(0)


def repair_line(words: list[dict]) -> None:
    """Known Tesseract confusions of the genre (rules/ocr.yaml), fixed in place, word for word.

    Only letters are repaired: a phrase rule may hold no digit, so a number is never guessed.
    """
    repairs = _repairs()
    words[:] = _rejoined([part for word in words for part in _respaced(word)])
    _drop_dashes_between_syllables(words)
    words[:] = _rejoined_by_neighbours(words)
    repair_words(words)
    stray = _STRAY_OPENING.match(words[0]["text"])
    if stray and not any(ch in word["text"] for word in words for ch in _CLOSING_QUOTES):
        words[0]["text"] = words[0]["text"][stray.end():]     # a speck read as a quote mark
    for word in words:
        # a speck read as a point or comma before a capital (".CỘNG HÒA"): no word starts so
        word["text"] = _STRAY_POINT.sub("", word["text"])
    if len(words) >= 2 and words[-1]["text"] and all(ch in _TICKS for ch in words[-1]["text"]):
        words.pop()                     # a speck read as a lone tick after the line's last word
    _drop_opening_speck(words)
    if len(words) >= 2 and words[0]["text"] in repairs.bullets:
        words[0]["text"] = repairs.bullet
    if len(words) >= 2:
        match = repairs.heading.match(words[0]["text"])
        following = words[1]["text"]
        if match and len(following) >= 2 and following.isupper():
            words[0]["text"] = repairs.numerals[match.group("numeral")] + "."
    _repair_quarter_numerals(words)
    _drop_points_inside_sentences(words)
    _drop_signs_inside_words(words)
    _dash_for_lone_colon(words)
    text = " ".join(word["text"] for word in words)
    fixed = repairs.phrases.sub(lambda m: _same_case(repairs.replacements[" ".join(m.group(0).split()).casefold()],
                                                     m.group(0)), text)
    if fixed != text:
        parts = fixed.split(" ")
        if len(parts) == len(words):
            for word, part in zip(words, parts):
                word["text"] = part
    _repair_field_label(words)
    _drop_glued_underscores(words)
    _drop_bullet_before_label(words)
    _drop_opening_point(words)


def _repair_phrases_across_lines(lines: list[list[dict]]) -> None:
    """rules/ocr.yaml `confusions` of two words that a line break parts ("… định kỳ hãng" ⏎
    "quý; …"), repaired in place as `repair_line` repairs them inside a line."""
    repairs = _repairs()
    for line, following in zip(lines, lines[1:]):
        if not line or not following:
            continue
        text = f"{line[-1]['text']} {following[0]['text']}"
        fixed = repairs.phrases.sub(lambda m: _same_case(repairs.replacements[" ".join(m.group(0).split()).casefold()],
                                                         m.group(0)), text)
        parts = fixed.split(" ")
        if fixed != text and len(parts) == 2:
            line[-1]["text"], following[0]["text"] = parts


_HEADING_LABEL = re.compile(r"(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,4})\.")


def _drop_bullet_before_label(words: list[dict]) -> None:
    """A speck read as a dash or bullet before a heading's numeral ("- 10. Các tổ dân phố",
    "- 8. Đề nghị Ủy ban …"), removed in place: no plan bullets a numbered heading, and
    behind the dash the heading is read as a line of the duty above."""
    if (len(words) >= 3 and (_dash(words[0]["text"]) or words[0]["text"] in _list_bullets())
            and _HEADING_LABEL.fullmatch(words[1]["text"]) and words[2]["text"][:1].isupper()):
        words.pop(0)


def _drop_opening_point(words: list[dict]) -> None:
    """A line's first word that is only points or commas, before a capitalised word (". Trên
    đây là Kế hoạch …"), is a speck: removed in place. No sentence opens with a point, and
    behind one the closing's opening phrase is not seen and the closing reads as a duty."""
    if (len(words) >= 2 and words[0]["text"] and set(words[0]["text"]) <= set(".,")
            and words[1]["text"][:1].isupper()):
        words.pop(0)


def _drop_glued_underscores(words: list[dict]) -> None:
    """A speck read as "_" glued to the end of a word ("10/12_ hằng năm"), removed in place:
    plans write underscores only as blanks to fill in ("ngày ___ tháng"), a word of their own,
    and the date glued to one is no date to the deadline reader."""
    for word in words:
        core = word["text"].rstrip("_")
        if core != word["text"] and core and core[-1] not in "_" and (core[-1].isalnum() or core[-1] in ".,;:)"):
            word["text"] = core


# What OCR reads between two words of a label where a space is ("Đơn vị:phối hợp:", "thực. hiện").
_LABEL_GAP = re.compile(r"\s*[:.,;'‘’`´]+\s*|\s+")


@cache
def _field_label() -> re.Pattern[str]:
    """A line that opens (after a bullet) with an inline field label (rules/text_items.yaml
    `inline_fields`: "Đơn vị phối hợp:"), a speck or colon read between its words allowed;
    group `label` is the label as read, up to its colon."""
    labels = sorted({str(label) for labels in (load_rules("text_items").get("inline_fields") or {}).values()
                     for label in labels}, key=len, reverse=True)
    gap = r"(?:\s*[:.,;'‘’`´]+\s*|\s+)"
    shapes = "|".join(gap.join(re.escape(word) for word in label.split()) for label in labels)
    return (re.compile(rf"^(?:[^\w\s:.,;'‘’`´]{{1,2}}\s*)?(?P<speck>[:.,;'‘’`´]+\s*)?(?P<label>{shapes})\s*:", re.IGNORECASE)
            if shapes else re.compile(r"(?!)"))


def _repair_field_label(words: list[dict]) -> None:
    """A responsibility line's label with a speck or colon read inside it ("Đơn vị:phối hợp:
    Các tổ dân phố", "Đơn vị thực:hiện: Phòng …") or glued before it (":Đơn vị thực hiện:")
    spaced as written, in place: read as it
    was, its first colon ends the label early and the line is no field of the item above
    but a task of its own. The label's words are the vocabulary's; its letters stay as read."""
    text = " ".join(word["text"] for word in words)
    match = _field_label().match(text)
    if not match:
        return
    label = match.group("label")
    spaced = _LABEL_GAP.sub(" ", label)
    if spaced == label and not match.group("speck"):
        return
    begin = match.start("speck") if match.group("speck") else match.start("label")     # a speck glued before it goes
    before = text[:begin] if not text[:begin] or text[:begin].endswith(" ") else text[:begin] + " "   # a bullet stays apart
    fixed = before + spaced + ":" + text[match.end():]
    starts, offset = [], 0
    for word in words:
        starts.append(offset)
        offset += len(word["text"]) + 1
    first = max(index for index, start in enumerate(starts) if start <= begin)
    last = max(index for index, start in enumerate(starts) if start < match.end())
    tail = len(text) - (starts[last] + len(words[last]["text"]))       # characters after the last word touched
    region = fixed[starts[first]:len(fixed) - tail].split()
    x0, x1 = words[first]["x0"], words[last]["x1"]
    width = (x1 - x0) / max(sum(len(part) for part in region) + len(region) - 1, 1)
    conf = min(word["conf"] for word in words[first:last + 1])
    pieces, position = [], x0
    for part in region:
        piece = dict(words[first], text=part, conf=conf, x0=position, x1=position + len(part) * width)
        pieces.append(piece)
        position += (len(part) + 1) * width
    words[first:last + 1] = pieces


@cache
def _quarter_misreads() -> tuple[frozenset[str], dict[str, str]]:
    """The quarter words (rules/deadlines.yaml `quarter`, casefolded) and the misread numerals
    that follow them (rules/ocr.yaml `quarter_numerals`)."""
    words = frozenset(str(word).casefold() for word in load_rules("deadlines").get("quarter") or ())
    return words, {str(wrong): str(right) for wrong, right in (load_rules("ocr").get("quarter_numerals") or {}).items()}


def _repair_quarter_numerals(words: list[dict]) -> None:
    """A quarter's Roman numeral misread after the quarter word, in place: a form rules/ocr.yaml
    `quarter_numerals` lists ("Quý 11/2026" -> "Quý II/2026"), or strokes `numbering.ocr_numeral`
    reads back ("II1", "IH" -> "III"), and only into a quarter, I to IV."""
    quarter, misreads = _quarter_misreads()
    for before, word in zip(words, words[1:]):
        if before["text"].casefold() in quarter:
            numeral = re.match(r"[0-9IVXlHh|]+", word["text"])
            token = numeral.group(0) if numeral else ""
            if not token or roman_value(token) or (token.isdigit() and token not in misreads):
                continue        # a quarter as written ("IV", "3")
            # a listed misreading ("11"), else the Roman strokes read back ("II1", "IH")
            read = misreads.get(token) or ocr_numeral(token)
            if read and 1 <= (roman_value(read) or 0) <= 4:
                word["text"] = read + word["text"][len(token):]


_WORD_THEN_POINT = re.compile(r"[^\W\d_]{2,}[.]")


def _dash_for_lone_colon(words: list[dict]) -> None:
    """A lone ":" between two words, before a capital, is a dash Tesseract read as a colon
    ("Phòng Văn hóa : Xã hội" -> "Văn hóa - Xã hội"): a colon is written against the word
    before it. In place."""
    for before, word, after in zip(words, words[1:], words[2:]):
        if word["text"] == ":" and before["text"][-1:].isalnum() and after["text"][:1].isupper():
            word["text"] = "-"


def _drop_points_inside_sentences(words: list[dict]) -> None:
    """A speck read as a point after a word whose sentence goes on in small letters
    ("Thường. xuyên", "soát,. làm"), removed in place; an abbreviation in capitals ("TP.")
    or with inner points ("v.v.") keeps its point."""
    for word, following in zip(words, words[1:]):
        if following["text"][:1].islower():
            word["text"] = re.sub(r"([,;:])[.]+$", r"\1", word["text"])
            if _WORD_THEN_POINT.fullmatch(word["text"]) and not word["text"].isupper():
                word["text"] = word["text"][:-1]


_LETTERS_THEN_SIGN = re.compile(r"([^\W\d_]+)[.:]")
_DASH_THEN_LETTERS = re.compile(r"[-–]([^\W\d_]+[.,;:]?)")


def _drop_signs_inside_words(words: list[dict]) -> None:
    """A speck read as a colon, point or dash between the two syllables of one word ("hài: lòng",
    "KHOA. HỌC", "sáng . tạo", "sử - dụng", "cam -kết"), removed in place: only where the two
    syllables make a word of the word list and the next starts in the same case (a colon before
    "các" or a capital is written; "Văn hóa - Xã hội" is no word "hóa xã"). A comma is left
    alone: "thôn, bản" and "ban, ngành" are lists as often as words."""
    def joins_word(left: str, right: str) -> bool:
        right_letters = re.match(r"[^\W\d_]+", right)
        return (right_letters is not None and (right[:1].islower() or left.isupper() and right_letters.group(0).isupper())
                and f"{left} {right_letters.group(0)}".lower() in word_list())

    for word, following in zip(words, words[1:]):
        match = _LETTERS_THEN_SIGN.fullmatch(word["text"])
        if match and joins_word(match.group(1), following["text"]):
            word["text"] = match.group(1)
        dashed = _DASH_THEN_LETTERS.fullmatch(following["text"])
        if dashed and re.fullmatch(r"[^\W\d_]+", word["text"]) and joins_word(word["text"], dashed.group(1)):
            following["text"] = dashed.group(1)
    lone = {i for i in range(1, len(words) - 1) if words[i]["text"] in (".", ":", "-", "–")
            and re.fullmatch(r"[^\W\d_]+", words[i - 1]["text"]) and joins_word(words[i - 1]["text"], words[i + 1]["text"])}
    if lone:
        words[:] = [word for i, word in enumerate(words) if i not in lone]


_GLUED_DASH = re.compile(r"([^\W\d_]+)[-–]([^\W\d_]+)([.,;:]?)")


def _drop_dashes_between_syllables(words: list[dict]) -> None:
    """A speck read as a dash glued between two small-letter syllables of a sentence ("theo-quy",
    "trực tuyến-và", "những -khó", "kết- quả"), removed in place: plans write a dash between
    words with spaces ("Văn hóa - Xã hội"), never glued between small letters, so a dash there
    is a speck whether or not the two syllables make a word (`_drop_signs_inside_words` only
    drops the signs of a word). Both sides must be written syllables (`syllable_lexicon()`); a
    word holding the dash becomes two, each with its share of the box."""
    lexicon = syllable_lexicon()

    def syllables(*parts: str) -> bool:
        return all(part.islower() and part in lexicon for part in parts)

    parted = []
    for word in words:
        glued = _GLUED_DASH.fullmatch(word["text"])
        if glued and syllables(glued.group(1), glued.group(2)):
            share = (word["x1"] - word["x0"]) / len(word["text"])
            split = word["x0"] + share * len(glued.group(1))
            parted.append(dict(word, text=glued.group(1), x1=split))
            parted.append(dict(word, text=glued.group(2) + glued.group(3), x0=split + share))
        else:
            parted.append(word)
    words[:] = parted
    for word, following in zip(words, words[1:]):
        left, right = _LETTERS_THEN_STOPS.fullmatch(word["text"].rstrip("-–")), _DASH_THEN_LETTERS.fullmatch(following["text"])
        if word["text"][-1:] in "-–" and left and not left.group(2) and re.match(r"[^\W\d_]+", following["text"]) \
                and syllables(left.group(1), re.match(r"[^\W\d_]+", following["text"]).group(0)):
            word["text"] = left.group(1)
        elif right and re.fullmatch(r"[^\W\d_]+", word["text"]) and syllables(word["text"], right.group(1).rstrip(".,;:")):
            following["text"] = right.group(1)


def _bare(text: str) -> str:
    """Letters and digits only, lowercase, without diacritics ("Đơn vị⏎tính -" -> "donvitinh")."""
    return "".join(ch for ch in fold_accents(text).lower() if ch.isalnum())


def _by_unique_bare(names: set[str]) -> dict[str, str]:
    """Each bare form (`_bare`) that only one of `names` has, with that name; names without a
    letter or digit ("%") have none."""
    by_bare: dict[str, set[str]] = {}
    for name in names:
        if _bare(name):
            by_bare.setdefault(_bare(name), set()).add(name)
    return {bare: found.pop() for bare, found in by_bare.items() if len(found) == 1}


@cache
def _header_labels() -> tuple[frozenset[str], dict[str, str]]:
    """The plain column headers of rules/table_columns.yaml: their spaceless forms, and each
    bare form (`_bare`) that only one of them has, with that header."""
    fields = load_rules("table_columns").get("fields") or {}
    plain = {str(label) for labels in fields.values() for label in labels
             if not re.search(r"[\\\[\](){}?*+|^$]", str(label))}
    return frozenset(label.replace(" ", "") for label in plain), _by_unique_bare(plain)


def repair_header(texts: list[str]) -> list[str]:
    """Header cells of a table read by OCR, each either as read or, when it is no known column
    header as read but is one once diacritics and signs are ignored ("Đơn⏎vi", "Đơn vị⏎tính -",
    "Thời⏎han"), that header (rules/table_columns.yaml, first letter capitalised), else the
    cell without its specks when that is a known header ("Kế hoạch⏎năm 2026 -";
    `_header_without_specks`). A misread diacritic or a speck in a header cell would otherwise
    lose the whole column's meaning."""
    exact, by_bare = _header_labels()
    repaired = []
    for text in texts:
        label = by_bare.get(_bare(text)) or _nearest_label(_bare(text), by_bare)
        known = re.sub(r"[\s*:()]+", "", text).lower().rstrip(".") in exact
        repaired.append(label[:1].upper() + label[1:] if label and not known else _header_without_specks(text))
    return repaired


def _nearest_label(bare: str, by_bare: dict[str, str]) -> str | None:
    """The one label whose bare form is within an edit per eight letters of `bare` ("Đơm vị
    tính": a letter misread), None when none is or two are, or `bare` is too short to tell."""
    if len(bare) < 5:
        return None
    near = {label for known, label in by_bare.items() if near_text(bare, known, letters_per_edit=8)}
    return near.pop() if len(near) == 1 else None


def _header_without_specks(text: str) -> str:
    """A header cell without the specks OCR read into it ("Kế hoạch⏎năm 2026 -" -> "Kế
    hoạch⏎năm 2026"): signs of rules/ocr.yaml `unit_specks` alone as a word or at a word's
    ends dropped, line breaks kept, when that makes it a known column header (`known_header`)
    and it was none; else the cell as read."""
    if known_header(text):
        return text
    specks = _unit_specks()
    lines = [" ".join(kept for word in line.split() if (kept := word.strip(specks))) for line in text.split("\n")]
    stripped = "\n".join(line for line in lines if line)
    return stripped if stripped and known_header(stripped) else text


def unit_header(text: str) -> bool:
    """Whether a table header cell names the unit column (rules/table_columns.yaml
    `fields.unit`: "Đơn vị", "ĐVT" …; "Đơn vị chủ trì" is the lead's column, not this)."""
    plain = " ".join(re.sub(r"[*:()]", " ", text).split()).casefold().rstrip(".")
    return plain in _unit_labels()


@cache
def _unit_labels() -> frozenset[str]:
    """The unit column's headers (rules/table_columns.yaml `fields.unit`), casefolded."""
    return frozenset(str(label).casefold() for label in load_rules("table_columns").get("fields", {}).get("unit") or ())


@cache
def _known_units() -> tuple[frozenset[str], dict[str, str]]:
    """The units an "Đơn vị" cell may hold (rules/units.yaml `percent`, `counted`,
    `cell_units`): their casefolded forms, and each bare form (`_bare`) only one of them has."""
    rules = load_rules("units")
    units = {str(unit) for key in ("percent", "counted", "cell_units") for unit in rules.get(key) or ()}
    return frozenset(" ".join(unit.split()).casefold() for unit in units), _by_unique_bare(units)


def read_unit_cell(text: str) -> tuple[str, bool]:
    """An OCR'd cell of a table's unit column -> (text, sure). A known unit as read, or an
    empty cell, is sure; one that is a known unit once diacritics, signs and spaces are
    ignored ("Đi ếm", "Tố" -> "Điểm", "Tổ") becomes that unit, in the case read; anything
    else is kept as read and unsure ("96" for "%"): a target's unit is never wrong silently."""
    plain = " ".join(text.split())
    exact, by_bare = _known_units()
    if not plain or plain.casefold() in exact:
        return text, True
    unit = by_bare.get(_bare(plain))
    if unit is None:
        kept = _without_specks(plain)
        return (kept, True) if kept and kept.casefold() in exact else (text, False)
    return (unit.upper() if plain.isupper() and len(plain) > 1 else
            unit[:1].upper() + unit[1:] if plain[:1].isupper() else unit), True


def _without_specks(text: str) -> str:
    """A unit cell's reading without the speck signs OCR adds around a unit ("% *", "%.-",
    "_#%" -> "%"): the signs of rules/ocr.yaml `unit_specks`, at either end or standing alone
    as a word; the rest as read ("" when only specks were read)."""
    specks = _unit_specks()
    if not specks:
        return text
    words = [word.strip(specks) for word in text.split()]
    return " ".join(word for word in words if word)


@cache
def _unit_specks() -> str:
    """The signs that are specks around a unit cell's unit (rules/ocr.yaml `unit_specks`)."""
    return str(load_rules("ocr").get("unit_specks") or "")


def partial_unit_header(text: str) -> str | None:
    """The unit column's header (rules/table_columns.yaml `fields.unit`, first letter
    capitalised) that an OCR'd header cell is part of, when it reads as no whole column header
    but as part of one or more unit headers — a contiguous part ("Đơn" of "Đơn vị", "tính" of
    "Đơn vị tính") or its words in order with some left out ("Đơn tính": a narrow cell wraps
    "Đơn⏎vị⏎tính", and a line of the cell was lost): the shortest such header; else None. Only
    a column whose cells hold units confirms it (extract.load.pdf)."""
    bare = _bare(text)
    if len(bare) < 2 or unit_header(text) or known_header(text):
        return None
    words = [_bare(word) for word in text.split() if _bare(word)]
    found = sorted((label for label in _unit_labels()
                    if bare in _bare(label) or _words_in_order(words, [_bare(word) for word in label.split()])),
                   key=lambda label: (len(label), label))
    return found[0][:1].upper() + found[0][1:] if found else None


@cache
def unit_header_label() -> str:
    """The unit column's first header of rules/table_columns.yaml `fields.unit`, first letter
    capitalised ("Đơn vị"): the header given to a unit column whose header OCR could not read."""
    label = str(load_rules("table_columns")["fields"]["unit"][0])
    return label[:1].upper() + label[1:]


def _words_in_order(words: list[str], label: list[str]) -> bool:
    """Whether `words` are whole words of `label`, in its order (some of its words left out)."""
    remaining = iter(label)
    return bool(words) and all(word in remaining for word in words)


@cache
def _header_patterns() -> tuple[re.Pattern[str], ...]:
    """Every column header pattern of rules/table_columns.yaml, spaces removed (as matched by
    extract.items.appendix_tables)."""
    fields = load_rules("table_columns").get("fields") or {}
    return tuple(re.compile(re.sub(r"\s+", "", str(label))) for labels in fields.values() for label in labels)


def known_header(text: str) -> bool:
    """Whether a table header cell is one of rules/table_columns.yaml's column headers, matched
    as the appendix tables match them (lower case, no spaces, markup or final point)."""
    key = re.sub(r"[\s*:()]+", "", text).lower().rstrip(".")
    return any(pattern.fullmatch(key) for pattern in _header_patterns())


def low_confidence(words: list[dict]) -> bool:
    """Whether OCR words (with `conf`) are unsure: their mean confidence is below
    LOW_CONFIDENCE, a word holding a digit is below LOW_NUMBER_CONFIDENCE (a number is
    what a misreading must never change silently), a word is garbled (a bracket or bar
    between its letters, "xuy(n"), a number may be cut or signed wrongly ("17, 5", "-05"),
    or a stray sign stands for what OCR could not read ("*" for "%"). Words of a text layer
    have no `conf`."""
    scores = [word["conf"] for word in words if "conf" in word]
    if not scores:
        return False
    if sum(scores) / len(scores) < LOW_CONFIDENCE or any(_garbled(word["text"]) for word in words):
        return True
    if _UNSURE_NUMBER.search(" ".join(word["text"] for word in words if "conf" in word)):
        return True
    if any(word.get("conf", 100.0) < LOW_NUMBER_CONFIDENCE and any(ch.isdigit() for ch in word["text"])
           for word in words):
        return True
    # a stray sign ("*", "€", "`"): a mark OCR could not read, perhaps the "%" of a unit cell
    return any("conf" in word and _stray_sign(word["text"]) for word in words)


def _garbled(text: str) -> bool:
    """A word OCR garbled: a bracket or bar between letters ("xuy(n"), a capital after a small
    letter in a Vietnamese word ("xuyÝ"; ASCII names such as "VNeID" are written so), or a
    short piece of a syllable that is no syllable ("ện" of "đi ện"; `syllable_lexicon()`)."""
    if _GARBLED.search(text):
        return True
    if not any(ord(ch) > 127 for ch in text):
        return False
    if any(a.islower() and b.isupper() for a, b in zip(text, text[1:])):
        return True
    letters = _LETTERS_THEN_STOPS.fullmatch(text)
    lexicon = syllable_lexicon()
    return bool(letters and lexicon and len(letters.group(1)) <= FRAGMENT_LENGTH
                and letters.group(1).lower() not in lexicon)


def _stray_sign(text: str) -> bool:
    """A word of signs only that is no punctuation, comparator, dash or kept sign ("%", "•")."""
    return (not any(ch.isalnum() for ch in text) and text not in _repairs().kept_short and not _dash(text)
            and not all(ch in _PLAIN_SIGNS for ch in text))


# ------------------------------------------------------------------ pages

class PageRenderer:
    """Renders pages of one PDF (opened once, on first use) for OCR."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.document = None

    def render(self, index: int, dpi: int):
        """Page `index` (0-based) as an RGB PIL image at `dpi`."""
        if self.document is None:
            import pypdfium2
            self.document = pypdfium2.PdfDocument(self.data)
        page = self.document[index]
        try:
            return page.render(scale=dpi / 72.0).to_pil().convert("RGB")
        finally:
            page.close()

    def close(self) -> None:
        """Close the rendered PDF (safe to call twice)."""
        if self.document is not None:
            self.document.close()
            self.document = None


def _read_cell(ocr: _Engine, gray, cell: tuple[float, float, float, float], scale: float) -> list[list[dict]] | None:
    """The word lines of one table cell (PDF points), read alone as one block of text; None
    when the cell holds too little ink to be text, [] when it holds ink but nothing was read."""
    x0, top, x1, bottom = cell
    left, upper = int(x0 / scale) + CELL_PAD, int(top / scale) + CELL_PAD
    right, lower = int(x1 / scale) - CELL_PAD, int(bottom / scale) - CELL_PAD
    crop = gray[upper:lower, left:right]
    if crop.size == 0 or (crop < 128).sum() < CELL_MIN_INK:
        return None
    lines = _read_crop(ocr, gray, (left, upper, right, lower), "block", scale)
    if not lines:       # a lone mark ("%", "1") that a block reading skips
        lines = [words for words in _read_crop(ocr, gray, (left, upper, right, lower), "word", scale)
                 if len(words) == 1 and _lone_mark(words[0])]
    return lines


def _read_crop(ocr: _Engine, gray, box: tuple[int, int, int, int], mode: str, scale: float) -> list[list[dict]]:
    """The word lines (PDF points of the page) of the part `box` = (left, upper, right, lower),
    in pixels, of a page image, read on its own as `mode` inside a white frame of FRAME_PX
    (Tesseract needs margins); [] for an empty box."""
    import numpy as np
    from PIL import Image

    left, upper, right, lower = box
    crop = gray[upper:lower, left:right]
    if crop.size == 0:
        return []
    framed = np.pad(crop, FRAME_PX, constant_values=255)
    lines = parse_tsv(ocr.tsv(Image.fromarray(framed), mode), scale, framed)
    for words in lines:
        for word in words:
            for key, offset in (("x0", left), ("x1", left), ("top", upper), ("bottom", upper)):
                word[key] += (offset - FRAME_PX) * scale
    return lines


def _lone_mark(word: dict) -> bool:
    """Whether a cell's only word, read as a single word, is a mark worth keeping: a short
    number or a kept sign ("1", "%"), read surely enough; letters guessed from a faint mark
    ("III" read as "mã") are not kept."""
    text = word["text"]
    return (len(text) <= LONE_MARK_LENGTH and word["conf"] >= SPECK_CONFIDENCE
            and (text in _repairs().kept_short or (any(ch.isdigit() for ch in text)
                                                   and not any(ch.isalpha() for ch in text))))


@dataclass(frozen=True, slots=True)
class ColumnBlock:
    """A band of a page image with a white gutter through every ink row: rows `top` to
    `bottom` and the gutter's columns `gutter_left` to `gutter_right` (pixels, ends excluded)."""

    top: int
    bottom: int
    gutter_left: int
    gutter_right: int

    @property
    def split(self) -> int:
        """The column the block is cut at: the gutter's middle."""
        return (self.gutter_left + self.gutter_right) // 2


def _layout_ink(gray, scale: float):
    """Boolean ink mask of a page image for the layout profiles, specks left out: a blob of
    fewer than LAYOUT_SPECK pixels (at 200 dpi; scaled by area) with no larger blob within
    SPECK_CLEAR is dust or a seal's remains, and one would close a gutter or join two bands;
    a comma beside its word stays (without it "số, kinh" looks like a gutter)."""
    import cv2
    import numpy as np

    ink = (gray < LAYOUT_INK).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    least = LAYOUT_SPECK * (72.0 / 200.0 / scale) ** 2
    keep = stats[:, cv2.CC_STAT_AREA] >= least
    keep[0] = False                     # the background
    large = keep[labels]
    reach = 2 * int(SPECK_CLEAR / scale) + 1
    near = cv2.dilate(large.astype(np.uint8), np.ones((reach, reach), np.uint8)).astype(bool)
    keep[np.unique(labels[near & ~large & (labels > 0)])] = True
    return keep[labels]


def _runs(flags) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D boolean array, end excluded."""
    import numpy as np

    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _bands(ink, join: int) -> list[tuple[int, int]]:
    """Rows of ink grouped into bands: runs of inked rows, those less than `join` rows apart
    as one (a diacritic above a capital is a run of its own)."""
    bands: list[tuple[int, int]] = []
    for start, end in _runs(ink.any(axis=1)):
        if bands and start - bands[-1][1] < join:
            bands[-1] = (bands[-1][0], end)
        else:
            bands.append((start, end))
    return bands


def _widest_white(inked, low: int, high: int, least: int) -> tuple[int, int] | None:
    """The widest run of uninked columns within [low, high) of at least `least` columns."""
    runs = [(start + low, end + low) for start, end in _runs(~inked[low:high]) if end - start >= least]
    return max(runs, key=lambda run: run[1] - run[0], default=None)


def _clearest_row(rows, start: int, end: int) -> int:
    """Where to part two bands in the rows start..end between them: the middle of the
    longest run of rows without ink, else the row with the least (`rows`: ink per row)."""
    import numpy as np

    gap = rows[start:end]
    if not gap.size:
        return start
    clear = _runs(gap == 0)
    if clear:
        first, last = max(clear, key=lambda run: run[1] - run[0])
        return start + (first + last) // 2
    return start + int(np.argmin(gap))


def column_blocks(gray, scale: float) -> list[ColumnBlock]:
    """The page's two-column blocks laid out without a table (the Decree 30 header: issuer
    beside the national motto and date; the closing: recipients beside the signer).

    The page's ink rows are grouped into bands (the row ink profile); a block starts at a band
    whose column profile has a white gutter at least GUTTER_MIN wide with a word's ink either
    side (SIDE_INK), away from the text's edges (GUTTER_ZONE), and takes in the bands above and below, no
    more than BLOCK_GAP apart, while a gutter that wide stays white through them (a band on
    one side only, such as the signer's name under the signature, continues it). Body
    paragraphs run through any gutter. `scale` = 72 / dpi."""
    import numpy as np

    ink = _layout_ink(gray, scale)
    if not ink.any():
        return []
    bands = _bands(ink, max(int(BAND_JOIN / scale), 1))
    inked = [ink[top:bottom].any(axis=0) for top, bottom in bands]
    spans = [(int(np.argmax(row)), len(row) - int(np.argmax(row[::-1]))) for row in inked]
    # the text's edges: where most bands start and end (body lines run margin to margin)
    text_left = int(np.percentile([start for start, _ in spans], 100 * TEXT_EDGE))
    text_right = max(int(np.percentile([end for _, end in spans], 100 * (1 - TEXT_EDGE))), text_left + 1)
    width = text_right - text_left
    least = max(int(GUTTER_MIN / scale), 1)
    zone = (text_left + GUTTER_ZONE * width, text_right - GUTTER_ZONE * width)
    flush = FLUSH / scale

    heights = sorted(bottom - top for top, bottom in bands)
    line_height = heights[len(heights) // 2]

    def full(index: int) -> bool:
        """Whether band `index` is one line running from margin to margin: a justified body
        line, whatever gap its spaces leave (a page of a few bands has no body to tell)."""
        top, bottom = bands[index]
        return (len(bands) >= BODY_BANDS and bottom - top <= ONE_LINE * line_height
                and spans[index][0] <= text_left + flush and spans[index][1] >= text_right - flush)
    gap = BLOCK_GAP / scale
    side = SIDE_INK / scale
    margin = int(BLOCK_MARGIN / scale)
    wide = GUTTER_WIDE / scale
    rows = (gray < LAYOUT_INK).sum(axis=1)     # every mark counts where two bands part

    def seed(index: int) -> tuple[int, int] | None:
        """A gutter with ink either side in band `index`, its middle inside the zone."""
        columns = np.flatnonzero(inked[index])
        if not columns.size or full(index):
            return None
        found = _widest_white(inked[index], int(columns[0]), int(columns[-1]) + 1, least)
        if not found or not zone[0] <= (found[0] + found[1]) / 2 <= zone[1]:
            return None
        return found if two_sided(index, found) else None

    def two_sided(index: int, gutter: tuple[int, int]) -> bool:
        """Whether band `index` has a word's ink either side of the gutter."""
        return min(inked[index][:gutter[0]].sum(), inked[index][gutter[1]:].sum()) >= side

    def through(index: int, gutter: tuple[int, int]) -> tuple[int, int] | None:
        """The gutter narrowed to where band `index` leaves it white, if still wide enough."""
        return None if full(index) else _widest_white(inked[index], gutter[0], gutter[1], least)

    blocks: list[ColumnBlock] = []
    taken = -1                          # the last band already in a block
    for index in range(len(bands)):
        if index <= taken:
            continue
        gutter = seeded = seed(index)
        if gutter is None:
            continue
        first = last = index
        while last + 1 < len(bands) and bands[last + 1][0] - bands[last][1] <= gap:
            narrowed = through(last + 1, gutter)
            if narrowed is None:
                break
            gutter, last = narrowed, last + 1
        if (seeded[1] - seeded[0] < wide
                and sum(two_sided(band, gutter) for band in range(first, last + 1)) < BLOCK_ROWS):
            continue                    # a wide gap in one body line, or gaps that happen to meet
        while first - 1 > taken and bands[first][0] - bands[first - 1][1] <= gap:
            narrowed = through(first - 1, gutter)
            if narrowed is None:
                break
            gutter, first = narrowed, first - 1
        above = _clearest_row(rows, bands[first - 1][1], bands[first][0]) if first else 0
        below = _clearest_row(rows, bands[last][1], bands[last + 1][0]) if last + 1 < len(bands) else ink.shape[0]
        blocks.append(ColumnBlock(max(bands[first][0] - margin, above), min(bands[last][1] + margin, below), *gutter))
        taken = last
    return blocks


def _shifted_tsv(tsv: str, part: int, dx: int, dy: int) -> str:
    """The word rows of a crop's TSV moved to page pixels (`dx`, `dy`: the crop's corner in
    the page) and numbered as page `part`, so that its lines stay apart from the page's."""
    rows = []
    for row in tsv.splitlines():
        fields = row.split("\t")
        if len(fields) < 12 or fields[0] != "5":
            continue
        fields[1] = str(part)
        fields[6], fields[7] = str(int(fields[6]) + dx), str(int(fields[7]) + dy)
        rows.append("\t".join(fields))
    return "\n".join(rows)


def _outside_blocks(tsv: str, blocks: list[ColumnBlock]) -> str:
    """The page's TSV without the words whose middle lies in a two-column block's rows (those
    are read column by column). The page is read whole all the same, blocks included: a page
    image with parts whitened out is thresholded and laid out otherwise, and its body read
    differently."""
    if not blocks:
        return tsv
    rows = []
    for row in tsv.splitlines():
        fields = row.split("\t")
        if len(fields) >= 12 and fields[0] == "5":
            middle = int(fields[7]) + int(fields[9]) / 2
            if any(block.top <= middle < block.bottom for block in blocks):
                continue
        rows.append(row)
    return "\n".join(rows)


def _read_columns(ocr: _Engine, flow, blocks: list[ColumnBlock]) -> str:
    """TSV word rows, in page pixels, of each block's left and right columns read on their own
    (COLUMN_MODE, a white frame around each): read as part of the page, a right-hand line
    whose baseline misses the left-hand line's is sliced in two ("PHÓ CHỦ TỊCH" read as
    "2 CHỦ H" on one line and "PHO C UTIC" on the next)."""
    import numpy as np
    from PIL import Image

    parts = []
    for block in blocks:
        for left, right in ((0, block.split), (block.split, flow.shape[1])):
            crop = flow[block.top:block.bottom, left:right]
            if crop.size == 0 or (crop < 128).sum() < CELL_MIN_INK:
                continue
            framed = np.pad(crop, FRAME_PX, constant_values=255)
            tsv = ocr.tsv(Image.fromarray(framed), COLUMN_MODE)
            parts.append(_shifted_tsv(tsv, len(parts) + 2, left - FRAME_PX, block.top - FRAME_PX))
    return "\n".join(parts)


def _recognise(ocr: _Engine, gray, scale: float) -> tuple[list, list[list[dict]]]:
    """Grid tables and repaired word lines of one deskewed page image.

    Table cells are read one by one (a cell alone is one block of text), the rest of the page
    with the tables whitened out: Tesseract's layout analysis of a whole ruled page mixes
    the lines of neighbouring cells, skips lone marks ("1", "%") and reads cell shading as
    words. The two-column blocks of the rest (header, closing: `column_blocks`) are read
    column by column. Measured on the scan corpus (README: OCR)."""
    import cv2
    from PIL import Image

    from extract.load.ocr_tables import find_tables

    tables, without_lines = find_tables(gray, scale)     # before the median: lines are thin
    without_lines = cv2.medianBlur(without_lines, 3)      # specks of scanner noise
    flow = without_lines.copy()
    for table in tables:
        x0, top, x1, bottom = (int(round(value / scale)) for value in table.bbox)
        flow[max(top, 0):bottom + 1, max(x0, 0):x1 + 1] = 255
    lines = []
    if flow.min() < 128:
        blocks = column_blocks(flow, scale)
        lines = parse_tsv(_outside_blocks(ocr.tsv(Image.fromarray(flow)), blocks), scale, flow)
        if blocks:          # line heights and edges of their own: the body's stay the body's
            lines.extend(parse_tsv(_read_columns(ocr, flow, blocks), scale, flow))
    lines = _reread_unsure_lines(ocr, flow, lines, scale)
    for table in tables:
        readings = {cell: _read_cell(ocr, without_lines, cell, scale) for cell in table.cells}
        readings.update(_reread_unit_cells(ocr, gray, without_lines, table, readings, scale))
        readings.update(_check_number_cells(ocr, without_lines, table, readings, scale))
        for cell, read in readings.items():
            if read == []:
                table.unread.add(cell)
            lines.extend(read or [])
    _mark_bold(lines)                   # bold is relative to the whole page's strokes
    for line in lines:
        repair_line(line)
    repair_lines(lines)                 # words that run on to the next line
    for line, following in zip(lines, lines[1:]):
        if line and following:          # "đôn:" ending a line, "đốc" opening the next
            _drop_signs_inside_words([line[-1], following[0]])
    _repair_phrases_across_lines(lines)
    _count_quarter_stems(without_lines, lines, scale)
    return tables, lines


def _reread_unit_cells(ocr: _Engine, gray, without_lines, table, readings: dict, scale: float) -> dict:
    """The cells of a table's unit column that hold ink read as no known unit ("", "+", "1",
    "5 *" for "%"), each read again (`_read_unit`) and taken when that reading is a known unit;
    the others stay as read (flagged unsure downstream). The unit column is the one whose
    header names it (`unit_header`, or a part of such a header, `partial_unit_header`, with
    units below it) or whose cells are mostly known units (`_unit_columns`)."""
    found = {}
    top = min(cell[1] for cell in table.cells)
    for x0, x1 in _unit_columns(table, readings):
        for cell, read in readings.items():
            if read is None or cell[1] == top or abs(cell[0] - x0) > 1 or abs(cell[2] - x1) > 1:
                continue
            text = _cell_reading(read)
            if text and read_unit_cell(text)[1]:
                continue
            unit = _read_unit(ocr, gray, without_lines, cell, scale)
            if unit is not None:
                found[cell] = [unit]
    return found


def _check_number_cells(ocr: _Engine, without_lines, table, readings: dict, scale: float) -> dict:
    """The cells read as one number (a target: "≥ 95%", "80", "=95"; `_NUMBER_CELL`) read
    again binarised (NUMBER_REREADS[0]); where the two readings differ (digits, sign or
    comparator), a third (NUMBER_REREADS[1]) decides: the reading two of the three share is
    kept, the first one when none is. Either way the cell is unsure (`table.unread`): Tesseract
    reads a phone photo's "95%" as "959%" or "≥" as "=" surely enough, and a target's number
    must never be wrong silently."""
    found = {}
    for cell, read in readings.items():
        text = _cell_reading(read)
        if not read or not _NUMBER_CELL.fullmatch(text):
            continue
        first = _read_cell_as(ocr, without_lines, cell, scale, *NUMBER_REREADS[0], "block")
        if _number_key(first) == _number_key(read):
            continue
        table.unread.add(cell)
        second = _read_cell_as(ocr, without_lines, cell, scale, *NUMBER_REREADS[1], "block")
        if first and _number_key(first) == _number_key(second):
            found[cell] = first
    return found


def _read_cell_as(ocr: _Engine, image, cell: tuple[float, float, float, float], scale: float,
                  factor: int, binarise: bool, mode: str, specks: bool = False, tight: bool = False) -> list[list[dict]]:
    """The word lines (PDF points of the page) of a table cell of `image` read again inside its
    lines, upscaled `factor` times, binarised (Otsu) or not, as `mode`; with `specks`, the
    specks around each word dropped first (`_tsv_without_specks`); with `tight`, only the
    cell's ink without its specks (`_cell_ink`). A '>' or '=' whose glyph is a '≥' is read so
    (`parse_tsv`)."""
    import cv2
    import numpy as np
    from PIL import Image

    x0, top, x1, bottom = cell
    left, upper = int(x0 / scale) + CELL_PAD, int(top / scale) + CELL_PAD
    right, lower = int(x1 / scale) - CELL_PAD, int(bottom / scale) - CELL_PAD
    crop = image[upper:lower, left:right]
    if tight and crop.size:
        crop, (dx, dy) = _cell_ink(crop, scale)
        left, upper = left + dx, upper + dy
    if crop.size == 0:
        return []
    if factor > 1:
        crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    if binarise:
        crop = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    framed = np.pad(crop, FRAME_PX * factor, constant_values=255)
    tsv = ocr.tsv(Image.fromarray(framed), mode)
    lines = parse_tsv(_tsv_without_specks(tsv) if specks else tsv, scale / factor, framed)
    for words in lines:
        for word in words:
            for key, offset in (("x0", left), ("x1", left), ("top", upper), ("bottom", upper)):
                word[key] += (offset - FRAME_PX) * scale
    return lines


def _cell_ink(crop, scale: float):
    """A cell's image without its specks (blobs of fewer than LAYOUT_SPECK pixels at 200 dpi),
    cut to the rest's extent, and that cut's corner in the crop; an empty image when no ink is
    left. A "%" between two specks is read as "%" alone, and not at all with them."""
    import cv2
    import numpy as np

    ink = (crop < LAYOUT_INK).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= LAYOUT_SPECK * (72.0 / 200.0 / scale) ** 2
    keep[0] = False
    kept = keep[labels]
    if not kept.any():
        return crop[:0, :0], (0, 0)
    rows, columns = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
    cleaned = np.where(kept | (crop >= LAYOUT_INK), crop, 255).astype(crop.dtype)
    top, left = int(rows[0]), int(columns[0])
    return cleaned[top:int(rows[-1]) + 1, left:int(columns[-1]) + 1], (left, top)


def _number_key(read: list[list[dict]] | None) -> str:
    """What two readings of a number cell must share: its digits, signs and comparators,
    without spaces and the specks around them ("≥ 95% -" -> "≥95%"; `_without_specks`)."""
    return "".join(_without_specks(_cell_reading(read)).split())


def _cell_reading(read: list[list[dict]] | None) -> str:
    """A cell's word lines as text, lines joined by '\\n'."""
    return "\n".join(" ".join(word["text"] for word in words) for words in read or [])


def _unit_columns(table, readings: dict) -> list[tuple[float, float]]:
    """(x0, x1) of each unit column of an OCR'd table: a column whose top cell names the unit
    (`unit_header` once repaired), or names part of it (`partial_unit_header`) over at least
    UNIT_CELLS_LEAST known units, or, headed by no known column header or not at all (a table
    continued from the page before), holds at least UNIT_CELLS_LEAST known units making half
    its cells with text."""
    top = min(cell[1] for cell in table.cells)
    columns: dict[tuple[float, float], list[str]] = {}
    headers: dict[tuple[float, float], str] = {}
    for cell, read in readings.items():
        key = (round(cell[0], 1), round(cell[2], 1))
        if cell[1] == top:
            headers[key] = _cell_reading(read)
        elif read is not None:          # inked, read or not
            columns.setdefault(key, []).append(_cell_reading(read))
    result = []
    for key, texts in columns.items():
        header = headers.get(key, "")
        units = sum(1 for text in texts if text.strip() and read_unit_cell(text)[1])
        header = repair_header([header])[0] if header else ""
        if unit_header(header):
            result.append(key)
        elif units >= UNIT_CELLS_LEAST and (partial_unit_header(header) or (
                not known_header(header) and 2 * units >= len(texts))):
            result.append(key)
    return result


def _read_unit(ocr: _Engine, gray, without_lines, cell: tuple[float, float, float, float], scale: float) -> list[dict] | None:
    """A unit cell read again as a unit: the readings of UNIT_REREADS in turn (the cell's
    image without ruling lines or the cleaned page's, upscaled, binarised or not, read as a
    block or as one sign), the first that is a known unit once specks are dropped
    (`read_unit_cell`, `_without_specks`) as one line of its words (their text without the
    specks); None when none is."""
    for source, factor, binarise, mode in UNIT_REREADS:
        image = gray if source == "page" else without_lines
        words = [word for line in _read_cell_as(ocr, image, cell, scale, factor, binarise, mode, specks=True,
                                                tight=source == "ink")
                 for word in line]
        text = " ".join(word["text"] for word in words)
        if text and read_unit_cell(text)[1]:
            return words
    return None


def _tsv_without_specks(tsv: str) -> str:
    """Tesseract TSV with each word's text without the specks around it (`_without_specks`:
    "_%" -> "%"), so that the word is not itself taken for a speck."""
    rows = []
    for row in tsv.splitlines():
        fields = row.split("\t")
        if len(fields) >= 12 and fields[0] == "5":
            fields[11] = _without_specks(fields[11].strip())
        rows.append("\t".join(fields))
    return "\n".join(rows)


# A quarter's Roman numeral as read, and what follows it ("III/2026", "IHI/2026.", "II").
_QUARTER_TOKEN = re.compile(r"^(?P<numeral>[IVXlHh|1]{1,4})(?P<rest>/\d{4}\W*|\W*)$")


def _runs_of(flags) -> list[tuple[int, int]]:
    """(start, end) of the runs of true values in a sequence of flags, end exclusive."""
    runs, start = [], None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            runs.append((start, index))
            start = None
    return runs


def roman_stems(ink) -> int | None:
    """How many upright stems open a word's image (`ink`: a bool array, true where inked)
    before anything else (the slash of "III/2026"), or None without ink enough: a stem is
    inked at the same place in a band high in the letters and in one low in them (STEM_BANDS,
    shares of the ink's height, clear of the serifs), no wider than STEM_WIDTH of the height;
    a slash, a "V" or a digit's curve moves between the bands or splits."""
    import numpy as np

    rows = np.flatnonzero(ink.sum(axis=1) >= 2)
    if rows.size < STEM_MIN_HEIGHT:
        return None
    top, height = int(rows[0]), int(rows[-1] - rows[0] + 1)
    upper, lower = (_runs_of(ink[top + int(low * height):top + int(high * height) + 1].any(axis=0))
                    for low, high in STEM_BANDS)
    stems = 0
    for start, end in upper:
        below = [run for run in lower if run[0] < end and start < run[1]]
        if (len(below) != 1 or end - start > STEM_WIDTH * height
                or abs((start + end) - sum(below[0])) / 2 > max(1.0, STEM_SHIFT * height)):
            break
        stems += 1
    return stems


def _count_quarter_stems(gray, lines: list[list[dict]], scale: float) -> None:
    """A quarter's Roman numeral of strokes only ("II", "III", misread "IHI" or "1"), after the
    quarter word (on the line or at the end of the line above) or before "/<year>", read again by counting its stems in the page image
    (`roman_stems`), in place: Tesseract reads the close serifed strokes of "III" as "II"
    surely enough that no confidence test catches it, and a quarter read one off is a
    silently wrong deadline. A count outside I to III leaves the word as read, flagged
    (its confidence lowered) when it is no numeral. A "V" is no stem: "IV" stays as read."""
    quarter, _ = _quarter_misreads()
    previous: list[dict] = []
    for words in lines:
        for index, word in enumerate(words):
            match = _QUARTER_TOKEN.match(word["text"])
            if not match or set(match.group("numeral")) & set("VX"):
                continue
            before = words[index - 1] if index else (previous[-1] if previous else None)   # maybe across a line break
            after_quarter = before is not None and before["text"].casefold() in quarter
            # a "1" or "11" is a quarter's numeral only after the quarter word ("Tháng 11/2026" is a month)
            if not (after_quarter or (match.group("rest").startswith("/") and not match.group("numeral").isdigit())):
                continue
            left, upper = max(int(word["x0"] / scale) - 1, 0), max(int(word["top"] / scale) - 1, 0)
            right, lower = int(word["x1"] / scale) + 2, int(word["bottom"] / scale) + 2
            stems = roman_stems(gray[upper:lower, left:right] < LAYOUT_INK)
            if stems and stems <= 3:
                word["text"] = "I" * stems + match.group("rest")
            elif not roman_value(match.group("numeral")):
                word["conf"] = min(word["conf"], LOW_NUMBER_CONFIDENCE - 1)
        previous = words


def _reread_unsure_lines(ocr: _Engine, gray, lines: list[list[dict]], scale: float) -> list[list[dict]]:
    """The page's lines, each one holding a word read less surely than REREAD_BELOW read
    again alone (a crop of the line, Tesseract's single-line mode) and replaced by that
    reading when it reads more like Vietnamese (`_plausibility`) and keeps the line's list
    marker. The page's automatic layout sometimes cuts a line among its neighbours or reads
    noise beside it into it; alone, the line's own shape decides. Measured on the scan corpus
    (README: OCR): clean scans gain most."""
    result = []
    for words in lines:
        if min(word["conf"] for word in words) >= REREAD_BELOW or not _may_read_better(words):
            result.append(words)
            continue
        top, bottom = words[0]["top"] / scale, words[0]["bottom"] / scale     # shared by the line
        pad = REREAD_PAD * (bottom - top)
        upper, lower = max(int(top - pad), 0), int(bottom + pad) + 1
        left, right = max(int(words[0]["x0"] / scale) - CELL_PAD, 0), int(words[-1]["x1"] / scale) + CELL_PAD
        again = [word for line in _read_crop(ocr, gray, (left, upper, right, lower), "line", scale) for word in line]
        if not again or _plausibility(again) <= _plausibility(words) or (
                _opens_item(words[0]["text"]) and again[0]["text"] != words[0]["text"]):   # a list marker lost
            result.append(words)
            continue
        for word in again:
            word["top"], word["bottom"] = words[0]["top"], words[0]["bottom"]
        # the line's ends as the page reading placed them (snapped to the page's margins)
        again.sort(key=lambda word: word["x0"])
        for end, side in ((0, "x0"), (-1, "x1")):
            if abs(again[end][side] - words[end][side]) < MARGIN_SNAP:
                again[end][side] = words[end][side]
        result.append(again)
    return result


def _may_read_better(words: list[dict]) -> bool:
    """Whether a line holding an unsure word may read more like Vietnamese alone, before it is
    read again (about 35 ms a line): it holds a shapeless word (no syllable, number,
    abbreviation or label; a word in capitals with a marked vowel is a syllable, not an
    abbreviation: "THỰỤC"), words run together across a point or comma ("'IV.KINH"), an
    unsure word with a digit or of signs only, or two neighbours that are no word as read but
    are one by their bare letters ("dừ liệu", "tôn tại"). A line of syllables that read right
    with their neighbours is kept as read: on the corpus scans one line in five, none of whose
    readings alone was kept."""
    lexicon, words_known = syllable_lexicon(), word_list()
    cores = [re.sub(r"[^\w]", "", word["text"]) for word in words]
    for word, core in zip(words, cores):
        if word["conf"] < REREAD_BELOW and (not core or any(ch.isdigit() for ch in core)):
            return True
        if _RUN_TOGETHER.search(word["text"]):      # "'IV.KINH": a space lost, the pieces hidden
            return True
        if core and not (core.isdigit() or core.lower() in lexicon or _ROMAN.fullmatch(core)
                         or (len(core) > 1 and core.isupper() and not _marked_vowel(core))
                         or _ITEM_LABEL.fullmatch(word["text"])):
            return True
    lowered = [core.lower() for core in cores]
    return any(first and second and f"{first} {second}" not in words_known and bare_word(first, second)
               for first, second in zip(lowered, lowered[1:]))


def _marked_vowel(text: str) -> bool:
    """Whether `text` holds a vowel letter with a mark (rules/ocr.yaml `syllable.vowels`: "ự",
    "ẹ"; not "đ", which abbreviations hold: "HĐND")."""
    vowels = _repairs().vowels
    return any(ch in vowels and ord(ch) > 127 for ch in text.lower())


def _plausibility(words: list[dict]) -> int:
    """How Vietnamese a reading of a line looks: twice the neighbouring pairs that are a word
    of `word_list()` ("điều hành", not "điểu hành"), less the words that are no syllable,
    number, abbreviation or Roman numeral ("M" read for "II", a stray "ˆ"). Tesseract's confidence compares badly
    between two readings of a line in different modes; the language decides first."""
    lexicon, words_known = syllable_lexicon(), word_list()
    cores = [re.sub(r"[^\w]", "", word["text"]) for word in words]
    shapeless = sum(1 for word, core in zip(words, cores) if core and not (
        core.isdigit() or core.lower() in lexicon or _ROMAN.fullmatch(core) or (len(core) > 1 and core.isupper())
        or _ITEM_LABEL.fullmatch(word["text"])))
    pairs = sum(1 for first, second in zip(cores, cores[1:]) if f"{first} {second}".lower() in words_known)
    return 2 * pairs - shapeless     # a stray mark beside right words must not tie a misreading


def _opens_item(text: str) -> bool:
    """Whether a line's first word is a list marker: a dash or bullet, a label ("a)", "2.",
    "(3)", "II.")."""
    return _dash(text) or text in _repairs().kept_short or bool(_ITEM_LABEL.fullmatch(text))


_ITEM_LABEL = re.compile(r"\(?(?:\d{1,2}|[^\W\d_]|[IVX]{1,4})[.)]")
_ROMAN = re.compile(r"[IVX]+")
_RUN_TOGETHER = re.compile(r"[^\W\d_][.,][^\W\d_]")      # a letter, a point or comma, a letter


def _evidence(lines: list[list[dict]]) -> float:
    """How much text a reading found, and how surely: the sum of word confidences, each
    counted only for a word shaped like Vietnamese (a syllable, a number, an abbreviation);
    text read upside down is mostly not."""
    single = _repairs().syllable
    total = 0.0
    for words in lines:
        for word in words:
            core = re.sub(r"[^\w]", "", word["text"])
            if core and (core.isdigit() or core.isupper() or single.fullmatch(core)):
                total += word["conf"]
    return total


def read_page(renderer: PageRenderer, index: int, dpi: int) -> OcrPage:
    """OCR of page `index`: words and grid tables in PDF points (raises OcrUnavailable).

    A page read with little confidence may have been scanned sideways or upside down: it is
    read again turned by 90, 180 and 270 degrees and the surest reading is kept.
    """
    import numpy as np

    ocr = engine()
    gray = clean(renderer.render(index, dpi))
    angle = estimate_skew(gray)
    gray = deskew(gray, angle)
    scale = 72.0 / dpi
    tables, lines = _recognise(ocr, gray, scale)
    words = [word for line in lines for word in line]
    if not words or _evidence(lines) / len(words) < TURNED_BELOW:
        for turns in (2, 1, 3):
            turned_tables, turned_lines = _recognise(ocr, np.ascontiguousarray(np.rot90(gray, turns)), scale)
            if _evidence(turned_lines) > 1.5 * _evidence(lines):
                tables, lines = turned_tables, turned_lines
        words = [word for line in lines for word in line]
    low_lines = [" ".join(word["text"] for word in line) for line in lines
                 if sum(word["conf"] for word in line) / len(line) < LOW_CONFIDENCE]
    confidence = sum(word["conf"] for word in words) / len(words) if words else 0.0
    return OcrPage(words, tables, confidence, angle, low_lines)
