"""Browser tests: the back office served on a real port (uvicorn) and Debian's chromium, driven
headless by Playwright. Nothing is downloaded: the browser is the system's (``make test`` installs
the ``chromium`` package when it is missing)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from backoffice.web.app import create_app
from embedded.smtp_outbox import free_port
from tests.case_fixtures import RelanceUnderTest
from tests.web_fixtures import PASSWORD, BackofficeUnderTest

CHROMIUM = Path(os.environ.get("RELANCE_TEST_CHROMIUM", "/usr/bin/chromium"))
# Screenshots the test run leaves for people to look at (dashboard, case page).
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "test-screenshots"
# Without these, chromium reaches for Google's services, which this closed network refuses.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (make test does it when run as root)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        await browser.close()


@dataclass
class LiveBackoffice:
    """The back office on a port, and a way to open a signed-in browser tab on it."""

    url: str
    backoffice: BackofficeUnderTest
    browser: Browser

    @property
    def relance(self) -> RelanceUnderTest:
        return self.backoffice.relance

    async def page(self) -> Page:
        context = await self.browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        page.set_default_timeout(20_000)
        return page

    async def signed_in(self, username: str) -> Page:
        page = await self.page()
        await page.goto(f"{self.url}/login")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(lambda url: "/login" not in url)
        return page


@pytest.fixture
async def live_backoffice(
    backoffice: BackofficeUnderTest, chromium: Browser
) -> AsyncIterator[LiveBackoffice]:
    relance = backoffice.relance
    port = free_port("127.0.0.1")
    app = create_app(relance.settings, client=relance.client, database=relance.database)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield LiveBackoffice(f"http://127.0.0.1:{port}", backoffice, chromium)
    server.should_exit = True
    await serving
