"""Each damaged or hostile input named in issue #7, with the outcome it must have.

Inputs are built by tests/hostile.py. "Must not blow up" is asserted as a bound on time and,
where memory was the failure, on what the loader keeps; every refusal has its specific reason
and a message a clerk can act on.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import hostile
from extract.load import LoadError, Limits
from extract.load.docx import MAX_GRID_COLUMNS, load_docx
from extract.load.ooxml import xml_int
from extract.pipeline import Options, extract_path
from extract.structures import Paragraph, Table

RULES_ONLY = Options(nlp=False)
# What a clerk must never read in a message: exception class names, internals, addresses.
INTERNALS = re.compile(r"\b\w*(Error|Exception)\b|Traceback|0x[0-9a-fA-F]{4,}|object at|\bzlib\b|\blxml\b")


def extract_bytes(tmp_path: Path, name: str, data: bytes, options: Options = RULES_ONLY):
    path = tmp_path / name
    path.write_bytes(data)
    return extract_path(path, options)


def refused(tmp_path: Path, name: str, data: bytes) -> LoadError:
    with pytest.raises(LoadError) as error:
        extract_bytes(tmp_path, name, data)
    assert not INTERNALS.search(error.value.message), error.value.message
    return error.value


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


# ------------------------------------------------------------------ numbers in XML

@pytest.mark.parametrize("value", ["999999", str(2 ** 31), "1e20", "9" * 5000])
def test_huge_grid_span_is_clamped(value):
    raw, seconds = timed(load_docx, hostile.table_with_span(value))
    tables = [block for block in raw.blocks if isinstance(block, Table)]
    assert all(cell.span <= MAX_GRID_COLUMNS for table in tables for row in table.rows for cell in row.cells)
    texts = [cell.text for table in tables for row in table.rows for cell in row.cells]
    texts += [block.text for block in raw.blocks if isinstance(block, Paragraph)]
    assert "Tỷ lệ hồ sơ trực tuyến" in texts      # "1e20" is no number: span 1, a layout table
    assert seconds < 2


@pytest.mark.parametrize("fmt", ["upperRoman", "lowerRoman", "upperLetter", "lowerLetter"])
def test_huge_list_start_in_roman_or_letters_gives_a_short_label(fmt):
    raw, seconds = timed(load_docx, hostile.numbered("9" * 40, fmt, paragraphs=50))
    labels = [block.text for block in raw.blocks if isinstance(block, Paragraph) and "Nhiệm vụ số" in block.text]
    assert len(labels) == 50 and all(len(label) < 60 for label in labels), labels[:2]
    assert seconds < 5


@pytest.mark.parametrize("value", ["²", "1.5", "9" * 5000, "-7", "", "١٢"])
def test_malformed_numbers_in_every_attribute_still_load(tmp_path, value):
    document = extract_bytes(tmp_path, "attributes.docx", hostile.attribute_values(value))
    assert document.document.number == "01/KH-UBND"


def test_strict_integer_helper():
    assert xml_int("12", 0, 0, 99) == 12 and xml_int(" 7 ", 0, 0, 99) == 7
    assert xml_int("²", 5, 0, 99) == 5 and xml_int("1.5", 5, 0, 99) == 5 and xml_int("1e20", 1, 1, 64) == 1
    assert xml_int("9" * 5000, 1, 1, 64) == 64 and xml_int("-3", 1, 1, 64) == 1
    assert xml_int("10" * 20, None, 1, 100, clamp=False) is None and xml_int(None, 3, 0, 9) == 3


def test_page_count_beyond_64_bits_is_unknown(tmp_path):
    document = extract_bytes(tmp_path, "pages.docx", hostile.app_pages("1" + "0" * 20))
    assert document.source.pages is None


def test_docx_without_styles_part_loads(tmp_path):
    document = extract_bytes(tmp_path, "plain.docx", hostile.docx())
    assert document.document.number == "01/KH-UBND" and document.indicators


# ------------------------------------------------------------------ ZIP damage

@pytest.mark.parametrize("build", [hostile.zip_unsupported_compression, hostile.zip_unsupported_version,
                                   hostile.zip_negative_seek, hostile.zip_flipped_size, hostile.zip_shrunk_size])
def test_zip_damage_is_corrupt_docx_not_a_bomb(tmp_path, build):
    error = refused(tmp_path, "damaged.docx", build())
    assert error.code == "corrupt_docx", (error.code, error.message)
    assert "Word" in error.message


# ------------------------------------------------------------------ text exports

@pytest.mark.parametrize("name, build, limit", [
    ("tags.txt", hostile.text_repeated_tags, 10),
    ("percentages.txt", hostile.text_percentages, 10),
    ("long-line.txt", hostile.text_long_line, 40),
])
def test_hostile_text_exports_load_in_bounded_time(tmp_path, name, build, limit):
    document, seconds = timed(extract_bytes, tmp_path, name, build())
    assert document.document.number == "01/KH-UBND"
    assert seconds < limit, seconds


def test_delete_characters_after_a_partner_cue(tmp_path):
    document, seconds = timed(extract_bytes, tmp_path, "del.txt", hostile.text_del_after_partner(), Options())
    assert seconds < 10
    task = next(task for task in document.tasks if "phối hợp với" in task.name.lower())
    assert "\x7f" not in task.name and [agency.name for agency in task.lead] == ["Công an xã"]


def test_emphasis_nesting_is_bounded():
    from extract.load.text import MAX_EMPHASIS_DEPTH, strip_markup

    text, bold, _italic = strip_markup("<b>" * (MAX_EMPHASIS_DEPTH * 4) + "x" + "</b>" * (MAX_EMPHASIS_DEPTH * 4))
    assert text == "x" and bold


# ------------------------------------------------------------------ PDFs

def test_flate_bomb_pdf_is_refused_as_too_large(tmp_path):
    error, seconds = timed(refused, tmp_path, "bomb.pdf", hostile.pdf_flate_bomb(1 << 30))
    assert error.code == "too_large" and "MB" in error.message
    assert seconds < 20


def test_flate_bomb_budget_is_configurable(tmp_path, monkeypatch):
    small, large = Options(nlp=False, limits=Limits(max_inflated=4 << 20)), Options(nlp=False, limits=Limits(max_inflated=64 << 20))
    with pytest.raises(LoadError) as error:
        extract_bytes(tmp_path, "bomb.pdf", hostile.pdf_flate_bomb(8 << 20), small)
    assert error.value.code == "too_large"
    document = extract_bytes(tmp_path, "fine.pdf", hostile.pdf_flate_bomb(8 << 20), large)
    assert document.source.format == "pdf"
    # the environment sets the budget of an Options built after it is set (the CLI's)
    monkeypatch.setenv("KEHOACH_PDF_MAX_INFLATED", str(4 << 20))
    assert Options(nlp=False).limits.max_inflated == 4 << 20


def test_huge_tounicode_map_is_refused_quickly(tmp_path):
    error, seconds = timed(refused, tmp_path, "cmap.pdf", hostile.pdf_tounicode(16 << 20))
    assert error.code == "too_large" and "character map" in error.message
    assert seconds < 10


def test_pdf_limits_do_not_touch_ordinary_pdfs():
    root = Path(__file__).resolve().parents[1] / "corpus"
    pdf = sorted(root.glob("*.pdf"))[0]
    assert extract_path(pdf, RULES_ONLY).sections
