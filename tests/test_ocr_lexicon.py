"""The repair of OCR'd Vietnamese words from their neighbours by the word list
(extract.load.ocr_lexicon), without running Tesseract."""

from __future__ import annotations

import pytest

from extract.load import ocr, ocr_lexicon

needs_lexicon = pytest.mark.skipif(not ocr_lexicon.word_list(), reason="underthesea's word list is not installed")


def line(text: str, conf: float = 95.0, unsure: tuple[int, ...] = ()) -> list[dict]:
    """Words of `text`, read at `conf`, those at the `unsure` indexes at 50."""
    return [{"text": part, "conf": 50.0 if index in unsure else conf, "x0": 10.0 * index, "x1": 10.0 * index + 8,
             "top": 100.0, "bottom": 112.0, "fontname": ""} for index, part in enumerate(text.split())]


def repaired(text: str, conf: float = 95.0, unsure: tuple[int, ...] = ()) -> str:
    words = line(text, conf, unsure)
    ocr_lexicon.repair_words(words)
    return " ".join(word["text"] for word in words)


def test_a_syllable_key_ignores_where_the_tone_mark_sits():
    assert ocr_lexicon.syllable_key("hòa")[:2] == ocr_lexicon.syllable_key("hoà")[:2] == ("hoa", "\u0300")
    assert ocr_lexicon.syllable_key("uỷ")[:2] == ocr_lexicon.syllable_key("ủy")[:2]
    assert ocr_lexicon.syllable_key("nhiệm") == ("nhiêm", "\u0323", 3)
    assert ocr_lexicon.fold("NHIỆM") == "nhiem"


@pytest.mark.parametrize(("letters", "tone", "expected"), [
    ("hoa", "\u0300", "hòa"), ("thuy", "\u0309", "thủy"), ("uy", "\u0309", "ủy"), ("hoan", "\u0300", "hoàn"),
    ("ngươi", "\u0300", "người"), ("quy", "\u0301", "quý"), ("giư", "\u0303", "giữ"), ("gi", "\u0300", "gì"),
    ("nhiêm", "\u0323", "nhiệm"), ("ngoai", "\u0300", "ngoài"), ("tô", "", "tô")])
def test_a_repaired_tone_goes_where_the_plans_spelling_puts_it(letters, tone, expected):
    assert ocr_lexicon._place_tone(letters, tone) == expected


@needs_lexicon
@pytest.mark.parametrize(("read", "unsure", "expected"), [
    ("tố chức thực hiện", (), "tổ chức thực hiện"),           # the hook read as an acute: any confidence
    ("TỐ CHỨC", (), "TỔ CHỨC"),
    ("thúc đấy phát triển", (), "thúc đẩy phát triển"),
    ("nhiẹm vụ", (), "nhiệm vụ"),                             # "nhiẹm" is no written syllable
    ("thục hiện nhiệm vụ", (0,), "thực hiện nhiệm vụ"),       # read unsurely
    ("nên tảng số", (0,), "nền tảng số"),
    ("cụ the,", (1,), "cụ thể,"),                             # punctuation kept
    ("Nội dụng", (1,), "Nội dung"),                           # case kept
    ("dừ liệu", (0,), "dữ liệu"),             # nearer than "dự liệu": a tilde is read as a grave
    ("quy trình kỳ thuật", (), "quy trình kỹ thuật"),
])
def test_a_run_that_is_no_word_becomes_the_nearest_word(read, unsure, expected):
    assert repaired(read, unsure=unsure) == expected


@needs_lexicon
@pytest.mark.parametrize(("read", "unsure"), [
    ("xã hội số", ()),                  # "hội sở" is a word, but "xã hội" already is one as read
    ("xã hội số", (2,)),
    ("cấp tỉnh", ()),                   # read surely, and no hook is read as an acute
    ("thúc hiện", ()),                  # a written syllable read surely is not changed
    ("Ủy ban nhân dân", (0, 1, 2, 3)),  # a word as read (the list spells it "uỷ ban")
    ("năm 2026", (0, 1)),               # digits are never touched
])
def test_correct_or_undecidable_text_is_left_as_read(read, unsure):
    assert repaired(read, unsure=unsure) == read


@needs_lexicon
def test_the_cheapest_repair_wins_where_two_overlap():
    # "đế đối" -> "để đời" would change two syllables; "đối mới" -> "đổi mới" one hook
    assert repaired("đế đối mới", unsure=(0, 1)) == "đế đổi mới"


@needs_lexicon
def test_repair_line_repairs_ocr_words_from_their_neighbours():
    words = line("Tố chức thục hiện", unsure=(2,))
    ocr.repair_line(words)
    assert [word["text"] for word in words] == ["Tổ", "chức", "thực", "hiện"]


@needs_lexicon
def test_the_changes_are_reported():
    words = line("tố chức")
    assert ocr_lexicon.repair_words(words) == [(0, "tố", "tổ")]


@needs_lexicon
@pytest.mark.parametrize(("top", "second_line"), [
    (114.0, ["đẩy", "phát", "triển"]),      # the next line of the paragraph: one run of words
    (300.0, ["đấy", "phát", "triển"]),      # lines far apart are not read as one
])
def test_a_word_that_runs_on_to_the_next_line_is_repaired_across_the_break(top, second_line):
    above = line("động lực thúc")
    below = [dict(word, top=top, bottom=top + 12.0) for word in line("đấy phát triển")]
    ocr_lexicon.repair_lines([above, below])
    assert [word["text"] for word in above + below] == ["động", "lực", "thúc", *second_line]


@needs_lexicon
def test_a_lone_syllable_one_confusion_away_from_a_frequent_word_becomes_it():
    # "đế" (a base) makes no word with "kiểm": the frequent "để" was read with an acute
    assert repaired("cơ sở đế kiểm tra") == "cơ sở để kiểm tra"
    # a line's first and last words may make a word with the lines around them
    assert repaired("đế kiểm tra") == "đế kiểm tra"
    assert repaired("hoàng đế trị vì") == "hoàng đế trị vì"        # part of a word as read


@needs_lexicon
def test_a_lone_syllable_that_is_no_written_one_becomes_its_written_twin():
    assert repaired("từ đủ tuối trở lên") == "từ đủ tuổi trở lên"


@needs_lexicon
def test_a_letter_with_its_marks_read_as_another_is_a_known_misreading():
    # the breve and grave of "ằ" read as a tilde; "hằng" is a frequent word of plans
    assert repaired("báo cáo hãng tháng về") == "báo cáo hằng tháng về"
    assert ocr_lexicon._known_misreading(("hang", "\u0303"), ("hăng", "\u0300")) == 1
    assert ocr_lexicon._known_misreading(("hang", "\u0303"), ("hang", "\u0300")) == 0
    # the horn of "ự" lost: "thục" is a written syllable read surely, but a known misreading
    assert repaired("tổ chức thục hiện kế hoạch") == "tổ chức thực hiện kế hoạch"


@needs_lexicon
def test_a_run_overlapping_a_word_as_read_is_repaired_only_when_all_of_it_is_misread():
    # "đối số" is a word as read, but "chuyến đối" is two known misreadings of "chuyển đổi"
    assert repaired("tạo và chuyến đối số quốc gia") == "tạo và chuyển đổi số quốc gia"
    above = line("tạo và chuyến")
    below = [dict(word, top=114.0, bottom=126.0) for word in line("đối số quốc gia")]
    ocr_lexicon.repair_lines([above, below])
    assert [word["text"] for word in above + below][2:4] == ["chuyển", "đổi"]


@needs_lexicon
def test_the_word_index_is_kept_between_processes_in_a_file_named_by_what_built_it(tmp_path, monkeypatch):
    monkeypatch.setenv(ocr_lexicon.CACHE_ENV, str(tmp_path))
    def same(index):        # the order of the words sharing bare letters is the build's hash order
        words, syllables, (known, by_fold, written) = index
        return words, syllables, known, {key: frozenset(found) for key, found in by_fold.items()}, written

    stale = tmp_path / "ocr-word-index-0123456789abcdef.marshal"     # an older word list's or code's
    stale.write_bytes(b"old")
    built = ocr_lexicon._stored_index.__wrapped__()          # no file yet: built, and written
    stored = ocr_lexicon.index_file(ocr_lexicon._dictionary())
    assert stored.parent == tmp_path and stored.is_file()
    assert not stale.exists()                                # never read again: removed
    assert ocr_lexicon._stored_index.__wrapped__() == built          # read back
    assert same(built) == same(ocr_lexicon._stored_index())
    stored.write_bytes(b"not an index")                       # a damaged file is built again
    assert same(ocr_lexicon._stored_index.__wrapped__()) == same(built)
    assert ocr_lexicon._stored_index.__wrapped__() == ocr_lexicon._stored_index.__wrapped__()


def test_the_word_index_is_not_kept_when_the_cache_folder_is_empty(monkeypatch, tmp_path):
    monkeypatch.setenv(ocr_lexicon.CACHE_ENV, "")
    assert ocr_lexicon.index_file(tmp_path / "dictionary.bin") is None


@needs_lexicon
@pytest.mark.parametrize(("first", "second", "word"), [
    ("dừ", "liệu", True), ("tôn", "tại", True), ("THỰC", "HIỆN", True), ("và", "các", False),
])
def test_two_syllables_are_a_word_by_their_bare_letters(first, second, word):
    assert ocr_lexicon.bare_word(first, second) is word
