"""Uploads and request bodies: size limits are configured and enforced with a clear
error, and the ratings import survives any bytes (property-based)."""

from __future__ import annotations

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ratings.models import Rating
from ratings.rating_import import MAX_IMPORT_BYTES, ratings_import_file
from tests.api.conftest import V1, error_of, token_client
from tests.factories import MovieFactory, UserFactory

LETTERBOXD_HEADER = b"Date,Name,Year,Letterboxd URI,Rating\n"


def test_upload_limits_are_configured():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 10 * 1024 * 1024
    # Larger files are spooled to disk while uploading, never held whole in memory.
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert MAX_IMPORT_BYTES < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@pytest.mark.django_db
def test_request_body_over_the_limit_is_a_clear_4xx(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client, movie = token_client(UserFactory()), MovieFactory()
    body = '{"score": 4, "padding": "' + "x" * 2048 + '"}'

    response = client.put(f"{V1}/movies/{movie.pk}/rating/", body, content_type="application/json")

    assert 400 <= response.status_code < 500, response.status_code
    assert not Rating.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Date,Name,Year,Letterboxd URI,Rating\n,Heat,1995,,4\n".encode("utf-16"), "binary data"),
        (bytes(range(256)) * 64, "binary data"),
        (b"\xff\xfe\xfd" * 1000 + b"\n", "not"),
        (LETTERBOXD_HEADER + b'"unterminated' + b"a" * 200_000 + b"\n", "CSV"),
    ],
)
def test_api_ratings_import_of_hostile_files_is_a_clear_400(data, message):
    client = token_client(UserFactory())
    response = client.post(f"{V1}/ratings/import/", {"file": _upload(data)}, format="multipart")
    error = error_of(response, 400, "invalid")
    assert any(message in reason for reason in error["fields"]["file"]), error
    assert not Rating.objects.exists()


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("export.csv", data, content_type="text/csv")


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=2000).map(
            lambda text: LETTERBOXD_HEADER + text.encode("utf-8", "replace")
        ),
    )
)
def test_ratings_import_of_any_bytes_is_a_report_or_a_value_error(user, body):
    try:
        report = ratings_import_file(user=user, data=body, filename="fuzz.csv")
    except ValueError as exc:
        assert str(exc).startswith("fuzz.csv: ")
        return
    assert Rating.objects.filter(user=user).count() == len(report.matched)
