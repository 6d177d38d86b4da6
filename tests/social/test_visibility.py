"""Every privacy rule (private lists, blocks, hidden content, private profiles,
suspended accounts) in every read that could leak it."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from social import selectors
from social.models import MovieList
from social.services import (
    block,
    diary_entry_create,
    follow,
    list_entry_add,
    movie_list_create,
    report_create,
    report_resolve,
    review_like,
    user_suspend,
)
from tests.factories import MovieFactory, PublicUserFactory, ReviewFactory, UserFactory, rate

pytestmark = pytest.mark.django_db
ANON = AnonymousUser()


@pytest.fixture
def ann_activity(ann, film):
    """Ann's diary entry with a review, a public, an unlisted and a private list."""
    entry = diary_entry_create(
        user=ann, movie_id=film.pk, watched_on=date(2026, 5, 1), review="Lovely."
    )
    lists = {
        visibility: movie_list_create(user=ann, name=f"A {visibility} list", visibility=visibility)
        for visibility in MovieList.Visibility.values
    }
    return entry, lists


def seen(viewer, ann, film) -> dict[str, object]:
    """What `viewer` sees of ann, everywhere it could show."""
    follow_ids = list(selectors.following_ids(user=viewer))
    feed = (
        [key[0] for key in selectors.feed_keys(viewer=viewer, offset=0, limit=50)]
        if viewer.is_authenticated
        else []
    )
    return {
        "diary": list(selectors.diary_visible(viewer=viewer, owner=ann)),
        "reviews": list(selectors.movie_reviews(viewer=viewer, movie_id=film.pk)),
        "lists": {m.visibility for m in selectors.movie_lists_of(viewer=viewer, owner=ann)},
        "follows_ann": ann.pk in follow_ids,
        "feed": feed,
    }


def test_a_public_profile_shares_everything_but_private_and_unlisted_lists(
    ann, ben, film, ann_activity
):
    follow(follower=ben, followee=ann)
    shown = seen(ben, ann, film)
    assert len(shown["diary"]) == 1 and shown["diary"][0].shown_review.text == "Lovely."
    assert len(shown["reviews"]) == 1
    assert shown["lists"] == {"public"}
    assert sorted(shown["feed"]) == ["diary", "list"]
    # By its link an unlisted list shows; a private one is missing, not forbidden.
    _, lists = ann_activity
    assert selectors.movie_list_visible_get(viewer=ben, list_id=lists["unlisted"].pk)
    with pytest.raises(Http404):
        selectors.movie_list_visible_get(viewer=ben, list_id=lists["private"].pk)
    with pytest.raises(Http404):
        selectors.movie_list_visible_get(viewer=ANON, list_id=lists["private"].pk)


def test_the_owner_sees_all_their_own_lists(ann, film, ann_activity):
    assert seen(ann, ann, film)["lists"] == {"public", "unlisted", "private"}
    _, lists = ann_activity
    assert selectors.movie_list_visible_get(viewer=ann, list_id=lists["private"].pk)


def test_a_private_profile_shows_nothing_to_others(ann, ben, film, ann_activity):
    follow(follower=ben, followee=ann)
    ann.profile_is_public = False
    ann.save()
    assert seen(ben, ann, film) == {
        "diary": [],
        "reviews": [],
        "lists": set(),
        "follows_ann": False,
        "feed": [],
    }
    assert seen(ANON, ann, film)["reviews"] == []
    with pytest.raises(Http404):
        selectors.person_visible_get(viewer=ben, username="ann")
    assert selectors.person_visible_get(viewer=ann, username="ann") == ann


@pytest.mark.parametrize("who_blocks", ["ann", "ben"])
def test_a_block_hides_each_from_the_other_everywhere(ann, ben, film, ann_activity, who_blocks):
    follow(follower=ben, followee=ann)
    ben_review = ReviewFactory(user=ben, movie=film)
    blocker, blocked = (ann, ben) if who_blocks == "ann" else (ben, ann)
    block(blocker=blocker, blocked=blocked)
    assert seen(ben, ann, film) == {
        "diary": [],
        "reviews": [ben_review],
        "lists": set(),
        "follows_ann": False,
        "feed": [],
    }
    assert selectors.movie_reviews(viewer=ann, movie_id=film.pk).get().user == ann
    for viewer, other in ((ben, "ann"), (ann, "ben")):
        with pytest.raises(Http404):
            selectors.person_visible_get(viewer=viewer, username=other)
    # Others still see both.
    third = PublicUserFactory()
    assert len(selectors.movie_reviews(viewer=third, movie_id=film.pk)) == 2


def test_hidden_content_disappears_everywhere_but_for_its_author(ann, ben, film, ann_activity):
    entry, lists = ann_activity
    follow(follower=ben, followee=ann)
    review_like(user=ben, review=entry.review)
    report_resolve(
        report=report_create(reporter=ben, reason="spam", review=entry.review), hide=True
    )
    report_resolve(
        report=report_create(reporter=ben, reason="spam", movie_list=lists["public"]), hide=True
    )
    shown = seen(ben, ann, film)
    assert shown["reviews"] == [] and shown["lists"] == set()
    assert shown["diary"][0].shown_review is None  # the watch stays, its review does not
    assert shown["feed"] == ["diary"]
    with pytest.raises(Http404):
        selectors.review_visible_get(viewer=ben, review_id=entry.review.pk)
    with pytest.raises(Http404):
        selectors.movie_list_visible_get(viewer=ben, list_id=lists["public"].pk)
    assert selectors.notifications_visible(user=ann).filter(kind="like").count() == 0
    assert seen(ann, ann, film)["lists"] == {"public", "unlisted", "private"}


def test_a_suspended_account_disappears(ann, ben, film, ann_activity):
    follow(follower=ben, followee=ann)
    follow(follower=ann, followee=ben)
    user_suspend(user=ann)
    assert seen(ben, ann, film) == {
        "diary": [],
        "reviews": [],
        "lists": set(),
        "follows_ann": False,
        "feed": [],
    }
    assert selectors.notifications_visible(user=ben).count() == 0


def test_followed_ratings_count_only_people_the_viewer_may_see(ann, ben, film):
    carl, dora = PublicUserFactory(), PublicUserFactory()
    for person, score in ((ann, "4.0"), (carl, "3.0"), (dora, "5.0")):
        follow(follower=ben, followee=person)
        rate(person, film, score)
    rate(UserFactory(), film, "1.0")  # not followed
    dora.profile_is_public = False
    dora.save()
    summary = selectors.followed_ratings(viewer=ben, movie_id=film.pk)
    assert (summary.mean, summary.count) == (3.5, 2)
    other = MovieFactory()
    rate(carl, other, "4.5")
    rate(ann, other, "4.5")
    assert selectors.followed_lovers(viewer=ben, movie_ids=[film.pk, other.pk]) == {
        film.pk: 1,
        other.pk: 2,
    }
    block(blocker=ann, blocked=ben)
    assert selectors.followed_lovers(viewer=ben, movie_ids=[other.pk]) == {other.pk: 1}


def test_loved_by_people_you_follow_is_each_viewer_s_own_whatever_asked_before(ann, ben, film):
    # The query is built once per number of films and shared by every viewer.
    carl, dora = PublicUserFactory(), PublicUserFactory()
    other = MovieFactory()
    follow(follower=ben, followee=ann)
    follow(follower=carl, followee=ann)
    follow(follower=carl, followee=dora)
    rate(ann, film, "4.5")
    rate(dora, film, "5.0")
    rate(dora, other, "4.0")
    rate(ann, other, "3.5")  # not loved
    assert selectors.followed_lovers(viewer=ben, movie_ids=[film.pk, other.pk]) == {film.pk: 1}
    assert selectors.followed_lovers(viewer=carl, movie_ids=[other.pk, film.pk]) == {
        film.pk: 2,
        other.pk: 1,
    }
    assert selectors.followed_lovers(viewer=carl, movie_ids=[film.pk, film.pk]) == {film.pk: 2}
    block(blocker=carl, blocked=dora)  # the viewer's own block hides dora too
    assert selectors.followed_lovers(viewer=carl, movie_ids=[film.pk, other.pk]) == {film.pk: 1}
    assert selectors.followed_lovers(viewer=ann, movie_ids=[film.pk, other.pk]) == {}


def test_the_feed_is_followed_activity_newest_first(ann, ben, film):
    carl = PublicUserFactory()
    follow(follower=ben, followee=ann)
    old = diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 1, 1))
    diary_entry_create(user=carl, movie_id=film.pk, watched_on=date(2026, 1, 1))  # unfollowed
    standalone = ReviewFactory(user=ann, movie=film)
    public = list_entry_add(
        movie_list=movie_list_create(user=ann, name="Best"), movie_id=film.pk
    ).movie_list
    keys = selectors.feed_keys(viewer=ben, offset=0, limit=10)
    assert [(key.kind, key.id) for key in keys] == [
        ("list", public.pk),
        ("review", standalone.pk),
        ("diary", old.pk),
    ]
    items = selectors.feed_items(viewer=ben, keys=keys)
    assert [item.movie_list or item.review or item.diary_entry for item in items] == [
        public,
        standalone,
        old,
    ]
    assert items[0].movie_list.entry_count == 1


def test_the_diary_by_month(ann, film):
    for day in (date(2026, 1, 31), date(2026, 2, 1), date(2025, 12, 1)):
        diary_entry_create(user=ann, movie_id=film.pk, watched_on=day, score=Decimal("4"))
    assert [
        e.watched_on for e in selectors.diary_month(viewer=ann, owner=ann, month=date(2026, 1, 5))
    ] == [date(2026, 1, 31)]
    assert selectors.diary_months(owner=ann) == [
        date(2026, 2, 1),
        date(2026, 1, 1),
        date(2025, 12, 1),
    ]


def test_the_feed_and_reviews_section_are_each_viewer_s_own_whatever_asked_before(ann, ben, film):
    # Their queries are built once per process and shared by every viewer and film.
    carl = PublicUserFactory()
    follow(follower=ben, followee=ann)
    follow(follower=carl, followee=ben)
    by_ann = diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 1, 1), review="a")
    by_ben = diary_entry_create(user=ben, movie_id=film.pk, watched_on=date(2026, 1, 2), review="b")
    other = ReviewFactory(user=carl, movie=MovieFactory())

    def feed(viewer) -> list[tuple[int, int | None]]:
        return [(k.id, k.review_id) for k in selectors.feed_keys(viewer=viewer, offset=0, limit=9)]

    def following(viewer, movie) -> list[int]:
        return [
            r.pk
            for r in selectors.movie_review_sections(viewer=viewer, movie_id=movie.pk)["following"]
        ]

    assert feed(ben) == [(by_ann.pk, by_ann.review.pk)]
    assert feed(carl) == [(by_ben.pk, by_ben.review.pk)]
    assert following(ben, film) == [by_ann.review.pk]
    assert following(carl, film) == [by_ben.review.pk]
    assert following(carl, other.movie) == []
    assert selectors.movie_review_sections(viewer=ANON, movie_id=other.movie.pk) == {
        "following": [],
        "popular": [other],
        "recent": [other],
    }
    block(blocker=ann, blocked=ben)
    assert (feed(ben), following(ben, film), feed(carl)) == (
        [],
        [],
        [(by_ben.pk, by_ben.review.pk)],
    )


def test_a_profile_s_counts_are_what_each_viewer_may_see(ann, ben, film, ann_activity):
    # One query built once per process, shared by every viewer and person.
    carl = PublicUserFactory()
    follow(follower=ben, followee=ann)
    follow(follower=carl, followee=ann)
    follow(follower=ann, followee=carl)
    ReviewFactory(user=ann, movie=MovieFactory())
    block(blocker=carl, blocked=ben)
    counts = {
        "self": selectors.person_counts(viewer=ann, person=ann),
        "ben": selectors.person_counts(viewer=ben, person=ann),
        "visitor": selectors.person_counts(viewer=ANON, person=ann),
    }
    everything = {"followers": 2, "following": 1, "diary_entries": 1, "reviews": 2, "lists": 3}
    assert counts == {
        "self": everything,
        # Carl blocked ben; only their owner sees private and unlisted lists counted.
        "ben": everything | {"followers": 1, "following": 0, "lists": 1},
        "visitor": everything | {"lists": 1},
    }
    assert selectors.person_counts(viewer=ann, person=carl) == {
        "followers": 1,
        "following": 1,
        "diary_entries": 0,
        "reviews": 0,
        "lists": 0,
    }
