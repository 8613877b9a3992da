"""The panel in a real browser: Debian's Chromium driven by Playwright, against uvicorn.

Never `playwright install`: the browser is /usr/bin/chromium (installed by .ci/run). Set
WABROADCAST_SCREENSHOTS to a folder to keep the screenshots (docs/screenshots for the README);
otherwise they go to the test's tmp dir.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from tests.web.views.helpers import TOKEN, LiveServer, add_templates, live_server
from wabroadcast.config import load_settings

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def server(sqlite_url: str) -> Iterator[LiveServer]:
    settings = load_settings({"DATABASE_URL": sqlite_url}, env_file=None)
    with live_server(settings) as running:
        add_templates(running.database)
        yield running


def contacts_csv(folder: Path, count: int) -> Path:
    """`count` good rows and two bad ones (lines 3 and 8), as a user's spreadsheet export."""
    lines = ["phone,name,city"]
    for number in range(count):
        lines.append(f"+90 555 {2000000 + number:07d},Müşteri {number},İzmir")
        if number == 0:
            lines.append("12345,Too Short,Ankara")
        if number == 4:
            lines.append(",No Number,Bursa")
    path = folder / "customers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("WABROADCAST_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_in(page: Page, url: str) -> None:
    page.goto(url + "/send")
    assert "/login" in page.url
    page.fill("#token", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/send")


def test_import_send_225_watch_it_finish_in_turkish(
    server: LiveServer, browser: Browser, shots: Path, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    log_in(page, server.url)
    expect(page.get_by_test_id("sandbox-banner")).to_contain_text("built-in simulator")

    page.goto(server.url + "/contacts")
    page.set_input_files("#file", str(contacts_csv(tmp_path, 250)))
    page.click("form[action='/contacts/import'] button[type=submit]")
    expect(page.get_by_test_id("report-imported")).to_have_text("250")
    expect(page.get_by_test_id("report-rejected")).to_have_text("2")
    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("customers.csv:3")
    expect(report).to_contain_text("customers.csv:8")
    page.screenshot(path=str(shots / "contacts-import.png"), full_page=False)

    page.goto(server.url + "/send")
    page.select_option("#template", "daily_offer")
    page.select_option("#language", "tr")
    page.fill("#limit", "")
    page.type("#limit", "2")
    expect(page.get_by_test_id("eligible-count")).to_have_text("250")
    expect(page.locator("#will-send")).to_have_text("this campaign will send 2")
    page.type("#limit", "25")  # the field now reads 225
    expect(page.locator("#will-send")).to_have_text("this campaign will send 225")
    expect(page.get_by_test_id("preview-list").locator("li")).to_have_count(10)
    expect(page.get_by_test_id("preview-list")).to_contain_text("Müşteri 0")
    expect(page.get_by_test_id("message-preview")).to_have_text("Bugünün fırsatı sizi bekliyor!")
    page.screenshot(path=str(shots / "send-desktop.png"), full_page=True)

    page.get_by_test_id("lang-tr").click()
    expect(page.locator("h1")).to_have_text("Şablon gönder")
    expect(page.get_by_test_id("sandbox-banner")).to_contain_text("simülatöre")
    page.select_option("#template", "daily_offer")
    page.select_option("#language", "tr")
    page.fill("#limit", "225")
    expect(page.locator("#will-send")).to_have_text("bu kampanya 225 gönderecek")
    page.screenshot(path=str(shots / "send-tr.png"), full_page=True)

    page.click("button.primary[type=submit]")
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    # The numbers arrive by server-sent events: this page is never reloaded.
    expect(page.get_by_test_id("campaign-state")).to_have_text("Tamamlandı", timeout=60_000)
    expect(page.get_by_test_id("funnel-selected")).to_have_text("225")
    expect(page.get_by_test_id("funnel-accepted")).to_have_text("225")
    # statuses come back from the simulator as signed webhooks and reach the open page
    expect(page.get_by_test_id("funnel-delivered")).to_have_text("225", timeout=60_000)
    expect(page.get_by_test_id("funnel-read")).to_have_text("225", timeout=60_000)
    expect(page.get_by_test_id("unknown-count")).to_have_text("0")
    assert int(page.locator("#campaign").get_attribute("data-updates") or "0") >= 2
    page.screenshot(path=str(shots / "campaign-desktop.png"), full_page=True)

    for name, path in (
        ("dashboard", "/"),
        ("contacts", "/contacts"),
        ("templates", "/templates"),
        ("webhooks", "/logs/webhooks"),
        ("stats", "/stats"),
    ):
        page.goto(server.url + path + "?lang=en")
        expect(page.get_by_test_id("sandbox-banner")).to_be_visible()
        long_list = name in {"contacts", "webhooks"}
        page.screenshot(path=str(shots / f"{name}-desktop.png"), full_page=not long_list)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    log_in(mobile, server.url)
    for name, path in (("send", "/send"), ("campaign", "/campaigns/1"), ("contacts", "/contacts")):
        mobile.goto(server.url + path)
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, (path, width)  # nothing wider than the phone
        mobile.screenshot(path=str(shots / f"{name}-phone.png"), full_page=name != "contacts")
    phone.close()
    context.close()
    assert len(list(shots.glob("*.png"))) >= 12


def test_no_access_without_login(server: LiveServer, browser: Browser) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(server.url + "/campaigns")
    assert "/login?next=" in page.url
    page.fill("#token", "not-the-token")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("login-error")).to_have_text("Wrong token.")
    assert page.evaluate("document.cookie") == ""  # the session cookie is HttpOnly
    context.close()
