"""Which reader a file needs, decided by its first bytes (and ZIP member names), never its name."""

from __future__ import annotations

import io
import zipfile
from typing import Literal

Kind = Literal["pdf", "docx", "zip", "ole", "rtf", "odt", "text"]

PDF_MAGIC = b"%PDF-"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF_MAGIC = b"{\\rtf"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
PDF_SEARCH_WINDOW = 1024        # the header may follow some junk bytes (allowed by readers)

# Names of streams inside an OLE2 compound file, as stored (UTF-16LE) in its directory.
OLE_WORD_STREAM = "WordDocument".encode("utf-16-le")
OLE_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def sniff(data: bytes) -> Kind:
    """The kind of a document from its bytes, never its name: 'pdf', 'docx', 'zip' (a ZIP without a
    Word part), 'odt', 'ole' (legacy .doc and other OLE2), 'rtf' or 'text'."""
    head = data[:PDF_SEARCH_WINDOW]
    if head.startswith(PDF_MAGIC) or PDF_MAGIC in head:
        return "pdf"
    if data.startswith(ZIP_MAGICS):
        if data[30:38] == b"mimetype" and ODT_MIMETYPE in data[38:120]:
            return "odt"
        return "docx" if _zip_has_docx_part(data) else "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.lstrip()[:5] == RTF_MAGIC:
        return "rtf"
    return "text"


def _zip_has_docx_part(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except Exception:  # any damage (bad version, offsets, sizes): decided by the header bytes
        # A broken ZIP: call it a DOCX if its first local header names an OOXML part.
        return b"word/" in data[:4096] or b"[Content_Types].xml" in data[:4096]
    return "word/document.xml" in names or "[Content_Types].xml" in names and any(
        name.startswith("word/") for name in names)
