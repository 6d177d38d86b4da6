"""Hostile requests answered before any view reads them (core.middleware.RequestLimitsMiddleware)
and the API's JSON parser (core.parsers)."""

import json

import pytest

from core.parsers import MAX_JSON_DEPTH, json_depth
from tests.api.conftest import V1, error_of, token_client
from tests.factories import MovieFactory, UserFactory

pytestmark = pytest.mark.django_db

TEN_MB = 10 * 1024 * 1024


@pytest.mark.parametrize("url", ["/movies/?q=%00", "/u/x%00/", "/u/%00/taste/", "/?a%00=1"])
def test_a_nul_in_a_web_url_is_a_clean_400_page(client, url):
    UserFactory(username="x", profile_is_public=True)
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "We could not handle that request" in response.text


@pytest.mark.parametrize("url", [f"{V1}/movies/?search=%00", f"{V1}/people/%00/"])
def test_a_nul_in_an_api_url_is_a_400_in_the_api_format(client, url):
    error = error_of(client.get(url), 400, "invalid_url")
    assert "NUL" in error["message"]


def test_a_ten_megabyte_json_body_to_the_api_is_a_413_in_the_api_format(client):
    body = json.dumps({"username": "x" * TEN_MB, "password": "y"})
    response = client.post(f"{V1}/auth/token/", body, content_type="application/json")
    error = error_of(response, 413, "request_too_large")
    assert "larger than this site accepts" in error["message"]


def test_an_oversized_web_form_is_a_413_page(client):
    response = client.post(
        "/login/", "username=" + "x" * TEN_MB, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "That request was too large" in response.text


def test_a_large_upload_is_left_to_its_view(settings):
    """Multipart files stream to disk: the import's own limit answers, with its own code."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = token_client(UserFactory())
    upload = SimpleUploadedFile("r.csv", b"Date,Name,Year,Letterboxd URI,Rating\n" + b"x" * 4096)
    response = client.post(f"{V1}/ratings/import/", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content


def test_json_nested_too_deep_is_a_400_before_parsing(client):
    body = '{"username":' + "[" * 1000 + "]" * 1000 + "}"
    response = client.post(f"{V1}/auth/token/", body, content_type="application/json")
    error = error_of(response, 400, "parse_error")
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in error["message"]


def test_json_nested_within_the_limit_still_parses_to_a_field_error(client):
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    body = '{"username": "a", "password": ' + nested[2:-2] + "}"
    response = client.post(f"{V1}/auth/token/", body, content_type="application/json")
    assert error_of(response, 400, "invalid")["fields"]["password"] == ["Must be a string."]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_json_numbers_are_refused(literal):
    movie = MovieFactory()
    client = token_client(UserFactory())
    body = '{"score": ' + literal + "}"
    response = client.put(f"{V1}/movies/{movie.pk}/rating/", body, content_type="application/json")
    error_of(response, 400, "parse_error")


@pytest.mark.parametrize("score", ["NaN", "nan", "sNaN", "inf", "-Infinity"])
def test_non_finite_scores_as_strings_are_field_errors(score):
    movie = MovieFactory()
    client = token_client(UserFactory())
    response = client.put(f"{V1}/movies/{movie.pk}/rating/", {"score": score}, format="json")
    assert list(error_of(response, 400, "invalid")["fields"]) == ["score"]


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"", 0),
        (b'{"a": 1}', 1),
        (b'{"a": [1, {"b": [[]]}]}', 5),
        (b'{"a": "[[[[[[", "b": "\\"[[["}', 1),  # brackets in strings do not count
        (b"[" * 100_000, 100_000),
    ],
)
def test_json_depth_counts_nesting_outside_strings(text, depth):
    assert json_depth(text) == depth
