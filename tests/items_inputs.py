"""Small plans for the item extractors' unit tests (tests/test_items_*.py): a plan's text is
loaded as a text export, normalized and segmented, as the pipeline does, so that each
extractor is called on its own with the `Segmented` and `Provenance` it gets in production."""

from __future__ import annotations

from extract.items.provenance import Provenance
from extract.load import load_bytes
from extract.normalize import normalize_document
from extract.segment import Segmented, segment


def segmented(text: str, ocr: bool = False) -> tuple[Segmented, Provenance]:
    """The segmented plan of `text` (a text export, markdown emphasis allowed) and its
    provenance builder; `ocr`: as if the text had been read from a scan."""
    document = normalize_document(load_bytes(text.encode("utf-8"), "plan.txt"))
    document.ocr = ocr
    seg = segment(document)
    return seg, Provenance(seg.text)


def quoted(seg: Segmented, source) -> str:
    """The text a source points at: what a reader sees when following it back."""
    return seg.text.text[source.start:source.end]
