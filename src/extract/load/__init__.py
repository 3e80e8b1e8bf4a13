"""Load a document into a RawDocument, choosing the reader by content, not by file name.

Readers: text.py (txt/md exports), docx.py, pdf.py, doc.py (legacy .doc, RTF and ODT
through LibreOffice). Every input that cannot be read raises `LoadError(code, message)`
with a stable code (extract.load.errors.LoadFailure): empty, too_large, unreadable, not_text, corrupt_docx,
not_a_document, zip_bomb, xml_entities, encrypted, corrupt_pdf, doc_unsupported,
doc_convert_failed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from extract.load.errors import LoadError, LoadFailure
from extract.load.limits import DEFAULT_MAX_BYTES, MAX_BYTES_ENV, Limits
from extract.load.fonts import convert_font_text
from extract.load.sniff import OLE_ENCRYPTED_PACKAGE, OLE_WORD_STREAM, sniff
from extract.structures import RawDocument

__all__ = ["Limits", "LoadError", "file_sha256", "load", "load_bytes", "read_input"]


def read_input(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes, at most `max_bytes` of them; OS failures become LoadErrors
    (unreadable, too_large, empty)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:      # also a dangling symlink
        raise LoadError(LoadFailure.unreadable, f"no such file: {path}") from exc
    except PermissionError as exc:
        raise LoadError(LoadFailure.unreadable, f"permission denied: {path}") from exc
    except OSError as exc:
        raise LoadError(LoadFailure.unreadable, f"cannot stat {path}: {exc.strerror or exc}") from exc
    if path.is_dir():
        raise LoadError(LoadFailure.unreadable, f"{path} is a directory, not a file")
    limit = max_bytes
    if size > limit:
        raise LoadError(LoadFailure.too_large, f"{path.name} is {size} bytes; the limit is {limit} ({MAX_BYTES_ENV})")
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except PermissionError as exc:
        raise LoadError(LoadFailure.unreadable, f"permission denied: {path}") from exc
    except OSError as exc:
        raise LoadError(LoadFailure.unreadable, f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > limit:      # grew since stat, or a special file
        raise LoadError(LoadFailure.too_large, f"{path.name} is larger than the limit of {limit} bytes ({MAX_BYTES_ENV})")
    if not data:
        raise LoadError(LoadFailure.empty, f"{path.name} is empty (0 bytes)")
    return data


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in chunks (for files the batch has not loaded)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load(path: Path, limits: Limits = Limits()) -> RawDocument:
    """Read the file once, choose its reader by content; the bytes' sha256 rides along.
    Raises LoadError (a LoadFailure code) for input that cannot be read within `limits`."""
    path = Path(path)
    return load_bytes(read_input(path, limits.max_bytes), path.name, limits)


def load_bytes(data: bytes, name: str = "", limits: Limits = Limits()) -> RawDocument:
    """A document already in memory (standard input): the same checks and readers as `load`.
    `name` only tells a Markdown export by its suffix; everything else is decided by content."""
    limit = limits.max_bytes
    if len(data) > limit:
        raise LoadError(LoadFailure.too_large, f"the input is larger than the limit of {limit} bytes ({MAX_BYTES_ENV})")
    if not data:
        raise LoadError(LoadFailure.empty, f"{name or 'the input'} is empty (0 bytes)")
    raw = convert_font_text(_read(Path(name), data, limits))
    raw.sha256 = hashlib.sha256(data).hexdigest()
    return raw


def _read(path: Path, data: bytes, limits: Limits) -> RawDocument:
    kind = sniff(data)
    if kind == "pdf":
        from extract.load.pdf import load_pdf
        return load_pdf(data, limits.max_inflated)
    if kind == "docx":
        from extract.load.docx import load_docx
        return load_docx(data, "docx")
    if kind == "zip":
        from extract.load.docx import load_docx
        return load_docx(data, "docx")      # raises not_a_document with what it is instead
    if kind in ("ole", "rtf", "odt"):
        if kind == "ole":
            _check_ole(data)
        from extract.load.doc import load_via_soffice
        return load_via_soffice(data, {"ole": ".doc", "rtf": ".rtf", "odt": ".odt"}[kind])
    from extract.load.text import load_text
    return load_text(data, "md" if path.suffix.lower() in (".md", ".markdown") else "txt")


def _check_ole(data: bytes) -> None:
    """An OLE2 file is a Word document only if it has a WordDocument stream."""
    if OLE_ENCRYPTED_PACKAGE in data:
        raise LoadError(LoadFailure.encrypted, "password-protected Office document (OLE2 EncryptedPackage)")
    if OLE_WORD_STREAM not in data:
        raise LoadError(LoadFailure.not_a_document, "an OLE2 compound file without a WordDocument stream (not a Word .doc)")
