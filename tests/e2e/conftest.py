"""Browser journeys: Playwright drives Debian's chromium (/usr/bin/chromium, installed by
`make e2e-deps`; never `playwright install`) against pytest-django's live server.

- Without chromium the journeys skip locally but FAIL under CI=true, so a missing install
  step cannot hide.
- A failed journey leaves a full-page screenshot in test-artifacts/ (kept by CI);
  E2E_SCREENSHOTS=1 keeps one of every journey's last page, to look at.
"""

import os
import re
from pathlib import Path

import pytest
from django.utils import translation

from tests.e2e.accessibility import watch

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LANGUAGES = ["zh-hans", "en"]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make e2e-deps` (apt package `chromium`)."
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # The Playwright sync API keeps an event loop running in this thread while the browser
    # lives; the journeys still call the ORM synchronously (factories, assertions, the
    # database flush after each test), which Django would refuse. Allowed for exactly that
    # span, so it never reaches other tests or their subprocesses (check --deploy).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launch(sync_playwright):
    with sync_playwright() as playwright:
        # launch() gives every browser a fresh temporary user-data dir; each test then gets
        # its own context (cookies, storage), so nothing carries over between journeys.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def make_page(browser, live_server, request):
    """make_page(language, phone=False) -> a page in a fresh context whose language cookie
    is set (phone: a 390x844 touch viewport)."""
    contexts = []

    def make(language="en", phone=False):
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN" if language == "zh-hans" else "en-US",
            viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
            is_mobile=phone,
        )
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        watch(page)  # axe-core on every page the journey loads
        contexts.append((context, page))
        return page

    yield make
    failed = getattr(request.node, "rep_call", None)
    for i, (context, page) in enumerate(contexts):
        if (failed is not None and failed.failed) or os.environ.get("E2E_SCREENSHOTS"):
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{i}.png"), full_page=True)
            except Exception as exc:  # a screenshot must never mask the real failure
                print(f"screenshot failed: {exc}")
        context.close()
    problems = [p for _context, page in contexts for p in getattr(page, "axe_problems", [])]
    if problems and not (failed is not None and failed.failed):
        pytest.fail("axe-core: serious or critical violations:\n" + "\n".join(problems))


def translated(language: str, text: str) -> str:
    """The string as the site shows it in `language` (what a visitor reads)."""
    with translation.override(language):
        return translation.gettext(text)


def log_in(page, user, password):
    page.goto("/accounts/login/")
    page.fill("[name=username]", user.get_username())
    page.fill("[name=password]", password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.content()[:2000]


def assert_page_in(page, language: str) -> None:
    """The page is served in `language` and shows no unexpanded template text."""
    assert page.locator("html").get_attribute("lang") == language
    body = page.inner_text("body")
    assert "{%" not in body and "{{" not in body
    assert page.errors == [], page.errors
