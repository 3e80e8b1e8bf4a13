"""Bad input through `kehoach batch`: a clear, specific reason per kind, and nothing else lost.

Every test builds its bad file in tmp_path beside a good one, runs the batch runner end to end
(the real pipeline when it imports, else the real loader with a minimal stand-in for the later
stages, since the loader is what detects bad input), and checks the manifest: the bad file's
status, reason and message, and that the good file was still extracted.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from fixtures.load_docs import pdf_bytes

from extract.batch import run_batch
from extract.load import load
from extract.models import Document, DocumentSource, Problem

ROOT = Path(__file__).resolve().parents[1]
GOOD_TEXT = """UBND XÃ MINH XUÂN
Số: 01/KH-UBND
Minh Xuân, ngày 10 tháng 4 năm 2026
KẾ HOẠCH
Chuyển đổi số năm 2026
I. MỤC TIÊU
1. 100% hồ sơ công việc được xử lý trên môi trường điện tử.
"""


def loader_only_extract(path: Path, options=None) -> Document:
    """The real loader, then the loader's problems as a Document (no later stages)."""
    from extract.load import file_sha256

    raw = load(path)
    return Document(
        source=DocumentSource(file=Path(path).name, sha256=file_sha256(path), format=raw.format, pages=raw.pages,
                              ocr=raw.ocr, extractor="loader-only"),
        problems=[Problem(code=p.code, severity=p.severity, message=p.message) for p in raw.problems],
    )


def pipeline_extract():
    try:
        from extract.pipeline import Options, extract_path
    except ImportError:
        return None
    return extract_path, Options(nlp=False)


def extract_and_options():
    return pipeline_extract() or (loader_only_extract, None)


def run_with(tmp_path: Path, name: str, data: bytes | None = None, **kwargs) -> tuple[dict, dict]:
    """Batch a folder holding `name` (with `data`) and a good plan; their two manifest lines."""
    src = tmp_path / "in"
    src.mkdir(exist_ok=True)
    (src / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    if data is not None:
        (src / name).write_bytes(data)
    extract_fn, options = extract_and_options()
    result = run_batch(src, tmp_path / "out", extract_fn=extract_fn, options=options, workers=1, timeout=60,
                       **kwargs)
    entries = {entry["file"]: entry for entry in result.entries}
    good = entries["good.txt"]
    assert good["status"] == "ok", good
    assert len(result.entries) == 2
    return entries[name], good


def assert_failed(entry: dict, reason: str, *words: str) -> None:
    assert entry["status"] == "failed" and entry["reason"] == reason, entry
    assert entry["output"] is None and entry["message"]
    for word in words:
        assert word.lower() in entry["message"].lower(), entry["message"]


# ------------------------------------------------------------------- file makers

def docx_bytes(text: str = "Kế hoạch") -> bytes:
    from docx import Document as WordDocument

    document = WordDocument()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def repack(data: bytes, replace: dict) -> bytes:
    """The same ZIP with some members replaced: bytes, or a function that streams into the member."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            value = replace.get(item.filename, source.read(item.filename))
            if callable(value):
                with target.open(item.filename, "w", force_zip64=True) as handle:
                    value(handle)
            else:
                target.writestr(item.filename, value)
    return out.getvalue()


def minimal_pdf(text: str = "Ke hoach", encrypted: bool = False) -> bytes:
    """A one-page PDF with a text layer, written by hand (no PDF writer is installed)."""
    return pdf_bytes([[(72, 760, text)]], encrypted=encrypted)


# ------------------------------------------------------------------------- tests

def test_minimal_pdf_is_readable():  # the maker itself, so that the PDF tests below mean something
    raw = load_bytes(minimal_pdf())
    assert raw.format == "pdf" and raw.pages == 1


def load_bytes(data: bytes, suffix: str = ".pdf"):
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data)
        handle.flush()
        return load(Path(handle.name))


def test_zero_byte_file(tmp_path):
    entry, _ = run_with(tmp_path, "empty.docx", b"")
    assert_failed(entry, "empty", "empty")
    assert entry["sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_truncated_docx(tmp_path):
    data = docx_bytes()
    entry, _ = run_with(tmp_path, "truncated.docx", data[: len(data) // 2])
    assert_failed(entry, "corrupt_docx")


def test_corrupt_docx_xml(tmp_path):
    entry, _ = run_with(tmp_path, "broken.docx", repack(docx_bytes(), {"word/document.xml": b"<w:document><w:body>"}))
    assert_failed(entry, "corrupt_docx", "word/document.xml")


def test_truncated_pdf(tmp_path):
    data = minimal_pdf()
    entry, _ = run_with(tmp_path, "truncated.pdf", data[: len(data) // 2])
    assert_failed(entry, "corrupt_pdf")


def test_corrupt_pdf(tmp_path):
    entry, _ = run_with(tmp_path, "junk.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20)
    assert_failed(entry, "corrupt_pdf")


def test_encrypted_pdf(tmp_path):
    entry, _ = run_with(tmp_path, "secret.pdf", minimal_pdf(encrypted=True))
    assert_failed(entry, "encrypted", "password")


def test_zip_that_is_not_a_docx(tmp_path):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("notes.txt", "không phải văn bản Word")
    entry, _ = run_with(tmp_path, "archive.docx", archive.getvalue())
    assert_failed(entry, "not_a_document", "word/document.xml")


def test_docx_zip_bomb(tmp_path):
    def zeros(handle, total=220 << 20):       # 220 MB of zeros: a ~0.3 MB file
        block = bytes(1 << 20)
        for _ in range(total >> 20):
            handle.write(block)

    data = repack(docx_bytes(), {"word/document.xml": zeros})
    assert len(data) < 1 << 20
    entry, _ = run_with(tmp_path, "bomb.docx", data)
    assert_failed(entry, "zip_bomb")


def test_docx_xml_entity_bomb(tmp_path):
    entities = b"".join(b'<!ENTITY lol%d "%s">' % (level, (b"&lol%d;" % (level - 1)) * 10) for level in range(1, 10))
    xml = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">' + entities + b']>\n'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           b'<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>')
    entry, _ = run_with(tmp_path, "entities.docx", repack(docx_bytes(), {"word/document.xml": xml}))
    assert_failed(entry, "xml_entities")


def test_image_only_pdf_is_processed_with_a_problem(tmp_path):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(image).rectangle((50, 50, 550, 120), fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PDF")
    entry, _ = run_with(tmp_path, "scan.pdf", buffer.getvalue())
    assert entry["status"] == "ok" and entry["format"] == "pdf" and entry["pages"] == 1, entry
    document = Document.model_validate_json((tmp_path / "out" / entry["output"]).read_text(encoding="utf-8"))
    assert "text_layer_missing" in [problem.code for problem in document.problems]


def ole_stub() -> bytes:
    """The first bytes of an OLE2 compound file that names a WordDocument stream."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100) + "WordDocument".encode("utf-16-le") + bytes(400)


def test_legacy_doc_without_libreoffice(tmp_path, monkeypatch):
    from extract.load import doc

    monkeypatch.setattr(doc, "soffice_path", lambda: None)    # workers are forked: they see it too
    entry, _ = run_with(tmp_path, "old.doc", ole_stub())
    assert_failed(entry, "doc_unsupported", "LibreOffice")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_legacy_doc_is_converted(tmp_path):
    source = tmp_path / "make" / "old.docx"
    source.parent.mkdir()
    source.write_bytes(docx_bytes(GOOD_TEXT))
    profile = tmp_path / "profile"
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "doc",
                    "--outdir", str(source.parent), str(source)], check=True, capture_output=True, timeout=120)
    entry, _ = run_with(tmp_path, "old.doc", (source.parent / "old.doc").read_bytes())
    assert entry["status"] == "ok" and entry["format"] == "doc", entry


def test_document_that_is_not_a_plan(tmp_path):
    if pipeline_extract() is None:
        pytest.skip("needs the whole pipeline (doc_type), which does not import yet")
    recipe = ("Phở bò Hà Nội\n\nNguyên liệu: 500 g xương bò, 300 g thịt bò, 1 củ gừng, 2 củ hành tây.\n\n"
              "Cách làm: ninh xương trong 6 giờ, thêm gia vị, chần bánh phở và thịt, chan nước dùng.\n")
    entry, _ = run_with(tmp_path, "pho.txt", recipe.encode("utf-8"))
    assert entry["status"] == "ok", entry
    data = Document.model_validate_json((tmp_path / "out" / entry["output"]).read_text(encoding="utf-8"))
    assert data.document.doc_type == "other"
    assert data.problems, "a document that is not a plan must say so in a problem"


def test_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("KEHOACH_MAX_BYTES", str(len(GOOD_TEXT.encode()) + 10))
    entry, _ = run_with(tmp_path, "big.txt", b"x" * 5000)
    assert_failed(entry, "too_large", "5000", "KEHOACH_MAX_BYTES")
    assert entry["sha256"] is None                     # refused before reading it whole


def test_unreadable_dangling_symlink(tmp_path):
    # Running as root, permissions cannot make a file unreadable: a link to nothing can.
    (tmp_path / "in").mkdir()
    os.symlink(tmp_path / "in" / "gone.docx", tmp_path / "in" / "link.docx")   # inside DIR, to nothing
    entry, _ = run_with(tmp_path, "link.docx")
    assert_failed(entry, "unreadable", "no such file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a file whatever its permissions")
def test_unreadable_permissions(tmp_path):
    (tmp_path / "in").mkdir()
    locked = tmp_path / "in" / "locked.docx"
    locked.write_bytes(docx_bytes())
    locked.chmod(0)
    try:
        entry, _ = run_with(tmp_path, "locked.docx")
    finally:
        locked.chmod(0o644)
    assert_failed(entry, "unreadable", "permission")
