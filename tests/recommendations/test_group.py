import pytest

from ratings.models import Rating
from ratings.services import not_interested_add, rating_upsert, watchlist_add
from recommendations.hybrid import recommend_for_group
from recommendations.personal import group_newcomers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_group_picks_skip_films_any_member_rated_low_and_name_the_members(world, trained):
    alice, bob = world.space_fans[0], world.space_fans[1]
    rated = set(alice.ratings.values_list("movie_id", flat=True)) | set(
        bob.ratings.values_list("movie_id", flat=True)
    )
    before = [rec.movie.pk for rec in recommend_for_group([alice, bob], k=15)]
    unseen_by_both = next(pk for pk in before if pk not in rated)

    rating_upsert(user=bob, movie=unseen_by_both, score="2.5")
    recs = recommend_for_group([alice, bob], k=15)

    assert len(recs) == 15
    low = set(alice.ratings.filter(score__lte=2.5).values_list("movie_id", flat=True)) | set(
        bob.ratings.filter(score__lte=2.5).values_list("movie_id", flat=True)
    )
    assert unseen_by_both in low
    assert not low & {rec.movie.pk for rec in recs}
    # The space films neither of them has rated come first.
    seen = rated | {unseen_by_both}
    unseen_space = {movie.pk for movie in world.space if movie.pk not in seen}
    assert unseen_space and {rec.movie.pk for rec in recs[: len(unseen_space)]} == unseen_space
    assert all("spacefan0" in rec.explanation or "spacefan1" in rec.explanation for rec in recs)
    assert recs[0].explanation.startswith("Picked for ")


def test_a_split_group_puts_films_nobody_minds_first(world, trained):
    space_fan, romance_fan = world.space_fans[0], world.romance_fans[0]

    recs = recommend_for_group([space_fan, romance_fan], k=10)

    assert len(recs) == 10
    vetoed = set(space_fan.ratings.filter(score__lte=2.5).values_list("movie_id", flat=True)) | set(
        romance_fan.ratings.filter(score__lte=2.5).values_list("movie_id", flat=True)
    )
    assert not vetoed & {rec.movie.pk for rec in recs}
    # Each pick names whose taste it serves; both members are served somewhere in the list.
    named = " ".join(rec.explanation for rec in recs)
    assert "spacefan0" in named and "romancefan0" in named


def test_group_picks_leave_out_what_any_member_rated_dismissed_or_watchlisted(world, trained):
    """Whatever its score: a pick would tell the other member something about it."""
    alice, bob = world.space_fans[0], world.space_fans[1]
    before = [rec.movie.pk for rec in recommend_for_group([alice, bob], k=10)]
    loved, watchlisted, dismissed = before[:3]

    rating_upsert(user=bob, movie=loved, score="5.0")
    watchlist_add(user=alice, movie=watchlisted)
    not_interested_add(user=bob, movie=dismissed)
    after = [rec.movie.pk for rec in recommend_for_group([alice, bob], k=10)]

    assert len(after) == 10
    assert not {loved, watchlisted, dismissed} & set(after)
    assert not set(alice.ratings.values_list("movie_id", flat=True)) & set(after)
    assert not set(bob.ratings.values_list("movie_id", flat=True)) & set(after)


def test_an_empty_group_is_an_error(db):
    with pytest.raises(ValueError, match="at least one member"):
        recommend_for_group([])


def test_a_group_of_eight_never_gets_a_film_any_member_rated(world, trained):
    fans = [world.space_fans[0], world.romance_fans[0]]
    before = [rec.movie.pk for rec in recommend_for_group(fans, k=10)]
    group = [*fans, *UserFactory.create_batch(6)]
    for member, movie_id in zip(group[2:], before, strict=False):
        rating_upsert(user=member, movie=movie_id, score="4.5")

    recs = recommend_for_group(group, k=10)

    rated = set(Rating.objects.filter(user__in=group).values_list("movie_id", flat=True))
    assert recs and not rated & {rec.movie.pk for rec in recs}


def test_a_member_with_no_ratings_is_neither_scored_nor_named(world, trained):
    alice, newcomer = world.space_fans[0], UserFactory(username="newcomer")
    alone = recommend_for_group([alice], k=10)

    together = recommend_for_group([alice, newcomer], k=10)

    assert [rec.movie.pk for rec in together] == [rec.movie.pk for rec in alone]
    assert all("newcomer" not in rec.explanation for rec in together)
    assert group_newcomers(users=[alice, newcomer]) == {newcomer.pk}
