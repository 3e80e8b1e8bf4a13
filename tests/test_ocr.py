"""OCR of scanned pages: image clean-up, deskew, grid tables, word boxes, genre repairs, and
whole scanned PDFs (per page: a digital body with a scanned page keeps its text layer).

Tests that run Tesseract need its Vietnamese model (`make tesseract`); they are skipped,
saying so, where it is missing. The image tests draw with DejaVu (Debian fonts-dejavu-core).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extract.load import load, ocr
from extract.load.ocr_tables import find_tables
from extract.pipeline import extract_path

DAMAGED = Path(__file__).parent / "fixtures" / "damaged"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")

needs_ocr = pytest.mark.skipif(ocr.unavailable_reason() is not None,
                               reason=f"OCR unavailable: {ocr.unavailable_reason()}")
needs_font = pytest.mark.skipif(not FONT.exists(), reason="DejaVu fonts are not installed")


def word(text: str, x0: float, x1: float, top: float = 100.0, bottom: float = 112.0, conf: float = 95.0) -> dict:
    return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "conf": conf, "fontname": ""}


# ------------------------------------------------------------------ repairs

def texts(words: list[dict]) -> list[str]:
    return [w["text"] for w in words]


def test_genre_confusions_are_repaired_from_the_vocabulary():
    line = [word("L", 0, 5), word("MỤC", 10, 30), word("TIÊU", 35, 60)]
    ocr.repair_line(line)
    assert texts(line) == ["I.", "MỤC", "TIÊU"]
    line = [word("đối", 0, 10), word("mới", 15, 30), word("sáng", 35, 50), word("tạo", 55, 70)]
    ocr.repair_line(line)
    assert texts(line) == ["đổi", "mới", "sáng", "tạo"]
    line = [word("CHUYÊN", 0, 40), word("ĐỔI", 45, 60), word("SỐ", 65, 80)]
    ocr.repair_line(line)
    assert texts(line) == ["CHUYỂN", "ĐỔI", "SỐ"]                # the case found is kept
    line = [word("»", 0, 4), word("Giao", 10, 30), word("Công", 35, 55), word("an", 60, 70)]
    ocr.repair_line(line)
    assert texts(line)[0] == "•"


def test_repairs_never_touch_numbers():
    rules = ocr._repairs()
    assert not any(ch.isdigit() for pair in rules.replacements.items() for text in pair for ch in text)
    line = [word("1", 0, 5), word("MỤC", 10, 30), word("TIÊU", 35, 60), word("10", 65, 75)]
    ocr.repair_line(line)
    assert texts(line) == ["1", "MỤC", "TIÊU", "10"]


@pytest.mark.parametrize(("text", "expected"), [
    ("CÔNGNGHỆ,", "CÔNG NGHỆ,"), ("CHUYỂNĐỔI", "CHUYỂN ĐỔI"), ("thườngxuyên", "thường xuyên"),
    ("Internet", "Internet"), ("Drăng", "Drăng"), ("HĐND", "HĐND"), ("nghiêng", "nghiêng")])
def test_syllables_run_together_are_split(text, expected):
    assert ocr.split_syllables(text) == expected


def test_words_split_inside_uo_are_joined():
    line = [word("được", 0, 20), word("đư", 30, 40), word("ợc", 42, 50), word("dân", 60, 75), word("cư", 80, 90),
            word("ở", 95, 100)]
    ocr.repair_line(line)
    assert texts(line) == ["được", "được", "dân", "cư", "ở"]     # "cư ở" is two words


# ------------------------------------------------------------------ TSV

TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def tsv(rows: list[tuple]) -> str:
    return "\n".join([TSV_HEADER] + ["\t".join(map(str, (5, 1, 1, 1, line, i, *box, conf, text)))
                                     for i, (line, box, conf, text) in enumerate(rows, 1)])


def test_tsv_words_become_pdf_points_with_even_line_heights():
    lines = ocr.parse_tsv(tsv([
        (1, (100, 200, 80, 40), 96.0, "Kế"),          # diacritics make a taller glyph box
        (1, (200, 210, 120, 30), 94.0, "hoạch"),
        (1, (330, 205, 10, 10), 20.0, "'"),          # a speck read as a sign: dropped
        (2, (100, 300, 300, 35), 91.0, "năm"),
        (3, (100, 400, 300, 35), 91.0, "2026")]), 72 / 200)
    first = lines[0]
    assert texts(first) == ["Kế", "hoạch"]
    assert first[0]["x0"] == pytest.approx(100 * 0.36) and first[0]["top"] == first[1]["top"]
    heights = {round(words[0]["bottom"] - words[0]["top"], 3) for words in lines}
    assert len(heights) == 1                               # one body size: one height


def test_overlapping_word_boxes_keep_a_gap():
    lines = ocr.parse_tsv(tsv([(1, (100, 200, 300, 40), 90.0, "CÔNG"), (1, (250, 200, 100, 40), 90.0, "NGHỆ")]), 1.0)
    first, second = lines[0]
    assert second["x0"] - first["x1"] >= ocr.WORD_GAP - 1e-6


def test_low_confidence_is_the_mean_or_an_unsure_number():
    assert not ocr.low_confidence([word("Tỷ", 0, 1), word("lệ", 0, 1)])
    assert ocr.low_confidence([word("Tỷ", 0, 1, conf=40), word("lệ", 0, 1, conf=50)])
    assert ocr.low_confidence([word("Tỷ", 0, 1), word("lệ", 0, 1), word("80", 0, 1, conf=60)])
    assert not ocr.low_confidence([{"text": "80", "x0": 0, "x1": 1}])      # a text layer: no conf


# ------------------------------------------------------------------ images

def page_image(lines: list[str], size=(1400, 1000), font_size=34) -> Image.Image:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), font_size)
    for index, text in enumerate(lines):
        draw.text((80, 80 + 60 * index), text, fill=0, font=font)
    return image


@needs_font
def test_skew_is_measured():
    image = page_image(["Tỷ lệ hồ sơ được xử lý trực tuyến đạt 100% trong năm 2026"] * 12)
    for angle in (1.5, -0.8):
        turned = np.asarray(image.rotate(angle, fillcolor=255, resample=Image.BICUBIC))
        assert ocr.estimate_skew(turned) == pytest.approx(-angle, abs=0.25)


@needs_font
def test_a_red_seal_turns_white_and_the_print_under_it_stays():
    image = page_image(["CHỦ TỊCH"], size=(600, 300), font_size=60).convert("RGB")
    pixels = np.asarray(image).astype(np.float32)
    seal = np.full_like(pixels, 255)
    yy, xx = np.mgrid[:300, :600]
    ring = np.abs(np.hypot(xx - 200, yy - 110) - 90) < 8
    seal[ring] = (200, 30, 40)
    stamped = Image.fromarray((pixels * seal / 255).astype(np.uint8))
    cleaned = ocr.clean(stamped)
    print_mask = np.asarray(image.convert("L")) < 100
    assert (cleaned[ring & ~print_mask] > 200).mean() > 0.95     # the seal is gone
    assert (cleaned[print_mask] < 128).mean() > 0.9              # the print under it is kept


@needs_font
@pytest.mark.parametrize(("sign", "barred"), [("≥", True), (">", False), ("≤", True), ("<", False)])
def test_comparator_bar(sign, barred):
    image = np.asarray(page_image([f"{sign}90"], size=(300, 150), font_size=40))
    ys, xs = np.nonzero(image < 128)
    top, left = ys.min(), xs.min()
    height, width = ys.max() - top + 1, xs.max() - left + 1
    assert ocr._barred(image, left, top, width, height, 3) is barred


def grid_image() -> np.ndarray:
    """A 3 x 3 ruled grid whose first two cells of the top row are merged."""
    image = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(image)
    xs, ys = [100, 400, 700, 1100], [100, 250, 400, 550]
    for y in ys:
        draw.line((xs[0], y, xs[-1], y), fill=0, width=3)
    for x in xs:
        draw.line((x, ys[0], x, ys[-1]), fill=0, width=3)
    draw.rectangle((398, ys[0] + 3, 402, ys[1] - 3), fill=255)     # no line between the merged cells
    return np.asarray(image)


def test_grid_tables_are_found_with_merged_cells():
    tables, cleaned = find_tables(grid_image(), 0.5)
    assert len(tables) == 1
    cells = sorted(tables[0].cells)
    assert len(cells) == 8                                      # 9 grid cells, two merged
    assert (50.0, 50.0, 350.0, 125.0) in [tuple(round(v) for v in cell) for cell in cells]
    assert cleaned.min() == 255                                 # the lines are whitened for OCR


# ------------------------------------------------------------------ whole PDFs

def scan_of(pdf: Path, dpi: int = 200, angle: float = 1.2, seal: bool = False) -> bytes:
    """An image-only PDF of `pdf`: each page rendered, leaning, optionally stamped."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    images = []
    for index in range(len(document)):
        image = document[index].render(scale=dpi / 72).to_pil().convert("RGB")
        if seal:        # red ink over the signature block: multiplied, as ink is
            from PIL import ImageChops
            layer = Image.new("RGB", image.size, (255, 255, 255))
            cx, cy = int(400 * dpi / 72), int(255 * dpi / 72)
            radius = int(60 * dpi / 72)
            ImageDraw.Draw(layer).ellipse((cx - radius, cy - radius, cx + radius, cy + radius),
                                          outline=(210, 30, 40), width=8)
            image = ImageChops.multiply(image, layer)
        images.append(image.rotate(angle, fillcolor=(255, 255, 255), resample=Image.BICUBIC))
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return buffer.getvalue()


@needs_ocr
def test_scanned_pdf_is_read_with_ocr_and_provenance(tmp_path):
    path = tmp_path / "two_columns.scan.pdf"
    path.write_bytes(scan_of(DAMAGED / "two_columns.pdf", seal=True))
    document = extract_path(path)
    assert document.source.ocr is True
    assert document.document.signer.name == "Nguyễn Văn An"          # under the seal
    assert document.document.signer == extract_path(DAMAGED / "two_columns.pdf").document.signer
    assert "HUYỆN ĐÔNG HẢI" not in " ".join(document.document.recipients)
    used = [problem for problem in document.problems if problem.code == "ocr_used"]
    assert used and "mean word confidence" in used[0].message
    from extract.pipeline import document_text
    text = document_text(path)      # provenance: each quote is the document text at its offsets
    for reference in document.document.references:
        for source in reference.sources:
            assert text[source.start:source.end] == source.quote and source.page == 1


@needs_ocr
def test_only_the_scanned_page_of_a_mixed_pdf_is_ocred(tmp_path):
    import pypdfium2

    digital = pypdfium2.PdfDocument(str(DAMAGED / "borderless_table.pdf"))
    scanned = pypdfium2.PdfDocument(scan_of(DAMAGED / "narrow_cells.pdf", angle=-0.8))
    digital.import_pages(scanned)
    buffer = io.BytesIO()
    digital.save(buffer)
    path = tmp_path / "mixed.pdf"
    path.write_bytes(buffer.getvalue())
    raw = load(path)
    assert raw.ocr is True
    used = next(problem for problem in raw.problems if problem.code == "ocr_used")
    assert "page(s) 2 " in used.message
    tables = [block for block in raw.blocks if hasattr(block, "rows")]
    assert tables[0].page == 1 and tables[0].rows[1].cells[3].text == "≥ 90"    # page 1: the text layer
    scanned_rows = [[cell.text for cell in row.cells] for table in tables[1:] for row in table.rows]
    assert len(scanned_rows) == 4 and len(scanned_rows[0]) == 5                 # page 2: the grid from the image
    assert scanned_rows[3][4] in ("Thường xuyên",) or tables[1].rows[3].cells[4].low_confidence


def test_without_ocr_a_scan_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "unavailable_reason", lambda: "OCR needs Tesseract's Vietnamese model (test)")
    path = tmp_path / "scan.pdf"
    image = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(image).rectangle((50, 50, 550, 120), fill="black")
    image.save(path, "PDF")
    raw = load(path)
    problem = next(problem for problem in raw.problems if problem.code == "text_layer_missing")
    assert problem.severity == "error" and "Vietnamese model (test)" in problem.message


@needs_ocr
def test_a_page_scanned_upside_down_is_turned(tmp_path):
    path = tmp_path / "upside_down.pdf"
    path.write_bytes(scan_of(DAMAGED / "cid.pdf", angle=180.5))
    text = __import__("extract.pipeline", fromlist=["document_text"]).document_text(path)
    assert "KẾ HOẠCH" in text and "Chuyển đổi số năm 2026" in text
