"""Segment a TextDocument into the parts of a Decree 30/2020 document.

header (issuer, Số, place and date) -> document type line -> title (trích yếu) ->
preamble (Căn cứ / Thực hiện ...) -> body heading tree -> closing (Nơi nhận, signature)
-> appendices (Phụ lục N, title, "Kèm theo ..." line, tables).

Tables that a page break split become one table again (the mechanism: extract.stitch).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from extract.load.ocr_lexicon import _same_case, syllable_key, word_list
from extract.numbering import ocr_numeral, repair_sequence, roman_value, speck_prefix
from extract.patterns import bullet_class, date_words, letter_class
from extract.rules import alternation, load_rules
from extract.stitch import TableRow, append_table_line, grid_cells, group_fragments, stitch_page_broken_rows
from extract.structures import Line, TextDocument


# ------------------------------------------------------------------ structures

@dataclass(slots=True)
class SectionNode:
    """A heading of the document and the lines under it, in the section tree (id s1, s2 … in
    document order)."""

    id: str
    number: str | None
    label_kind: str
    heading: str
    heading_start: int
    heading_end: int
    level: int
    kind: str                     # body | appendix | closing
    line: Line
    parent: "SectionNode | None" = None
    lines: list[Line] = field(default_factory=list)   # content lines directly under it
    inline_text: str | None = None                     # text after "Heading:" on the heading line
    inline_start: int | None = None

    def path(self) -> list["SectionNode"]:
        """The nodes from the root down to this one."""
        node, out = self, []
        while node is not None:
            out.append(node)
            node = node.parent
        return out[::-1]


@dataclass(slots=True)
class StitchedTable:
    """A table after page-break stitching: header cells, header lines, rows, and the section or
    appendix it belongs to."""

    header: list[str]
    header_lines: list[Line]
    rows: list[TableRow]
    section: SectionNode | None
    appendix: "Appendix | None" = None
    ocr: bool = False             # read by OCR: its index cells may hold misread numerals


@dataclass(slots=True)
class Appendix:
    """An appendix (Phụ lục): its label, number, title, the 'Kèm theo …' line, its section, tables
    and text lines."""

    label: str                    # "Phụ lục I"
    number: str                   # "I"
    title: str | None
    attached_to: str | None       # the "(Kèm theo ...)" line without brackets
    line: Line
    section: SectionNode | None = None
    tables: list[StitchedTable] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


@dataclass(slots=True)
class Segmented:
    """A document cut into its Decree 30 parts (see the module doc); every Line is the normalizer's."""

    text: TextDocument
    header: list[Line]
    doc_type_line: Line | None
    title_lines: list[Line]
    preamble: list[Line]
    body: list[Line]
    sections: list[SectionNode]
    closing_sentence: list[Line]
    recipients_line: Line | None
    recipients: list[Line]
    signature: list[Line]
    appendices: list[Appendix]
    tables: list[StitchedTable]


# ------------------------------------------------------------------ vocabulary

@dataclass(frozen=True)
class _Vocabulary:
    doc_type_line: re.Pattern[str]
    preamble_opener: re.Pattern[str]
    closing_opener: re.Pattern[str]
    recipients_label: re.Pattern[str]
    capacity: re.Pattern[str]
    signature_title: re.Pattern[str]
    appendix_label: re.Pattern[str]
    attached_line: re.Pattern[str]
    motto: re.Pattern[str]
    scope: re.Pattern[str]
    date_line: re.Pattern[str]
    number_line: re.Pattern[str]



@cache
def vocabulary() -> _Vocabulary:
    """The compiled patterns of rules/document.yaml that find the parts of a document, built once."""
    rules = load_rules("document")
    return _Vocabulary(
        doc_type_line=re.compile(rf"^(?:{alternation(rules['doc_types'])})$"),
        preamble_opener=re.compile(rf"^(?:{alternation(rules['preamble_openers'])})\b"),
        closing_opener=re.compile(rf"^(?:{alternation(rules['closing_openers'])})\b"),
        recipients_label=re.compile(rf"^{re.escape(rules['recipients_label'])}\s*:?", re.IGNORECASE),
        capacity=re.compile(rf"^(?:{alternation(rules['capacity_prefixes'])})\s*\S"),
        signature_title=re.compile(rf"^(?:{alternation(rules['signature_titles'])})\b"),
        appendix_label=re.compile(rf"^{rules['appendix_label']}\s*[:.\-]?\s*"),
        attached_line=re.compile(rf"^\(?\s*(?:{alternation(rules['attached_line_openers'])})\b", re.IGNORECASE),
        motto=re.compile(rf"^(?:{alternation(rules['motto_prefixes'])})", re.IGNORECASE),
        scope=re.compile("|".join(f"(?:{p})" for p in rules["scope_patterns"])),
        date_line=_date_line(),
        number_line=re.compile(rf"^{re.escape(rules['number_label'])}\s*[:.]"),
    )


def _date_line() -> re.Pattern[str]:
    """A header's place-and-date line, loosely: ", ngày … năm 2025" (blanks, any spacing, the
    month word typed for the year word), words from rules/deadlines.yaml."""
    day, month, year = date_words()
    return re.compile(rf",\s*{day}\b.*\b(?:{year}|{month})\s*\d{{4}}", re.IGNORECASE)


# ------------------------------------------------------------------ headings

_ROMAN = r"[IVXLC]+"
_MAX_HEADING_WORDS = 40
_MAX_COLON_HEADING_WORDS = 12
_MAX_BOLD_HEADING_WORDS = 14


@cache
def _label_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """The label patterns by kind, a part word ("Phần I:", "PHẦN II -") first: it is a Roman
    part. Letters of letter labels from rules/markup.yaml."""
    words = alternation(load_rules("document")["part_words"])
    letter = letter_class()
    return [
        ("roman", re.compile(rf"^{words}\s+({_ROMAN}|\d{{1,2}})\s*[.:)\-–]?\s+(?=\S)")),
        ("roman", re.compile(rf"^({_ROMAN})[.)]\s+(?=\S)")),
        ("decimal", re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,4})\.?\s+(?=\S)")),
        ("arabic", re.compile(r"^(\d{1,2})[.]\s+(?=\S)")),
        ("arabic_paren", re.compile(r"^(\d{1,2})\)\s+(?=\S)")),
        ("letter", re.compile(rf"^({letter})[).]\s+(?=\S)")),
        ("paren", re.compile(rf"^(\((?:\d{{1,2}}|{letter})\))\s*(?=\S)")),
    ]


@cache
def _bullet() -> re.Pattern[str]:
    return re.compile(rf"^{bullet_class()}\s*(?=\S)")


def _heading_parts(line: Line, emphasised: bool = False) -> tuple[str, str | None, str, int, str | None, int | None] | None:
    """(label_kind, number, heading, heading_start_in_line, inline_text, inline_start) or None;
    `emphasised`: a bullet line counts as set in italic or bold (OCR does not see italic)."""
    text = line.text
    for kind, pattern in _label_patterns():
        match = pattern.match(text)
        if not match:
            continue
        number = match.group(1)
        if kind == "decimal":
            kind = f"decimal{number.count('.') + 1}"
        rest_start = match.end()
        return _split_heading(text, rest_start, kind, number)
    bullet = _bullet().match(text)
    if bullet and (line.italic or line.bold or emphasised) and not text.rstrip().endswith((".", ";")):
        parts = _split_heading(text, bullet.end(), "bullet", None)
        if parts and len(parts[2].split()) <= 20:
            return parts
    if line.bold and not bullet and len(text.split()) <= _MAX_BOLD_HEADING_WORDS \
            and not text.rstrip().endswith((".", ";", ",")):
        # an unnumbered heading set in bold ("**Mục tiêu cụ thể**")
        heading = text.strip().rstrip(":").strip()
        return "bold", None, heading, text.find(heading), None, None
    return None


_MAX_HEADING_TAIL_WORDS = 12


# OCR: a numeral whose point was read as a comma or colon, a speck or dash maybe before it
_MISREAD_ARABIC = re.compile(r"^[^\w\s(]{0,2}(\d{1,2})[,:]\s+(?=[A-ZĐÀ-Ỹ])")


@cache
def _misread_roman() -> re.Pattern[str]:
    """OCR: a Roman numeral read with other strokes ("IHI." for "III."; the strokes of
    rules/ocr.yaml `numeral_strokes`) or its point read as a comma or colon ("IV: TỔ CHỨC"),
    before a heading in capitals."""
    strokes = "".join(map(str, load_rules("ocr").get("numeral_strokes") or {}))
    return re.compile(rf"^[^\w\s(]{{0,2}}([IVXL{re.escape(strokes)}]{{1,4}})[.,:]\s+(?=[A-ZĐÀ-Ỹ]{{2}})")


def _sequence_label(line: Line, parts, stack: list[SectionNode], after: list[Line] = (),
                    before: list[Line] = ()):
    """OCR: a label misread in a way its sequence confirms — "5, Huy động" after "4." (a point
    read as a comma or colon; the "4." a heading or a long numbered paragraph; "1:" when a
    "2." follows before the next Roman part), "3) Xã hội
    số" after "(2)" with no "1)" list open (the opening bracket lost), "IHI. KINH PHÍ" after a
    Roman heading (numbered later from its sequence, `_repair_numbering`); else `parts` as
    found."""
    def open_sibling(kind: str, number: str) -> bool:
        return any(node.label_kind == kind and node.number == number for node in stack)

    def next_follows(number: int) -> bool:
        return _nearest_arabic(after) == number + 1

    def previous_precedes(number: int) -> bool:
        return _nearest_arabic(before) == number - 1

    if parts is None or parts[0] in ("bold", "bullet"):
        match = _MISREAD_ARABIC.match(line.text)
        number = int(match.group(1)) if match else 0
        if match and (open_sibling("arabic", str(number - 1)) or previous_precedes(number)
                      or (number == 1 and next_follows(1))):
            return _split_heading(line.text, match.end(), "arabic", match.group(1))
        match = _misread_roman().match(line.text)
        rest = line.text[match.end():] if match else ""
        if match and not match.group(1).isdigit() and rest.isupper() \
                and any(node.label_kind == "roman" for node in stack):
            return _split_heading(line.text, match.end(), "roman", None)   # numbered from its sequence
        return parts
    kind, number = parts[0], parts[1]
    if kind == "arabic_paren" and not any(node.label_kind == "arabic_paren" for node in stack) \
            and open_sibling("paren", f"({int(number) - 1})"):
        return ("paren", f"({number})", *parts[2:])
    return parts


_ARABIC_LABEL = re.compile(r"^(\d{1,2})\.\s+\S")


def _nearest_arabic(lines) -> int | None:
    """The number of the nearest line of `lines` (in the order given) that opens with an
    arabic label ("4. Phân công …", a heading or a long numbered paragraph), None when a Roman
    part comes first."""
    for line in lines:
        if line.is_row:
            continue
        if any(pattern.match(line.text) for _kind, pattern in _label_patterns()[:2]):
            return None
        match = _ARABIC_LABEL.match(line.text)
        if match:
            return int(match.group(1))
    return None


# OCR: an arabic label garbled around its numeral — a speck and/or a bullet before it ("_- 1,
# Phòng"), its point read as a comma, colon or semicolon, the space after it lost ("_2.Mục")
_GARBLED_ARABIC = re.compile(r"^(?:[^\w\s(]|_){0,2}\s*(?:[-–+•]\s*)?(\d{1,2})[.,:;]\s*(?=[A-ZĐÀ-Ỹ])")
# OCR: a speck before a Roman numeral read with other strokes ("_H. MỤC TIÊU")
_SPECK = r"(?:[^\w\s(]|_)"


def _heading_shape(text: str, bold: bool) -> bool:
    """OCR: a line that looks like a heading, not a numbered sentence: bold, or short with no
    sentence end."""
    text = text.rstrip()
    return bold or (len(text.split()) <= _MAX_BOLD_HEADING_WORDS and not text.endswith((".", ";", ",")))


def _nearest_roman(lines) -> int | None:
    """The value of the nearest Roman part among `lines` ("IV. TỔ CHỨC …"), else None."""
    for line in lines:
        if line.is_row:
            continue
        for _kind, pattern in _label_patterns()[:2]:
            match = pattern.match(line.text)
            if match:
                return roman_value(match.group(1))
    return None


def _labelled_after(lines) -> Line | None:
    """The nearest line of `lines` that opens with a label of any kind (rows skipped)."""
    for line in lines:
        if not line.is_row and any(pattern.match(line.text) for _kind, pattern in _label_patterns()):
            return line
    return None


def _resilient_label(line: Line, parts, stack: list[SectionNode], after: list[Line] = (),
                     before: list[Line] = ()):
    """OCR: a structural label that one misread hid or changed, read back when its place in
    the outline confirms it (else `parts` as found):

    - an arabic label garbled around its numeral (`_GARBLED_ARABIC`: "_2.Mục tiêu cụ thể",
      "_- 1, Phòng Văn hóa") whose number continues an open sibling, follows the nearest
      numbered line before it or precedes the one after it, on a line shaped like a heading;
    - a Roman numeral with a speck before it ("_H. MỤC TIÊU"), before a heading in capitals,
      when a Roman part is open, or any short token there ("TH, NHIỆM VỤ") between the Roman
      parts n and n + 2 (numbered later from its sequence);
    - an arabic label whose decimal point was lost ("12. Ủy ban" between "1.1." and "1.3.");
    - a letter label read as a digit ("8) Về chính quyền số" before "b) Về dịch vụ …"), the
      letter the sequence wants;
    - a bold line in capitals whose Roman label was lost with its first word ("CHỨC THỰC
      HIỆN" after part IV), when a Roman part is open and the numbered line after it counts
      from 1 again (numbered later from its sequence)."""
    def open_sibling(kind: str, number: str) -> bool:
        return any(node.label_kind == kind and node.number == number for node in stack)

    text = line.text
    if parts is None or parts[0] in ("bold", "bullet"):
        match = _GARBLED_ARABIC.match(text)
        if match:
            number = int(match.group(1))
            fits = (open_sibling("arabic", str(number - 1)) or _nearest_arabic(before) == number - 1
                    or _nearest_arabic(after) == number + 1)
            if fits and number >= 1 and _heading_shape(text[match.end():], line.bold):
                found = _split_heading(text, match.end(), "arabic", match.group(1))
                if found:
                    return found
        match = re.match(rf"^({_SPECK}{{0,2}})\s*(\S{{1,4}})[.,:]\s+(?=[A-ZĐÀ-Ỹ]{{2}})", text)
        rest = text[match.end():] if match else ""
        if match and not match.group(2).isdigit() and rest.isupper():
            opened = [roman_value(node.number or "") for node in stack if node.label_kind == "roman"]
            between = bool(opened) and opened[0] is not None and _nearest_roman(after) == opened[0] + 2
            if (match.group(1) and ocr_numeral(match.group(2)) and opened) or between:
                return _split_heading(text, match.end(), "roman", None)     # numbered from its sequence
        stripped = text.strip()
        if parts is not None and parts[0] == "bold" and line.bold and stripped.isupper() \
                and len(stripped.split()) >= 2 and any(node.label_kind == "roman" for node in stack) \
                and _nearest_arabic(after) == 1:
            if match:                                                    # "TH, NHIỆM VỤ": the label's remains
                return _split_heading(text, match.end(), "roman", None) or ("roman", None, *parts[2:])
            return ("roman", None, *parts[2:])                           # numbered from its sequence
        return parts
    kind, number = parts[0], parts[1]
    if kind == "arabic" and len(number) == 2 and number[0] != "0":
        whole, part = number[0], int(number[1])
        following = _labelled_after(after)
        if open_sibling("decimal2", f"{whole}.{part - 1}") or (
                following is not None and following.text.startswith(f"{whole}.{part + 1}.")):
            return ("decimal2", f"{whole}.{part}", *parts[2:])
    if kind == "arabic_paren" and not any(node.label_kind == "arabic_paren" for node in stack):
        following = _labelled_after(after)
        letter = re.match(rf"^({letter_class()})\)\s", following.text) if following is not None else None
        if letter:
            letters = load_rules("markup")["list_markers"]["letters"]
            at = letters.index(letter.group(1)) if letter.group(1) in letters else 0
            if at >= 1 and (at == 1 or open_sibling("letter", letters[at - 2])):
                return ("letter", letters[at - 1], *parts[2:])
    return parts


# OCR: an arabic label with a digit read as a letter ("l. Mục tiêu", "I. Mục tiêu", "1O. Sở
# Tài chính"): "l", "I" and "|" for "1", "O" for "0"
_LETTER_DIGIT = re.compile(r"^(?:[^\w\s(]|_){0,2}\s*([0-9lI|O]{1,2})[.,:]\s*(?=[A-ZĐÀ-Ỹ])")
_DIGIT_OF_LETTER = str.maketrans("lI|O", "1110")


def _letter_digit_label(line: Line, parts, stack: list[SectionNode], after: list[Line] = (),
                        before: list[Line] = ()):
    """OCR: an arabic label one of whose digits was read as a letter (`_LETTER_DIGIT`: "l.
    Mục tiêu chung", "I. Mục tiêu chung" under part II, "1O. Sở Tài chính") read back when
    its number continues an open sibling, follows the nearest numbered line before it or
    precedes the one after it; never a heading in capitals (a Roman part), "I." only inside a
    Roman part already open, "l." not after a "k." list item; else `parts` as found."""
    roman_one = parts is not None and parts[0] == "roman" and parts[1] == "I"
    letter = parts is not None and parts[0] == "letter" and parts[1] in ("l", "I", "O") and not any(
        node.label_kind == "letter" and node.number == chr(ord(parts[1].lower()) - 1) for node in stack)
    if parts is not None and parts[0] not in ("bold", "bullet") and not roman_one and not letter:
        return parts
    match = _LETTER_DIGIT.match(line.text)
    if match is None or match.group(1).isdigit() or line.text[match.end():].isupper():
        return parts
    if roman_one and not any(node.label_kind == "roman" for node in stack):
        return parts
    number = int(match.group(1).translate(_DIGIT_OF_LETTER))
    fits = (any(node.label_kind == "arabic" and node.number == str(number - 1) for node in stack)
            or _nearest_arabic(before) == number - 1 or _nearest_arabic(after) == number + 1)
    if number < 1 or not fits:
        return parts
    return _split_heading(line.text, match.end(), "arabic", str(number)) or parts


def _next_number(kind: str, number: str | None) -> str | None:
    """The label after `number` in a sequence of `kind` ("2" -> "3", "(2)" -> "(3)", "b" ->
    "c"), else None."""
    letters = load_rules("markup")["list_markers"]["letters"]
    inner = (number or "").strip("()")
    if inner.isdigit():
        following = str(int(inner) + 1)
    elif inner in letters and letters.index(inner) + 1 < len(letters):
        following = letters[letters.index(inner) + 1]
    else:
        return None
    if kind == "paren":
        return f"({following})"
    return following if kind in ("arabic", "arabic_paren", "letter") else None


_MAX_LOST_LABEL_WORDS = 10     # a group heading read without its label is no longer than this


def _lost_sibling_label(line: Line, parts, stack: list[SectionNode], after: list[Line] = (),
                        before: list[Line] = ()):
    """OCR: a group heading whose label was lost whole ("Xã hội số" for "(3) Xã hội số"):
    the open heading is a short labelled group heading with content under it, the line is
    shaped like it — short, a capital first, no digit, no closing sign — the line before it
    ends an item (a point or semicolon), the line after it opens with a bullet, and the next
    labelled line does not carry the number it would take. Its parts with the number that
    follows its sibling's; else None."""
    if parts is not None and parts[0] != "bold" or not stack or not before or not after:
        return None
    node = stack[-1]
    if node.kind != "body" or not node.lines or len(node.heading.split()) > _MAX_BOLD_HEADING_WORDS:
        return None
    number = _next_number(node.label_kind, node.number)
    text = line.text.strip()
    if number is None or not text or not text[0].isupper() or any(ch.isdigit() for ch in text) \
            or len(text.split()) > _MAX_LOST_LABEL_WORDS or text.endswith((".", ";", ",", ":")):
        return None
    if before[0].is_row or not before[0].text.rstrip().endswith((".", ";")) or after[0].is_row \
            or not _bullet().match(after[0].text):
        return None
    following = _labelled_after(after)
    if following is not None:
        for kind, pattern in _label_patterns():
            match = pattern.match(following.text)
            if match and kind == node.label_kind and match.group(1) == number:
                return None
    heading = without_trailing_speck(text)
    return node.label_kind, number, heading, line.text.index(text), None, None


def _heading_opener(parts):
    """OCR: a heading whose first word is a group heading's opener (rules/ocr.yaml
    `heading_openers`: "Về") read with another tone or none ("vê chuyển đổi số", "Vế hạ tầng
    số") has it back: the same letters (`syllable_key`), and the first two words as read make no
    word of the word list ("Vệ sinh môi trường" stays); else `parts` as found. Without a word
    list nothing changes."""
    if not parts or not parts[2]:
        return parts
    words = parts[2].split(maxsplit=2)
    if len(words) < 2 or not words[0].isalpha() or not word_list():
        return parts
    first, second = words[0].lower(), words[1].lower().rstrip(",.;:")
    for opener in load_rules("ocr").get("heading_openers") or ():
        if first != opener and syllable_key(first)[0] == syllable_key(opener)[0] \
                and f"{first} {second}" not in word_list():
            heading = _same_case(opener, words[0]) + parts[2][len(words[0]):]
            return (parts[0], parts[1], heading, *parts[3:])
    return parts


# OCR: a decimal label with a point read as a comma, colon or semicolon ("2.2, Về …", "2:2.1. Về …")
_GARBLED_DECIMAL = re.compile(r"^(\d{1,2})[.,:;](\d{1,2})(?:[.,:;](\d{1,2}))?[.,:;]?\s+(?=[A-ZĐÀ-Ỹ])")


def _garbled_decimal_label(line: Line, parts, stack: list[SectionNode], after: list[Line] = ()):
    """OCR: a decimal label whose points were read as other signs ("2.2, Về chuyển đổi số",
    "2:2.1. Về hạ tầng số"), read back as that label when the outline confirms it: its parent
    ("2" of "2.2", "2.2" of "2.2.1") or its previous sibling is open, or the next labelled line
    is its sibling or its first child. Else `parts` as found."""
    if parts is not None and parts[0] not in ("bold", "bullet", "arabic"):
        return parts
    match = _GARBLED_DECIMAL.match(line.text)
    if not match or re.match(r"^\d{1,2}(?:\.\d{1,2})+\.?\s", line.text):
        return parts
    numbers = [int(n) for n in match.groups() if n is not None]
    number = ".".join(map(str, numbers))
    parent = ".".join(map(str, numbers[:-1]))
    previous = ".".join(map(str, [*numbers[:-1], numbers[-1] - 1]))
    following = _labelled_after(after)
    opened = {node.number for node in stack if node.number}
    confirmed = (parent in opened or previous in opened or (following is not None and (
        following.text.startswith((f"{parent}.{numbers[-1] + 1}.", f"{number}.1.", f"{number}.1 ")))))
    if not confirmed:
        return parts
    return _split_heading(line.text, match.end(), f"decimal{len(numbers)}", number) or parts


def _leads_sublist(line: Line, following: Line | None) -> bool:
    """OCR: a bullet line that reads as a heading of the list under it — short, no digit, no
    closing point, and the next line opens with another bullet ("- Về hạ tầng số" / "+ …")."""
    bullet = _bullet().match(line.text)
    if bullet is None or following is None or following.is_row:
        return False
    below = _bullet().match(following.text)
    text = line.text.rstrip()
    return (below is not None and following.text[0] != text[0]
            and len(text.split()) <= _MAX_BOLD_HEADING_WORDS and not any(c.isdigit() for c in text)
            and not text.endswith((".", ";", ",", ":")))


def _continues_heading(node: SectionNode | None, line: Line) -> bool:
    """A labelled bold heading broken over two lines (Shift+Enter, or a PDF's line end): the next
    line is bold too, starts with a small letter, has no label of its own and the heading has
    no text after it yet ("1. Chỉ tiêu về hạ tầng số và" / "chính quyền số")."""
    if node is None or node.lines or node.inline_text is not None or node.kind != "body":
        return False
    if node.label_kind in ("bold", "bullet") or not (node.line.bold and line.bold):
        return False
    text = line.text.strip()
    return (bool(text) and text[0].islower() and node.heading_end >= node.line.end - 1
            and not node.heading.endswith((".", ":", ";"))
            and len(text.split()) <= _MAX_HEADING_TAIL_WORDS
            and not any(pattern.match(text) for _kind, pattern in _label_patterns()))


def _extend_heading(node: SectionNode, line: Line) -> None:
    tail = line.text.strip().rstrip(".;")
    node.heading = f"{node.heading} {tail}"
    node.heading_end = line.start + line.text.index(tail) + len(tail)


_TRAILING_SPECK = re.compile(r"\s+[-–_.]+$")


def without_trailing_speck(text: str) -> str:
    """A heading or title without a dash or point standing apart after its last word ("Về
    chính quyền số -", "KINH TẾ SỐ .": a scan's speck; no heading ends so)."""
    return _TRAILING_SPECK.sub("", text)


@cache
def _field_after_sentence() -> re.Pattern[str]:
    """A sentence closed by a point, then an inline field label before the colon ("Rà soát dữ
    liệu dân cư. Chủ trì" in "1. Rà soát dữ liệu dân cư. Chủ trì: Công an xã; …"; the labels of
    rules/text_items.yaml `inline_fields`)."""
    labels = alternation(label for labels in load_rules("text_items")["inline_fields"].values() for label in labels)
    return re.compile(rf"\S\s*[.;]\s+(?:{labels})\s*$", re.IGNORECASE)


def _split_heading(text: str, rest_start: int, kind: str, number: str | None):
    rest = text[rest_start:]
    colon = rest.find(":")
    if 0 < colon and _field_after_sentence().search(rest[:colon]):
        return None     # a numbered statement with its lead or deadline on the line, not a heading
    if 0 < colon and len(rest[:colon].split()) <= _MAX_COLON_HEADING_WORDS:
        heading = without_trailing_speck(rest[:colon].strip())
        inline = rest[colon + 1:].strip()
        inline_start = rest_start + colon + 1 + (len(rest[colon + 1:]) - len(rest[colon + 1:].lstrip()))
        return kind, number, heading, rest_start, inline or None, inline_start if inline else None
    if len(rest.split()) > _MAX_HEADING_WORDS:
        return None
    heading = without_trailing_speck(rest.strip().rstrip(".;"))
    return kind, number, heading, rest_start, None, None


class _TreeBuilder:
    """Places headings in a tree by the order in which label kinds nest (like nested lists)."""

    def __init__(self) -> None:
        self.sections: list[SectionNode] = []
        self.stack: list[SectionNode] = []

    def add(self, line: Line, kind: str, label_kind: str, number: str | None,
            heading: str, heading_start: int, inline: str | None = None,
            inline_start: int | None = None, root: bool = False) -> SectionNode:
        if root or label_kind == "roman":
            self.stack.clear()
        else:
            for depth in range(len(self.stack) - 1, -1, -1):
                if self.stack[depth].label_kind == label_kind:
                    del self.stack[depth:]
                    break
        parent = self.stack[-1] if self.stack else None
        node = SectionNode(
            id=f"s{len(self.sections) + 1}", number=number, label_kind=label_kind,
            heading=heading, heading_start=line.start + heading_start,
            heading_end=line.start + heading_start + len(heading), level=len(self.stack) + 1,
            kind=kind, line=line, parent=parent, inline_text=inline,
            inline_start=None if inline_start is None else line.start + inline_start,
        )
        self.sections.append(node)
        self.stack.append(node)
        return node

    @property
    def current(self) -> SectionNode | None:
        return self.stack[-1] if self.stack else None


# ------------------------------------------------------------------ segmentation

def _find_doc_type(lines: list[Line]) -> int | None:
    pattern = vocabulary().doc_type_line
    for i, line in enumerate(lines[:60]):
        if line.is_row:
            continue
        if pattern.match(line.text.strip().upper()) and line.text.strip().isupper():
            return i
    return None


def _is_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _title_without_type_line(header: list[Line]) -> tuple[list[Line], list[Line]]:
    """A plan whose title stands without a type line ("KẾ HOẠCH"): the capitalised (or bold,
    centred) lines after the header's last date, number or motto line are the title."""
    vocab = vocabulary()
    last_fixed = max((k for k, line in enumerate(header)
                      if vocab.date_line.search(line.text) or vocab.number_line.match(line.text)
                      or vocab.motto.match(line.text)), default=None)
    if last_fixed is None:
        return header, []
    title = [line for line in header[last_fixed + 1:] if not line.is_row]
    if not title or not all(_is_capitals(line.text) or line.bold for line in title):
        return header, []
    return header[:last_fixed + 1], title


def _is_heading_start(line: Line) -> bool:
    """A Roman-numeral part ("I. …", "Phần I: …") starts the body."""
    return not line.is_row and any(pattern.match(line.text) for kind, pattern in _label_patterns()[:2])


def segment(document: TextDocument) -> Segmented:
    """The parts of a Decree 30 document (see the module doc), its section tree and its
    stitched tables. Lines are shared with `document`, never copied; never raises (a part
    that is not found is empty or None)."""
    lines = document.lines
    if document.ocr:
        _drop_label_specks(lines)
    n = len(lines)
    doc_type_index = _find_doc_type(lines)
    header, title_lines, body_start = _header_and_title(lines, doc_type_index)
    closing_start, appendix_starts = _closing_and_appendix_starts(lines, body_start, document.ocr)
    body_end = closing_start if closing_start is not None else (appendix_starts[0] if appendix_starts else n)
    closing_end = appendix_starts[0] if appendix_starts else n
    preamble, body = _preamble_and_body(lines, body_start, body_end)
    lost_first = None
    if document.ocr:
        preamble, body, lost_first = _lost_first_part(preamble, body)

    tree = _TreeBuilder()
    closing_sentence, body_tables = _read_body(body, tree, document.ocr, lost_first)
    recipients_line, recipients, signature = None, [], []
    if closing_start is not None:
        recipients_line, recipients, signature = _read_closing(lines[closing_start:closing_end], tree)
    appendices: list[Appendix] = []
    appendix_tables: list[tuple[Appendix, list[Line]]] = []
    for k, start in enumerate(appendix_starts):
        stop = appendix_starts[k + 1] if k + 1 < len(appendix_starts) else n
        appendices.append(_read_appendix(lines[start:stop], tree, appendix_tables, document.ocr))
    tables = _stitch_tables(lines, body_tables, appendix_tables)
    if document.ocr:
        _number_from_citations(appendices, lines[body_start:body_end])
        _repair_numbering(tree.sections, appendices)
        for table in tables:
            table.ocr = True

    return Segmented(
        text=document, header=header,
        doc_type_line=lines[doc_type_index] if doc_type_index is not None else None,
        title_lines=title_lines, preamble=preamble, body=body, sections=tree.sections,
        closing_sentence=closing_sentence, recipients_line=recipients_line,
        recipients=recipients, signature=signature, appendices=appendices, tables=tables,
    )


def _header_and_title(lines: list[Line], doc_type_index: int | None) -> tuple[list[Line], list[Line], int]:
    """(header lines, title lines, index of the first line after the title)."""
    vocab = vocabulary()
    n = len(lines)
    if doc_type_index is not None:
        header = lines[:doc_type_index]
        i = doc_type_index + 1
        title_lines: list[Line] = []
        while i < n and not lines[i].is_row:
            line = lines[i]
            if re.fullmatch(r"[-_=.* ]+", line.text):
                i += 1
                continue
            # a title in capitals runs on over its lines even where a text export lost the bold
            capitals_run = bool(title_lines) and _is_capitals(title_lines[-1].text) and _is_capitals(line.text)
            if title_lines and (vocab.preamble_opener.match(line.text) or _is_heading_start(line)
                                or not (line.bold or line.centered or capitals_run)
                                or title_lines[-1].text.endswith(".")):
                break
            title_lines.append(line)
            i += 1
            if not (line.bold or line.centered or _is_capitals(line.text)):
                break
        return header, title_lines, i
    header = []
    body_start = 0
    for j, line in enumerate(lines[:60]):
        if vocab.preamble_opener.match(line.text) or _is_heading_start(line):
            header = lines[:j]
            body_start = j
            break
    header, title_lines = _title_without_type_line(header)
    return header, title_lines, body_start


def _closing_and_appendix_starts(lines: list[Line], body_start: int,
                                 ocr: bool = False) -> tuple[int | None, list[int]]:
    """(index of the closing's first line or None, indexes of the appendix labels), found
    from the end of the body. On an OCR'd document a label whose numeral OCR misread
    ("Phụ lục H") counts too."""
    vocab = vocabulary()
    n = len(lines)
    appendix_starts = [j for j in range(body_start, n)
                       if not lines[j].is_row and vocab.appendix_label.match(lines[j].text)
                       and (_is_appendix_heading(lines[j]) or (ocr and _misread_appendix_numeral(lines[j])))]
    closing_start = None
    for j in range(body_start, appendix_starts[0] if appendix_starts else n):
        line = lines[j]
        if not line.is_row and (vocab.recipients_label.match(line.text)
                                or (vocab.capacity.match(line.text) and line.text.isupper())):
            closing_start = j
            break
    # an appendix label must come after the closing when there is one (body text cites them too)
    if closing_start is not None:
        appendix_starts = [j for j in appendix_starts if j > closing_start]
        if ocr:
            appendix_starts = sorted(appendix_starts + _unlabelled_appendix_starts(lines, closing_start, appendix_starts))
    return closing_start, appendix_starts


_APPENDIX_HEAD_LINES = 3     # a label and a title of up to two lines above "(Kèm theo …)"


def _unlabelled_appendix_starts(lines: list[Line], closing_start: int, starts: list[int]) -> list[int]:
    """OCR: appendices after the closing whose label OCR could not read ("ÌỤCDI" for "PHỤ LỤC
    01"), found by their "(Kèm theo Kế hoạch …)" line with no label just above it: each starts at
    the first of the lines in capitals right above that line (its title, and the unread label)."""
    found = []
    for k in range(closing_start + 1, len(lines)):
        if lines[k].is_row or not vocabulary().attached_line.match(lines[k].text) \
                or any(k - _APPENDIX_HEAD_LINES - 1 <= j < k for j in starts):
            continue
        j = k
        while j - 1 > closing_start and k - (j - 1) <= _APPENDIX_HEAD_LINES and not lines[j - 1].is_row \
                and _is_capitals(lines[j - 1].text):
            j -= 1
        if j < k and j - 1 > closing_start and _unread_label(lines[j - 1]):
            j -= 1              # "+ -t lục 01" above the title
        if j < k:
            found.append(j)
    return found


_LABEL_NUMERAL = re.compile(rf"(?:\d{{1,2}}|{_ROMAN})[.:]?$")


def _unread_label(line: Line) -> bool:
    """OCR: a line that can be an appendix label read wrong: short, and one or two words or
    ending with a numeral ("ÌỤCDI", "+ -t lục 01")."""
    words = line.text.split()
    return not line.is_row and 0 < len(words) <= 4 and (len(words) <= 2 or bool(_LABEL_NUMERAL.search(line.text)))


def _preamble_and_body(lines: list[Line], body_start: int, body_end: int) -> tuple[list[Line], list[Line]]:
    """The preamble runs up to the first Roman-numeral (or other) heading; the body follows."""
    preamble: list[Line] = []
    j = body_start
    while j < body_end and not _is_heading_start(lines[j]):
        preamble.append(lines[j])
        j += 1
    return preamble, lines[j:body_end]


def _lost_first_part(preamble: list[Line], body: list[Line]) -> tuple[list[Line], list[Line], Line | None]:
    """OCR: a body that opens at part II ("II. NỘI DUNG") lost part I's numeral; the last line
    of the preamble set in capitals (a heading's shape, after the last "Căn cứ …" line) is
    part I's heading and the body starts there. (preamble, body, that line or None)."""
    if not body or body[0].is_row:
        return preamble, body, None
    parts = _heading_parts(body[0])
    if not parts or parts[0] != "roman" or parts[1] != "II":
        return preamble, body, None
    opener = vocabulary().preamble_opener
    for j in range(len(preamble) - 1, -1, -1):
        line = preamble[j]
        text = line.text.strip()
        if line.is_row:
            continue
        if opener.match(text):
            break
        if _is_capitals(text) and len(text.split()) <= _MAX_BOLD_HEADING_WORDS and not text.endswith((".", ";", ",")):
            return preamble[:j], preamble[j:] + body, line
    return preamble, body, None


def _lost_first_heading(line: Line) -> tuple[str, int]:
    """OCR: the heading of part I that lost its numeral (`_lost_first_part`) and where it
    starts in the line: without a numeral misread as another sign before it ("1. MỤC ĐÍCH,
    YÊU CẦU" for "I. MỤC ĐÍCH, YÊU CẦU")."""
    text = line.text.strip()
    match = re.match(r"^(\S{1,2})[.,:]\s+(?=[A-ZĐÀ-Ỹ]{2})", text)
    if match and (match.group(1) == "1" or ocr_numeral(match.group(1)) == "I"):
        text = text[match.end():]
    return text.rstrip(":"), line.text.find(text)


def _read_body(body: list[Line], tree: _TreeBuilder, ocr: bool = False,
               lost_first: Line | None = None) -> tuple[list[Line], list[tuple[SectionNode | None, list[Line]]]]:
    """Headings into `tree`, content lines under them; (the closing sentence's lines, the
    table fragments with the section that owns each). On an OCR'd document a short bullet
    line that opens a list of another bullet is a heading though its italic is not seen."""
    vocab = vocabulary()
    closing_sentence: list[Line] = []
    body_tables: list[tuple[SectionNode | None, list[Line]]] = []
    for k, line in enumerate(body):
        if line.is_row:
            append_table_line(body_tables, tree.current, line)
            continue
        if closing_sentence or vocab.closing_opener.match(line.text):
            closing_sentence.append(line)  # "Trên đây là Kế hoạch …" ends the body
            continue
        if line is lost_first:
            tree.add(line, "body", "roman", None, *_lost_first_heading(line))
            continue
        if _continues_heading(tree.current, line):
            _extend_heading(tree.current, line)
            continue
        parts = _heading_parts(line, ocr and _leads_sublist(line, body[k + 1] if k + 1 < len(body) else None))
        if ocr:
            parts = _sequence_label(line, parts, tree.stack, body[k + 1:], body[k - 1::-1] if k else [])
            parts = _resilient_label(line, parts, tree.stack, body[k + 1:], body[k - 1::-1] if k else [])
            parts = _garbled_decimal_label(line, parts, tree.stack, body[k + 1:])
            parts = _letter_digit_label(line, parts, tree.stack, body[k + 1:], body[k - 1::-1] if k else [])
            parts = _lost_sibling_label(line, parts, tree.stack, body[k + 1:], body[k - 1::-1] if k else []) \
                or parts
            parts = _heading_opener(parts)
        if parts:
            label_kind, number, heading, start, inline, inline_start = parts
            tree.add(line, "body", label_kind, number, heading, start, inline, inline_start)
            continue
        if tree.current is not None:
            tree.current.lines.append(line)
    return closing_sentence, body_tables


def _read_closing(closing: list[Line], tree: _TreeBuilder) -> tuple[Line | None, list[Line], list[Line]]:
    """(the "Nơi nhận" line, the recipient lines, the signature block) of the closing lines;
    each found part becomes a root section of `tree`."""
    vocab = vocabulary()
    recipients_line, recipients, signature = None, [], []
    in_recipients = False
    for line in (l for l in closing if not l.is_row):
        if vocab.recipients_label.match(line.text):
            recipients_line = line
            in_recipients = True
            rest = vocab.recipients_label.sub("", line.text, count=1).strip()
            if rest:
                recipients.append(line)
            continue
        if in_recipients and _bullet().match(line.text):
            recipients.append(line)
            continue
        if vocab.capacity.match(line.text) or vocab.signature_title.match(line.text) or signature:
            in_recipients = False
            signature.append(line)
    if recipients_line is not None:
        tree.add(recipients_line, "closing", "closing", None,
                 vocab.recipients_label.match(recipients_line.text).group(0).rstrip(": "), 0, root=True)
    if signature:
        first = signature[0]
        tree.add(first, "closing", "closing", None, first.text, 0, root=True)
    return recipients_line, recipients, signature


def _stitch_tables(lines: list[Line], body_tables: list, appendix_tables: list) -> list[StitchedTable]:
    """The document's tables in order (body first, then appendices), each stitched across
    page breaks; an appendix's tables are also added to the appendix."""
    position = {id(line): i for i, line in enumerate(lines)}
    tables: list[StitchedTable] = []
    for section, fragments in group_fragments(body_tables, position):
        tables.append(_stitch(fragments, section, None))
    for appendix, fragments in group_fragments(appendix_tables, position):
        table = _stitch(fragments, appendix.section, appendix)
        appendix.tables.append(table)
        tables.append(table)
    return tables


def _is_appendix_heading(line: Line) -> bool:
    """"Phụ lục I" as a heading, not a sentence that mentions an appendix."""
    match = vocabulary().appendix_label.match(line.text)
    rest = line.text[match.end():].strip()
    if match.group(1) is None and rest:
        return False  # an unnumbered label stands alone on its line
    if line.bold or line.centered or not rest or rest.isupper():
        return True
    return not rest[0].islower() and not rest.endswith(".") and len(rest.split()) <= 15


def _misread_appendix_numeral(line: Line) -> tuple[str, re.Match[str]] | None:
    """OCR: an appendix label whose numeral was misread ("Phụ lục H", "Phụ lục Il"): (the
    numeral it stands for, the label's match including it), else None."""
    match = vocabulary().appendix_label.match(line.text)
    if match is None or match.group(1) is not None:
        return None
    token = re.match(r"(\S+?)\s*[:.\-]?(?:\s+|$)", line.text[match.end():])
    numeral = ocr_numeral(token.group(1)) if token else None
    if numeral is None:
        return None
    rest = line.text[match.end() + token.end():].strip()
    if not (line.bold or line.centered or not rest or rest.isupper()):
        return None             # a sentence that cites an appendix
    extended = re.compile(rf"{re.escape(line.text[:match.end()])}{re.escape(token.group(0))}").match(line.text)
    return numeral, extended


def _drop_label_specks(lines: list[Line]) -> None:
    """OCR: a speck read before a line's label or bullet ("„Phụ lục I", "_2. Chỉ tiêu",
    "'+ Đơn vị …") hides it from the patterns; such a line is narrowed to start at its label
    (its text stays the document text between its offsets)."""
    bullets = "".join(load_rules("markup")["list_markers"]["bullets"])
    vocab = vocabulary()
    for line in lines:
        if line.is_row:
            continue
        k = speck_prefix(line.text, bullets)
        if not k:
            # a speck read as a bullet before an appendix label that is bold or stands alone
            # ("- PHỤ LỤC 02", "- Phụ lục 5"): a bullet item goes on after its label
            bullet = _bullet().match(line.text)
            label = vocab.appendix_label.match(line.text[bullet.end():]) if bullet else None
            alone = label is not None and len(line.text[bullet.end() + label.end():].split()) <= 1
            k = bullet.end() if label and (line.bold or line.centered or alone) else 0
            after = line.text[bullet.end():] if bullet else ""
            if bullet and not k and (
                    (vocab.doc_type_line.match(after.strip()) and after.strip().isupper())   # "- KẾ HOẠCH"
                    or vocab.closing_opener.match(after)                                    # "- Trên đây là …"
                    or (len(after.split()) <= _MAX_HEADING_WORDS                           # "- 1. Mục tiêu chung"
                        and any(pattern.match(after) for _kind, pattern in _label_patterns()))):
                k = bullet.end()        # no list holds these: the bullet is a speck
        if not k:
            continue
        rest = line.text[k:]
        if (_bullet().match(rest) or vocab.appendix_label.match(rest) or vocab.doc_type_line.match(rest)
                or vocab.closing_opener.match(rest)
                or any(pattern.match(rest) for _kind, pattern in _label_patterns())):
            line.text = rest
            line.start += k


def _number_from_citations(appendices: list[Appendix], body: list[Line]) -> None:
    """OCR: appendices that all lost their numerals, or whose numerals the body never cites
    ("Phụ lục 5" read for "Phụ lục I"), take the numerals the body cites ("chi tiết tại Phụ lục
    I"), in order, when it cites as many distinct ones as there are."""
    if not appendices:
        return
    citation = re.compile(load_rules("document")["appendix_label"])
    cited: list[str] = []
    for line in body:
        for match in citation.finditer(line.text):
            if match.group(1) and match.group(1) not in cited:
                cited.append(match.group(1))
    if len(cited) != len(appendices) or (any(appendix.number for appendix in appendices)
                                         and any(appendix.number in cited for appendix in appendices)):
        return
    for appendix, number in zip(appendices, cited):
        appendix.number = number
        if appendix.section is not None:
            appendix.section.number = number


def _repair_numbering(sections: list[SectionNode], appendices: list[Appendix]) -> None:
    """OCR: the numerals of each run of sibling headings (same parent, same label kind) and of
    the appendices repaired as one sequence (extract.numbering.repair_sequence)."""
    runs: dict[tuple, list[SectionNode]] = {}
    for node in sections:
        kind = {"roman": "roman", "appendix": "roman", "arabic": "arabic", "letter": "letter"}.get(node.label_kind)
        if kind is None:
            continue
        runs.setdefault((id(node.parent), node.label_kind, kind), []).append(node)
    by_node = {id(appendix.section): appendix for appendix in appendices}
    for (_parent, label_kind, kind), nodes in runs.items():
        if label_kind == "appendix" and any(n.number and n.number.isdigit() for n in nodes):
            kind = "arabic"
        repaired = repair_sequence([node.number for node in nodes], kind)
        padded = any(n.number and n.number.startswith("0") for n in nodes)    # "01", "02"
        for node, number in zip(nodes, repaired):
            if number != node.number and number is not None and padded and number.isdigit():
                number = number.zfill(2)
            if number != node.number:
                node.number = number
                if id(node) in by_node:
                    by_node[id(node)].number = number


def _stitch(fragments: list[list[Line]], section, appendix) -> StitchedTable:
    header_lines, rows = stitch_page_broken_rows(fragments, vocabulary().scope)
    header = [c.text if c is not None else "" for c in grid_cells(header_lines[0])]
    return StitchedTable(header=header, header_lines=header_lines, rows=rows,
                         section=section, appendix=appendix)


def _read_appendix(lines: list[Line], tree: _TreeBuilder, tables: list, ocr: bool = False) -> Appendix:
    vocab = vocabulary()
    first = lines[0]
    match = vocab.appendix_label.match(first.text)
    if match is not None:
        number = match.group(1) or ""
        misread = _misread_appendix_numeral(first) if ocr and not number else None
        if misread is not None:
            number, match = misread
        label = first.text[:match.end()].rstrip(" :.-")
        rest, label_end, after_label = first.text[match.end():].strip(), match.end(), lines[1:]
    else:
        # OCR: a label read as nothing like one (`_unlabelled_appendix_starts`): a short line
        # above the title is that label, left out; the number comes from the body's citations
        # (`_number_from_citations`)
        lost = _unread_label(first) and len(lines) > 1 and not lines[1].is_row and _is_capitals(lines[1].text)
        number, label, rest, label_end = "", load_rules("declared")["appendix_word"], "", 0
        after_label = lines[1:] if lost else lines
    title_parts = [rest] if rest else []
    attached = None
    content: list[Line] = []
    for line in after_label:
        if line.is_row:
            content.append(line)
            continue
        if attached is None and vocab.attached_line.match(line.text):
            attached = line.text.strip().strip("()").strip()
            continue
        if ocr and attached is None and not content and len(line.text.strip()) <= 2:
            continue        # a speck above the title ("3Ý"), no part of it
        if attached is None and not content and (line.bold or line.centered or line.text.isupper()
                                                 or not title_parts):
            title_parts.append(line.text)
            continue
        content.append(line)
    title = " ".join(title_parts) or None
    appendix = Appendix(label=label, number=number, title=title, attached_to=attached, line=first)
    heading = title or label
    heading_start = label_end if rest else 0
    node = tree.add(first, "appendix", "appendix", number or None, heading if rest else label, heading_start
                    if rest else 0, root=True)
    if title and not rest:
        node.heading = title
        title_line = next((l for l in after_label if l.text == title_parts[0]), None)
        if title_line is not None:
            node.heading_start, node.heading_end = title_line.start, title_line.start + len(title_parts[0])
            node.line = title_line
    appendix.section = node
    for line in content:
        if line.is_row:
            append_table_line(tables, appendix, line)
        else:
            node.lines.append(line)
            appendix.lines.append(line)
    return appendix
