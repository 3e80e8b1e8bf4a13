"""Builders of damaged and hostile inputs, shared by the regression tests and the fuzz harness.

Each builder returns the bytes of one input file. DOCX inputs are small packages built from
parts (so that one attribute can be made hostile); PDFs are written by hand (so that a stream
can be made to inflate to any size without holding the inflated bytes).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from fixtures.load_docs import assemble_pdf

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '</Types>'
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)

PLAN_PARAGRAPHS = (
    "ỦY BAN NHÂN DÂN XÃ AN BÌNH", "Số: 01/KH-UBND", "KẾ HOẠCH", "Chuyển đổi số năm 2026",
    "I. MỤC TIÊU", "- 100% hồ sơ được xử lý trên môi trường điện tử.",
)


def paragraph(text: str, ppr: str = "") -> str:
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def document_xml(body: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>')


def docx(body: str | None = None, parts: dict[str, str | bytes] | None = None,
         compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A DOCX package: the plan's paragraphs (or `body`) plus extra `parts` (name -> XML)."""
    if body is None:
        body = "".join(paragraph(text) for text in PLAN_PARAGRAPHS)
    members = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": PACKAGE_RELS,
               "word/document.xml": document_xml(body), **(parts or {})}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            archive.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return buffer.getvalue()


def table_with_span(span: str) -> bytes:
    """A DOCX whose table cell declares w:gridSpan = `span` (999999, 2^31, 1e20 …)."""
    cell = '<w:tc><w:tcPr><w:gridSpan w:val="{}"/></w:tcPr>{}</w:tc>'
    row = "<w:tr>" + cell.format(span, paragraph("Tỷ lệ hồ sơ trực tuyến")) + \
          '<w:tc>' + paragraph("100%") + "</w:tc></w:tr>"
    body = "".join(paragraph(text) for text in PLAN_PARAGRAPHS) + \
        '<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>' + row * 3 + "</w:tbl>"
    return docx(body)


def numbered(start: str, fmt: str, paragraphs: int = 3, ilvl: str = "0") -> bytes:
    """A DOCX whose list starts at `start` in number format `fmt` (upperRoman, lowerLetter …)."""
    numbering = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="{W_NS}">'
        f'<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/>'
        f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>'
        f'<w:num w:numId="1"><w:abstractNumId w:val="0"/>'
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride></w:num>'
        f'</w:numbering>')
    numbered_p = '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>'
    body = "".join(paragraph(text) for text in PLAN_PARAGRAPHS) + \
        "".join(paragraph(f"Nhiệm vụ số {n}", numbered_p) for n in range(paragraphs))
    return docx(body, {"word/numbering.xml": numbering})


def attribute_values(value: str) -> bytes:
    """A DOCX with `value` in every numeric attribute the reader parses (outline, ilvl, span,
    gridBefore, numbering start) — '²', '1.5', 5,000 digits, '-7' …"""
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W_NS}">'
        f'<w:style w:type="paragraph" w:styleId="H"><w:name w:val="heading x"/>'
        f'<w:pPr><w:outlineLvl w:val="{value}"/><w:numPr><w:ilvl w:val="{value}"/><w:numId w:val="1"/></w:numPr>'
        f'</w:pPr></w:style></w:styles>')
    numbering = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="{W_NS}">'
        f'<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="{value}"><w:start w:val="{value}"/>'
        f'<w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>'
        f'<w:lvl w:ilvl="0"><w:start w:val="{value}"/><w:numFmt w:val="lowerLetter"/>'
        f'<w:lvlText w:val="%1)"/></w:lvl></w:abstractNum>'
        f'<w:num w:numId="1"><w:abstractNumId w:val="0"/>'
        f'<w:lvlOverride w:ilvl="{value}"><w:startOverride w:val="{value}"/></w:lvlOverride></w:num>'
        f'</w:numbering>')
    ppr = (f'<w:pPr><w:pStyle w:val="H"/><w:outlineLvl w:val="{value}"/>'
           f'<w:numPr><w:ilvl w:val="{value}"/><w:numId w:val="1"/></w:numPr></w:pPr>')
    table = (f'<w:tbl><w:tr><w:trPr><w:gridBefore w:val="{value}"/></w:trPr>'
             f'<w:tc><w:tcPr><w:gridSpan w:val="{value}"/></w:tcPr>{paragraph("Chỉ tiêu")}</w:tc>'
             f'</w:tr></w:tbl>')
    body = "".join(paragraph(text) for text in PLAN_PARAGRAPHS) + paragraph("Mục tiêu", ppr) + table
    return docx(body, {"word/styles.xml": styles, "word/numbering.xml": numbering})


def app_pages(pages: str) -> bytes:
    """A DOCX whose docProps/app.xml claims `pages` pages (10^20 overflows a 64-bit integer)."""
    app = ('<?xml version="1.0" encoding="UTF-8"?><Properties '
           'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           f'<Pages>{pages}</Pages><Words>12</Words></Properties>')
    return docx(parts={"docProps/app.xml": app})


# ------------------------------------------------------------------ ZIP damage

def _central_directory(data: bytes) -> int:
    return data.rindex(b"PK\x01\x02", 0, data.rindex(b"PK\x05\x06"))


def _first_central_entry(data: bytes) -> int:
    end = data.rindex(b"PK\x05\x06")
    return struct.unpack_from("<I", data, end + 16)[0]


def zip_field(data: bytes, offset_in_entry: int, fmt: str, value: int, local: bool = False) -> bytes:
    """`data` with one field of the main part's central directory entry (or local header) set."""
    out = bytearray(data)
    name = b"word/document.xml"
    if local:
        position = out.index(b"PK\x03\x04" + b"", 0)
        while out[position + 30:position + 30 + len(name)] != name:
            position = out.index(b"PK\x03\x04", position + 4)
    else:
        position = _first_central_entry(data)
        while out[position + 46:position + 46 + len(name)] != name:
            position = out.index(b"PK\x01\x02", position + 4)
    struct.pack_into(fmt, out, position + offset_in_entry, value)
    return bytes(out)


def zip_unsupported_compression() -> bytes:
    # central directory: compression method at +10 (local header: +8)
    data = docx()
    data = zip_field(data, 10, "<H", 99)
    return zip_field(data, 8, "<H", 99, local=True)


def zip_unsupported_version() -> bytes:
    # "version needed to extract" at +6 in the central directory (+4 in the local header)
    data = docx()
    data = zip_field(data, 6, "<H", 99)
    return zip_field(data, 4, "<H", 99, local=True)


def zip_negative_seek() -> bytes:
    """The central directory's offset of the main part's local header points before the file."""
    data = docx()
    return zip_field(data, 42, "<I", 0xFFFFFFF0)


def zip_flipped_size() -> bytes:
    """One bit flipped in the uncompressed-size field of the central directory (and only there)."""
    data = docx()
    position = _first_central_entry(data)
    name = b"word/document.xml"
    while data[position + 46:position + 46 + len(name)] != name:
        position = data.index(b"PK\x01\x02", position + 4)
    size = struct.unpack_from("<I", data, position + 24)[0]
    return zip_field(data, 24, "<I", size ^ (1 << 30))


def zip_shrunk_size() -> bytes:
    """The main part's declared size (both headers) is smaller than what it inflates to."""
    data = docx()
    data = zip_field(data, 24, "<I", 10)
    return zip_field(data, 22, "<I", 10, local=True)


# ------------------------------------------------------------------ text exports

PLAN_TEXT = "\n".join(PLAN_PARAGRAPHS) + "\n"


def text_repeated_tags(count: int = 40_000) -> bytes:
    return (PLAN_TEXT + "<b>x" * count + "\n").encode("utf-8")


def text_percentages(size: int = 40_000) -> bytes:
    unit = "- Phấn đấu 100% 95% 80,5% "
    return (PLAN_TEXT + (unit * (size // len(unit) + 1))[:size] + "\n").encode("utf-8")


def text_del_after_partner(count: int = 16_384) -> bytes:
    return (PLAN_TEXT + "- Công an xã chủ trì, phối hợp với " + "\x7f" * count + "\n").encode("utf-8")


def text_long_line(words: int = 200_000) -> bytes:
    vocabulary = ("hồ", "sơ", "trực", "tuyến", "100%", "Công", "an", "xã", "Quý", "II/2026", "phối", "hợp")
    return (PLAN_TEXT + " ".join(vocabulary[i % len(vocabulary)] for i in range(words)) + "\n").encode("utf-8")


def text_noncharacters() -> bytes:
    """XML noncharacters and C0 controls that XLSX cannot hold, inside names that reach the tables."""
    return (PLAN_TEXT.replace("Chuyển đổi số", "Chuyển\ufffe đổi\uffff số\x1b")
            + "- 90% hồ sơ\ufffe\uffff\x1b được số hóa.\n").encode("utf-8")


# ------------------------------------------------------------------ PDFs

def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def deflated_spaces(size: int, head: bytes = b"") -> bytes:
    """zlib data that inflates to `head` and `size` spaces, built without compressing them all.

    After a full flush a deflate compressor starts afresh, so every 1 MiB block of spaces
    compresses to the same bytes: they are repeated, and the stream closed with an empty
    final block and the Adler-32 of everything (computed block by block)."""
    block = b" " * (1 << 20)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = raw.compress(head) + raw.flush(zlib.Z_FULL_FLUSH)
    compressed_block = raw.compress(block) + raw.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(size, len(block))
    tail = raw.compress(block[:rest]) + raw.flush(zlib.Z_FINISH)   # ends with the final block
    checksum = zlib.adler32(head)
    for _ in range(whole):
        checksum = zlib.adler32(block, checksum)
    checksum = zlib.adler32(block[:rest], checksum)
    return b"\x78\xda" + first + compressed_block * whole + tail + checksum.to_bytes(4, "big")


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _page_objects(content: bytes, font: bytes) -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        content,
        font,
    ]


def _page_pdf(content: bytes, font: bytes = HELVETICA) -> bytes:
    return assemble_pdf(_page_objects(content, font))


def pdf_flate_bomb(inflated: int = 1 << 30) -> bytes:
    """A one-page PDF whose content stream inflates to `inflated` bytes (1 GiB by default)."""
    head = b"BT /F1 12 Tf 72 720 Td (Ke hoach) Tj ET\n"
    return _page_pdf(_stream(deflated_spaces(inflated, head)))


def pdf_tounicode(size: int = 16 << 20) -> bytes:
    """A one-page PDF whose font's ToUnicode CMap inflates to `size` bytes."""
    entry = b"<0041> <0041>\n"
    body = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n")
    lines = []
    total = len(body)
    while total < size:
        chunk = b"100 beginbfchar\n" + entry * 100 + b"endbfchar\n"
        lines.append(chunk)
        total += len(chunk)
    cmap = body + b"".join(lines) + b"endcmap CMapName currentdict /CMap defineresource pop end end\n"
    content = _stream(zlib.compress(b"BT /F1 12 Tf 72 720 Td (Ke hoach) Tj ET\n"))
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>"
    # one more object: the CMap stream (the xref is rebuilt by _pdf)
    return assemble_pdf(_page_objects(content, font) + [_stream(zlib.compress(cmap, 9))])
