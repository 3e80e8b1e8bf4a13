"""Normalize Vietnamese text and lay the document out as the text that provenance indexes.

Clean-up per the contract: Unicode NFC, invisible characters removed, dashes unified,
whitespace collapsed to single spaces, leftover markup removed, and the tone mark of an
open oa/oe/uy syllable moved to its first vowel (hoá -> hóa, Uỷ -> Ủy; quý, hoàn unchanged).

The document text is one line per paragraph and one line per table row (cells joined by
a tab), lines joined by '\n'. Every Line and cell knows its offsets in that text, so an
extractor's quote is always `text[start:end]`. `normalize_with_map` gives, for one string,
the index in the loader's text of every character of the cleaned text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from extract.rules import load_rules

from extract.structures import (
    CellText, Line, Paragraph, RawDocument, Table, TextDocument,
)

# Tone marks as combining characters (NFD) and the vowels that can carry them.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# Zero-width and soft-hyphen characters, and control characters (C0 but tab and line breaks,
# DEL, C1): invisible in Word, yet they would end up inside names and quotes.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad" + "".join(
    map(chr, [*range(0x00, 0x09), *range(0x0e, 0x20), 0x7f, *range(0x80, 0xa0)]))
_SPACES = "\u00a0\u2002\u2003\u2007\u2009\u202f\t\r\v\f"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
# Look-alikes that are never Vietnamese: the Icelandic eth (Ð ð), which OCR engines and some
# converted fonts give for Đ đ ("05-CTr/ÐU").
_LOOKALIKES = {"\u00d0": "\u0110", "\u00f0": "\u0111"}
_MARKUP = re.compile(r"</?[biu]>|\*{2,3}(?=\S)|(?<=\S)\*{2,3}", re.IGNORECASE)


def _build_tone_table() -> dict[str, str]:
    """Map each misplaced open-syllable pair ('oá') to its standard form ('óa')."""
    table: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for tone in _TONES:
            for case in (str.lower, str.upper):
                f, s = case(first), case(second)
                wrong = f + unicodedata.normalize("NFC", s + tone)
                right = unicodedata.normalize("NFC", f + tone) + s
                table[wrong] = right
                # mixed case as in 'Uỷ' (capital first vowel, small second)
                wrong_mixed = f + unicodedata.normalize("NFC", second + tone)
                table[wrong_mixed] = unicodedata.normalize("NFC", f + tone) + second
    return table


_TONE_TABLE = _build_tone_table()
# A misplaced pair ending an open syllable: not followed by a letter; 'uy' not after q/Q
# ("quý" carries its tone on y by rule).
_TONE_PAIR = re.compile(
    "(" + "|".join(sorted(map(re.escape, _TONE_TABLE), key=len, reverse=True)) + ")(?![\\w\u0300-\u036f])"
)


def fix_tone_marks(text: str) -> str:
    """Move the tone of an open oa/oe/uy syllable to its first vowel. Length-preserving on NFC."""
    if not any(c in text for c in "oOuU"):
        return text

    def repl(match: re.Match[str]) -> str:
        pair = match.group(1)
        start = match.start(1)
        before = text[start - 1] if start else ""
        if pair[0] in "uU" and before and before in "qQ":
            return pair
        # a vowel before the pair means a longer nucleus ("khuỷu" has no such case; "oai" etc.)
        if before and unicodedata.normalize("NFD", before)[0].lower() in "aăâeêioôơuưy":
            return pair
        return _TONE_TABLE[pair]

    return _TONE_PAIR.sub(repl, text)


_CLEAN_TRANSLATE = str.maketrans(
    {**{c: None for c in _INVISIBLE}, **{c: " " for c in _SPACES}, **{c: "-" for c in _DASHES}, **_LOOKALIKES}
)
_MULTISPACE = re.compile(r" {2,}")


def normalize_text(text: str) -> str:
    """The contract's text clean-up for one string (no newlines in the result)."""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_CLEAN_TRANSLATE).replace("\n", " ")
    if "<" in text or "*" in text:
        text = _MARKUP.sub("", text)
    text = _MULTISPACE.sub(" ", text).strip()
    return fix_tone_marks(text)


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """`normalize_text(text)` and, for each of its characters, the index it came from in `text`.

    Slower than normalize_text (a character loop); used where a caller needs to point back
    into the loader's text. NFC composition is per character, so indices stay exact for
    text that is already composed, which every loader produces.
    """
    text = unicodedata.normalize("NFC", text)
    kept: list[str] = []
    origin: list[int] = []
    markup_spans = {i for m in _MARKUP.finditer(text) for i in range(m.start(), m.end())}
    for index, char in enumerate(text):
        if index in markup_spans or char in _INVISIBLE:
            continue
        char = char.translate(_CLEAN_TRANSLATE)
        if char == "\n":
            char = " "
        if char == " " and (not kept or kept[-1] == " "):
            continue
        kept.append(char)
        origin.append(index)
    while kept and kept[-1] == " ":
        kept.pop()
        origin.pop()
    return fix_tone_marks("".join(kept)), origin


class _TextBuilder:
    """Accumulates lines and their offsets in the document text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.lines: list[Line] = []
        self.offset = 0

    def _start_line(self) -> int:
        if self.parts:
            self.parts.append("\n")
            self.offset += 1
        return self.offset

    def add_paragraph(self, paragraph: Paragraph) -> None:
        for piece in paragraph.text.split("\n"):
            text = normalize_text(piece)
            if not text:
                continue
            start = self._start_line()
            self.parts.append(text)
            self.offset += len(text)
            self.lines.append(Line(
                text=text, start=start, end=self.offset, page=paragraph.page,
                bold=paragraph.bold, italic=paragraph.italic, heading=paragraph.heading,
                centered=paragraph.centered, low_confidence=paragraph.low_confidence,
            ))

    def add_table(self, table: Table, table_index: int) -> None:
        for row in table.rows:
            texts = [normalize_text(cell.text) for cell in row.cells]
            if not any(texts):
                continue
            start = self._start_line()
            cells: list[CellText] = []
            position = start
            for i, (cell, text) in enumerate(zip(row.cells, texts)):
                if i:
                    position += 1  # the tab
                parts = _typed_lines(cell.text) if cell.hard_breaks else None
                cells.append(CellText(text=text, start=position, end=position + len(text),
                                      bold=cell.bold, span=cell.span, merged_above=cell.merged_above,
                                      merges_down=cell.merges_down, parts=parts))
                position += len(text)
            line_text = "\t".join(texts)
            self.parts.append(line_text)
            self.offset += len(line_text)
            self.lines.append(Line(
                text=line_text, start=start, end=self.offset, page=row.page if row.page else table.page,
                bold=all(c.bold for c, t in zip(row.cells, texts) if t), table=table_index,
                cells=cells, header=row.header,
                low_confidence=any(cell.low_confidence for cell in row.cells),
            ))


def _typed_lines(text: str) -> tuple[str, ...] | None:
    """The normalized lines of a cell typed on several lines (None for a single line)."""
    lines = tuple(line for line in (normalize_text(piece) for piece in text.split("\n")) if line)
    return lines if len(lines) > 1 else None


def normalize_document(raw: RawDocument) -> TextDocument:
    """The document text that provenance indexes: one Line per paragraph or table row (cells joined
    by a tab), cleaned Vietnamese (NFC, tone marks, dashes, spaces), with the offsets of every
    line and cell; the loader's problems and notes carried along."""
    builder = _TextBuilder()
    table_index = 0
    for block in raw.blocks:
        if isinstance(block, Table):
            builder.add_table(block, table_index)
            table_index += 1
        else:
            builder.add_paragraph(block)
    return TextDocument(
        text="".join(builder.parts), lines=builder.lines, format=raw.format,
        pages=raw.pages, ocr=raw.ocr, problems=list(raw.problems), notes=list(raw.notes),
    )


@cache
def _typo_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    typos: dict[str, str] = load_rules("typos")
    alternation = "|".join(re.escape(t) for t in sorted(typos, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), typos


def fix_known_typos(text: str) -> str:
    """Fix the conversion damage listed in rules/typos.yaml ("BCD" -> "BCĐ")."""
    pattern, typos = _typo_pattern()
    return pattern.sub(lambda m: typos[m.group(0)], text)
