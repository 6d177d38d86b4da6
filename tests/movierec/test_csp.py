"""The Content-Security-Policy header (django-csp) and the templates that must live with it."""

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from csp.decorators import csp_update
from csp.exceptions import CSPNonceError
from django.http import JsonResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from core.middleware import CSPMiddleware
from tests.factories import MovieFactory

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
APPS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]
# An opening <script> or <style> tag, and the attributes in it.
INLINE_TAG = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def nonce(response) -> str:
    [source] = [s for s in policy(response)["script-src"] if s.startswith("'nonce-")]
    return source.removeprefix("'nonce-").removesuffix("'")


def test_the_policy_is_strict(client, db):
    directives = policy(client.get(reverse("pages:home")))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'" and len(directives["script-src"]) == 2
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


def test_inline_scripts_carry_the_nonce_of_the_header_and_it_changes_per_request(client, db):
    first, second = (client.get(reverse("pages:home")) for _ in range(2))
    inline = [
        attributes
        for tag, attributes in INLINE_TAG.findall(first.text)
        if tag == "script" and "src=" not in attributes
    ]
    assert inline, "the home page has an inline script"
    for attributes in inline:
        assert f'nonce="{nonce(first)}"' in attributes
    assert nonce(first) != nonce(second)
    assert f'nonce="{nonce(second)}"' in second.text


def test_a_json_response_gets_the_settings_policy_without_a_nonce(client, db):
    first, second = (client.get("/api/v1/genres/") for _ in range(2))
    directives = policy(first)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert first.headers["Content-Security-Policy"] == second.headers["Content-Security-Policy"]


def _respond(view, path="/api/v1/genres/"):
    request = RequestFactory().get(path)
    middleware = CSPMiddleware(view)
    return request, middleware(request)


def test_a_view_that_changes_its_policy_still_gets_the_change():
    _, response = _respond(
        csp_update({"img-src": "https://example.org"})(lambda r: JsonResponse({}))
    )
    assert "https://example.org" in policy(response)["img-src"]
    _, plain = _respond(lambda r: JsonResponse({}))
    assert "https://example.org" not in policy(plain)["img-src"]


def test_a_changed_setting_changes_the_header_of_plain_responses():
    _respond(lambda r: JsonResponse({}))  # the settings' policy, built once
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        _, response = _respond(lambda r: JsonResponse({}))
        assert policy(response) == {"default-src": ["'none'"]}
    _, response = _respond(lambda r: JsonResponse({}))
    assert policy(response)["default-src"] == ["'self'"]


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    request, _ = _respond(lambda r: JsonResponse({}))
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_posters_come_from_an_origin_the_policy_allows(client, db):
    movie = MovieFactory(poster_path="/heat.jpg")
    response = client.get(reverse("pages:movie-detail", args=[movie.pk]))
    posters = re.findall(r'<img class="poster" src="([^"]+)"', response.text)
    assert posters
    allowed = policy(response)["img-src"]
    for url in posters:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" in allowed, url


def test_templates_have_no_inline_code_the_policy_would_refuse():
    # style="" and on*="" attributes cannot carry a nonce; inline <script>/<style> must.
    problems = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            text = template.read_text()
            name = template.relative_to(ROOT)
            problems += [f"{name}: style attribute" for _ in re.finditer(r"\sstyle=", text)]
            problems += [
                f"{name}: {match.group(1)} handler"
                for match in re.finditer(r"\s(on[a-z]+)=[\"']", text)
            ]
            problems += [
                f"{name}: <{tag}> without a nonce"
                for tag, attributes in INLINE_TAG.findall(text)
                if "src=" not in attributes and "nonce=" not in attributes
            ]
    assert not problems, problems


def test_html_built_in_python_has_no_style_attributes():
    # format_html in the admin's columns, for instance: the policy refuses style="".
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if re.search(r"<[a-z]+\b[^>]*\sstyle=", path.read_text())
    ]
    assert not offenders, offenders
