"""Every corpus document: contract-valid JSON, exact provenance, and format parity."""

import json

import jsonschema
import pytest

from conftest import corpus_documents, corpus_plans, extracted, CORPUS
from extract.models import json_schema
from extract.normalize import normalize_document
from extract.load import load
from extract.write import document_json

DOCUMENTS = corpus_documents()


def _sources(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "sources":
                yield from item
            else:
                yield from _sources(item)
    elif isinstance(value, list):
        for item in value:
            yield from _sources(item)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_output_matches_the_published_schema(path):
    data = json.loads(document_json(extracted(path)))
    jsonschema.Draft202012Validator(json_schema()).validate(data)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_quote_is_exact(path):
    text = normalize_document(load(path)).text
    data = json.loads(document_json(extracted(path)))
    sources = list(_sources(data))
    assert sources
    for source in sources:
        assert text[source["start"]:source["end"]] == source["quote"]
        if path.suffix == ".pdf":
            assert source["page"] is not None


def _items(document):
    return (
        [(i.name, [(t.value, t.comparator, t.unit, t.scope) for t in i.targets],
          [a.name for a in i.lead], [a.name for a in i.partners]) for i in document.indicators],
        [(t.name, [a.name for a in t.lead], [a.name for a in t.partners],
          t.deadline.model_dump() if t.deadline else None) for t in document.tasks],
    )


@pytest.mark.parametrize("plan", corpus_plans())
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_formats_agree_with_the_text_export(plan, fmt):
    base = extracted(CORPUS / f"{plan}.txt")
    other = extracted(CORPUS / f"{plan}.{fmt}")
    assert _items(other) == _items(base)
    assert other.document.issuer == base.document.issuer
    assert other.document.number == base.document.number
