"""Text whose meaning depends on its font: symbol fonts and legacy Vietnamese encodings.

- Symbol fonts (rules/symbol_fonts.yaml): Word stores a character inserted from the Symbol
  font as the font's code (w:sym w:char="F0B3"), which shows "≥"; `symbol_text` gives the
  character shown.
- Legacy Vietnamese encodings (rules/legacy_encodings.yaml): TCVN3 (.VnTime, "ABC") and
  VNI (VNI-Times) text read as Unicode shows as "KÕ HO¹CH" / "Coäng hoøa". `legacy_codec`
  finds the encoding from a font name, `detect_legacy` from the characters of a text (for
  text without fonts: PDF text, text pasted into UTF-8), `decode_legacy` converts to Unicode
  and `encode_legacy` converts back (the tables are tested both ways).

The tables are data; this module only builds the lookups once per process.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

from extract.rules import load_rules
from extract.models import ProblemCode, Severity
from extract.structures import LoadProblem, RawDocument, Table

Encoding = Literal["tcvn3", "vni"]

# Unicode combining marks in the order the tables list tones and vowel modifiers.
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")     # grave, acute, hook, tilde, dot
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"


# ------------------------------------------------------------------ symbol fonts

@cache
def _symbol_tables() -> dict[str, dict[int, str]]:
    rules = load_rules("symbol_fonts")
    return {font.lower(): {int(code, 16): char for code, char in table.items()} for font, table in rules.items()}


def is_symbol_font(font: str | None) -> bool:
    """Whether `font` is a symbol font whose codes the vocabulary maps to characters (rules)."""
    return bool(font) and font.strip().lower() in _symbol_tables()


def symbol_text(font: str | None, text: str) -> str:
    """`text` stored in symbol font `font` (codes as characters, with or without the F000
    private-use offset) as the characters the font shows; unknown codes are kept."""
    table = _symbol_tables().get((font or "").strip().lower())
    if not table:
        return text
    return "".join(table.get(ord(char) - 0xF000 if ord(char) >= 0xF000 else ord(char), char) for char in text)


def symbol_char(font: str | None, code: str | None) -> str:
    """The character of a w:sym element (font name, hex code such as "F0B3"); "" if unknown."""
    if not code:
        return ""
    try:
        value = int(code, 16)
    except ValueError:
        return ""
    shown = symbol_text(font, chr(value))
    return "" if shown == chr(value) and value >= 0xF000 else shown


# ------------------------------------------------------------------ legacy encodings

def _compose(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class _Codec:
    decode: dict[str, str]            # legacy sequence -> Unicode letter
    encode: dict[str, str]            # Unicode letter -> legacy sequence
    pattern: re.Pattern[str]          # legacy sequences, longest first


def _codec(decode: dict[str, str]) -> _Codec:
    encode: dict[str, str] = {}
    for legacy, letter in decode.items():
        encode.setdefault(letter, legacy)
    keys = sorted((k for k in decode if k != decode[k]), key=len, reverse=True)
    return _Codec(decode, encode, re.compile("|".join(map(re.escape, keys))))


@cache
def _tcvn3() -> _Codec:
    rules = load_rules("legacy_encodings")["tcvn3"]
    decode: dict[str, str] = {}
    for vowel, codes in rules["small"].items():
        for tone, code in zip(("",) + _TONES, codes):
            decode[code] = _compose(vowel + tone)
    decode[rules["đ"]] = "đ"
    for letter, code in rules["capital"].items():
        decode[code] = letter
    return _codec(decode)


@cache
def _vni() -> _Codec:
    rules = load_rules("legacy_encodings")["vni"]
    decode: dict[str, str] = {}
    for case in ("small", "capital"):
        upper = case == "capital"
        tone_marks = rules["tone_marks"][case]
        for vowel in "aeiouy":
            base = vowel.upper() if upper else vowel
            for tone, mark in zip(_TONES, tone_marks):
                decode[base + mark] = _compose(base + tone)
        for vowel in "aeo":
            base = vowel.upper() if upper else vowel
            for tone, mark in zip(("",) + _TONES, rules["circumflex"][case]):
                decode[base + mark] = _compose(base + _CIRCUMFLEX + tone)
        base = "A" if upper else "a"
        for tone, mark in zip(("",) + _TONES, rules["breve"][case]):
            decode[base + mark] = _compose(base + _BREVE + tone)
        for vowel in "ou":
            base = vowel.upper() if upper else vowel
            single = rules["single"][_compose(base + _HORN)]
            for tone, mark in zip(_TONES, tone_marks):
                decode[single + mark] = _compose(base + _HORN + tone)
    for letter, code in rules["single"].items():
        decode[code] = letter
    # i's tones and ỵ are one byte: the two-byte forms built above are not VNI
    for letter in "iIyY":
        for tone in (_TONES if letter in "iI" else _TONES[4:]):
            composed = _compose(letter + tone)
            for key in [k for k, v in decode.items() if v == composed and len(k) == 2]:
                del decode[key]
    return _codec(decode)


def _codec_of(encoding: Encoding) -> _Codec:
    return _tcvn3() if encoding == "tcvn3" else _vni()


@cache
def _font_patterns() -> dict[str, re.Pattern[str]]:
    fonts = load_rules("legacy_encodings")["fonts"]
    return {kind: re.compile("|".join(patterns), re.IGNORECASE) for kind, patterns in fonts.items()}


def legacy_codec(font: str | None) -> tuple[Encoding, bool] | None:
    """(encoding, draws capitals) for a legacy font name (".VnTimeH" -> ("tcvn3", True))."""
    if not font:
        return None
    name = font.strip()
    # a PDF's embedded font carries a subset tag: "ABCDEF+.VnTime"
    name = name.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", name) else name
    patterns = _font_patterns()
    if patterns["vni"].search(name):
        return "vni", False
    if patterns["tcvn3"].search(name):
        return "tcvn3", bool(patterns["tcvn3_capitals"].search(name))
    return None


def decode_legacy(text: str, encoding: Encoding, capitals: bool | None = None) -> str:
    """`text` typed in a legacy encoding, in Unicode (NFC). `capitals`: the font draws
    capitals (TCVN3 ".VnTimeH"); None decides per line from the letters around (a line in
    capitals stays in capitals: "KÕ HO¹CH" -> "KẾ HOẠCH")."""
    codec = _codec_of(encoding)
    converted = codec.pattern.sub(lambda m: codec.decode[m.group(0)], text)
    if encoding != "tcvn3":
        return converted
    if capitals:
        return converted.upper()
    if capitals is None:
        return "\n".join(_capitalise_line(raw, line) for raw, line in zip(text.split("\n"), converted.split("\n")))
    return converted


def _capitalise_line(raw: str, line: str) -> str:
    """TCVN3 has no capitals with tones in its ordinary fonts: a line whose plain letters are
    capitals was written in a capitals font, so its converted letters are capitals too."""
    letters = [c for c in raw if c.isascii() and c.isalpha()]
    if len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.8 * len(letters):
        return line.upper()
    words = line.split(" ")
    for index, (raw_word, word) in enumerate(zip(raw.split(" "), words)):
        plain = [c for c in raw_word if c.isascii() and c.isalpha()]
        if len(plain) >= 2 and all(c.isupper() for c in plain):
            words[index] = word.upper()
    return " ".join(words)


def encode_legacy(text: str, encoding: Encoding) -> str:
    """Unicode `text` as typed in a legacy encoding (TCVN3 capitals with tones become the
    small letter's byte, as in the ordinary fonts). The inverse of `decode_legacy`."""
    codec = _codec_of(encoding)
    out = []
    for char in _compose(text):
        code = codec.encode.get(char)
        if code is None and encoding == "tcvn3" and char.isupper() and not char.isascii():
            code = codec.encode.get(char.lower())
        out.append(code if code is not None else char)
    return "".join(out)


# ------------------------------------------------------------------ detection

# Letters only Unicode text has: ă đ ĩ ũ ơ ư (and capitals) and the Latin Extended Additional block.
_UNICODE_ONLY = re.compile("[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")
# Latin-1 letters Vietnamese uses: the rest of U+00A1-U+00FF never touches a letter in Unicode text.
_VIETNAMESE_LATIN1 = frozenset("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")


@cache
def _detection() -> tuple[re.Pattern[str], int, int]:
    rules = load_rules("legacy_encodings")["detection"]
    ordinary = set(rules["ordinary_signs"])
    foreign = "".join(chr(c) for c in range(0xA1, 0x100)
                      if chr(c) not in _VIETNAMESE_LATIN1 and chr(c) not in ordinary)
    quotes = "".join(rules["quote_signs"])
    f, q = re.escape(foreign), re.escape(quotes)
    # a legacy code touching a letter ("n¨m", "®æi", "x·"); quote signs only between letters
    evidence = re.compile(rf"(?<=[^\W\d_])[{f}]|[{f}](?=[^\W\d_])|(?<=[^\W\d_])[{q}](?=[^\W\d_])")
    return evidence, int(rules["min_words"]["legacy_document"]), int(rules["min_words"]["unicode_document"])


def _evidence_words(text: str) -> int:
    evidence = _detection()[0]
    return sum(1 for word in text.split() if not word.isascii() and evidence.search(word))


def detect_legacy(text: str, in_unicode_document: bool = False) -> Encoding | None:
    """The legacy encoding `text` was typed in, from its characters alone, or None.

    Unicode text always has letters only Unicode has (ộ, ư, đ …) and never has characters such
    as "¹", "®", "ø" touching a letter; legacy text is the reverse. Of the two encodings, the one
    that leaves no such character behind is the one (VNI first: TCVN3's table would turn VNI's
    marks into letters too). Inside a document that is otherwise Unicode, more evidence is
    needed (rules/legacy_encodings.yaml `detection`)."""
    if text.isascii() or _UNICODE_ONLY.search(text):
        return None
    _evidence, in_legacy, in_unicode = _detection()
    if _evidence_words(text) < (in_unicode if in_unicode_document else in_legacy):
        return None
    for encoding in ("vni", "tcvn3"):
        if not _covers(encoding, text):
            continue
        decoded = decode_legacy(text, encoding)
        if _evidence_words(decoded) == 0 and not _case_inside_word(decoded):
            return encoding
    return None


def _case_inside_word(text: str) -> bool:
    """A capital right after a small letter: a wrong decoding ("chuyĨn" for "chuyển")."""
    return any(a.islower() and b.isupper() for a, b in zip(text, text[1:]))


def _covers(encoding: Encoding, text: str) -> bool:
    """Every non-ASCII letter of `text` is part of a code of `encoding` (VNI writes a vowel
    as an ASCII letter and a mark: a mark after a consonant, "KÕ", is not VNI)."""
    codec = _codec_of(encoding)
    rest = codec.pattern.sub("", text)
    return not any(not char.isascii() and char.isalpha() and char not in codec.decode for char in rest)


def _is_unicode(texts: list[str]) -> bool:
    """More words with letters only Unicode has than words with legacy codes."""
    unicode_only = evidence = 0
    for text in texts:
        if text.isascii():
            continue
        unicode_only += sum(1 for word in text.split() if _UNICODE_ONLY.search(word))
        evidence += _evidence_words(text)
    return unicode_only > evidence


# ------------------------------------------------------------------ loader hook

def legacy_problem(how: str) -> LoadProblem:
    """The legacy_encoding_converted problem, saying how the text was converted (`how`)."""
    return LoadProblem(ProblemCode.legacy_encoding_converted, Severity.info,
                       f"text typed in a legacy Vietnamese encoding (TCVN3/VNI) was converted to Unicode ({how})")


_PRIVATE_SYMBOL = re.compile("[\uf020-\uf0ff]")


def convert_font_text(raw: RawDocument) -> RawDocument:
    """Fix, in place, text that shows right only in its font, in every paragraph and cell:
    symbol-font codes left in the private-use area (a PDF's "\uf0b3" from the Symbol font is
    "≥") and text whose characters say it was typed in TCVN3 or VNI (`detect_legacy`), noting
    `legacy_encoding_converted` once. Text already converted by its font (DOCX) has Unicode
    letters and is left as it is."""
    found: set[str] = set()
    evidence = _detection()[0]
    holders = [cell for block in raw.blocks if isinstance(block, Table) for row in block.rows
               for cell in row.cells] + [block for block in raw.blocks if not isinstance(block, Table)]
    # most documents have neither: one scan of each text and nothing more
    suspects = [holder for holder in holders if not holder.text.isascii()
                and (evidence.search(holder.text) or _PRIVATE_SYMBOL.search(holder.text))]
    if not suspects:
        return raw
    unicode_document = _is_unicode([holder.text for holder in holders])
    for holder in suspects:
        text = holder.text
        if _PRIVATE_SYMBOL.search(text):
            text = _PRIVATE_SYMBOL.sub(lambda m: symbol_text("Symbol", m.group(0)), text)
        encoding = detect_legacy(text, unicode_document)
        if encoding is not None:
            found.add(encoding)
            text = decode_legacy(text, encoding)
        holder.text = text
    if found and not any(p.code == ProblemCode.legacy_encoding_converted for p in raw.problems):
        raw.problems.append(legacy_problem("detected from the characters: " + ", ".join(sorted(found))))
    return raw
