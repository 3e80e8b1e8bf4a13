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
    now = f1_figures(figures)
    drops = [f"{where}: {now.get(where, 0):.3f} < {recorded:.3f}"
             for where, recorded in f1_figures(baseline).items() if now.get(where, 0) < recorded - TOLERANCE]
    assert not drops, drops


def test_scan_targets_are_right_or_flagged(report):
    """Targets read from the committed scans are right or carry ocr_low_confidence."""
    assert {"scan", "scan-phone"} <= set(report.silent_targets)
    assert report.silent_targets == {fmt: 0 for fmt in report.silent_targets}


def f1_figures(figures: dict, prefix: str = "") -> dict[str, float]:
    """{'txt/agencies': F1, …, 'sets/heldout/pdf/tasks': F1} of `kehoach eval --json` output."""
    found = {}
    for key, value in figures.items():
        if isinstance(value, dict) and "f1" in value:
            found[prefix + key] = value["f1"]
        elif isinstance(value, dict):
            found.update(f1_figures(value, f"{prefix}{key}/"))
    return found


def test_report_gives_dev_and_heldout_apart(report):
    figures = report.as_dict()
    assert set(figures["sets"]) == {"dev", "heldout"}
    heldout = sum(1 for name in report.by_document if name.startswith("heldout-"))
    assert 0 < heldout < len(report.by_document)
    # the sets partition the golden files: their true positives add up to the whole
    for category in ("overall", "tasks"):
        assert (figures["sets"]["dev"]["all"][category]["tp"] + figures["sets"]["heldout"]["all"][category]["tp"]
                == figures["all"][category]["tp"])


def test_scoring_sees_a_missing_indicator():
    gold = json.loads((GOLDEN / "quang-tri-tinh-2026.txt.json").read_text(encoding="utf-8"))
    pred = json.loads(json.dumps(gold))
    pred["indicators"] = pred["indicators"][1:]
    scores = score_document(gold, pred)
    assert scores["indicators"].recall < 1.0 and scores["indicators"].precision == 1.0
    assert set(scores) == set(CATEGORIES)
