"""The Content-Security-Policy header (django-csp) and the templates that must live with it."""

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from django.urls import reverse

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
