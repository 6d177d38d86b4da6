"""The social pages: profiles, diary, film page sections, lists, feed, notifications."""

import csv
import io
import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from social.models import DiaryEntry, ListEntry, MovieList, Report
from social.services import (
    block,
    diary_entry_create,
    follow,
    list_entry_add,
    movie_list_create,
    review_like,
)
from tests.factories import (
    GenreFactory,
    MovieFactory,
    PublicUserFactory,
    RatingFactory,
    ReviewFactory,
    UserFactory,
    rate,
)

pytestmark = pytest.mark.django_db
MARKUP = '<script>alert("x")</script><b>bold</b>'


# --- Profiles (moved from accounts, with the social layer's additions) -----------------


def test_a_private_profile_is_a_404_to_everyone_but_its_owner(client, user, other_user):
    url = reverse("social:profile", args=[user.username])
    assert client.get(url).status_code == 404
    client.force_login(other_user)
    assert client.get(url).status_code == 404
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert "Only you can see this page." in response.text


def test_a_public_profile_shows_ratings_diary_reviews_lists_and_people(client, ann, ben, film):
    RatingFactory.create_batch(3, user=ann)
    diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 4, 1))
    ReviewFactory(user=ann, movie=film, text="A standalone review")
    movie_list_create(user=ann, name="Public one")
    movie_list_create(user=ann, name="Secret one", visibility="private")
    follow(follower=ben, followee=ann)
    client.force_login(ben)
    response = client.get(reverse("social:profile", args=["ann"]))
    assert response.status_code == 200
    assert response.context["ratings_count"] == 3
    assert ann.date_joined.strftime("%B %Y") in response.text
    for shown in ("Spirited Away", "A standalone review", "Public one", ">ben<", "Unfollow"):
        assert shown in response.text
    assert "Secret one" not in response.text
    assert "Only you can see this page." not in response.text


@pytest.mark.parametrize("username", ["nobody", "gone"])
def test_unknown_or_deactivated_profiles_are_404(client, username):
    UserFactory(username="gone", is_active=False, profile_is_public=True)
    assert client.get(reverse("social:profile", args=[username])).status_code == 404


def test_the_profile_shows_the_taste_match_and_why(client, ann, ben):
    for score_a, score_b in (("5", "5"), ("4.5", "5"), ("4", "4"), ("2", "2"), ("1", "4")):
        movie = MovieFactory()
        rate(ann, movie, score_a)
        rate(ben, movie, score_b)
    client.force_login(ben)
    response = client.get(reverse("social:profile", args=["ann"]))
    match = response.context["match"]
    assert f"{match.percent}% taste match" in response.text
    assert match.why in response.text and "you both love" in match.why


def test_follow_unfollow_and_block_from_the_profile(client, ann, ben):
    client.force_login(ben)
    url = reverse("social:follow", args=["ann"])
    client.post(url)
    assert ann.follower_set.filter(follower=ben).exists()
    client.post(url, {"action": "unfollow"})
    assert not ann.follower_set.exists()
    client.post(reverse("social:block", args=["ann"]))
    assert ben.blocks_made.filter(blocked=ann).exists()
    assert client.get(reverse("social:profile", args=["ann"])).status_code == 404
    assert client.post(url).status_code == 404  # a blocked person cannot be followed


def test_the_public_taste_page_follows_the_same_rule(client, ann, ben):
    url = reverse("social:taste", args=["ann"])
    client.force_login(ben)
    assert client.get(url).status_code == 200
    block(blocker=ann, blocked=ben)
    assert client.get(url).status_code == 404


def test_a_private_taste_profile_stays_private(client, user):
    other = UserFactory(username="other")
    rate(other, MovieFactory(genres=[GenreFactory(name="Drama")]), "4.0")
    url = reverse("social:taste", args=["other"])
    assert client.get(url).status_code == 404
    client.force_login(user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("social:taste", args=["nobody"])).status_code == 404

    other.profile_is_public = True
    other.save()
    response = client.get(url)
    assert response.status_code == 200
    assert "other's taste" in response.text and "Drama" in response.text
    assert "histogram" not in response.context and "Your movie map" not in response.text


# --- The film page ---------------------------------------------------------------------


def test_the_film_page_shows_watches_reviews_and_what_people_you_follow_think(
    client, ann, ben, film
):
    carl = PublicUserFactory(username="carl")
    for person, score in ((ann, "4.0"), (carl, "3.5")):
        follow(follower=ben, followee=person)
        rate(person, film, score)
    diary_entry_create(user=ben, movie_id=film.pk, watched_on=date(2026, 2, 3), rewatch=True)
    liked = ReviewFactory(user=carl, movie=film, text="Most liked")
    review_like(user=ann, review=liked)
    ReviewFactory(user=PublicUserFactory(), movie=film, text="By a stranger")
    movie_list_create(user=ben, name="To show friends")
    client.force_login(ben)
    html = client.get(reverse("pages:movie-detail", args=[film.pk])).text
    assert 'People you follow: <strong><span aria-hidden="true">★</span>3.8</strong> from 2' in html
    assert "3 Feb 2026" in html and "(rewatch)" in html
    assert "From people you follow" in html and "Most liked" in html and "By a stranger" in html
    assert "To show friends" in html  # add to list
    assert "1 like" in html


def test_review_markup_is_shown_as_text_and_spoilers_are_folded(client, ann, film):
    ReviewFactory(user=ann, movie=film, text=MARKUP + "\n\nSecond", contains_spoilers=True)
    html = client.get(reverse("pages:movie-detail", args=[film.pk])).text
    assert MARKUP not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<summary>This review contains spoilers. Show it</summary>" in html
    assert "<p>Second</p>" in html


def test_log_a_watch_from_the_film_page(client, ann, film):
    client.force_login(ann)
    response = client.post(
        reverse("social:diary-log", args=[film.pk]),
        {"watched_on": "2026-05-06", "score": "4.5", "review": "Lovely", "contains_spoilers": ""},
    )
    assert response.status_code == 302
    entry = DiaryEntry.objects.get()
    assert (entry.watched_on, str(entry.score), entry.review.text) == (
        date(2026, 5, 6),
        "4.5",
        "Lovely",
    )
    assert ann.ratings.get().score == entry.score
    bad = client.post(
        reverse("social:diary-log", args=[film.pk]), {"watched_on": "soon"}, follow=True
    )
    assert "watched_on" in bad.text and DiaryEntry.objects.count() == 1


# --- Diary -----------------------------------------------------------------------------


def test_the_diary_by_month_with_edit_and_delete_for_its_owner_only(client, ann, ben, film):
    may = diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 5, 6))
    diary_entry_create(
        user=ann, movie_id=MovieFactory(title="April film").pk, watched_on=date(2026, 4, 2)
    )
    url = reverse("social:diary", args=["ann"])
    client.force_login(ann)
    page = client.get(url)
    assert page.context["month"] == date(2026, 5, 1) and "Spirited Away" in page.text
    assert "April film" not in page.text
    assert "April film" in client.get(url, {"month": "2026-04"}).text
    assert "Edit" in page.text
    client.force_login(ben)
    assert "Edit" not in client.get(url).text
    edit = reverse("social:diary-edit", args=[may.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"watched_on": "2026-01-01"}).status_code == 404
    assert client.post(reverse("social:diary-delete", args=[may.pk])).status_code == 404
    client.force_login(ann)
    response = client.post(edit, {"watched_on": "2026-05-07", "review": "Added later"})
    assert response.status_code == 302
    may.refresh_from_db()
    assert may.watched_on == date(2026, 5, 7) and may.review.text == "Added later"
    client.post(reverse("social:diary-delete", args=[may.pk]))
    assert not DiaryEntry.objects.filter(pk=may.pk).exists()


# --- Lists -----------------------------------------------------------------------------


@pytest.fixture
def ranked(ann):
    movie_list = movie_list_create(user=ann, name="Top three", ranked=True)
    films = [MovieFactory(title=f"Film {n}") for n in "ABC"]
    for movie in films:
        list_entry_add(movie_list=movie_list, movie_id=movie.pk, note=f"note {movie.title}")
    return movie_list, films


def _order(movie_list):
    return list(
        ListEntry.objects.filter(movie_list=movie_list)
        .order_by("position")
        .values_list("movie__title", flat=True)
    )


def test_a_list_page_shows_entries_with_your_rating_or_predicted_stars(client, ann, ben, ranked):
    movie_list, films = ranked
    rate(ben, films[0], "3.5")
    client.force_login(ben)
    response = client.get(reverse("social:list", args=[movie_list.pk]))
    assert [entry.movie.title for entry in response.context["entries"]] == [
        "Film A",
        "Film B",
        "Film C",
    ]
    assert "You rated it" in response.text and "note Film B" in response.text
    assert response.context["entries"][0].movie.my_score == 3.5
    assert "draggable" not in response.text and "Clone this list" in response.text


def test_reorder_by_keyboard_buttons_and_by_drag(client, ann, ben, ranked):
    movie_list, films = ranked
    client.force_login(ann)
    page = client.get(reverse("social:list", args=[movie_list.pk])).text
    assert 'draggable="true"' in page and "social_lists.js" in page
    client.post(
        reverse("social:list-entry-move", args=[movie_list.pk, films[2].pk]), {"direction": "up"}
    )
    assert _order(movie_list) == ["Film A", "Film C", "Film B"]
    order_url = reverse("social:list-order", args=[movie_list.pk])
    body = json.dumps({"movies": [films[1].pk, films[0].pk, films[2].pk]})
    assert client.post(order_url, body, content_type="application/json").status_code == 200
    assert _order(movie_list) == ["Film B", "Film A", "Film C"]
    bad = client.post(
        order_url, json.dumps({"movies": [films[0].pk]}), content_type="application/json"
    )
    assert bad.status_code == 400 and _order(movie_list) == ["Film B", "Film A", "Film C"]
    client.force_login(ben)
    assert client.post(order_url, body, content_type="application/json").status_code == 404
    assert (
        client.post(
            reverse("social:list-entry-remove", args=[movie_list.pk, films[0].pk])
        ).status_code
        == 404
    )


def test_add_to_list_from_the_film_page_and_clone(client, ann, ben, film, ranked):
    movie_list, _ = ranked
    client.force_login(ben)
    # Someone else's list is not yours to add to.
    response = client.post(
        reverse("social:list-add", args=[film.pk]), {"movie_list": movie_list.pk}
    )
    assert response.status_code == 404
    client.post(reverse("social:list-clone", args=[movie_list.pk]))
    copy = MovieList.objects.get(user=ben)
    assert copy.visibility == "private" and _order(copy) == ["Film A", "Film B", "Film C"]
    client.post(reverse("social:list-add", args=[film.pk]), {"movie_list": copy.pk, "note": "mine"})
    assert _order(copy)[-1] == "Spirited Away"


def test_a_private_list_page_is_a_404_to_others(client, ann, ben):
    secret = movie_list_create(user=ann, name="Secret", visibility="private")
    url = reverse("social:list", args=[secret.pk])
    assert client.get(url).status_code == 404
    client.force_login(ben)
    assert client.get(url).status_code == 404
    assert client.post(reverse("social:list-clone", args=[secret.pk])).status_code == 404
    assert "Secret" not in client.get(reverse("social:lists", args=["ann"])).text
    client.force_login(ann)
    assert client.get(url).status_code == 200


def test_make_a_list_on_your_own_lists_page_only(client, ann, ben):
    client.force_login(ben)
    client.post(reverse("social:lists", args=["ann"]), {"name": "Sneaky", "visibility": "public"})
    assert not MovieList.objects.exists()
    client.force_login(ann)
    response = client.post(
        reverse("social:lists", args=["ann"]), {"name": "Mine", "visibility": "unlisted"}
    )
    assert response.status_code == 302
    assert MovieList.objects.get().visibility == "unlisted"


# --- Feed, notifications, reports ------------------------------------------------------


def test_the_home_page_shows_the_feed_and_the_header_the_unread_count(client, ann, ben, film):
    follow(follower=ben, followee=ann)
    follow(follower=ann, followee=ben)
    diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 5, 1), review=MARKUP)
    client.force_login(ben)
    html = client.get(reverse("pages:home")).text
    assert "From people you follow" in html and "Spirited Away" in html
    assert MARKUP not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    client.force_login(ann)
    html = client.get(reverse("pages:home")).text
    assert (
        '<span class="visually-hidden">Notifications</span> '
        '<span class="badge">1<span class="visually-hidden"> unread</span></span>' in html
    )
    page = client.get(reverse("social:notifications"))
    assert "followed you" in page.text
    client.post(reverse("social:notifications"))
    assert "badge" not in client.get(reverse("social:notifications")).text


def test_report_a_review_and_a_list(client, ann, ben, film):
    review = ReviewFactory(user=ann, movie=film)
    movie_list = movie_list_create(user=ann, name="Rude list")
    client.force_login(ben)
    assert (
        client.post(reverse("social:review-report", args=[review.pk]), {"reason": " "}).status_code
        == 200
    )
    assert not Report.objects.exists()
    client.post(reverse("social:review-report", args=[review.pk]), {"reason": "Insulting"})
    client.post(reverse("social:list-report", args=[movie_list.pk]), {"reason": "Spam"})
    assert sorted(Report.objects.values_list("reason", flat=True)) == ["Insulting", "Spam"]


def test_website_writes_are_throttled(client, ann, throttle_rates):
    throttle_rates(social_write="1/hour")
    client.force_login(ann)
    url = reverse("social:lists", args=["ann"])
    assert client.post(url, {"name": "One", "visibility": "public"}).status_code == 302
    assert client.post(url, {"name": "Two", "visibility": "public"}).status_code == 429
    assert MovieList.objects.count() == 1
    assert User.objects.count() == 1


def test_only_the_author_deletes_a_review_and_anyone_signed_in_likes_it(client, ann, ben, film):
    review = ReviewFactory(user=ann, movie=film)
    client.force_login(ben)
    assert client.post(reverse("social:review-delete", args=[review.pk])).status_code == 404
    client.post(reverse("social:review-like", args=[review.pk]))
    review.refresh_from_db()
    assert review.like_count == 1
    client.post(reverse("social:review-like", args=[review.pk]))  # a second press takes it back
    review.refresh_from_db()
    assert review.like_count == 0
    client.force_login(ann)
    client.post(reverse("social:review-delete", args=[review.pk]))
    assert not type(review).objects.exists()


def test_the_csv_download_holds_the_diary_reviews_and_every_list_entry(client, ann, film):
    other = MovieFactory(title="Heat", year=1995)
    diary_entry_create(
        user=ann,
        movie_id=film.pk,
        watched_on=date(2026, 1, 1),
        rewatch=True,
        score=4,
        review='Line one, "quoted".\n\nLine two.',
        contains_spoilers=True,
    )
    private = movie_list_create(user=ann, name="Secret, faves", visibility="private")
    list_entry_add(movie_list=private, movie_id=other.pk, note="top")
    client.force_login(ann)

    response = client.get(reverse("ratings:data-export", args=["csv"]))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_list = {row["list"]: row for row in rows}
    assert sorted(by_list) == ["diary", "lists", "ratings", "reviews"]
    diary, review, entry = by_list["diary"], by_list["reviews"], by_list["lists"]
    assert (diary["title"], diary["watched_on"], diary["rewatch"], diary["score"]) == (
        "Spirited Away",
        "2026-01-01",
        "True",
        "4.0",
    )
    assert (review["text"], review["contains_spoilers"], review["watched_on"]) == (
        'Line one, "quoted".\n\nLine two.',
        "True",
        "2026-01-01",
    )
    assert (entry["list_name"], entry["list_visibility"], entry["title"], entry["note"]) == (
        "Secret, faves",
        "private",
        "Heat",
        "top",
    )
    assert entry["position"] == "1"


def test_the_feed_and_the_film_page_cost_the_same_queries_however_many_rows(client, ann, ben, film):
    follow(follower=ben, followee=ann)
    client.force_login(ben)
    feed_url, film_url = reverse("social:feed"), reverse("pages:movie-detail", args=[film.pk])

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def add_activity(n: int) -> None:
        entry = diary_entry_create(
            user=ann, movie_id=film.pk, watched_on=date(2026, 1, n), review=f"Watch {n}"
        )
        review_like(user=ben, review=entry.review)
        ReviewFactory(user=PublicUserFactory(), movie=MovieFactory(), text=f"Alone {n}")
        movie_list_create(user=ann, name=f"List {n}")

    add_activity(1)
    few = queries(feed_url), queries(film_url)
    for n in range(2, 7):
        add_activity(n)
    assert (queries(feed_url), queries(film_url)) == few
    feed = client.get(feed_url).text
    assert all(f"Watch {n}" in feed and f"List {n}" in feed for n in range(1, 7))
    assert "Alone" not in feed and feed.count("Unlike") == 6
    page = client.get(film_url).text
    assert page.count("Watch 6") == 3  # from people you follow, popular and recent
