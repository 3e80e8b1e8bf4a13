"""Inputs the loader must refuse, each with its own LoadError code and a readable message."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document

from extract.load import LoadError, limits, load
from fixtures.load_docs import docx_bytes, pdf_bytes, replace_members

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def small_docx() -> bytes:
    document = Document()
    document.add_paragraph("Kế hoạch")
    return docx_bytes(document)


def refused(tmp_path: Path, data: bytes, name: str = "input.bin", size_limits: limits.Limits = limits.Limits()) -> LoadError:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError) as error:
        load(path, size_limits)
    assert error.value.message and str(error.value) == error.value.message
    return error.value


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n"])
def test_empty(tmp_path, data):
    assert refused(tmp_path, data, "empty.txt").code == "empty"


def test_too_large(tmp_path):
    error = refused(tmp_path, b"x" * 500, "big.txt", limits.Limits(max_bytes=100))
    assert error.code == "too_large" and "KEHOACH_MAX_BYTES" in error.message and "500" in error.message


def test_the_loader_takes_its_limit_from_its_argument_not_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KEHOACH_MAX_BYTES", "100")
    path = tmp_path / "plan.txt"
    path.write_bytes("Kế hoạch ".encode() * 50)
    assert load(path).format == "txt"
    assert refused(tmp_path, path.read_bytes(), "plan.txt", limits.from_environment()).code == "too_large"


@pytest.mark.parametrize("environ, expected", [
    ({}, limits.Limits()),
    ({"KEHOACH_MAX_BYTES": "100", "KEHOACH_PDF_MAX_INFLATED": "4096"}, limits.Limits(max_bytes=100, max_inflated=4096)),
    ({"KEHOACH_MAX_BYTES": " 7 "}, limits.Limits(max_bytes=7)),
    # not a positive number: the default, not a crash
    ({"KEHOACH_MAX_BYTES": "lots", "KEHOACH_PDF_MAX_INFLATED": "-1"}, limits.Limits()),
    ({"KEHOACH_MAX_BYTES": "0", "KEHOACH_PDF_MAX_INFLATED": ""}, limits.Limits()),
])
def test_limits_from_the_environment(environ, expected):
    assert limits.from_environment(environ) == expected


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(LoadError) as missing:
        load(tmp_path / "nothing.docx")
    assert missing.value.code == "unreadable" and "no such file" in missing.value.message
    with pytest.raises(LoadError) as folder:
        load(tmp_path)
    assert folder.value.code == "unreadable"


def test_permission_denied(tmp_path, monkeypatch):
    path = tmp_path / "locked.docx"
    path.write_bytes(small_docx())
    real_open = Path.open

    def deny(self, *args, **kwargs):       # root reads whatever the mode bits say: simulate
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(LoadError) as error:
        load(path)
    assert error.value.code == "unreadable" and "permission" in error.value.message


@pytest.mark.parametrize("data", [b"\xff\xfe\xfd binary \x00\x01", b"text with a NUL \x00 byte", b"Ph\xf2ng"])
def test_not_text(tmp_path, data):
    assert refused(tmp_path, data, "x.txt").code == "not_text"


def test_truncated_and_corrupt_docx(tmp_path):
    data = small_docx()
    assert refused(tmp_path, data[: len(data) // 2], "cut.docx").code == "corrupt_docx"
    broken = replace_members(data, {"word/document.xml": b"<w:document><w:body>"})
    error = refused(tmp_path, broken, "broken.docx")
    assert error.code == "corrupt_docx" and "word/document.xml" in error.message


@pytest.mark.parametrize("members, words", [
    ({"notes.txt": b"hello"}, "word/document.xml"),
    ({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}, "spreadsheet"),
])
def test_zip_that_is_not_a_document(tmp_path, members, words):
    error = refused(tmp_path, zip_of(members), "archive.docx")
    assert error.code == "not_a_document" and words in error.message


def test_zip_bomb_by_ratio_and_by_total(tmp_path, monkeypatch):
    bomb = replace_members(small_docx(), {"word/document.xml": bytes(4 << 20)})     # 4 MB of zeros: ~4 KB
    assert refused(tmp_path, bomb, "bomb.docx").code == "zip_bomb"
    monkeypatch.setattr(limits, "ZIP_MAX_TOTAL_UNCOMPRESSED", 1000)
    error = refused(tmp_path, small_docx(), "large.docx")
    assert error.code == "zip_bomb" and "1000" in error.message


def test_xml_entity_bomb(tmp_path):
    entities = b"".join(b'<!ENTITY e%d "%s">' % (n, (b"&e%d;" % (n - 1)) * 10) for n in range(1, 8))
    xml = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e0 "x">' + entities + b']>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           b'<w:body><w:p><w:r><w:t>&e7;</w:t></w:r></w:p></w:body></w:document>')
    error = refused(tmp_path, replace_members(small_docx(), {"word/document.xml": xml}), "lol.docx")
    assert error.code == "xml_entities"


def test_encrypted_pdf(tmp_path):
    error = refused(tmp_path, pdf_bytes([[(72, 72, "Ke hoach")]], encrypted=True), "secret.pdf")
    assert error.code == "encrypted" and "password" in error.message


@pytest.mark.parametrize("cut", [True, False])
def test_corrupt_pdf(tmp_path, cut):
    good = pdf_bytes([[(72, 72, "Ke hoach")]])
    data = good[: len(good) // 2] if cut else b"%PDF-1.7\n" + bytes(range(256)) * 20
    assert refused(tmp_path, data, "broken.pdf").code == "corrupt_pdf"


def test_ole_files(tmp_path, monkeypatch):
    from extract.load import doc

    word = OLE_MAGIC + bytes(100) + "WordDocument".encode("utf-16-le") + bytes(400)
    monkeypatch.setattr(doc, "soffice_path", lambda: None)
    error = refused(tmp_path, word, "old.doc")
    assert error.code == "doc_unsupported" and "LibreOffice" in error.message
    other = OLE_MAGIC + bytes(100) + "Workbook".encode("utf-16-le") + bytes(400)
    assert refused(tmp_path, other, "sheet.xls").code == "not_a_document"
    locked = OLE_MAGIC + bytes(100) + "EncryptedPackage".encode("utf-16-le") + bytes(400)
    assert refused(tmp_path, locked, "locked.docx").code == "encrypted"


def test_format_is_sniffed_from_content_not_name(tmp_path):
    pdf = tmp_path / "really-a-pdf.txt"
    pdf.write_bytes(pdf_bytes([[(72, 72, "Ke hoach")]]))
    assert load(pdf).format == "pdf"
    word = tmp_path / "really-a-docx.pdf"
    word.write_bytes(small_docx())
    assert load(word).format == "docx"
    text = tmp_path / "really-text.docx"
    text.write_text("KẾ HOẠCH", encoding="utf-8")
    assert load(text).format == "txt"
