"""How offices really type plans: merged cells, Shift+Enter, Symbol-font characters, list-style
numbering, tracked deletions and legacy Vietnamese encodings, in DOCX and in the PDF LibreOffice
renders from it (skipped without LibreOffice)."""

from __future__ import annotations

import shutil
import unicodedata

import pytest
from hypothesis import given, strategies as st

from extract.load.doc import convert
from extract.load.fonts import decode_legacy, detect_legacy, encode_legacy, legacy_codec, symbol_char
from extract.pipeline import extract_path
from fixtures.load_docs import save
from fixtures.word_habits import (
    MERGED_DEADLINE, MERGED_LEAD, MERGED_TASKS, LEGACY_PLAN, habits_plan, legacy_plan,
)

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


def _docx_and_pdf(folder, document, name: str) -> dict:
    """The document extracted as DOCX and, where LibreOffice is installed, as its PDF."""
    docx = save(document, folder / f"{name}.docx")
    out = {"docx": extract_path(docx)}
    if shutil.which("soffice"):
        out["pdf"] = extract_path(convert(docx, "pdf", folder))
    return out


@pytest.fixture(scope="module")
def habits(tmp_path_factory):
    return _docx_and_pdf(tmp_path_factory.mktemp("habits"), habits_plan(), "habits")


@pytest.mark.parametrize("fmt", ["docx", pytest.param("pdf", marks=needs_soffice)])
def test_vertically_merged_lead_and_deadline_apply_to_every_row(habits, fmt):
    tasks = {task.name: task for task in habits[fmt].tasks}
    for name in MERGED_TASKS:
        assert [a.name for a in tasks[name].lead] == [MERGED_LEAD], name
        assert tasks[name].deadline.text == MERGED_DEADLINE, name
    # the row after the merge keeps its own values
    assert [a.name for a in tasks["Tuyên truyền chuyển đổi số"].lead] == ["Đoàn Thanh niên"]
    assert not [p for p in habits[fmt].problems if p.code == "lead_missing" and p.message.startswith("task")]


def test_one_agency_per_line_in_a_cell_gives_several_agencies(habits):
    first = habits["docx"].tasks[0]
    assert [a.text for a in first.partners] == ["Công an xã", "Văn phòng HĐND và UBND xã"]


@pytest.mark.parametrize("fmt", ["docx", pytest.param("pdf", marks=needs_soffice)])
def test_heading_broken_with_shift_enter_is_one_section(habits, fmt):
    headings = [s.heading for s in habits[fmt].sections]
    assert "Chỉ tiêu về hạ tầng số và chính quyền số" in headings
    assert not any(h.startswith("chính quyền số") for h in headings)


@pytest.mark.parametrize("fmt", ["docx", pytest.param("pdf", marks=needs_soffice)])
def test_symbol_font_comparator_is_read_as_shown(habits, fmt):
    indicator = habits[fmt].indicators[0]
    assert indicator.targets[0].comparator == ">=" and indicator.targets[0].value == 70
    assert "≥70%" in indicator.sources[0].quote


def test_symbol_codes():
    assert symbol_char("Symbol", "F0B3") == "≥"
    assert symbol_char("Symbol", "F0A3") == "≤"
    assert symbol_char("symbol", "B1") == "±"
    assert symbol_char("Wingdings", "F0FC") == "✓"
    assert symbol_char("Unknown Font", "F0B3") == ""


@pytest.mark.parametrize("fmt", ["docx"])     # in a PDF the numbers are printed by the renderer
def test_list_style_numbering_renders_labels_and_runs_on_after_a_deletion(habits, fmt):
    sections = [(s.number, s.heading, s.level) for s in habits[fmt].sections if s.kind == "body"]
    assert sections == [
        ("I", "MỤC ĐÍCH, YÊU CẦU", 1), ("1", "Mục đích", 2), ("2", "Yêu cầu", 2),
        ("II", "CHỈ TIÊU", 1), ("1", "Chỉ tiêu về hạ tầng số và chính quyền số", 2),
        ("III", "TỔ CHỨC THỰC HIỆN", 1),
    ]


# ------------------------------------------------------------------ legacy encodings

def _all_letters() -> list[str]:
    """The 134 Vietnamese letters with diacritics, small and capital."""
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    bases = ["a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u", "u\u031b", "y"]
    small = [unicodedata.normalize("NFC", b + t) for b in bases for t in tones]
    small = [c for c in small if len(c) == 1 and not c.isascii()] + ["đ"]
    return small + [c.upper() for c in small]


def test_every_letter_has_a_code_in_both_tables():
    letters = _all_letters()
    assert len(letters) == 134
    for encoding in ("tcvn3", "vni"):
        for letter in letters:
            encoded = encode_legacy(letter, encoding)
            # the letters a legacy table writes as the same character: TCVN3 ý, VNI ì í
            same = "ý" if encoding == "tcvn3" else "ìíÌÍ"
            assert encoded != letter or letter.lower() in same.lower(), (encoding, letter)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_tables_convert_both_ways(encoding):
    small = [c for c in _all_letters() if c.islower()]
    capital = [c for c in _all_letters() if c.isupper()]
    assert decode_legacy(encode_legacy("".join(small), encoding), encoding, capitals=False) == "".join(small)
    if encoding == "vni":
        assert decode_legacy(encode_legacy("".join(capital), "vni"), "vni") == "".join(capital)
    else:   # TCVN3 capitals with tones exist only in the capitals fonts (.VnTimeH)
        assert decode_legacy(encode_legacy("".join(capital), "tcvn3"), "tcvn3", capitals=True) == "".join(capital)


# ("Ủy" alone is "ñy" in TCVN3, which VNI reads as "đy": a lone word can be ambiguous)
_SYLLABLES = ["Kế", "hoạch", "chuyển", "đổi", "số", "năm", "Ủy ban", "ban", "nhân", "dân", "xã", "người",
              "thực", "hiện", "nghĩa", "Việt", "Nam", "được", "trưởng", "phường", "quyết", "định"]


@given(st.lists(st.sampled_from(_SYLLABLES), min_size=4, max_size=12, unique=True), st.sampled_from(["tcvn3", "vni"]))
def test_sentences_round_trip_and_are_detected(words, encoding):
    sentence = " ".join(words)
    encoded = encode_legacy(sentence, encoding)
    if encoded == sentence:
        return
    if encoding == "vni":
        assert decode_legacy(encoded, "vni") == sentence
    else:
        assert decode_legacy(encoded, "tcvn3", capitals=False).lower() == sentence.lower()
    assert detect_legacy(sentence) is None
    assert detect_legacy(encoded) in (encoding, None)


def test_detection_examples_from_the_issue():
    assert decode_legacy("KÕ HO¹CH", "tcvn3") == "KẾ HOẠCH"
    assert decode_legacy("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "vni") == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert detect_legacy("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam") == "vni"
    assert detect_legacy("Hµ Néi, ngµy 15 th¸ng 01 n¨m 2026") == "tcvn3"
    assert detect_legacy(encode_legacy("Ủy ban nhân dân xã", "tcvn3")) == "tcvn3"
    # Unicode text without letters only Unicode has is not mistaken for TCVN3
    assert detect_legacy("Các phòng, ban chuyên môn", in_unicode_document=True) is None
    assert legacy_codec("ABCDEF+.VnTimeH") == ("tcvn3", True)
    assert legacy_codec("VNI-Times") == ("vni", False)
    assert legacy_codec("Times New Roman") is None


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("legacy")
    out = _docx_and_pdf(folder, legacy_plan(), "legacy")
    # the same plan pasted into a UTF-8 text file (legacy bytes as characters)
    text = folder / "legacy.txt"
    text.write_text("\n".join(encode_legacy(t, legacy_codec(f)[0]) if f else t for t, f in LEGACY_PLAN),
                    encoding="utf-8")
    out["txt"] = extract_path(text)
    return out


@pytest.mark.parametrize("fmt", ["docx", "txt", pytest.param("pdf", marks=needs_soffice)])
def test_legacy_encoded_plan_is_read_as_unicode(legacy, fmt):
    document = legacy[fmt]
    assert document.document.title == "Chuyển đổi số xã An Lạc năm 2026"
    assert document.document.doc_type == "ke_hoach"
    assert [r.number for r in document.document.references] == ["57-NQ/TW"]
    assert document.indicators[0].name == "Tỷ lệ hồ sơ xử lý trực tuyến"
    assert "legacy_encoding_converted" in {p.code for p in document.problems}


def test_heading_broken_over_two_bold_lines_in_a_text_export(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text("KẾ HOẠCH\n\nChuyển đổi số năm 2026\n\n**I. MỤC TIÊU**\n\n**1. Chỉ tiêu về hạ tầng số và**\n\n"
                    "**chính quyền số**\n\n- Tỷ lệ hồ sơ trực tuyến đạt 90%.\n\n**2. Chỉ tiêu khác**\n\n"
                    "**Mục tiêu cụ thể**\n", encoding="utf-8")
    document = extract_path(path)
    headings = [(s.heading, s.sources[0].quote) for s in document.sections]
    assert ("Chỉ tiêu về hạ tầng số và chính quyền số", "Chỉ tiêu về hạ tầng số và\nchính quyền số") in headings
    # a bold line in capitals after a heading is a heading of its own
    assert "Mục tiêu cụ thể" in [h for h, _ in headings]


@pytest.fixture(scope="module")
def long_merged(tmp_path_factory):
    from fixtures.word_habits import long_merged_plan

    return _docx_and_pdf(tmp_path_factory.mktemp("long"), long_merged_plan(), "long")


@pytest.mark.parametrize("fmt", ["docx", pytest.param("pdf", marks=needs_soffice)])
def test_merged_lead_running_onto_the_next_page_applies_to_every_row(long_merged, fmt):
    from fixtures.word_habits import LONG_LEAD

    document = long_merged[fmt]
    assert len(document.tasks) == 45
    if fmt == "pdf":
        assert max(s.page for t in document.tasks for s in t.sources) >= 2
    assert [t.name for t in document.tasks if [a.name for a in t.lead] != [LONG_LEAD]] == []


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_a_text_file_saved_in_a_legacy_encoding_is_read(tmp_path, encoding):
    plan = "\n".join(text for text, _font in LEGACY_PLAN)
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(encode_legacy(plan, encoding).encode("latin-1"))     # one byte per character
    document = extract_path(path)
    assert document.document.title == "Chuyển đổi số xã An Lạc năm 2026"
    assert document.indicators[0].name == "Tỷ lệ hồ sơ xử lý trực tuyến"
    assert "legacy_encoding_converted" in {p.code for p in document.problems}
