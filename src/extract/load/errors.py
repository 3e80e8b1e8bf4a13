"""The one exception loaders raise for inputs that cannot be read at all."""

from __future__ import annotations

import re
from enum import StrEnum

# "<_io.BytesIO object at 0x7f…>", "<PDFStream(12): raw=…>": object reprs name library
# internals, and their addresses differ between runs (breaking byte-identical outputs).
_OBJECT_REPR = re.compile(r"<[^<>]{0,200}?\bat 0x[0-9a-fA-F]+>|\bat 0x[0-9a-fA-F]+|0x[0-9a-fA-F]{6,}")


class LoadFailure(StrEnum):
    """Why an input could not be read at all: the stable `LoadError.code` (a batch manifest's
    `reason`, the CLI's and the HTTP API's error code). Members are strings, so JSON and
    messages show the bare value ("too_large")."""

    empty = "empty"                             # 0 bytes, or only white space
    too_large = "too_large"                     # over a size limit (file, inflated PDF, font map)
    unreadable = "unreadable"                   # missing, a folder, no permission, an OS error
    not_text = "not_text"                       # binary data or a damaged encoding in a text file
    corrupt_docx = "corrupt_docx"               # a damaged DOCX package or part
    not_a_document = "not_a_document"           # a ZIP or OLE file that is not a Word document
    zip_bomb = "zip_bomb"                       # a ZIP container that would inflate too far
    xml_entities = "xml_entities"               # an XML part declaring a DOCTYPE/ENTITY
    encrypted = "encrypted"                     # password-protected Office document or PDF
    corrupt_pdf = "corrupt_pdf"                 # a damaged or truncated PDF, or one without pages
    doc_unsupported = "doc_unsupported"         # legacy .doc/RTF/ODT without LibreOffice installed
    doc_convert_failed = "doc_convert_failed"   # LibreOffice failed or timed out
    embedded_too_large = "embedded_too_large"   # an embedded workbook over its limit (a problem, not a failure)
    embedded_unreadable = "embedded_unreadable"  # an embedded workbook that cannot be read (likewise)


class LoadError(Exception):
    """An input that cannot be read at all. `code` is stable (manifest reason, problem code).
    Raises ValueError when `code` is not a LoadFailure value."""

    def __init__(self, code: LoadFailure | str, message: str):
        super().__init__(message)
        self.code = LoadFailure(code)
        self.message = message

    def __repr__(self) -> str:
        return f"LoadError({self.code.value!r}, {self.message!r})"


def scrub_internals(text: str) -> str:
    """`text` without object representations and memory addresses (stable across runs)."""
    return _OBJECT_REPR.sub("…", text)
