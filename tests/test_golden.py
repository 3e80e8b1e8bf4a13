"""Golden-file regression: extraction quality may not fall below what is recorded.

golden/baseline.json holds the F1 per format and category measured when the goldens were
last checked; `kehoach eval golden --json > golden/baseline.json` records a new one.
"""

import json

import pytest

from conftest import GOLDEN, ROOT, corpus_documents, extracted
from extract.evaluate import CATEGORIES, evaluate, score_document

TOLERANCE = 0.005


@pytest.fixture(scope="module")
def report():
    return evaluate(GOLDEN, extracted, root=ROOT)


def test_every_corpus_document_has_a_golden():
    missing = [p.name for p in corpus_documents() if not (GOLDEN / f"{p.name}.json").exists()]
    assert not missing


def test_no_document_fails(report):
    assert report.failures == {}


def test_quality_does_not_regress(report):
    baseline = json.loads((GOLDEN / "baseline.json").read_text(encoding="utf-8"))
    figures = report.as_dict()
    drops = []
    for fmt, categories in baseline.items():
        for category, recorded in categories.items():
            now = figures[fmt][category]["f1"]
            if now < recorded["f1"] - TOLERANCE:
                drops.append(f"{fmt}/{category}: {now:.3f} < {recorded['f1']:.3f}")
    assert not drops, drops


def test_scoring_sees_a_missing_indicator():
    gold = json.loads((GOLDEN / "quang-tri-tinh-2026.txt.json").read_text(encoding="utf-8"))
    pred = json.loads(json.dumps(gold))
    pred["indicators"] = pred["indicators"][1:]
    scores = score_document(gold, pred)
    assert scores["indicators"].recall < 1.0 and scores["indicators"].precision == 1.0
    assert set(scores) == set(CATEGORIES)
