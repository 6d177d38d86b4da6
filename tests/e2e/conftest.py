"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live_server.

Playwright never downloads a browser here; `make test` installs /usr/bin/chromium.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Playwright's sync API leaves an event loop running in this thread, so Django refuses ORM
    calls ("async context") unless DJANGO_ALLOW_ASYNC_UNSAFE is set. Both last only as long
    as this fixture: tests that run later in the same process keep Django's protection, and
    `check --deploy` subprocesses do not inherit the variable.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium).")
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# What Chromium logs to the console when the Content-Security-Policy blocks something.
CSP_VIOLATION_MARKERS = ("Content Security Policy", "Refused to")


@pytest.fixture
def browser_problems() -> list[str]:
    """CSP violations and uncaught script errors seen by the page; `page` fails a test on any.

    A test that provokes one on purpose removes it from this list after asserting on it.
    """
    return []


@pytest.fixture
def page(browser, live_server, transactional_db, browser_problems):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)

    def on_console(message) -> None:
        if any(marker in message.text for marker in CSP_VIOLATION_MARKERS):
            where = message.location.get("url") or message.page and message.page.url
            browser_problems.append(f"{where}: console {message.type}: {message.text}")

    # Context-wide, so that popups and new tabs are watched too.
    context.on("console", on_console)
    context.on(
        "weberror",
        lambda error: browser_problems.append(f"{error.page and error.page.url}: {error.error}"),
    )
    page = context.new_page()
    yield page
    context.close()
    assert not browser_problems, "the browser reported problems:\n" + "\n".join(browser_problems)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def sign_in(page, username: str, password: str) -> None:
    """Through the sign-in form, as a person would."""
    page.goto(reverse("accounts:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Signed in as {username}.")


# A phone's viewport (iPhone 12 to 15) and a laptop's.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
