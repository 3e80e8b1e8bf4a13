"""Text exports: markdown-ish emphasis and headings, glued emphasis split, tab tables."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from extract.load import LoadError, load
from extract.load.text import parse_text
from extract.structures import Paragraph, Table

SEEDS = Path("/work/shared/seeds")
ROOT = Path(__file__).resolve().parents[1]


def seed(name: str) -> Path:
    for folder in (ROOT / "corpus", SEEDS):
        path = folder / f"{name}.txt"
        if path.exists():
            return path
    pytest.skip(f"seed {name} not available")


@pytest.fixture(scope="module")
def binh_thanh():
    return load(seed("binh-thanh-xa-2026"))


def paragraphs(document) -> list[Paragraph]:
    return [block for block in document.blocks if isinstance(block, Paragraph)]


def find(document, prefix: str) -> Paragraph:
    return next(block for block in paragraphs(document) if block.text.startswith(prefix))


def test_glued_emphasis_runs_become_separate_paragraphs(binh_thanh):
    blocks = paragraphs(binh_thanh)
    index = next(i for i, block in enumerate(blocks) if block.text == "Phụ lục II")
    title, subtitle = blocks[index + 1], blocks[index + 2]
    assert blocks[index].bold and not blocks[index].italic
    assert title.text == "DANH MỤC NHIỆM VỤ LIÊN NGÀNH BAN CHỈ ĐẠO CỦA UBND TỈNH TRỰC TIẾP CHỈ ĐẠO, ĐIỀU HÀNH"
    assert title.bold and not title.italic
    assert subtitle.text == "(Kèm theo Kế hoạch số /KH-UBND ngày /4/2026 của UBND xã Bình Thành)"
    assert subtitle.italic and not subtitle.bold


def test_headings_bold_italic_and_hard_breaks(binh_thanh):
    assert find(binh_thanh, "KẾ HOẠCH").heading == 2
    section = find(binh_thanh, "III. NHIỆM VỤ")
    assert section.heading == 3 and section.bold and "*" not in section.text
    assert find(binh_thanh, "Nơi nhận:").bold and find(binh_thanh, "Nơi nhận:").italic
    # '**KT. CHỦ TỊCH  ⏎PHÓ CHỦ TỊCH**': one emphasis over a hard line break, two paragraphs
    texts = [block.text for block in paragraphs(binh_thanh)]
    index = texts.index("KT. CHỦ TỊCH")
    assert texts[index + 1] == "PHÓ CHỦ TỊCH" and find(binh_thanh, "PHÓ CHỦ TỊCH").bold
    partly_bold = find(binh_thanh, "1. Quán triệt phương châm")
    assert not partly_bold.bold and "“Hành động đột phá, lan tỏa kết quả”," in partly_bold.text


def test_tables_keep_rows_as_they_come(binh_thanh):
    tables = [block for block in binh_thanh.blocks if isinstance(block, Table)]
    first, continued = tables[0], tables[1]
    header = ["TT", "Chỉ tiêu", "Đơn vị", "Kết quả", "Cơ quan chủ trì thực hiện", "Văn bản nguồn"]
    assert [cell.text for cell in first.rows[0].cells] == header
    assert [cell.text for cell in continued.rows[0].cells] == header      # repeated after the page break
    assert continued.rows[1].cells[0].text == "" and continued.rows[1].cells[1].text == "quyền"
    assert all(len(row.cells) == 6 for table in tables[:2] for row in table.rows)
    assert "<u>" not in first.rows[1].cells[5].text and "cán bộ cấp xã" in first.rows[1].cells[5].text
    tasks = tables[2]
    assert all(cell.bold for cell in tasks.rows[0].cells)
    assert [cell.text for cell in tasks.rows[1].cells][:2] == ["I", "CHUYỂN ĐỔI SỐ QUỐC GIA - KIẾN TRÚC, NỀN TẢNG, DỊCH VỤ SỐ"]
    assert len(tasks.rows[1].cells) == 7 and not tasks.rows[1].cells[2].bold
    assert all(row.page is None for table in tables for row in table.rows)
    assert binh_thanh.pages is None and binh_thanh.format == "txt"


def test_other_seeds_load(tmp_path):
    for name in ("minh-xuan-phuong-2026", "binh-lu-xa-2026"):
        document = load(seed(name))
        texts = [block.text for block in paragraphs(document)]
        assert texts[0].startswith("Số:") and "KẾ HOẠCH" in texts
    signature = [block for block in paragraphs(load(seed("minh-xuan-phuong-2026"))) if block.bold]
    assert [block.text for block in signature][-4:] == [
        "KT. TRƯỞNG BAN CHỈ ĐẠO", "PHÓ TRƯỞNG BAN CHỈ ĐẠO", "PHÓ CHỦ TỊCH UBND PHƯỜNG", "Vũ Xuân Quỳnh"]


@pytest.mark.parametrize("source, expected", [
    ("**a** **b**", [("a b", True, False)]),
    ("***cả hai***", [("cả hai", True, True)]),
    ("**đậm** thường", [("đậm thường", False, False)]),
    ("5 * 3 = 15", [("5 * 3 = 15", False, False)]),
    ("a**b", [("a**b", False, False)]),
    ("**mở mà không đóng", [("**mở mà không đóng", False, False)]),
    ("***Nơi nhận:***", [("Nơi nhận:", True, True)]),
    ("**A****B***(c)*", [("A", True, False), ("B", True, False), ("(c)", False, True)]),
    ("<b>TT</b>", [("TT", True, False)]),
    ("<i>nghiêng</i> và <u>gạch</u>", [("nghiêng và gạch", False, False)]),
    ("dòng một<br>dòng hai", [("dòng một", False, False), ("dòng hai", False, False)]),
    (r"1\. Không phải danh sách \*", [("1. Không phải danh sách *", False, False)]),
])
def test_emphasis(source, expected):
    blocks = parse_text(source)
    assert [(block.text, block.bold, block.italic) for block in blocks] == expected


def test_tab_lists_pipe_tables_and_rules():
    blocks = parse_text("1.\tMục đích\n2.\tYêu cầu\n\n| TT | Nội dung |\n|---|---|\n| 1 | Số hóa |\n\n-----\nHết")
    assert [type(block).__name__ for block in blocks] == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    assert blocks[0].text == "1. Mục đích"
    assert [[cell.text for cell in row.cells] for row in blocks[2].rows] == [["TT", "Nội dung"], ["1", "Số hóa"]]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16-le", "utf-16-be"])
def test_encodings_with_bom(tmp_path, encoding):
    text = "KẾ HOẠCH\r\n\r\nChuyển đổi số\r\n"
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    path = tmp_path / "plan.txt"
    path.write_bytes(bom + text.encode(encoding))
    assert [block.text for block in load(path).blocks] == ["KẾ HOẠCH", "Chuyển đổi số"]


def test_markdown_format_by_extension_and_invalid_text(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text("# KẾ HOẠCH\n", encoding="utf-8")
    raw = load(path)
    assert raw.format == "md" and raw.blocks[0].heading == 1
    bad = tmp_path / "legacy.txt"
    bad.write_bytes(b"Ph\xf2ng V\xe3n ho\xe1")      # cp1258 bytes, not UTF-8
    with pytest.raises(LoadError) as error:
        load(bad)
    assert error.value.code == "not_text"


@given(st.lists(st.text(alphabet="abc đêÔ 12.,;-()", min_size=1, max_size=30), max_size=8))
def test_plain_lines_are_paragraphs(lines):
    blocks = parse_text("\n".join(lines))
    # a line of three dashes or more ("---", "- - -") is a rule between parts, not a paragraph
    kept = [line.strip() for line in lines if line.strip() and not re.fullmatch(r"(?:-\s*){3,}", line.strip())]
    assert [block.text for block in blocks] == kept


@given(st.text(alphabet="ab *<>/i\n\t", max_size=60))
def test_never_crashes(source):
    for block in parse_text(source):
        if isinstance(block, Paragraph):
            assert block.text == block.text.strip() and block.text
