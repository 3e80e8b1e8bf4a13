"""Text exports (.txt / .md): markdown-ish paragraphs and tab-separated tables.

What the exports look like (see the seeds): one paragraph per line, blank lines between
paragraphs, '#' heading marks, `**bold**` / `*italic*` / `<b>`-style tags, and table rows as
lines of tab-separated cells. Emphasis can run over a line end (`**KT. CHỦ TỊCH⏎PHÓ CHỦ
TỊCH**`), and some exports lost the line breaks between emphasised lines
(`**Phụ lục II****DANH MỤC …***(Kèm theo …)*`): a closing delimiter glued to the next
opening one is read as a paragraph break.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import cache

from extract.load.errors import LoadError, LoadFailure
from extract.load.fonts import detect_legacy
from extract.patterns import bullet_class, letter_class
from extract.structures import Block, Cell, Format, Paragraph, RawDocument, Row, Table

# ------------------------------------------------------------------ decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 controls that never occur in text (TAB, LF, VT, FF, CR and ESC-free ranges excluded).
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _legacy_bytes(data: bytes) -> str | None:
    """A file saved in TCVN3 or VNI (one byte per character, the codes the legacy fonts draw):
    its bytes as those characters, which the loader's legacy pass then converts; None if the
    bytes do not read as either encoding."""
    text = data.decode("latin-1")
    return text if detect_legacy(text) is not None else None


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM tolerated) or UTF-16/32 with a BOM; anything else is not a text document."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise LoadError(LoadFailure.not_text, f"the text after its {encoding} byte-order mark is damaged "
                                            f"(at byte {exc.start}); save it again as UTF-8 text or DOCX") from exc
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = _legacy_bytes(data)
            if text is None:
                raise LoadError(
                    LoadFailure.not_text,
                    f"not a PDF, DOCX or DOC file and not valid UTF-8 text (at byte {exc.start}), nor TCVN3 or "
                    "VNI text; other legacy encodings such as cp1258 are not supported: save it as DOCX or UTF-8 text",
                ) from exc
    if _BINARY_CONTROLS.search(text, 0, 65536):
        raise LoadError(LoadFailure.not_text, "the file holds binary data (control characters), not text; "
                                    "if it is a document, save it again as DOCX or PDF")
    return text


# ------------------------------------------------------------------ emphasis

# Backslash escapes of markdown punctuation, '*' runs, the HTML tags exports use, line ends.
_TOKEN = re.compile(
    r"\\([\\`*_{}\[\]()#+\-.!<>|~])"
    r"|(\*+)"
    r"|<(/?)(b|strong|i|em|u|ins|s|strike|del|span|font|sup|sub|br)\b[^<>]*?/?>"
    r"|(\n)",
    re.IGNORECASE,
)
_MARKUP_CHARS = re.compile(r"[*<\\]")
_TAG_STYLE = {"b": "b", "strong": "b", "i": "i", "em": "i"}
# Open emphasis deeper than this is markup damage, not styling: further openers are dropped
# (tags) or printed (stars), so that 40,000 unclosed "<b>" cost linear time, not quadratic.
MAX_EMPHASIS_DEPTH = 16


@dataclass(slots=True, eq=False)
class _Layer:
    """One level of emphasis opened by a '*' run or a tag; `size` 1 = italic, 2 = bold."""

    style: str | None            # 'b', 'i' or None (underline, span: stripped, no style)
    size: int = 0                # '*' count for star layers, 0 for tags
    run: int = -1                # id of the '*' run that opened it
    tag: str | None = None
    matched: bool = False


@dataclass(slots=True)
class _Piece:
    text: str
    layers: tuple[_Layer, ...]


@dataclass(slots=True)
class _Break:
    """A paragraph break: a line end, a `<br>`, or glued emphasis (kept if its opener closes)."""

    kind: str                                   # 'line', 'br' or 'glue'
    openers: list[_Layer] = field(default_factory=list)


@dataclass(slots=True)
class _Literal:
    """A '*' opener that may turn out unmatched and then prints as itself."""

    layers: list[_Layer]
    extra: str = ""


def _parse_emphasis(source: str) -> list[_Piece | _Break | _Literal]:
    tokens: list[_Piece | _Break | _Literal] = []
    stack: list[_Layer] = []
    closed_all = False          # the last thing seen closed every open emphasis
    pos = 0
    run_id = 0

    def emit_text(text: str) -> None:
        nonlocal closed_all
        if text:
            tokens.append(_Piece(text, tuple(stack)))
            closed_all = False

    def open_layers(layers: list[_Layer], extra: str = "") -> None:
        nonlocal closed_all
        if len(stack) >= MAX_EMPHASIS_DEPTH:
            emit_text("".join("*" * layer.size for layer in layers) + extra)
            return
        if closed_all and tokens:
            tokens.append(_Break("glue", layers))
        tokens.append(_Literal(layers, extra))
        stack.extend(layers)
        closed_all = False

    for match in _TOKEN.finditer(source):
        emit_text(source[pos:match.start()])
        pos = match.end()
        escaped, stars, slash, tag, newline = match.groups()
        if escaped is not None:
            emit_text(escaped)
        elif newline is not None:
            tokens.append(_Break("line"))
            closed_all = False
        elif tag is not None:
            tag = tag.lower()
            if tag == "br":
                tokens.append(_Break("br"))
                closed_all = False
            elif slash:
                for index in range(len(stack) - 1, -1, -1):
                    if stack[index].tag == tag:
                        stack[index].matched = True
                        del stack[index]
                        closed_all = not stack
                        break
            else:
                open_layers([_Layer(_TAG_STYLE.get(tag), tag=tag)])
        else:
            run_id += 1
            count = len(stars)
            before = source[match.start() - 1] if match.start() > 0 else " "
            after = source[pos] if pos < len(source) else " "
            can_close = not before.isspace()
            can_open = not after.isspace()
            closed = False
            if can_close:
                while count and stack and stack[-1].size:
                    top = stack[-1]
                    if top.size <= count:
                        count -= top.size
                    elif len(stack) > 1 and stack[-2].run == top.run and stack[-2].size <= count:
                        top = stack[-2]          # '***' opened italic+bold: '*' closes the italic
                        count -= top.size
                    else:
                        break
                    top.matched = True
                    stack.remove(top)
                    closed = True
                if closed:
                    closed_all = not stack
            if count and can_open:
                extra = "*" * max(0, count - 3)
                count = min(count, 3)
                layers = {1: [_Layer("i", 1, run_id)], 2: [_Layer("b", 2, run_id)]}.get(
                    count, [_Layer("i", 1, run_id), _Layer("b", 2, run_id)])
                open_layers(layers, extra)
            elif count:
                emit_text("*" * count)
    emit_text(source[pos:])
    return tokens


@dataclass(slots=True)
class _Styled:
    text: str
    bold: bool
    italic: bool
    line: int          # index of the source line the paragraph starts on


def _styled_paragraphs(source: str) -> list[_Styled]:
    """Split `source` (lines of one block) into styled paragraphs."""
    if not _MARKUP_CHARS.search(source):
        return [_Styled(line.strip(), False, False, index) for index, line in enumerate(source.split("\n"))]
    result: list[_Styled] = []
    parts: list[tuple[str, bool, bool]] = []
    line = 0
    start_line = 0

    def flush() -> None:
        text = "".join(part[0] for part in parts).strip()
        if text:
            inked = [part for part in parts if part[0].strip()]
            result.append(_Styled(text, all(p[1] for p in inked), all(p[2] for p in inked), start_line))
        parts.clear()

    for token in _parse_emphasis(source):
        if isinstance(token, _Piece):
            bold = italic = False
            for layer in token.layers:
                if layer.matched:
                    bold = bold or layer.style == "b"
                    italic = italic or layer.style == "i"
            parts.append((token.text, bold, italic))
        elif isinstance(token, _Literal):
            unmatched = "".join("*" * layer.size for layer in token.layers if layer.size and not layer.matched)
            if unmatched or token.extra:
                parts.append((token.extra + unmatched, False, False))
        elif token.kind != "glue" or any(layer.matched for layer in token.openers):
            flush()
            if token.kind == "line":
                line += 1
            start_line = line
    flush()
    return result


def strip_markup(source: str) -> tuple[str, bool, bool]:
    """Cell text without markup, and whether it is wholly bold / italic; glued runs -> lines."""
    styled = _styled_paragraphs(source)
    if not styled:
        return "", False, False
    return ("\n".join(s.text for s in styled), all(s.bold for s in styled), all(s.italic for s in styled))


# ------------------------------------------------------------------ blocks

_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:[ \t]+|$)(.*?)(?:[ \t]+#+)?[ \t]*$")
_RULE_LINE = re.compile(r"^\s*(?:[-=_*]\s*){3,}$")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@cache
def _marker_cell() -> re.Pattern[str]:
    """A list marker that some exports separate from the item text with a tab ("1.\tMục
    đích"); bullets and letters from rules/markup.yaml."""
    return re.compile(rf"^\s*(?:{bullet_class()}|\(?[0-9]{{1,3}}(?:\.[0-9]{{1,3}})*[.)]?|\(?{letter_class()}[.)]"
                      rf"|[IVXLC]{{1,6}}\.)\s*$")


def _is_pipe_row(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|")


def _split_cells(line: str) -> list[str]:
    if "\t" in line:
        return line.rstrip("\r\n").split("\t")
    return [cell.strip() for cell in line.strip()[1:-1].split("|")]


def _table_or_paragraphs(lines: list[str]) -> list[Block]:
    """Consecutive table lines: a Table, unless they are a tab-separated list ('1.⇥text')."""
    rows = [_split_cells(line) for line in lines if not _PIPE_SEPARATOR.match(line)]
    if rows and all(len(row) == 2 and _marker_cell().match(row[0]) for row in rows):
        return _paragraph_blocks([f"{row[0].strip()} {row[1].strip()}" for row in rows])
    table_rows = []
    for cells in rows:
        row_cells = []
        for raw in cells:
            text, bold, italic = strip_markup(raw)
            row_cells.append(Cell(text, bold=bold and bool(text), italic=italic and bool(text)))
        table_rows.append(Row(row_cells))
    return [Table(table_rows)] if table_rows else []


def _paragraph_blocks(lines: list[str]) -> list[Block]:
    headings: dict[int, int] = {}
    cleaned = []
    for index, line in enumerate(lines):
        match = _HEADING.match(line)
        if match:
            headings[index] = len(match.group(1))
            line = match.group(2)
        elif line.endswith("\\"):           # markdown hard break written as a backslash
            line = line[:-1]
        cleaned.append(line)
    return [
        Paragraph(s.text, bold=s.bold, italic=s.italic, heading=headings.get(s.line))
        for s in _styled_paragraphs("\n".join(cleaned))
    ]


def parse_text(text: str) -> list[Block]:
    """Blocks of a text export, in order."""
    blocks: list[Block] = []
    paragraph_lines: list[str] = []
    table_lines: list[str] = []
    pipe_table = False

    def flush_paragraph() -> None:
        if paragraph_lines:
            blocks.extend(_paragraph_blocks(paragraph_lines))
            paragraph_lines.clear()

    def flush_table() -> None:
        if table_lines:
            blocks.extend(_table_or_paragraphs(table_lines))
            table_lines.clear()

    for line in text.splitlines():
        if "\t" in line and line.strip():
            is_table, line_pipe = True, False
        elif _is_pipe_row(line) or (pipe_table and table_lines and _PIPE_SEPARATOR.match(line)):
            is_table, line_pipe = True, True
        else:
            is_table = line_pipe = False
        if is_table:
            if table_lines and line_pipe != pipe_table:
                flush_table()
            flush_paragraph()
            pipe_table = line_pipe
            table_lines.append(line)
            continue
        flush_table()
        if not line.strip() or _RULE_LINE.match(line):
            flush_paragraph()
        else:
            paragraph_lines.append(line)
    flush_paragraph()
    flush_table()
    return blocks


def load_text(data: bytes, fmt: Format) -> RawDocument:
    """A text export (`fmt` 'txt' or 'md') as a RawDocument: decoded (UTF-8/16, legacy encodings),
    paragraphs, Markdown headings and emphasis, tab-separated and pipe tables. Raises
    LoadError(not_text, empty)."""
    text = decode_text(data)
    if not text.strip():
        raise LoadError(LoadFailure.empty, "the text file contains only whitespace")
    return RawDocument(format=fmt, blocks=parse_text(text))
