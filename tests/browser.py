"""Headless Chromium for tests of anything a person looks at (the review page, heat maps).

Playwright drives the Debian `chromium` that `make test` installs (`make chromium`); nothing is
downloaded. `browser_page()` yields a Playwright Page; tests that need it skip only when no
Chromium is installed on the machine.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from typing import Iterator

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    """The path of an installed Chromium, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@contextmanager
def browser_page(width: int = 1280, height: int = 900) -> Iterator["object"]:
    """A fresh page in a headless Chromium; skips the test when none is installed."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium installed (make chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()
