"""Small PDFs whose text layers are damaged the ways real submissions are, for the tests.

Each is written with pdfium's page-object API (glyphs placed exactly), then, where the
damage lies in the file's structure, edited: tests/fixtures/damaged/<kind>.pdf.

- fake_bold.pdf: every glyph printed twice, 0.5 pt apart ("KKẾẾ HHOOẠẠCCHH");
- cid.pdf: the font's ToUnicode map removed, so text extracts as "(cid:N)";
- no_spaces.pdf: each word placed on its own, no space glyphs between words;
- narrow_cells.pdf: a ruled table whose narrow cells wrap numbers ("10" / "0") and words;
- borderless_table.pdf: an appendix table from Excel without rulings, columns by alignment;
- two_columns.pdf: the Decree 30 header and closing as free text in two columns of
  different line counts.

The committed PDFs are what the tests read; rerun this (python tools/make_damaged_pdfs.py)
only to change them. Needs the DejaVu fonts (Debian fonts-dejavu-core) and fontTools.
"""

from __future__ import annotations

import ctypes
import re
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "damaged"
FONTS = Path("/usr/share/fonts/truetype/dejavu")
WIDTH, HEIGHT = 595.0, 842.0


_VIETNAMESE = ("aăâeêioôơuưyàằầèềìòồờùừỳáắấéếíóốớúứýảẳẩẻểỉỏổởủửỷãẵẫẽễĩõỗỡũữỹạặậẹệịọộợụựỵđ")
ALPHABET = "".join(chr(code) for code in range(32, 127)) + _VIETNAMESE + _VIETNAMESE.upper() + "≥≤•–—"


def _font_path(bold: bool) -> Path:
    path = FONTS / ("DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf")
    return path if path.exists() else FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")


def _subset(path: Path) -> bytes:
    """The font cut down to ASCII, Vietnamese letters and a few signs (keeps the PDFs small)."""
    import io

    from fontTools import subset

    font = subset.load_font(str(path), subset.Options())
    options = subset.Options()
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=ALPHABET)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


class Builder:
    """One A4 page at a time: text runs and ruling lines at exact positions (points, top-down)."""

    def __init__(self) -> None:
        self.pdf = pdfium.PdfDocument.new()
        self.fonts = {}
        self.metrics = {}
        self._keep = []
        self.page = None

    def font(self, bold: bool = False):
        name = _font_path(bold)
        if name not in self.fonts:
            data = _subset(name)
            buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
            self._keep.append(buffer)
            self.fonts[name] = raw.FPDFText_LoadFont(self.pdf.raw, buffer, len(data), raw.FPDF_FONT_TRUETYPE, True)
        return self.fonts[name]

    def new_page(self) -> None:
        self.finish_page()
        self.page = raw.FPDFPage_New(self.pdf.raw, len(self.pdf), WIDTH, HEIGHT)

    def text(self, x: float, top: float, text: str, size: float = 12.0, bold: bool = False) -> None:
        """`text` with its left end at x and its baseline `size` below `top`."""
        obj = raw.FPDFPageObj_CreateTextObj(self.pdf.raw, self.font(bold), size)
        encoded = (text + "\x00").encode("utf-16-le")
        raw.FPDFText_SetText(obj, ctypes.cast(ctypes.c_char_p(encoded), ctypes.POINTER(raw.FPDF_WCHAR)))
        raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, HEIGHT - top - size)
        raw.FPDFPage_InsertObject(self.page, obj)

    def width(self, text: str, size: float = 12.0, bold: bool = False) -> float:
        """Advance width of `text` in points, from the font's metrics."""
        from fontTools.ttLib import TTFont

        name = _font_path(bold)
        if name not in self.metrics:
            self.metrics[name] = TTFont(str(name))
        font = self.metrics[name]
        cmap, advances = font.getBestCmap(), font["hmtx"].metrics
        units = sum(advances[cmap[ord(ch)]][0] for ch in text if ord(ch) in cmap)
        return units * size / font["head"].unitsPerEm

    def rule(self, x0: float, top: float, x1: float, bottom: float) -> None:
        """A ruling line (a thin stroked rectangle) from (x0, top) to (x1, bottom)."""
        obj = raw.FPDFPageObj_CreateNewRect(x0, HEIGHT - bottom, max(x1 - x0, 0.01), max(bottom - top, 0.01))
        raw.FPDFPageObj_SetStrokeWidth(obj, 0.6)
        raw.FPDFPageObj_SetStrokeColor(obj, 0, 0, 0, 255)
        raw.FPDFPath_SetDrawMode(obj, raw.FPDF_FILLMODE_NONE, True)
        raw.FPDFPage_InsertObject(self.page, obj)

    def grid(self, xs: list[float], ys: list[float]) -> None:
        for x in xs:
            self.rule(x, ys[0], x, ys[-1])
        for y in ys:
            self.rule(xs[0], y, xs[-1], y)

    def finish_page(self) -> None:
        if self.page is not None:
            raw.FPDFPage_GenerateContent(self.page)
            raw.FPDF_ClosePage(self.page)
            self.page = None

    def save(self) -> bytes:
        import io
        self.finish_page()
        buffer = io.BytesIO()
        self.pdf.save(buffer)
        return buffer.getvalue()


TITLE = ["UBND XÃ AN BÌNH", "KẾ HOẠCH", "Chuyển đổi số năm 2026"]
BODY = ["I. MỤC TIÊU", "Tỷ lệ hồ sơ được xử lý trực tuyến đạt 100% trong năm 2026."]


def fake_bold() -> bytes:
    page = Builder()
    page.new_page()
    top = 80.0
    for line in TITLE + BODY:
        for offset in (0.0, 0.5):       # the second impression, a hair to the right
            page.text(72 + offset, top, line, 13, bold=True)
        top += 22
    return page.save()


def cid() -> bytes:
    page = Builder()
    page.new_page()
    top = 80.0
    for line in TITLE + BODY:
        page.text(72, top, line, 14)
        top += 26
    data = page.save()
    # Drop the ToUnicode maps and the embedded fonts' own character maps (which a reader
    # falls back on): the text layer keeps glyph ids only, the page still renders.
    data = re.sub(rb"/ToUnicode\s+\d+\s+0\s+R", b"", data)
    for number in set(re.findall(rb"/FontFile2\s+(\d+)\s+0\s+R", data)):
        data = _without_cmap(data, int(number))
    rewritten = pdfium.PdfDocument(data)       # a save through pdfium rebuilds the xref
    import io
    buffer = io.BytesIO()
    rewritten.save(buffer)
    return buffer.getvalue()


def _without_cmap(data: bytes, number: int) -> bytes:
    """The PDF with font program object `number` rewritten without its 'cmap' table."""
    import io
    import zlib

    from fontTools.ttLib import TTFont

    pattern = re.compile(rb"(\n|\r)" + str(number).encode() + rb" 0 obj\s*<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream",
                         re.DOTALL)
    match = pattern.search(data)
    font = TTFont(io.BytesIO(zlib.decompress(match.group(3))))
    del font["cmap"]
    buffer = io.BytesIO()
    font.save(buffer)
    stream = zlib.compress(buffer.getvalue())
    replacement = (match.group(1) + f"{number} 0 obj\n<</Filter/FlateDecode/Length {len(stream)}>>\nstream\n".encode()
                   + stream + b"\nendstream")
    return data[:match.start()] + replacement + data[match.end():]


def no_spaces() -> bytes:
    page = Builder()
    page.new_page()
    top = 80.0
    for line in TITLE + BODY:
        x = 72.0
        for word in line.split(" "):      # tight setting: gaps narrower than a space glyph
            page.text(x, top, word, 10)
            x += page.width(word, 10) + 0.6 * page.width(" ", 10)
        top += 18
    return page.save()


# (TT, name, unit, target, lead): the target and a word wrap inside their narrow cells.
NARROW_ROWS = [("1", "Tỷ lệ hồ sơ trực tuyến", "%", ["10", "0"], "VP"),
               ("2", "Điểm đánh giá chuyển đổi số", "điểm", ["≥7", "0"], "CAX"),
               ("3", "Kiểm tra định kỳ", "lần", ["12"], ["Thườn", "g xuyên"])]


def narrow_cells() -> bytes:
    page = Builder()
    page.new_page()
    page.text(72, 60, "PHỤ LỤC", 12, bold=True)
    xs = [60.0, 85.0, 280.0, 320.0, 340.0, 374.0]
    header = ["TT", "Chỉ tiêu", "ĐVT", "Kết quả", "Chủ trì"]
    ys = [90.0, 112.0]
    for i, label in enumerate(header):
        for j, word in enumerate(label.split(" ") if i >= 3 else [label]):     # narrow: a word a line
            page.text(xs[i] + 2, 92 + 9 * j, word, 8, bold=True)
    top = 112.0
    for row in NARROW_ROWS:
        cells = [list(c) if isinstance(c, list) else [c] for c in row]
        height = 14.0 * max(len(c) for c in cells) + 6
        for i, lines in enumerate(cells):
            for j, line in enumerate(lines):
                page.text(xs[i] + 2, top + 3 + 14 * j, line, 10)
        top += height
        ys.append(top)
    page.grid(xs, ys)
    return page.save()


BORDERLESS = [("STT", "Chỉ tiêu", "Đơn vị tính", "Năm 2026", "Cơ quan chủ trì"),
              ("1", "Tỷ lệ hồ sơ trực tuyến", "%", "≥ 90", "Văn phòng"),
              ("2", "Số mô hình thôn số", "Mô hình", "02", "Phòng Kinh tế"),
              ("3", ["Tỷ lệ người dân có tài khoản định", "danh điện tử mức độ 2"], "%", "85", "Công an xã")]


def borderless_table() -> bytes:
    page = Builder()
    page.new_page()
    page.text(250, 60, "PHỤ LỤC I", 12, bold=True)
    page.text(200, 78, "CHỈ TIÊU NĂM 2026", 12, bold=True)
    xs = [60.0, 95.0, 290.0, 385.0, 455.0]
    top = 110.0
    for index, row in enumerate(BORDERLESS):
        for x, cell in zip(xs, row):
            for line, text in enumerate([cell] if isinstance(cell, str) else cell):   # a wrapped cell
                page.text(x, top + 13 * line, text, 10, bold=index == 0)
        top += 18 + 13 * max(0 if isinstance(cell, str) else len(cell) - 1 for cell in row)
    return page.save()


HEADER_LEFT = ["ỦY BAN NHÂN DÂN", "XÃ AN BÌNH", "HUYỆN ĐÔNG HẢI"]
HEADER_RIGHT = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
CLOSING_LEFT = ["Nơi nhận:", "- UBND huyện;", "- Đảng ủy xã;", "- Các ban, ngành xã;", "- Lưu: VT."]
CLOSING_RIGHT = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An"]


def two_columns() -> bytes:
    page = Builder()
    page.new_page()
    for index, line in enumerate(HEADER_LEFT):
        page.text(150 - page.width(line, 12, True) / 2, 50 + 15 * index, line, 12, bold=True)
    for index, line in enumerate(HEADER_RIGHT):
        page.text(390 - page.width(line, 12, True) / 2, 50 + 19 * index, line, 12, bold=True)
    page.text(250, 130, "KẾ HOẠCH", 14, bold=True)
    page.text(72, 160, "Triển khai chuyển đổi số năm 2026 trên địa bàn xã.", 12)
    for index, line in enumerate(CLOSING_LEFT):
        page.text(72, 220 + 13 * index, line, 10, bold=index == 0)
    for index, line in enumerate(CLOSING_RIGHT):
        top = 220 + 17 * index + (50 if index == 2 else 0)
        page.text(400 - page.width(line, 12, True) / 2, top, line, 12, bold=True)
    return page.save()


KINDS = {"fake_bold": fake_bold, "cid": cid, "no_spaces": no_spaces, "narrow_cells": narrow_cells,
         "borderless_table": borderless_table, "two_columns": two_columns}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in KINDS.items():
        (OUT / f"{name}.pdf").write_bytes(build())
        print(f"{OUT / name}.pdf")


if __name__ == "__main__":
    main()
