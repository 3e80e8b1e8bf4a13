"""Two-column blocks on OCR'd pages (the Decree 30 header and closing laid out without a
table): where the band/gutter finder (`ocr.column_blocks`) puts them on synthetic pages drawn
with DejaVu, and, with Tesseract, that a right-hand column whose baselines miss the left-hand
column's is read whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extract.load import ocr

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")
DPI = 200
SCALE = 72.0 / DPI

needs_font = pytest.mark.skipif(not FONT.exists() or not BOLD.exists(), reason="DejaVu fonts are not installed")
needs_ocr = pytest.mark.skipif(ocr.unavailable_reason() is not None,
                               reason=f"OCR unavailable: {ocr.unavailable_reason()}")

BODY = [
    "Trên đây là Kế hoạch thực hiện chuyển đổi số năm 2026 của Ủy ban nhân",
    "dân xã; các cơ quan, đơn vị căn cứ chức năng, nhiệm vụ được giao tổ chức",
    "triển khai thực hiện, báo cáo kết quả về Phòng Văn hóa - Xã hội theo",
    "định kỳ hằng quý để tổng hợp, báo cáo Ủy ban nhân dân tỉnh theo quy",
    "định; trong quá trình thực hiện, nếu có khó khăn, vướng mắc, kịp thời",
    "phản ánh về Ủy ban nhân dân xã để xem xét, giải quyết./.",
]
RECIPIENTS = ["Nơi nhận:", "- UBND tỉnh (b/c);", "- Sở Khoa học và Công nghệ;", "- TT Đảng ủy, HĐND xã;",
              "- Lưu: VT."]
SIGNER = ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
NAME = "Nguyễn Văn An"
LEFT, RIGHT = 240, 1420          # the text's edges, pixels


def draw_page(specks: bool = False, gap_line: bool = False) -> tuple[np.ndarray, dict]:
    """A page: a justified-looking body paragraph, then a closing whose right column's lines
    sit half a line lower than the left column's. Returns the gray image and where things are."""
    image = Image.new("L", (1655, 2339), 255)
    draw = ImageDraw.Draw(image)
    body, small, bold = (ImageFont.truetype(str(FONT), 36), ImageFont.truetype(str(FONT), 30),
                         ImageFont.truetype(str(BOLD), 36))
    y = 300
    for text in BODY:
        words = text.split()
        widths = [draw.textlength(word, font=body) for word in words]
        spare = (RIGHT - LEFT - sum(widths)) / (len(words) - 1)
        x = LEFT
        if text is BODY[-1]:
            spare = draw.textlength(" ", font=body)      # the last line is not stretched
        for word, width in zip(words, widths):
            draw.text((x, y), word, font=body, fill=0)
            x += width + spare
        y += 60
        if gap_line and text is BODY[2]:    # a line whose spaces leave a 16-point gap mid-line
            draw.text((LEFT, y), "Ghi chú: tỷ lệ hồ sơ", font=body, fill=0)
            draw.text((LEFT + draw.textlength("Ghi chú: tỷ lệ hồ sơ", font=body) + 45, y),
                      "số liệu tạm tính đến hết quý.", font=body, fill=0)
            y += 60
    closing_top = y + 60
    for index, text in enumerate(RECIPIENTS):
        draw.text((LEFT, closing_top + index * 42), text, font=small, fill=0)
    centre = 1060
    for index, text in enumerate(SIGNER):
        width = draw.textlength(text, font=bold)
        draw.text((centre - width / 2, closing_top + 20 + index * 52), text, font=bold, fill=0)
    name_top = closing_top + 330
    width = draw.textlength(NAME, font=bold)
    draw.text((centre - width / 2, name_top), NAME, font=bold, fill=0)
    gray = np.asarray(image).copy()
    if specks:          # dust and a seal's remains in the gutter and around the signature
        rng = np.random.default_rng(7)
        for _ in range(60):
            x, yy = int(rng.integers(700, 880)), int(rng.integers(closing_top, name_top + 40))
            gray[yy:yy + 2, x:x + 2] = 40
    where = {"body_top": 300, "body_bottom": y, "closing_top": closing_top, "name_bottom": name_top + 45,
             "left_end": LEFT + max(draw.textlength(text, font=small) for text in RECIPIENTS),
             "right_start": centre - draw.textlength(SIGNER[1], font=bold) / 2}
    return gray, where


@needs_font
@pytest.mark.parametrize("specks", [False, True])
def test_the_closing_is_one_block_with_its_gutter_between_the_columns(specks):
    gray, where = draw_page(specks=specks)
    blocks = ocr.column_blocks(gray, SCALE)
    assert len(blocks) == 1                     # the body paragraph runs through any gutter
    block = blocks[0]
    assert block.top <= where["closing_top"] and block.bottom >= where["name_bottom"] - 10   # the name too
    assert block.top >= where["body_bottom"] - 20                                              # no body line
    assert where["left_end"] - 20 <= block.gutter_left and block.gutter_right <= where["right_start"] + 20
    assert block.gutter_left < block.split < block.gutter_right


@needs_font
def test_a_gap_in_one_justified_body_line_is_no_block():
    gray, where = draw_page(gap_line=True)
    blocks = ocr.column_blocks(gray, SCALE)
    assert len(blocks) == 1 and blocks[0].top >= where["body_bottom"] - 20


def test_a_blank_page_has_no_block():
    assert ocr.column_blocks(np.full((400, 300), 255, np.uint8), SCALE) == []


TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def test_block_words_leave_the_page_reading_and_crop_words_move_to_the_page():
    page = "\n".join([TSV_HEADER,
                      "5\t1\t1\t1\t1\t1\t100\t50\t80\t30\t96\tTrên",       # body: kept
                      "5\t1\t2\t1\t1\t1\t100\t400\t80\t30\t40\t2",         # inside the block: dropped
                      "5\t1\t2\t1\t1\t2\t700\t410\t80\t30\t60\tCHỦ"])
    block = ocr.ColumnBlock(380, 600, 500, 560)
    kept = ocr._outside_blocks(page, [block])
    assert "Trên" in kept and "CHỦ" not in kept and "\t2\n" not in kept + "\n"
    assert ocr._outside_blocks(page, []) == page
    crop = "5\t1\t1\t1\t1\t1\t20\t15\t90\t30\t95\tPHÓ"
    moved = ocr._shifted_tsv(crop, 3, 520, 370).split("\t")
    assert moved[1] == "3" and moved[6:8] == ["540", "385"] and moved[11] == "PHÓ"


@needs_font
@needs_ocr
def test_a_right_column_off_the_left_columns_baselines_is_read_whole():
    gray, _ = draw_page(specks=True)
    _, lines = ocr._recognise(ocr.engine(), gray, SCALE)
    texts = [" ".join(word["text"] for word in words) for words in lines]
    assert "PHÓ CHỦ TỊCH" in texts and "KT. CHỦ TỊCH" in texts
    assert NAME in texts
    assert any(text.startswith("- Sở Khoa học và Công nghệ") for text in texts)


@pytest.mark.parametrize(("read", "repaired"), [
    ("- UBND tỉnh (b/€);", "- UBND tỉnh (b/c);"), ("- TT Tỉnh ủy (B/©);", "- TT Tỉnh ủy (B/C);"),
    ("- Sở Tư pháp (/€);", "- Sở Tư pháp (b/c);"), ("- Bộ Tài chính (b/c);", "- Bộ Tài chính (b/c);"),
    ("KT, CHỦ TỊCH", "KT. CHỦ TỊCH"), ("PHỎ CHỦ TỊCH", "PHÓ CHỦ TỊCH"), ("phát triển KT, VH", "phát triển KT, VH")])
def test_misreads_in_the_closing_are_repaired(read, repaired):
    words = [{"text": text, "x0": 10.0 * i, "x1": 10.0 * i + 8, "top": 0.0, "bottom": 10.0, "conf": 90.0,
              "fontname": ""} for i, text in enumerate(read.split())]
    ocr.repair_line(words)
    assert " ".join(word["text"] for word in words) == repaired


@pytest.mark.parametrize(("read", "repaired"), [
    ("ˆ KT. CHỦ TỊCH", "KT. CHỦ TỊCH"),           # a seal's remains before the capacity line
    ("„ Phụ lục I", "Phụ lục I"),                 # dust before an appendix heading
    ("“ Hành động ” năm 2026", "“ Hành động ” năm 2026")])     # a quotation stays
def test_a_speck_read_as_a_quote_mark_opening_a_line_is_dropped(read, repaired):
    words = [{"text": text, "x0": 10.0 * i, "x1": 10.0 * i + 8, "top": 0.0, "bottom": 10.0, "conf": 90.0,
              "fontname": ""} for i, text in enumerate(read.split())]
    ocr.repair_line(words)
    assert " ".join(word["text"] for word in words) == repaired
