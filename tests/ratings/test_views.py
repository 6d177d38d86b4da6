import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ratings.models import Rating
from ratings.rating_import import MAX_IMPORT_BYTES
from ratings.services import rating_upsert, watchlist_add
from tests.factories import GenreFactory, MovieFactory
from tests.page_helpers import my_scores

pytestmark = pytest.mark.django_db


# My ratings and watchlist


def test_my_ratings_lists_only_mine_sorted_and_paginated(signed_in, user, other_user):
    movies = [MovieFactory(title=f"Film {n:02}", year=1950 + n) for n in range(35)]
    for n, movie in enumerate(movies):
        rating_upsert(user=user, movie=movie, score=str(Decimal(n % 10 + 1) / 2))
    secret = MovieFactory(title="Other's Secret")
    rating_upsert(user=other_user, movie=secret, score="5.0")

    url = reverse("ratings:ratings")
    by_date = signed_in.get(url)
    assert [r.movie.title for r in by_date.context["page"]][:2] == ["Film 34", "Film 33"]
    assert by_date.context["page"].paginator.count == 35
    assert "Other&#x27;s Secret" not in by_date.text and "Other's Secret" not in by_date.text
    by_title = signed_in.get(url, {"sort": "title", "page": 2})
    assert [r.movie.title for r in by_title.context["page"]] == [f"Film {n}" for n in range(30, 35)]
    assert 'href="?sort=title&amp;page=1"' in by_title.text
    by_score = signed_in.get(url, {"sort": "score"})
    assert [str(r.score) for r in by_score.context["page"]][:4] == ["5.0", "5.0", "5.0", "4.5"]
    by_year = signed_in.get(url, {"sort": "year"})
    assert by_year.context["page"][0].movie.year == 1984
    assert signed_in.get(url, {"sort": "bogus"}).context["sort"] == "date"


def test_my_watchlist_lists_only_mine(signed_in, user, other_user):
    mine, theirs = MovieFactory(title="Mine"), MovieFactory(title="Theirs")
    watchlist_add(user=user, movie=mine)
    watchlist_add(user=other_user, movie=theirs)
    response = signed_in.get(reverse("ratings:watchlist"), {"sort": "title"})
    assert [item.movie.title for item in response.context["page"]] == ["Mine"]
    assert "Theirs" not in response.text


# Import


LETTERBOXD = b"Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Heat,1995,https://boxd.it/x,4.5\n"


def upload(content: bytes, name: str = "ratings.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_import_shows_a_report(signed_in, user):
    heat = MovieFactory(title="Heat", year=1995)
    content = LETTERBOXD + b",Nowhere Film,1990,,3\n,Heat,1995,,8\n"
    response = signed_in.post(reverse("ratings:import"), {"file": upload(content)})
    assert response.status_code == 200
    report = response.context["report"]
    assert (len(report.matched), len(report.unmatched), len(report.invalid)) == (1, 1, 1)
    assert "Line 4" in response.text and "&#x27;8&#x27; is not between 0.5 and 5" in response.text
    assert "Nowhere Film" in response.text
    assert my_scores(user) == {heat.pk: Decimal("4.5")}


@pytest.mark.parametrize("score", [b"NaN", b"nan", b"sNaN"])
def test_import_reports_a_non_finite_rating_on_its_row(signed_in, user, score):
    MovieFactory(title="Heat", year=1995)
    content = LETTERBOXD.replace(b",4.5\n", b"," + score + b"\n")
    response = signed_in.post(reverse("ratings:import"), {"file": upload(content)})
    assert response.status_code == 200
    assert len(response.context["report"].invalid) == 1
    assert f"&#x27;{score.decode()}&#x27; is not a number" in response.text
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"title;score\nHeat;4\n", "unrecognised file"),
        (b"\x00\x01binary", "not a CSV file"),
        (LETTERBOXD + b"x" * MAX_IMPORT_BYTES, "the limit is 5 MB"),
    ],
)
def test_import_refuses_bad_files_on_the_form(signed_in, user, content, error):
    response = signed_in.post(reverse("ratings:import"), {"file": upload(content)})
    assert response.status_code == 200
    assert error in response.text
    assert 'id="id_file_error" role="alert"' in response.text
    assert not Rating.objects.exists()


# Taste profile


def test_taste_profile_has_chart_data_for_my_ratings_only(signed_in, user, other_user):
    drama, comedy = GenreFactory(name="Drama"), GenreFactory(name="Comedy")
    rating_upsert(user=user, movie=MovieFactory(genres=[drama]), score="4.0")
    rating_upsert(user=user, movie=MovieFactory(genres=[drama, comedy]), score="3.0")
    rating_upsert(user=other_user, movie=MovieFactory(genres=[comedy]), score="0.5")
    response = signed_in.get(reverse("ratings:taste-profile"))
    data = json.loads(re.search(r'id="taste-data"[^>]*>(.*?)</script>', response.text).group(1))
    assert data["genres"] == {"labels": ["Drama", "Comedy"], "counts": [2, 1], "means": [3.5, 3.0]}
    assert data["histogram"]["counts"] == [0, 0, 0, 0, 0, 1, 0, 1, 0, 0]
    assert "vendor/chart.umd.min.js" in response.text
    assert f'href="{reverse("catalog:movie-map")}"' in response.text


# Download my data


def test_json_export_is_my_data_only_as_an_attachment(client, user, rated):
    client.force_login(user)
    # There is no parameter to ask for someone else's data; one is ignored.
    response = client.get(reverse("ratings:data-export", args=["json"]), {"user": "someone_else"})
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="movierec-{user.username}-'
    )
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["user"]["username"] == user.username
    assert [(r["title"], r["score"]) for r in data["ratings"]] == [("Heat", 4.5)]
    assert data["watchlist"] == [] and data["not_interested"] == []


def test_csv_export_has_one_row_per_entry(client, user, rated):
    client.force_login(user)
    response = client.get(reverse("ratings:data-export", args=["csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["list"], r["movie_id"], r["title"], r["year"], r["score"]) for r in rows] == [
        ("ratings", str(rated.movie_id), "Heat", "1995", "4.5")
    ]


def test_unknown_export_format_is_a_404(client, user):
    client.force_login(user)
    assert client.get("/account/export.xml").status_code == 404
