"""Letterboxd's export zip in and out, with the ratings import's matching and per-row errors."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from ratings.models import Rating, WatchlistItem
from social.letterboxd import letterboxd_zip_export, letterboxd_zip_import
from social.models import DiaryEntry, ListEntry, MovieList, Review
from social.services import diary_entry_create, list_entry_add, movie_list_create
from tests.factories import MovieFactory, WatchlistItemFactory, rate

pytestmark = pytest.mark.django_db


def make_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture
def films(db):
    return {
        "heat": MovieFactory(title="Heat", year=1995),
        "alien": MovieFactory(title="Alien", year=1979),
        "godfather": MovieFactory(title="Godfather, The", year=1972),
    }


DIARY = """Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date
2024-01-02,Heat,1995,https://boxd.it/a,4.5,,,2024-01-01
2024-01-03,Alien,1979,https://boxd.it/b,,Yes,,2024-01-02
2024-01-04,Alien,1979,https://boxd.it/b,7,,,2024-01-03
2024-01-05,Heat,1995,https://boxd.it/a,4,,,yesterday
2024-01-06,No Such Film,2001,https://boxd.it/c,3,,,2024-01-04
2024-01-07,Heat,1995
"""
REVIEWS = """Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date
2024-01-02,Heat,1995,https://boxd.it/a,4.5,,"<b>Great</b> heist.

Second paragraph.",,2024-01-01
2024-01-08,The Godfather,1972,https://boxd.it/d,,,"This review may contain spoilers.

He dies.",,
2024-01-09,Alien,1979,https://boxd.it/b,,,"   ",,
"""
RATINGS = """Date,Name,Year,Letterboxd URI,Rating
2024-01-02,The Godfather,1972,https://boxd.it/d,5
2024-01-02,Alien,nineteen,https://boxd.it/b,4
"""
WATCHLIST = """Date,Name,Year,Letterboxd URI
2024-01-02,Alien,1979,https://boxd.it/b
"""
LIST = """Letterboxd list export v7
Date,Name,Tags,URL,Description
2024-01-02,Nineties crime,,https://boxd.it/l,Good ones

Position,Name,Year,URL,Description
1,Heat,1995,https://boxd.it/a,The best
2,Nowhere,1990,https://boxd.it/x,
"""


def test_a_whole_export_is_imported_and_every_bad_row_reported(user, films):
    report = letterboxd_zip_import(
        user=user,
        data=make_zip(
            {
                "diary.csv": DIARY,
                "reviews.csv": REVIEWS,
                "ratings.csv": RATINGS,
                "watchlist.csv": WATCHLIST,
                "lists/nineties-crime.csv": LIST,
                "lists/broken.csv": "Name,Year\nHeat,1995\n",
                "profile.csv": "ignored",
            }
        ),
    )
    files = report.as_dict()["files"]
    assert set(files) == {
        "diary.csv", "reviews.csv", "ratings.csv", "watchlist.csv",
        "lists/nineties-crime.csv", "lists/broken.csv",
    }  # fmt: skip
    diary = files["diary.csv"]
    assert diary["counts"] == {"matched": 2, "ambiguous": 0, "unmatched": 1, "invalid": 3}
    assert [(row["line"], row["reason"]) for row in diary["invalid"]] == [
        (4, "rating '7' is not between 0.5 and 5 stars in half stars"),
        (5, "date 'yesterday' is not a date (YYYY-MM-DD)"),
        (7, "has 3 columns where the header has 8"),
    ]
    assert diary["unmatched"][0]["title"] == "No Such Film"
    assert list(
        DiaryEntry.objects.order_by("watched_on").values_list(
            "movie__title", "watched_on", "rewatch", "score"
        )
    ) == [
        ("Heat", date(2024, 1, 1), False, Decimal("4.5")),
        ("Alien", date(2024, 1, 2), True, None),
    ]
    # The review joins the diary entry of its watch; one without a date stands alone.
    heat = Review.objects.get(movie=films["heat"])
    assert heat.diary_entry.watched_on == date(2024, 1, 1)
    assert heat.text == "<b>Great</b> heist.\n\nSecond paragraph."  # stored as written
    godfather = Review.objects.get(movie=films["godfather"])
    assert (godfather.diary_entry, godfather.text, godfather.contains_spoilers) == (
        None,
        "He dies.",
        True,
    )
    assert [row["line"] for row in files["reviews.csv"]["invalid"]] == [8]
    assert Rating.objects.get(user=user, movie=films["godfather"]).score == 5
    assert files["ratings.csv"]["invalid"][0]["reason"] == "year 'nineteen' is not a year"
    assert list(WatchlistItem.objects.values_list("movie__title", flat=True)) == ["Alien"]
    movie_list = MovieList.objects.get()
    assert (movie_list.name, movie_list.description, movie_list.visibility, movie_list.ranked) == (
        "Nineties crime",
        "Good ones",
        "private",
        True,
    )
    assert list(ListEntry.objects.values_list("movie__title", "note")) == [("Heat", "The best")]
    assert files["lists/nineties-crime.csv"]["unmatched"][0]["line"] == 7
    assert "not a Letterboxd list export" in files["lists/broken.csv"]["invalid"][0]["reason"]
    assert report.lists_created == ["Nineties crime"]


def test_importing_the_same_diary_twice_keeps_one_entry_per_watch(user, films):
    data = make_zip({"diary.csv": DIARY})
    letterboxd_zip_import(user=user, data=data)
    letterboxd_zip_import(user=user, data=data)
    assert DiaryEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Date,Name\n", "not a zip file"),
        (make_zip({"notes.txt": "hello"}), "none of Letterboxd's files"),
    ],
)
def test_a_file_that_is_no_letterboxd_export_is_refused_whole(user, data, message):
    with pytest.raises(ValueError, match=message):
        letterboxd_zip_import(user=user, data=data)
    assert not DiaryEntry.objects.exists()


def test_the_export_reads_back_the_same(user, other_user, films):
    entry = diary_entry_create(
        user=user,
        movie_id=films["heat"].pk,
        watched_on=date(2024, 3, 4),
        rewatch=True,
        score=Decimal("4.5"),
        review="Tense, with <markup> & all.\n\nYes.",
        contains_spoilers=True,
    )
    rate(user, films["alien"], "3.0")
    WatchlistItemFactory(user=user, movie=films["godfather"])
    movie_list = movie_list_create(user=user, name="Crime", description="Cops", ranked=True)
    list_entry_add(movie_list=movie_list, movie_id=films["heat"].pk, note="First")
    list_entry_add(movie_list=movie_list, movie_id=films["godfather"].pk)

    archive = zipfile.ZipFile(io.BytesIO(letterboxd_zip_export(user=user)))
    assert sorted(archive.namelist()) == [
        "diary.csv", "lists/crime.csv", "ratings.csv", "reviews.csv", "watchlist.csv"
    ]  # fmt: skip
    report = letterboxd_zip_import(user=other_user, data=letterboxd_zip_export(user=user))
    assert all(not f["invalid"] and not f["unmatched"] for f in report.as_dict()["files"].values())
    copy = DiaryEntry.objects.get(user=other_user)
    assert (copy.watched_on, copy.rewatch, copy.score) == (entry.watched_on, True, Decimal("4.5"))
    assert (copy.review.text, copy.review.contains_spoilers) == (entry.review.text, True)
    assert {r.movie.title: r.score for r in Rating.objects.filter(user=other_user)} == {
        "Heat": Decimal("4.5"), "Alien": Decimal("3.0")
    }  # fmt: skip
    assert WatchlistItem.objects.get(user=other_user).movie == films["godfather"]
    copied = MovieList.objects.get(user=other_user)
    assert (copied.name, copied.description, copied.ranked) == ("Crime", "Cops", True)
    assert list(copied.entries.values_list("movie__title", "note")) == [
        ("Heat", "First"), ("Godfather, The", "")
    ]  # fmt: skip


def test_the_pages_import_and_download(client, user, films):
    client.force_login(user)
    upload = io.BytesIO(make_zip({"diary.csv": DIARY}))
    upload.name = "letterboxd.zip"
    response = client.post(reverse("social:letterboxd"), {"file": upload})
    assert response.status_code == 200
    assert "date &#x27;yesterday&#x27; is not a date" in response.text
    assert DiaryEntry.objects.count() == 2
    bad = io.BytesIO(b"not a zip")
    bad.name = "x.zip"
    response = client.post(reverse("social:letterboxd"), {"file": bad})
    assert "This is not a zip file" in response.text
    download = client.get(reverse("social:letterboxd-export"))
    assert download["Content-Type"] == "application/zip"
    assert "diary.csv" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()
