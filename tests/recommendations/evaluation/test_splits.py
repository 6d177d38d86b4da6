"""The test and validation splits, and relevance."""

import numpy as np

from recommendations.evaluation.splits import (
    Relevance,
    Split,
    holdout_split,
    make_splits,
    random_split,
    relevant_sets,
    user_sample,
)
from recommendations.types import RatingTriples


def test_holdout_takes_a_fifth_of_each_eligible_user_and_is_seeded():
    users = np.repeat([1, 2, 3], [10, 5, 4])
    triples = RatingTriples.from_arrays(users, np.arange(19), np.full(19, 4.0))

    train, held = holdout_split(triples, fraction=0.2, seed=1)

    assert np.bincount(triples.rows[held], minlength=3).tolist() == [2, 1, 0]  # 4 ratings: too few
    assert (train == ~held).all()
    assert (holdout_split(triples, fraction=0.2, seed=1)[1] == held).all()
    assert not (holdout_split(triples, fraction=0.2, seed=2)[1] == held).all()


def test_holdout_from_at_most_max_users_and_unchanged_under_the_cap():
    users = np.repeat(np.arange(6), 10)
    triples = RatingTriples.from_arrays(users, np.arange(60), np.full(60, 4.0))

    _, held = holdout_split(triples, fraction=0.2, seed=1, max_users=2)

    per_user = np.bincount(triples.rows[held], minlength=6)
    assert sorted(per_user.tolist()) == [0, 0, 0, 0, 2, 2]
    assert (holdout_split(triples, fraction=0.2, seed=1, max_users=2)[1] == held).all()
    uncapped = holdout_split(triples, fraction=0.2, seed=1)[1]
    assert (holdout_split(triples, fraction=0.2, seed=1, max_users=6)[1] == uncapped).all()


def test_a_user_sample_keeps_every_rating_of_at_most_max_users_drawn_with_the_seed():
    users = np.repeat(np.arange(10), np.arange(1, 11))  # user n has n + 1 ratings
    triples = RatingTriples.from_arrays(users, np.arange(55), np.arange(55) / 10)

    sample = user_sample(triples, max_users=4, seed=1)

    assert len(sample.user_ids) == 4 and sample.movie_ids.tolist() == triples.movie_ids.tolist()
    drawn = np.isin(users, sample.user_ids)
    assert sorted(sample.scores.tolist()) == sorted(triples.scores[drawn].tolist())
    assert (np.bincount(sample.rows) == sample.user_ids + 1).all()  # each drawn user whole
    assert user_sample(triples, max_users=4, seed=1).user_ids.tolist() == sample.user_ids.tolist()
    others = {tuple(user_sample(triples, max_users=4, seed=s).user_ids) for s in range(2, 6)}
    assert others - {tuple(sample.user_ids)}


def test_a_user_sample_at_or_under_its_bound_is_all_the_ratings():
    triples = RatingTriples.from_arrays(np.arange(5), np.arange(5), np.full(5, 4.0))

    assert user_sample(triples, max_users=5, seed=1) is triples


def test_random_split_holds_out_a_quarter_of_all_ratings_and_is_seeded():
    users = np.repeat([1, 2, 3, 4], [10, 6, 3, 1])  # 20 ratings; user 4 has one
    triples = RatingTriples.from_arrays(users, np.arange(20), np.full(20, 4.0))

    train, held = random_split(triples, fraction=0.25, seed=1)

    assert held.sum() == 5 and (train == ~held).all()  # 25% of 20, whoever they belong to
    assert (random_split(triples, fraction=0.25, seed=1)[1] == held).all()
    assert not (random_split(triples, fraction=0.25, seed=2)[1] == held).all()
    # The validation split is carved the same way from the 15 training ratings: 4 of them.
    splits = make_splits(triples, split=Split.RANDOM, seed=1)
    assert (len(splits.test.scores), len(splits.fit.scores), len(splits.validation.scores)) == (
        5,
        11,
        4,
    )


def test_relevance_liked_keeps_four_stars_and_up_any_keeps_every_held_out_rating():
    held = RatingTriples.from_arrays(
        np.array([1, 1, 1, 2]), np.array([10, 20, 30, 10]), np.array([5.0, 3.5, 4.0, 1.0])
    )

    assert relevant_sets(held, relevance=Relevance.LIKED) == [{10, 30}, set()]
    assert relevant_sets(held, relevance=Relevance.ANY) == [{10, 20, 30}, {10}]
