import pytest
from django.test import RequestFactory

from core.http import is_htmx, next_url, posted

factory = RequestFactory()


def test_htmx_is_told_by_its_header():
    assert is_htmx(factory.get("/", HTTP_HX_REQUEST="true"))
    assert not is_htmx(factory.get("/"))


def test_a_form_is_bound_only_on_a_post():
    assert posted(factory.get("/", {"q": "x"})) is None
    assert posted(factory.post("/", {"score": "4"}))["score"] == "4"


@pytest.mark.parametrize(
    ("target", "secure", "expected"),
    [
        ("/me/ratings/?sort=title", False, "/me/ratings/?sort=title"),
        ("https://evil.example/", False, "/fallback/"),
        ("//evil.example/", False, "/fallback/"),
        ("http://testserver/me/", False, "http://testserver/me/"),
        ("http://testserver/me/", True, "/fallback/"),  # no step down from https
        ("", False, "/fallback/"),
    ],
)
def test_next_is_followed_only_to_this_site(target, secure, expected):
    request = factory.post("/", {"next": target}, secure=secure)
    assert next_url(request, "/fallback/") == expected
