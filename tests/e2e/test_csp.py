"""Pages under the Content-Security-Policy, in Chromium: the `page` fixture (conftest.py) fails
any test whose page logs a CSP violation or throws an uncaught error."""

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import MovieFactory, UserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "popcorn and a good film 7"
INJECT_INLINE_SCRIPT = """() => {
    const script = document.createElement("script");
    script.textContent = "window.injected = true";
    document.head.append(script);
}"""


def _superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory.build(is_staff=True, is_superuser=True, is_active=True)
    return request


def wait_for_problem(page, browser_problems: list[str], text: str) -> str:
    page.wait_for_timeout(100)  # console events arrive after the statement that caused them
    for _ in range(50):
        found = [problem for problem in browser_problems if text in problem]
        if found:
            return found[0]
        page.wait_for_timeout(100)
    raise AssertionError(f"no problem containing {text!r} was recorded: {browser_problems}")


def test_an_injected_inline_script_is_blocked_and_recorded(page, browser_problems):
    page.goto("/")
    page.evaluate(INJECT_INLINE_SCRIPT)
    problem = wait_for_problem(page, browser_problems, "Content Security Policy")
    assert "script-src" in problem
    assert page.evaluate("window.injected") is None, "the injected script ran"
    browser_problems.clear()  # provoked on purpose: the fixture's teardown must not fail


def test_an_uncaught_error_is_recorded(page, browser_problems):
    page.goto("/")
    page.evaluate("() => { setTimeout(() => { throw new Error('boom from a test'); }); }")
    wait_for_problem(page, browser_problems, "boom from a test")
    browser_problems.clear()


def test_placeholder_posters_get_their_hue_without_a_style_attribute(page):
    movie = MovieFactory(title="Big Lebowski, The", poster_path="")
    page.goto(f"/movies/{movie.pk}/")
    placeholder = page.locator(".poster--placeholder").first
    expect(placeholder).to_have_attribute("data-hue", re.compile(r"\d+"))
    hue = placeholder.get_attribute("data-hue")
    assert placeholder.evaluate("e => e.style.getPropertyValue('--hue')") == hue


def test_admin_and_api_docs_work_under_the_policy(page):
    UserFactory(username="boss", password=PASSWORD, is_staff=True, is_superuser=True)
    movie = MovieFactory(title="Heat")
    page.goto("/admin/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("svg.ratings-chart rect").first).to_be_attached()

    page.goto("/admin/catalog/movie/")
    expect(page.get_by_role("link", name="Heat")).to_be_visible()
    page.goto(f"/admin/catalog/movie/{movie.pk}/change/")
    expect(page.locator("#movie_form")).to_be_visible()
    page.goto("/admin/jobs/job/")
    expect(page.get_by_role("heading", name="Start a job")).to_be_visible()

    # Every model's list and add form (Django's admin JavaScript runs on them).
    for model in admin.site._registry:
        meta = model._meta
        page.goto(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        expect(page.locator("#content")).to_be_visible()
        if admin.site._registry[model].has_add_permission(_superuser_request()):
            page.goto(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
            expect(page.locator("#content")).to_be_visible()

    # The browsable API, and Swagger UI, whose inline script carries the nonce.
    page.goto("/api/v1/me/")
    expect(page.locator(".response-info")).to_be_visible()
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
