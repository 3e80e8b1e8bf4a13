"""Write contract JSON: stable key order, UTF-8, no clock, so that reruns are byte-identical."""

from __future__ import annotations

import json
from pathlib import Path

from extract.models import Document


def document_json(document: Document, *, provenance: bool = True) -> str:
    """The contract JSON of a document: indented by 2, non-ASCII as is, a final newline; without any
    `sources` when `provenance` is False."""
    if provenance:
        # pydantic's serializer writes the same bytes as json.dumps(indent=2, ensure_ascii=False)
        # at a fraction of the cost (the standard library's indenting encoder is pure Python)
        return document.model_dump_json(indent=2) + "\n"
    data = strip_sources(document.model_dump(mode="json"))
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def strip_sources(value):
    """The same data without provenance (`sources`), as golden files are written."""
    if isinstance(value, dict):
        return {k: strip_sources(v) for k, v in value.items() if k != "sources"}
    if isinstance(value, list):
        return [strip_sources(v) for v in value]
    return value


def write_document(document: Document, path: Path) -> None:
    """Write the document's JSON to `path` (folders created), atomically through a temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(document_json(document), encoding="utf-8")
    tmp.replace(path)
