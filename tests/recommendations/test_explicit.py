from dataclasses import dataclass

import numpy as np
import pytest

from recommendations.explicit import (
    BiasBaseline,
    ExplicitParams,
    bias_baseline_fit,
    explicit_dumps,
    explicit_fit,
    explicit_loads,
    solve_side,
)

SMALL = ExplicitParams(factors=3, reg_bias=1.0, reg_factors=1.0, iterations=10, seed=0)


@dataclass(frozen=True)
class Triples:
    """The fields of `selectors.RatingTriples` the fit reads (that class needs Django)."""

    user_ids: np.ndarray
    movie_ids: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray


def low_rank_ratings(
    users: int, items: int, density: float, seed: int
) -> tuple[Triples, np.ndarray]:
    """Stars from a rank-2 taste plus biases and noise; also the mask of the observed cells."""
    rng = np.random.default_rng(seed)
    truth = (
        3.5
        + 0.3 * rng.standard_normal((users, 1))
        + 0.3 * rng.standard_normal((1, items))
        + rng.standard_normal((users, 2)) @ rng.standard_normal((2, items)) * 0.7
        + 0.2 * rng.standard_normal((users, items))
    )
    observed = rng.random((users, items)) < density
    rows, cols = np.nonzero(observed)
    stars = np.clip(np.round(truth[rows, cols] * 2) / 2, 0.5, 5.0).astype(np.float32)
    triples = Triples(np.arange(users) + 1000, np.arange(items) + 1, rows, cols, stars)
    return triples, observed


def subset(triples: Triples, mask: np.ndarray) -> Triples:
    return Triples(
        triples.user_ids,
        triples.movie_ids,
        triples.rows[mask],
        triples.cols[mask],
        triples.scores[mask],
    )


def user_ratings(triples: Triples, row: int) -> dict:
    mine = triples.rows == row
    return {
        "user_movie_ids": triples.movie_ids[triples.cols[mine]],
        "user_scores": triples.scores[mine],
    }


@pytest.fixture(scope="module")
def ratings() -> Triples:
    return low_rank_ratings(60, 40, density=0.4, seed=0)[0]


def test_fold_in_is_the_training_user_step(ratings):
    model = explicit_fit(triples=ratings, params=SMALL)
    # The last half-step of the fit: every training user against the final item side.
    biases, factors = solve_side(
        rows=ratings.rows,
        n_rows=len(ratings.user_ids),
        targets=ratings.scores - model.mean - model.item_biases[ratings.cols],
        design=model.item_factors[ratings.cols],
        reg_bias=SMALL.reg_bias,
        reg_factors=SMALL.reg_factors,
    )
    # The same user's ridge regression written out: [1, Q] x ≈ r − μ − b_i.
    mine = ratings.rows == 7
    a = np.hstack([np.ones((mine.sum(), 1)), model.item_factors[ratings.cols[mine]]])
    y = ratings.scores[mine] - model.mean - model.item_biases[ratings.cols[mine]]
    by_hand = np.linalg.solve(a.T @ a + np.diag([1.0, 1.0, 1.0, 1.0]), a.T @ y)

    bias, factor = model.fold_in(**user_ratings(ratings, 7))

    np.testing.assert_allclose([bias, *factor], [biases[7], *factors[7]], atol=1e-5)
    np.testing.assert_allclose([bias, *factor], by_hand, atol=1e-5)


def test_predictions_clip_to_the_star_scale(ratings):
    model = explicit_fit(triples=ratings, params=SMALL)

    high = model.predict(
        user_movie_ids=ratings.movie_ids, user_scores=np.full(40, 5.0), movie_ids=ratings.movie_ids
    )
    low = model.predict(
        user_movie_ids=ratings.movie_ids, user_scores=np.full(40, 0.5), movie_ids=ratings.movie_ids
    )

    assert high.max() <= 5.0 and low.min() >= 0.5
    assert np.isclose(high.max(), 5.0) and np.isclose(low.min(), 0.5)


def test_a_user_without_ratings_gets_the_mean_plus_the_item_bias(ratings):
    model = explicit_fit(triples=ratings, params=SMALL)

    predicted = model.predict(
        user_movie_ids=np.array([], dtype=np.int64),
        user_scores=np.array([]),
        movie_ids=np.array([1, 2, 999]),
    )

    expected = np.clip(model.mean + np.append(model.item_biases[:2], 0.0), 0.5, 5.0)
    np.testing.assert_allclose(predicted, expected, rtol=1e-6)


def test_a_new_high_rating_raises_its_co_rated_neighbours():
    # Two tastes: items 0-9 are loved by users 0-19 and panned by 20-39, items 10-19
    # the other way round. A user who rated two films of each group neutrally, then
    # gives item 0 five stars, should expect more of items 1-9.
    scores = np.full((40, 20), 1.5, dtype=np.float32)
    scores[:20, :10] = scores[20:, 10:] = 4.5
    rows, cols = np.nonzero(np.random.default_rng(1).random((40, 20)) < 0.7)
    triples = Triples(np.arange(40), np.arange(20), rows, cols, scores[rows, cols])
    model = explicit_fit(triples=triples, params=SMALL)
    before = {"user_movie_ids": np.array([1, 2, 11, 12]), "user_scores": np.full(4, 3.0)}
    after = {
        "user_movie_ids": np.array([1, 2, 11, 12, 0]),
        "user_scores": np.array([3.0, 3.0, 3.0, 3.0, 5.0]),
    }
    neighbours, others = np.arange(3, 10), np.arange(13, 20)

    raised = model.predict(**after, movie_ids=neighbours) - model.predict(
        **before, movie_ids=neighbours
    )
    lowered = model.predict(**after, movie_ids=others) - model.predict(**before, movie_ids=others)

    assert np.all(raised > 0)
    assert raised.mean() > lowered.mean()


def test_the_fit_is_deterministic_for_a_seed(ratings):
    first, second = (explicit_fit(triples=ratings, params=SMALL) for _ in range(2))
    other = explicit_fit(triples=ratings, params=ExplicitParams(**{**SMALL.as_json(), "seed": 1}))

    np.testing.assert_array_equal(first.item_factors, second.item_factors)
    np.testing.assert_array_equal(first.item_biases, second.item_biases)
    assert not np.array_equal(first.item_factors, other.item_factors)


def rmse(model, train: Triples, test: Triples) -> float:
    errors = [
        model.predict(
            **user_ratings(train, row),
            movie_ids=test.movie_ids[test.cols[test.rows == row]],
        )
        - test.scores[test.rows == row]
        for row in np.unique(test.rows)
    ]
    return float(np.sqrt(np.mean(np.concatenate(errors) ** 2)))


def test_factors_beat_the_bias_baseline_on_held_out_ratings():
    triples, _ = low_rank_ratings(120, 80, density=0.3, seed=3)
    held_out = np.random.default_rng(4).random(len(triples.rows)) < 0.2
    train, test = subset(triples, ~held_out), subset(triples, held_out)
    params = ExplicitParams(factors=4, reg_bias=2.0, reg_factors=2.0, iterations=15, seed=0)

    baseline = bias_baseline_fit(triples=train, params=params)
    model = explicit_fit(triples=train, params=params)

    assert isinstance(baseline, BiasBaseline) and baseline.item_factors.shape == (80, 0)
    assert rmse(model, train, test) < 0.85 * rmse(baseline, train, test)


def test_dumps_loads_round_trip(ratings):
    model = explicit_fit(triples=ratings, params=SMALL)
    baseline = bias_baseline_fit(triples=ratings, params=SMALL)
    question = {**user_ratings(ratings, 3), "movie_ids": ratings.movie_ids}

    loaded, loaded_baseline = (
        explicit_loads(explicit_dumps(model)),
        explicit_loads(explicit_dumps(baseline)),
    )

    assert loaded.params == SMALL and loaded.mean == model.mean
    assert type(loaded_baseline) is BiasBaseline
    np.testing.assert_array_equal(loaded.predict(**question), model.predict(**question))
    np.testing.assert_array_equal(loaded_baseline.predict(**question), baseline.predict(**question))
