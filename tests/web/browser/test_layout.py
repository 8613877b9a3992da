"""Every panel page fits a 390 px phone and a 1280 px desktop, in Turkish and in English.

Drawn by Debian's Chromium (Playwright) from a real server filled by `seed_panel`, so every
table has rows, every row has its buttons and the longest texts are on screen. A page fails
when it scrolls sideways (the whole document is wider than the window) or when a button or
link is cut: wider than the box that clips it, or outside the page's width. Set
WABROADCAST_SCREENSHOTS to a folder to keep a screenshot of each page (`tools/screenshots.py`
does, for docs/screenshots).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from tests.web.browser.seed import seed_panel
from tests.web.browser.test_panel_browser import DESKTOP, PHONE, browser, log_in
from tests.web.views.helpers import PAGES, LiveServer, live_server
from wabroadcast.config import load_settings

pytestmark = [pytest.mark.slow, pytest.mark.browser]
__all__ = ["browser"]  # the fixture, shared with the flow test

SIZES: dict[str, ViewportSize] = {"desktop": DESKTOP, "phone": PHONE}
LANGUAGES = ("tr", "en")

CUT_CONTROLS = """
() => {
  const cut = [];
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('button, a, .button, input, select, textarea')) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, .nav')) continue;  // the nav scrolls by design
    const name = (el.textContent || el.getAttribute('name') || el.id || el.tagName).trim();
    if (box.left < -1 || box.right > width + 1) {
      cut.push(`${name}: outside the page (${Math.round(box.left)}..${Math.round(box.right)})`);
      continue;
    }
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const ov = getComputedStyle(up);
      if (ov.overflowX === 'visible' && ov.overflowY === 'visible') continue;
      const clip = up.getBoundingClientRect();
      if (box.right > clip.right + 1 || box.left < clip.left - 1) {
        cut.push(`${name}: cut by ${up.tagName}.${up.className}`);
      }
      break;
    }
    if (el.scrollWidth > el.clientWidth + 1 && el.tagName === 'BUTTON') {
      cut.push(`${name}: text wider than the button`);
    }
  }
  return cut;
}
"""


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, int]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('layout') / 'panel.db'}"
    settings = load_settings({"DATABASE_URL": url}, env_file=None)
    with live_server(settings) as running:
        seeded = seed_panel(running.database)
        yield running, seeded["campaign"]


def every_page(campaign_id: int) -> list[str]:
    return [*PAGES, f"/campaigns/{campaign_id}"]


def page_name(path: str) -> str:
    return path.strip("/").replace("/", "-") or "dashboard"


def problems(page: Page) -> list[str]:
    found: list[str] = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    if width > inner:
        found.append(f"the page is {width} px wide in a {inner} px window")
    cut: list[Any] = page.evaluate(CUT_CONTROLS)
    found.extend(str(item) for item in cut)
    return found


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits(
    filled: tuple[LiveServer, int], browser: Browser, size: str, language: str
) -> None:
    server, campaign_id = filled
    viewport = SIZES[size]
    context = browser.new_context(
        viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone"
    )
    page = context.new_page()
    log_in(page, server.url)
    shots = os.environ.get("WABROADCAST_SCREENSHOTS")
    failures: dict[str, list[str]] = {}
    try:
        for path in every_page(campaign_id):
            page.goto(f"{server.url}{path}?lang={language}")
            page.wait_for_load_state("load")
            assert page.locator("h1").count() >= 1, path
            found = problems(page)
            if found:
                failures[path] = found
            if shots:
                folder = Path(shots)
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"{page_name(path)}-{language}-{size}.png"
                page.screenshot(path=str(target), full_page=True)
    finally:
        context.close()
    assert not failures, failures
