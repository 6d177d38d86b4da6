"""The social endpoints' contract, permissions and privacy, through the real API."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from social.models import DiaryEntry, MovieList, Report, Review
from social.services import (
    block,
    diary_entry_create,
    follow,
    movie_list_create,
    report_resolve,
    review_like,
)
from tests.api.conftest import V1, token_client
from tests.factories import GenreFactory, MovieFactory, PublicUserFactory, ReviewFactory, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def as_ann(ann):
    return token_client(ann)


@pytest.fixture
def as_ben(ben):
    return token_client(ben)


def test_log_a_watch_with_a_score_and_a_review(as_ann, ann, film):
    body = {
        "movie": film.pk,
        "watched_on": "2026-03-02",
        "rewatch": True,
        "score": 4.5,
        "review": "<b>Bold</b> claim.\n\nSecond paragraph.",
        "contains_spoilers": True,
    }
    response = as_ann.post(f"{V1}/diary/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["watched_on"], data["rewatch"], data["score"]) == ("2026-03-02", True, 4.5)
    assert data["movie"]["id"] == film.pk
    assert data["review"]["text"] == body["review"]  # stored and returned as written
    assert ann.ratings.get().score == 4.5
    listing = as_ann.get(f"{V1}/diary/").json()
    assert [entry["id"] for entry in listing["results"]] == [data["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"watched_on": "02/03/2026"}, "watched_on"),
        ({"score": 4.3}, "score"),
        ({"score": 6}, "score"),
        ({"review": "   "}, "review"),
        ({"review": 12}, "review"),
    ],
)
def test_bad_diary_input_is_a_400_naming_the_field(as_ann, film, body, field):
    response = as_ann.post(
        f"{V1}/diary/", {"movie": film.pk, "watched_on": "2026-03-02", **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not DiaryEntry.objects.exists()


def test_an_unknown_movie_is_invalid_input(as_ann):
    response = as_ann.post(
        f"{V1}/diary/", {"movie": 999999, "watched_on": "2026-03-02"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["movie"] == ["Movie 999999 does not exist."]


def test_nobody_edits_or_deletes_anothers_diary_review_or_list(as_ben, ann, film):
    entry = diary_entry_create(
        user=ann, movie_id=film.pk, watched_on=date(2026, 1, 1), review="Mine"
    )
    movie_list = movie_list_create(user=ann, name="Mine")
    attempts = [
        ("patch", f"{V1}/diary/{entry.pk}/", {"rewatch": True}),
        ("delete", f"{V1}/diary/{entry.pk}/", None),
        ("patch", f"{V1}/reviews/{entry.review.pk}/", {"text": "Yours now"}),
        ("delete", f"{V1}/reviews/{entry.review.pk}/", None),
        ("patch", f"{V1}/lists/{movie_list.pk}/", {"name": "Yours"}),
        ("delete", f"{V1}/lists/{movie_list.pk}/", None),
        ("post", f"{V1}/lists/{movie_list.pk}/entries/", {"movie": film.pk}),
        ("put", f"{V1}/lists/{movie_list.pk}/order/", {"movies": []}),
    ]
    for method, url, body in attempts:
        response = getattr(as_ben, method)(url, body, format="json")
        assert response.status_code == 404, (method, url)
    entry.refresh_from_db()
    assert not entry.rewatch and Review.objects.get().text == "Mine"
    assert MovieList.objects.get().name == "Mine" and not movie_list.entries.exists()


def test_edit_and_delete_your_own(as_ann, ann, film):
    entry = diary_entry_create(
        user=ann, movie_id=film.pk, watched_on=date(2026, 1, 1), review="Old"
    )
    response = as_ann.patch(
        f"{V1}/diary/{entry.pk}/", {"review": "New", "watched_on": "2026-01-03"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["review"]["text"], response.json()["watched_on"]) == (
        "New",
        "2026-01-03",
    )
    assert (
        as_ann.patch(f"{V1}/diary/{entry.pk}/", {"review": None}, format="json").json()["review"]
        is None
    )
    assert as_ann.delete(f"{V1}/diary/{entry.pk}/").status_code == 204
    assert not DiaryEntry.objects.exists()


def test_a_films_reviews_with_likes_and_sorts(as_ann, as_ben, ann, ben, film):
    carl = PublicUserFactory(username="carl")
    old = ReviewFactory(user=ann, movie=film, text="Old")
    new = ReviewFactory(user=carl, movie=film, text="New")
    assert as_ben.post(f"{V1}/reviews/{old.pk}/like/").json()["likes"] == 1
    assert as_ben.post(f"{V1}/reviews/{old.pk}/like/").json()["likes"] == 1  # idempotent
    popular = as_ben.get(f"{V1}/movies/{film.pk}/reviews/").json()["results"]
    assert [(r["id"], r["likes"], r["username"], r["liked"]) for r in popular] == [
        (old.pk, 1, "ann", True),
        (new.pk, 0, "carl", False),
    ]
    assert set(popular[0]) >= {"id", "text", "contains_spoilers", "likes", "username"}
    recent = as_ben.get(f"{V1}/movies/{film.pk}/reviews/", {"sort": "recent"}).json()["results"]
    assert [r["id"] for r in recent] == [new.pk, old.pk]
    follow(follower=ben, followee=carl)
    following = as_ben.get(f"{V1}/movies/{film.pk}/reviews/", {"sort": "following"}).json()
    assert [r["id"] for r in following["results"]] == [new.pk]
    assert as_ben.get(f"{V1}/movies/{film.pk}/reviews/", {"sort": "best"}).status_code == 400
    assert as_ben.delete(f"{V1}/reviews/{old.pk}/like/").status_code == 204
    assert as_ben.delete(f"{V1}/reviews/{old.pk}/like/").status_code == 404
    notifications = as_ann.get(f"{V1}/notifications/").json()["results"]
    assert notifications == []  # the like was taken back, and its notification with it


def test_lists_entries_order_and_clone(as_ann, as_ben, film):
    other = MovieFactory()
    created = as_ann.post(
        f"{V1}/lists/",
        {"name": "Ghibli", "description": "All", "ranked": True, "visibility": "public"},
        format="json",
    )
    assert created.status_code == 201
    list_id = created.json()["id"]
    for movie in (film, other):
        response = as_ann.post(
            f"{V1}/lists/{list_id}/entries/", {"movie": movie.pk, "note": "n"}, format="json"
        )
        assert response.status_code == 201
    duplicate = as_ann.post(f"{V1}/lists/{list_id}/entries/", {"movie": film.pk}, format="json")
    assert duplicate.status_code == 400 and "movie" in duplicate.json()["error"]["fields"]
    reordered = as_ann.put(
        f"{V1}/lists/{list_id}/order/", {"movies": [other.pk, film.pk]}, format="json"
    )
    assert [e["movie"]["id"] for e in reordered.json()["entries"]] == [other.pk, film.pk]
    assert (
        as_ann.put(f"{V1}/lists/{list_id}/order/", {"movies": [film.pk]}, format="json").status_code
        == 400
    )
    clone = as_ben.post(f"{V1}/lists/{list_id}/clone/")
    assert clone.status_code == 201
    assert (clone.json()["username"], clone.json()["visibility"]) == ("ben", "private")
    assert [e["movie"]["id"] for e in clone.json()["entries"]] == [other.pk, film.pk]
    mine = as_ann.get(f"{V1}/users/ann/lists/").json()["results"]
    assert [(row["id"], row["entry_count"]) for row in mine] == [(list_id, 2)]


def test_a_private_list_is_a_404_to_everyone_but_its_owner(as_ann, as_ben, anon, ann):
    private = movie_list_create(user=ann, name="Secret", visibility="private")
    unlisted = movie_list_create(user=ann, name="By link", visibility="unlisted")
    assert as_ann.get(f"{V1}/lists/{private.pk}/").status_code == 200
    for client in (as_ben, anon):
        assert client.get(f"{V1}/lists/{private.pk}/").status_code == 404
        assert client.post(f"{V1}/lists/{private.pk}/clone/").status_code in (401, 404)
        assert client.get(f"{V1}/lists/{unlisted.pk}/").status_code == 200
        assert client.get(f"{V1}/users/ann/lists/").json()["results"] == []
    assert (
        as_ben.post(f"{V1}/lists/{private.pk}/report/", {"reason": "x"}, format="json").status_code
        == 404
    )
    assert {row["name"] for row in as_ann.get(f"{V1}/users/ann/lists/").json()["results"]} == {
        "Secret",
        "By link",
    }
    follow(follower=PublicUserFactory(), followee=ann)
    assert as_ben.get(f"{V1}/feed/").json()["results"] == []


def test_follow_block_profile_and_feed(as_ann, as_ben, ann, ben, film):
    assert as_ben.put(f"{V1}/users/ann/follow/").json() == {
        "username": "ann",
        "following": True,
        "blocking": False,
    }
    diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 1, 1), review="Hi")
    feed = as_ben.get(f"{V1}/feed/").json()
    assert [(item["kind"], item["username"]) for item in feed["results"]] == [("diary", "ann")]
    assert feed["results"][0]["diary_entry"]["review"]["text"] == "Hi"
    profile = as_ben.get(f"{V1}/users/ann/").json()
    assert (profile["followers"], profile["you_follow"], profile["diary_entries"]) == (1, True, 1)
    assert profile["taste_match"] is None  # nothing rated in common
    notifications = as_ann.get(f"{V1}/notifications/").json()["results"]
    assert [(n["kind"], n["actor"], n["read"]) for n in notifications] == [("follow", "ben", False)]
    assert as_ann.post(f"{V1}/notifications/read/").status_code == 204
    assert as_ann.get(f"{V1}/notifications/").json()["results"][0]["read"] is True

    assert as_ann.put(f"{V1}/users/ben/block/").json()["blocking"] is True
    assert as_ben.get(f"{V1}/feed/").json()["results"] == []
    assert as_ben.get(f"{V1}/users/ann/").status_code == 404
    assert as_ben.put(f"{V1}/users/ann/follow/").status_code == 404  # cannot follow back
    assert as_ben.get(f"{V1}/movies/{film.pk}/reviews/").json()["results"] == []
    assert as_ann.delete(f"{V1}/users/ben/block/").status_code == 204
    assert as_ann.delete(f"{V1}/users/ben/block/").status_code == 404


def test_the_taste_match_is_a_percentage_with_a_reason(as_ben, ann, ben):
    films = [MovieFactory() for _ in range(6)]
    for movie, (a, b) in zip(
        films,
        [("5", "5"), ("4.5", "5"), ("1", "1"), ("3", "3"), ("2", "2.5"), ("4", "1")],
        strict=True,
    ):
        rate(ann, movie, a)
        rate(ben, movie, b)
    profile = as_ben.get(f"{V1}/users/ann/").json()
    assert 0 <= profile["taste_match"] <= 100
    # Mean gap 0.67 of a widest 4.5 (no trained model here): 85 %.
    assert profile["taste_match"] == 85
    assert (
        "you both love" in profile["taste_match_why"]
        and "you differ on" in profile["taste_match_why"]
    )


def test_hidden_reviews_and_suspended_people_vanish_from_the_api(as_ben, ann, ben, film):
    review = ReviewFactory(user=ann, movie=film)
    response = as_ben.post(f"{V1}/reviews/{review.pk}/report/", {"reason": "Rude"}, format="json")
    assert response.status_code == 204
    report_resolve(report=Report.objects.get(), hide=True)
    assert as_ben.get(f"{V1}/reviews/{review.pk}/").status_code == 404
    assert as_ben.post(f"{V1}/reviews/{review.pk}/like/").status_code == 404
    assert as_ben.get(f"{V1}/movies/{film.pk}/reviews/").json()["results"] == []
    ann.is_active = False
    ann.save()
    assert as_ben.get(f"{V1}/users/ann/").status_code == 404
    assert as_ben.put(f"{V1}/users/ann/follow/").status_code == 404


def test_anonymous_visitors_read_public_things_and_write_nothing(anon, ann, film):
    ReviewFactory(user=ann, movie=film)
    assert len(anon.get(f"{V1}/movies/{film.pk}/reviews/").json()["results"]) == 1
    assert anon.get(f"{V1}/users/ann/").json()["taste_match"] is None
    for url in ("/diary/", "/feed/", "/notifications/", "/lists/"):
        assert anon.post(f"{V1}{url}", {}, format="json").status_code in (401, 405)
    assert anon.put(f"{V1}/users/ann/follow/").status_code == 401


def test_social_writes_are_throttled(as_ann, throttle_rates, film):
    throttle_rates(social_write="2/hour")
    statuses = [
        as_ann.post(f"{V1}/lists/", {"name": f"L{i}"}, format="json").status_code for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert as_ann.get(f"{V1}/users/ann/lists/").status_code == 200  # reads are not counted


def test_the_export_includes_diary_reviews_and_lists(as_ann, ann, film):
    diary_entry_create(
        user=ann, movie_id=film.pk, watched_on=date(2026, 1, 1), score=4, review="Great"
    )
    movie_list = movie_list_create(user=ann, name="Faves", visibility="private")
    movie_list.entries.create(movie=film, position=1, note="top")
    data = as_ann.get(f"{V1}/me/export/").json()
    assert data["diary"] == [
        {
            "movie_id": film.pk,
            "title": "Spirited Away",
            "year": 2001,
            "watched_on": "2026-01-01",
            "rewatch": False,
            "score": 4.0,
            "created_at": data["diary"][0]["created_at"],
        }
    ]
    assert [(r["text"], r["watched_on"]) for r in data["reviews"]] == [("Great", "2026-01-01")]
    assert data["lists"][0]["name"] == "Faves"
    assert data["lists"][0]["entries"] == [
        {"movie_id": film.pk, "title": "Spirited Away", "year": 2001, "position": 1, "note": "top"}
    ]
    assert data["ratings"][0]["score"] == 4.0


def test_the_feed_pages_newest_first_without_a_count(as_ben, ann, ben, film):
    follow(follower=ben, followee=ann)
    entries = [
        diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 1, day))
        for day in range(1, 26)
    ]
    first = as_ben.get(f"{V1}/feed/").json()
    assert "count" not in first and first["previous"] is None
    assert [item["diary_entry"]["id"] for item in first["results"]] == [
        entry.pk for entry in reversed(entries[5:])
    ]
    second = as_ben.get(first["next"]).json()
    assert [item["diary_entry"]["id"] for item in second["results"]] == [
        entry.pk for entry in reversed(entries[:5])
    ]
    assert second["next"] is None and second["previous"].endswith("page=1")
    assert as_ben.get(f"{V1}/feed/", {"page": 3}).status_code == 404
    assert as_ben.get(f"{V1}/feed/", {"page": "x"}).status_code == 404
    assert as_ben.get(f"{V1}/feed/", {"page": 971509681525724928}).status_code == 404
    assert len(as_ben.get(f"{V1}/feed/", {"page_size": 7}).json()["results"]) == 7


def test_the_feed_costs_the_same_queries_however_many_items(as_ben, ann, ben):
    follow(follower=ben, followee=ann)

    def feed_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_ben.get(f"{V1}/feed/").status_code == 200
        return len(queries)

    def add_activity() -> None:
        movie = MovieFactory(genres=[GenreFactory(name="Drama")])
        diary_entry_create(user=ann, movie_id=movie.pk, watched_on=date(2026, 1, 1), review="x")
        ReviewFactory(user=ann, movie=movie)
        movie_list_create(user=ann, name=f"List {movie.pk}")

    feed_queries()  # the token's first use is recorded once, and its lookup cached
    add_activity()
    few = feed_queries()
    for _ in range(4):
        add_activity()
    # The feed's keys (with the review each item shows), the diary entries with their
    # films' genres, the reviews (the entries' and those written alone), the lists; the
    # token's lookup is cached (accounts.token_cache).
    assert feed_queries() == few == 4


def test_a_films_reviews_section_is_one_request_of_three_sorts(as_ben, anon, ann, ben, film):
    carl, dora = PublicUserFactory(username="carl"), PublicUserFactory(username="dora")
    follow(follower=ben, followee=ann)
    by_ann = ReviewFactory(user=ann, movie=film, text="Followed")
    liked = ReviewFactory(user=carl, movie=film, text="Liked", like_count=3)
    newest = ReviewFactory(user=dora, movie=film, text="Newest")
    ReviewFactory(user=carl)  # another film's
    url = f"{V1}/movies/{film.pk}/reviews/section/"
    section = as_ben.get(url).json()

    def ids(sort: str) -> list[int]:
        return [review["id"] for review in section[sort]]

    assert ids("following") == [by_ann.pk]
    assert ids("popular") == [liked.pk, newest.pk, by_ann.pk]
    assert ids("recent") == [newest.pk, liked.pk, by_ann.pk]
    assert section["popular"][0] == as_ben.get(f"{V1}/reviews/{liked.pk}/").json()
    section = anon.get(url).json()
    assert (ids("following"), ids("recent")) == ([], [newest.pk, liked.pk, by_ann.pk])
    assert as_ben.get(f"{V1}/movies/{film.pk + 1000}/reviews/section/").status_code == 404


def test_the_reviews_section_keeps_every_privacy_rule_and_shows_five_of_each(
    as_ben, ann, ben, film
):
    carl = PublicUserFactory(username="carl")
    follow(follower=ben, followee=ann)
    follow(follower=ben, followee=carl)
    hidden = ReviewFactory(user=ann, movie=film, text="Hidden")
    Review.objects.filter(pk=hidden.pk).update(hidden_at="2026-01-01T00:00:00Z")
    ReviewFactory(user=carl, movie=film, text="By someone who blocked ben")
    block(blocker=carl, blocked=ben)
    private = PublicUserFactory(username="private", profile_is_public=False)
    ReviewFactory(user=private, movie=film)
    mine = ReviewFactory(user=ben, movie=film, text="Mine")
    Review.objects.filter(pk=mine.pk).update(hidden_at="2026-01-01T00:00:00Z")
    section = as_ben.get(f"{V1}/movies/{film.pk}/reviews/section/").json()
    # The author still sees their own hidden review; nobody else's hidden, blocked or
    # private ones show.
    assert {sort: [r["text"] for r in rows] for sort, rows in section.items()} == {
        "following": [],
        "popular": ["Mine"],
        "recent": ["Mine"],
    }
    for day in range(1, 8):
        diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 1, day), review="x")
    section = as_ben.get(f"{V1}/movies/{film.pk}/reviews/section/").json()
    assert [len(rows) for rows in section.values()] == [5, 5, 5]


def test_the_reviews_section_costs_the_same_queries_however_many_reviews(
    as_ben, ann, ben, film, django_assert_num_queries
):
    follow(follower=ben, followee=ann)
    url = f"{V1}/movies/{film.pk}/reviews/section/"
    as_ben.get(url)  # the token's first use is recorded once
    for _ in range(12):
        review = ReviewFactory(user=ann, movie=film)
        review_like(user=ben, review=review)
    # The film, the three sorts' ids, their reviews (the token's lookup is cached).
    with django_assert_num_queries(3):
        section = as_ben.get(url).json()
    assert all(review["liked"] for rows in section.values() for review in rows)


def test_the_feed_shows_a_diary_entry_without_a_review_a_moderator_hid(as_ben, ann, ben, film):
    follow(follower=ben, followee=ann)
    entry = diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 1, 1), review="x")
    shown = as_ben.get(f"{V1}/feed/").json()["results"][0]["diary_entry"]
    assert (shown["id"], shown["review"]["text"]) == (entry.pk, "x")
    Review.objects.filter(pk=entry.review.pk).update(hidden_at="2026-01-01T00:00:00Z")
    shown = as_ben.get(f"{V1}/feed/").json()["results"][0]["diary_entry"]
    assert (shown["id"], shown["review"]) == (entry.pk, None)
