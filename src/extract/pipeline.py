"""The pipeline: load -> normalize -> segment -> extract -> validate, one document at a time.

`extract_path` is the one entry point that the CLI, the batch runner, the evaluator and
the benchmark share. Every stage is a pure function of the previous stage's output.
"""

from __future__ import annotations

import gc
from pathlib import Path

from extract import EXTRACTOR
from extract.load import file_sha256, load, load_bytes
from extract.models import Document, DocumentSource
from extract.options import Options
from extract.structures import RawDocument
from extract.normalize import normalize_document
from extract.rules import load_rules
from extract.segment import segment
from extract.items import extract_items
from extract.validate import validate


STDIN_NAME = "-"   # source.file of a document read from standard input

__all__ = ["Options", "STDIN_NAME", "bytes_text", "display_path", "document_text", "extract_bytes", "extract_path",
           "extract_path_with_text", "warm"]


def _given(options: Options | None) -> Options:
    """`options`, or the defaults (NLP on, the environment's limits) when None."""
    return Options() if options is None else options


def display_path(path: Path) -> str:
    """The path as written in `source.file`: relative to the working folder when inside it.
    Bytes of a file name that are not UTF-8 are shown as U+FFFD (the JSON stays valid)."""
    try:
        shown = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def extract_path(path: Path, options: Options | None = None) -> Document:
    """Extract one document (options: Options(), the environment's limits, when None).
    Raises extract.load.LoadError for input that cannot be read."""
    return extract_path_with_text(path, options)[0]


def extract_path_with_text(path: Path, options: Options | None = None) -> tuple[Document, str]:
    """The document and the text its provenance offsets index, from one load of the file
    (the review page shows both). Raises extract.load.LoadError like `extract_path`."""
    options = _given(options)
    path = Path(path)
    raw = load(path, options.limits)
    return _extract_raw(raw, display_path(path), raw.sha256 or file_sha256(path), options)


def extract_bytes(data: bytes, file: str = STDIN_NAME, options: Options | None = None) -> Document:
    """Extract a document held in memory (standard input); `file` is what `source.file` says.
    The format is sniffed from the bytes. Raises extract.load.LoadError like `extract_path`."""
    options = _given(options)
    raw = load_bytes(data, file, options.limits)
    return _extract_raw(raw, file, raw.sha256, options)[0]


def _extract_raw(raw: RawDocument, file: str, sha256: str, options: Options) -> tuple[Document, str]:
    """The stages after loading: the document and the text its offsets index."""
    text = normalize_document(raw)
    segmented = segment(text)
    source = DocumentSource(file=file, sha256=sha256, format=raw.format, pages=raw.pages, ocr=raw.ocr,
                            extractor=EXTRACTOR, page_estimated=raw.pages_estimated)
    document = extract_items(segmented, source, options)
    return validate(document, segmented), text.text


def document_text(path: Path, options: Options | None = None) -> str:
    """The document text that provenance offsets index (`kehoach text`). Raises LoadError."""
    options = _given(options)
    return normalize_document(load(Path(path), options.limits)).text


def bytes_text(data: bytes, file: str = STDIN_NAME, options: Options | None = None) -> str:
    """`document_text` of a document held in memory (`kehoach text -`). Raises LoadError."""
    options = _given(options)
    return normalize_document(load_bytes(data, file, options.limits)).text




def warm(options: Options | None = None) -> None:
    """Load and compile everything once (rules, and the NLP models when NLP is on), so that a
    batch worker's first document costs what every other does."""
    import tempfile

    options = _given(options)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warm-up.txt"
        path.write_text(load_rules("warm_up")["plan"], encoding="utf-8")
        extract_path(path, options)
    if options.nlp:
        from extract.nlp import agency_tagger
        agency_tagger().agency_prefix_end(load_rules("warm_up")["agency_phrase"])
    # What is loaded now lives as long as the process: keep the cyclic garbage collector from
    # re-scanning it (the NLP models are ~100 MB of objects) while pdfplumber allocates
    # hundreds of thousands of objects per document. 13% off a PDF's time, measured.
    gc.freeze()
