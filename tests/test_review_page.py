"""The review page in a real headless Chromium: upload a corpus DOCX, click an indicator, see
its quote highlighted in the text pane, correct a target, save, and check the golden file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from browser import browser_page  # noqa: E402
from conftest import CORPUS, ROOT, extracted  # noqa: E402
from extract.evaluate import score_document  # noqa: E402
from extract.models import Document  # noqa: E402
from serve_helpers import running_server, serve_settings  # noqa: E402

DOCX = CORPUS / "binh-lu-xa-2026.docx"
# The README's screenshot; refreshed when KEHOACH_UPDATE_SCREENSHOT=1 (otherwise the test
# takes it into its temporary folder, so that a test run leaves the work tree as it was).
SCREENSHOT = ROOT / "docs" / "review-page.png"


def test_review_page_highlights_corrects_and_saves_a_golden(tmp_path):
    original = extracted(DOCX).model_dump(mode="json")
    index = next(i for i, ind in enumerate(original["indicators"]) if ind["sources"] and ind["targets"])
    indicator = original["indicators"][index]
    quote = indicator["sources"][0]["quote"]
    settings = serve_settings(tmp_path)
    with running_server(settings) as base, browser_page() as page:
        page.goto(base + "/")
        page.set_input_files("input[type=file]", str(DOCX))
        page.click("button[type=submit]")
        page.wait_for_url(base + "/reviews/*")
        assert "Chỉ tiêu" in page.inner_text("#items")

        item = page.locator(f"article.item#{indicator['id']}")
        item.locator(".show-source").click()
        mark = page.locator("#doc-text mark").first
        mark.wait_for(state="visible")
        assert mark.inner_text() == quote
        pane, box = page.locator("#doc-text").bounding_box(), mark.bounding_box()
        assert pane["y"] <= box["y"] and box["y"] + box["height"] <= pane["y"] + pane["height"]
        assert "active" in item.get_attribute("class")

        # filters: only items with problems, then all again
        total = page.locator("article.item:visible").count()
        page.check("#filter-problems")
        flagged = page.locator("article.item[data-problem='1']").count()
        assert page.locator("article.item:visible").count() == flagged < total
        page.uncheck("#filter-problems")

        target = item.locator(f"input[data-path='/indicators/{index}/targets/0/value']")
        target.fill("77")
        assert "changed" in target.get_attribute("class")
        comparator = item.locator(f"select[data-path='/indicators/{index}/targets/0/comparator']")
        assert comparator.input_value() == indicator["targets"][0]["comparator"]
        comparator.select_option(">")
        page.fill("#reviewer", "Trần Thị Bình")
        page.click("#save")
        page.wait_for_selector("#save-result.ok")
        item.scroll_into_view_if_needed()
        shot = SCREENSHOT if os.environ.get("KEHOACH_UPDATE_SCREENSHOT") == "1" else tmp_path / SCREENSHOT.name
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        golden_path = Path(page.locator("#save-result").get_attribute("data-golden"))

    golden_path = golden_path if golden_path.is_absolute() else ROOT / golden_path
    golden = json.loads(golden_path.read_text(encoding="utf-8"))
    Document.model_validate(golden)
    assert golden["indicators"][index]["targets"][0]["value"] == 77
    assert golden["indicators"][index]["targets"][0]["comparator"] == ">"
    assert all(score.f1 == 1.0 for score in score_document(golden, golden).values())
    against_original = score_document(golden, original)
    assert against_original["targets"].f1 < 1.0
    assert against_original["metadata"].f1 == against_original["sections"].f1 == 1.0
    record = json.loads(golden_path.with_name(golden_path.name[:-5] + ".review.json").read_text(encoding="utf-8"))
    assert record["reviewer"] == "Trần Thị Bình"
    assert record["corrections"] == [
        {"path": f"/indicators/{index}/targets/0/value", "before": indicator["targets"][0]["value"], "after": 77},
        {"path": f"/indicators/{index}/targets/0/comparator", "before": indicator["targets"][0]["comparator"],
         "after": ">"}]


def test_review_of_a_pdf_shows_the_quotes_page_with_a_box_over_it(tmp_path):
    pdf = CORPUS / "quang-tri-tinh-2026.pdf"
    task = next(t for t in extracted(pdf).tasks if t.sources and (t.sources[0].page or 0) > 1)
    with running_server(serve_settings(tmp_path)) as base, browser_page() as page:
        page.goto(base + "/")
        page.set_input_files("input[type=file]", str(pdf))
        page.click("button[type=submit]")
        page.wait_for_url(base + "/reviews/*")
        page.locator(f"article.item#{task.id} .show-source").click()
        page.locator("#page-box").wait_for(state="visible")
        assert page.inner_text("#page-number") == str(task.sources[0].page)
        assert page.get_attribute("#page-image", "src").endswith(f"/pages/{task.sources[0].page}.png")
        box, image = page.locator("#page-box").bounding_box(), page.locator("#page-image").bounding_box()
        assert image["x"] <= box["x"] < box["x"] + box["width"] <= image["x"] + image["width"] + 1
