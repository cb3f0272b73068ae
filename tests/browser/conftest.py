"""Headless Chromium (Debian's package) driven by Playwright for Python.

Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
alongside are still synchronous, so Django's async-safety guard is relaxed for these tests only.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", settings.VAR_DIR / "test-artifacts"))


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM}"))


@pytest.fixture(scope="session")
def browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(locale) → a page in a fresh context whose browser language is `locale`."""
    contexts = []

    def make(locale: str = "en-US"):
        context = browser.new_context(
            locale=locale,
            viewport={"width": 1366, "height": 900},
            extra_http_headers={"Accept-Language": locale},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request):
    """shot(page, name): save a full-page PNG under var/test-artifacts/screenshots/."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page, username: str, password: str = "pass-1234") -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(page.base_url + "/")
