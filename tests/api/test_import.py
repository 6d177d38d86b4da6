"""Uploading a Letterboxd or IMDb export: the match report, the ratings written, and the
refusals (wrong file, too big, not multipart, not signed in)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ratings.models import Rating
from ratings.rating_import import MAX_IMPORT_BYTES
from tests.api.conftest import V1, error_of
from tests.factories import rate

pytestmark = pytest.mark.django_db

URL = f"{V1}/ratings/import/"
LETTERBOXD = (
    "Date,Name,Year,Letterboxd URI,Rating\n"
    "2024-01-02,Heat,1995,https://boxd.it/a,4.5\n"
    "2024-01-03,Godfather,1972,https://boxd.it/b,5\n"
    "2024-01-04,A Film Nobody Made,2011,https://boxd.it/c,3\n"
    "2024-01-05,Amélie,2001,https://boxd.it/d,eleven\n"
)
IMDB = (
    "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year\n"
    "tt0113277,8,2024-01-02,Heat,https://imdb.com/title/tt0113277/,Movie,8.3,170,1995\n"
)


def upload(client, content: str | bytes, name: str = "ratings.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(URL, {"file": SimpleUploadedFile(name, data)}, format="multipart")


def test_a_letterboxd_export_is_matched_rated_and_reported(as_alice, alice, movies):
    response = upload(as_alice, LETTERBOXD)
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["format"] == "letterboxd"
    assert report["counts"] == {"matched": 2, "ambiguous": 0, "unmatched": 1, "invalid": 1}
    assert [row["movie"]["title"] for row in report["matched"]] == ["Heat", "The Godfather"]
    assert report["unmatched"][0]["title"] == "A Film Nobody Made"
    assert report["invalid"][0]["line"] == 5
    assert "eleven" in report["invalid"][0]["reason"]
    scores = dict(Rating.objects.filter(user=alice).values_list("movie__title", "score"))
    assert {title: float(score) for title, score in scores.items()} == {
        "Heat": 4.5,
        "The Godfather": 5.0,
    }


def test_an_imdb_export_uses_its_ids_and_ten_point_scale(as_alice, alice, movies):
    movies["heat"].imdb_id = "tt0113277"
    movies["heat"].save()
    report = upload(as_alice, IMDB).json()
    assert report["format"] == "imdb"
    assert report["matched"][0]["movie"]["id"] == movies["heat"].pk
    assert Rating.objects.get(user=alice).score == 4


def test_an_unrecognised_file_is_a_field_error(as_alice, movies):
    error = error_of(upload(as_alice, "title;stars\nHeat;5\n"), 400, "invalid")
    assert "unrecognised file" in error["fields"]["file"][0]
    assert not Rating.objects.exists()


def test_a_file_over_the_limit_is_a_413(as_alice, movies):
    big = LETTERBOXD.encode() + b"x" * MAX_IMPORT_BYTES
    error = error_of(upload(as_alice, big), 413, "file_too_large")
    assert "the limit is 5 MB" in error["message"]
    assert not Rating.objects.exists()


def test_the_file_is_required(as_alice):
    response = as_alice.post(URL, {}, format="multipart")
    assert list(error_of(response, 400, "invalid")["fields"]) == ["file"]


def test_only_multipart_uploads_are_accepted(as_alice):
    error_of(as_alice.post(URL, {"file": LETTERBOXD}, format="json"), 415, "unsupported_media_type")


def test_import_needs_credentials(anon, movies):
    error_of(upload(anon, LETTERBOXD), 401, "not_authenticated")
    assert not Rating.objects.exists()


def test_an_import_only_touches_my_ratings(as_alice, bob, movies):
    rate(bob, movies["heat"], "1.0")
    upload(as_alice, LETTERBOXD)
    assert Rating.objects.get(user=bob).score == 1


@pytest.mark.parametrize("score", ["NaN", "sNaN", "inf"])
def test_a_non_finite_rating_is_reported_as_an_invalid_row(as_alice, movies, score):
    response = upload(as_alice, LETTERBOXD.replace(",4.5\n", f",{score}\n"))
    assert response.status_code == 200, response.content
    report = response.json()
    invalid = report["invalid"]
    assert [(row["line"], row["reason"]) for row in invalid][0] == (
        2,
        f"rating {score!r} is not a number",
    )
    assert report["counts"]["matched"] == 1  # the Godfather row still counts
