import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest

from core.vectors import npz_dumps
from recommendations.algorithms.rating import (
    RatingModel,
    RatingParams,
    neighbours_fit,
    rating_dumps,
    rating_fit,
    rating_loads,
    svdpp_iterations,
)

SMALL = RatingParams(
    factors=3,
    reg_bias=1.0,
    reg_factors=1.0,
    reg_implicit=1.0,
    iterations=60,
    seed=0,
    neighbours=10,
    neighbours_used=5,
    shrinkage=5.0,
)


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


def hand_model(**fields) -> RatingModel:
    """Four films (ids 10, 20, 30, 40), μ = 3, one factor; every array overridable."""
    values = {
        "params": RatingParams(factors=1, neighbours_used=2, neighbour_reg=0.2),
        "mean": 3.0,
        "movie_ids": np.array([10, 20, 30, 40]),
        "baseline_biases": np.array([0.5, 0.0, -0.5, 0.25], dtype=np.float32),
        "item_biases": np.zeros(4, dtype=np.float32),
        "item_factors": np.zeros((4, 1), dtype=np.float32),
        "implicit_factors": np.zeros((4, 1), dtype=np.float32),
        "neighbour_rows": np.zeros(0, dtype=np.int32),
        "neighbours": np.zeros((0, 3), dtype=np.int32),
        "similarities": np.zeros((0, 3), dtype=np.float32),
    }
    return RatingModel(**{**values, **fields})


@pytest.fixture(scope="module")
def ratings() -> Triples:
    return low_rank_ratings(60, 40, density=0.4, seed=0)[0]


@pytest.fixture(scope="module")
def model(ratings) -> RatingModel:
    return rating_fit(triples=ratings, params=SMALL)


def test_fold_in_is_the_ridge_regression_of_the_residuals_after_the_implicit_term(ratings, model):
    mine = ratings.rows == 7
    items = ratings.cols[mine]
    q, y = model.item_factors[items].astype(float), model.implicit_factors[items].astype(float)
    implicit = y.sum(axis=0) / np.sqrt(len(items))  # |N(u)|^-½ Σ yⱼ
    # [1, Q] [bᵤ, pᵤ] ≈ r − μ − bᵢ − Q·implicit, with the training penalties.
    a = np.hstack([np.ones((len(items), 1)), q])
    residuals = ratings.scores[mine] - model.mean - model.item_biases[items] - q @ implicit
    by_hand = np.linalg.solve(a.T @ a + np.diag([1.0, 1.0, 1.0, 1.0]), a.T @ residuals)

    bias, taste = model.fold_in(**user_ratings(ratings, 7))

    np.testing.assert_allclose([bias, *taste], [by_hand[0], *(by_hand[1:] + implicit)], atol=1e-5)


def test_the_neighbours_correction_by_hand():
    # Film 10's neighbours, nearest first: 20 (0.5), 40 (0.4), 30 (0.1). The user rated
    # 20, 30 and 40; two are used (`neighbours_used`): 20 and 40, the nearest ones.
    model = hand_model(
        neighbour_rows=np.array([0], dtype=np.int32),
        neighbours=np.array([[1, 3, 2]], dtype=np.int32),
        similarities=np.array([[0.5, 0.4, 0.1]], dtype=np.float32),
    )
    scores = np.array([4.0, 2.0, 3.0])  # for films 20, 30, 40
    # The baseline user bias: Σ (r − μ − b̃ⱼ) / (n + 2) = (1 + (−0.5) + (−0.25)) / 5.
    user_bias = (1.0 - 0.5 - 0.25) / 5
    z20, z40 = 4.0 - 3.0 - user_bias - 0.0, 3.0 - 3.0 - user_bias - 0.25
    correction = (0.25 * z20 + 0.16 * z40) / (0.25 + 0.16 + 0.2)  # s² weights, λ = 0.2

    estimates = model.estimates(
        user_movie_ids=np.array([20, 30, 40]), user_scores=scores, movie_ids=np.array([10, 30])
    )

    baseline = 3.0 + user_bias + np.array([0.5, -0.5])
    np.testing.assert_allclose(estimates.bias_baseline, baseline, rtol=1e-6)
    # Film 30 has no neighbour list: no correction.
    np.testing.assert_allclose(estimates.item_knn, baseline + [correction, 0.0], rtol=1e-6)
    # No factors here, so SVD++ is μ + bᵤ with its own bias (penalty reg_bias = 5).
    svd_pp = 3.0 + (1.0 - 1.0 + 0.0) / (3 + 5.0)
    params = model.params
    np.testing.assert_allclose(
        estimates.blend,
        (1 - params.factors_weight) * baseline
        + params.factors_weight * svd_pp
        + params.neighbours_weight * np.array([correction, 0.0]),
        rtol=1e-6,
    )


def test_neighbours_are_the_shrunk_cosines_of_the_residuals_most_similar_first():
    # Residuals of four users (rows) on three films (columns); 0 = not rated.
    z = np.array([[1.0, 1.0, -1.0], [2.0, 1.0, -2.0], [-1.0, 0.0, 1.0], [0.0, 1.0, 0.5]])
    rows, cols = np.nonzero(z)
    triples = Triples(np.arange(4), np.array([1, 2, 3]), rows, cols, np.zeros(len(rows)))
    params = RatingParams(neighbours=2, shrinkage=1.0)

    films, lists, similarities = neighbours_fit(
        triples=triples, residuals=z[rows, cols], params=params
    )

    norms = np.linalg.norm(z, axis=0)
    common = np.array([[3, 2, 3], [2, 3, 3], [3, 3, 4]])  # co-raters
    shrunk = (z.T @ z) / np.outer(norms, norms) * (common - 1) / (common - 1 + 1.0)
    assert films.tolist() == [0, 1, 2]
    # Film 0: film 1 is alike (positive), film 2 opposed (negative, dropped, padded 0).
    assert lists[0, 0] == 1 and similarities[0, 1] == 0
    np.testing.assert_allclose(similarities[0, 0], shrunk[0, 1], rtol=1e-6)
    # Film 1's neighbours, most similar first: film 0 and film 2 only if positive.
    assert lists[1, 0] == 0 and similarities[1, 0] >= similarities[1, 1]
    np.testing.assert_allclose(similarities[1, 0], shrunk[1, 0], rtol=1e-6)


def test_only_the_most_rated_films_get_neighbour_lists(ratings):
    counts = np.bincount(ratings.cols, minlength=len(ratings.movie_ids))
    params = dataclasses.replace(SMALL, neighbour_items=5)

    films, lists, similarities = neighbours_fit(
        triples=ratings, residuals=ratings.scores - 3.5, params=params
    )

    assert len(films) == 5 and set(counts[films]) >= {counts.max()}
    assert counts[films].min() >= np.sort(counts)[-5]
    assert np.isin(lists[similarities > 0], films).all()  # neighbours come from the same films


def test_predictions_clip_to_the_star_scale(ratings, model):
    high = model.predict(
        user_movie_ids=ratings.movie_ids, user_scores=np.full(40, 5.0), movie_ids=ratings.movie_ids
    )
    low = model.predict(
        user_movie_ids=ratings.movie_ids, user_scores=np.full(40, 0.5), movie_ids=ratings.movie_ids
    )

    assert high.max() <= 5.0 and low.min() >= 0.5
    assert np.isclose(high.max(), 5.0) and np.isclose(low.min(), 0.5)


def test_a_user_without_ratings_gets_the_mean_plus_the_item_biases(model):
    predicted = model.predict(
        user_movie_ids=np.array([], dtype=np.int64),
        user_scores=np.array([]),
        movie_ids=np.array([1, 2, 999]),
    )

    w = SMALL.factors_weight
    items = (1 - w) * model.baseline_biases[:2] + w * model.item_biases[:2]
    expected = np.clip(model.mean + np.append(items, 0.0), 0.5, 5.0)
    np.testing.assert_allclose(predicted, expected, rtol=1e-6)


def test_a_new_high_rating_raises_its_co_rated_neighbours():
    # Two tastes: items 0-9 are loved by users 0-19 and panned by 20-39, items 10-19
    # the other way round. A user who rated two films of each group neutrally, then
    # gives item 0 five stars, should expect more of items 1-9.
    scores = np.full((40, 20), 1.5, dtype=np.float32)
    scores[:20, :10] = scores[20:, 10:] = 4.5
    rows, cols = np.nonzero(np.random.default_rng(1).random((40, 20)) < 0.7)
    triples = Triples(np.arange(40), np.arange(20), rows, cols, scores[rows, cols])
    model = rating_fit(triples=triples, params=SMALL)
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


def test_the_fit_is_deterministic_for_a_seed(ratings, model):
    again = rating_fit(triples=ratings, params=SMALL)
    other = rating_fit(triples=ratings, params=dataclasses.replace(SMALL, seed=1))

    np.testing.assert_array_equal(model.item_factors, again.item_factors)
    np.testing.assert_array_equal(model.implicit_factors, again.implicit_factors)
    np.testing.assert_array_equal(model.similarities, again.similarities)
    assert not np.array_equal(model.item_factors, other.item_factors)


def test_progress_counts_every_iteration_even_when_converging_early():
    # A constant world converges at once: the remaining steps are reported together.
    triples = Triples(
        np.arange(3),
        np.arange(3),
        np.repeat(np.arange(3), 3),
        np.tile(np.arange(3), 3),
        np.full(9, 4.0, dtype=np.float32),
    )
    steps: list[int] = []

    rating_fit(triples=triples, params=SMALL, on_iteration=steps.append)

    assert sum(steps) == SMALL.iterations and len(steps) < SMALL.iterations


def rmse(model, train: Triples, test: Triples, estimate: str) -> float:
    errors = [
        getattr(
            model.estimates(
                **user_ratings(train, row), movie_ids=test.movie_ids[test.cols[test.rows == row]]
            ),
            estimate,
        )
        - test.scores[test.rows == row]
        for row in np.unique(test.rows)
    ]
    return float(np.sqrt(np.mean(np.concatenate(errors) ** 2)))


def test_every_predictor_beats_the_bias_baseline_on_held_out_ratings():
    triples, _ = low_rank_ratings(120, 80, density=0.3, seed=3)
    held_out = np.random.default_rng(4).random(len(triples.rows)) < 0.2
    train, test = subset(triples, ~held_out), subset(triples, held_out)
    params = dataclasses.replace(SMALL, factors=4, reg_bias=2.0, reg_factors=2.0)

    model = rating_fit(triples=train, params=params)
    baseline = rmse(model, train, test, "bias_baseline")

    assert rmse(model, train, test, "svd_pp") < 0.85 * baseline
    assert rmse(model, train, test, "item_knn") < 0.95 * baseline
    assert rmse(model, train, test, "blend") < 0.85 * baseline


def test_dumps_loads_round_trip(ratings, model):
    question = {**user_ratings(ratings, 3), "movie_ids": ratings.movie_ids}

    loaded = rating_loads(rating_dumps(model))

    assert loaded.params == SMALL and loaded.mean == model.mean
    np.testing.assert_array_equal(loaded.neighbours, model.neighbours)
    np.testing.assert_array_equal(loaded.predict(**question), model.predict(**question))


def test_a_rating_model_stored_before_svd_pp_still_serves_its_factors():
    # The previous layout: biased MF's item side only, with its own hyper-parameters.
    old = {"factors": 1, "reg_bias": 2.0, "reg_factors": 15.0, "iterations": 10, "seed": 42}
    item_biases = np.array([0.5, -0.5], dtype=np.float32)
    item_factors = np.array([[1.0], [-1.0]], dtype=np.float32)
    data = npz_dumps(
        meta={"params": old, "mean": 3.0},
        arrays={
            "movie_ids": np.array([10, 20]),
            "item_biases": item_biases,
            "item_factors": item_factors,
        },
    )

    model = rating_loads(data)
    predicted = model.predict(
        user_movie_ids=np.array([10]), user_scores=np.array([5.0]), movie_ids=np.array([10, 20])
    )

    # Its fold-in: [1, q] [b, p] ≈ 5 − 3 − 0.5 with penalties (2, 15).
    a = np.array([[1.0, 1.0]])
    bias, factor = np.linalg.solve(a.T @ a + np.diag([2.0, 15.0]), a.T @ [1.5])
    np.testing.assert_allclose(
        predicted, 3.0 + bias + item_biases + item_factors[:, 0] * factor, rtol=1e-6
    )


def test_past_its_work_bound_svd_pp_runs_fewer_iterations(ratings):
    bounded = dataclasses.replace(SMALL, svdpp_max_work=len(ratings.rows) * 7)
    steps: list[int] = []

    model = rating_fit(triples=ratings, params=bounded, on_iteration=steps.append)

    assert svdpp_iterations(bounded, ratings=len(ratings.rows)) == sum(steps) == 7
    seven = rating_fit(triples=ratings, params=dataclasses.replace(SMALL, iterations=7))
    np.testing.assert_array_equal(model.item_factors, seven.item_factors)
    assert svdpp_iterations(SMALL, ratings=len(ratings.rows)) == SMALL.iterations
    assert svdpp_iterations(bounded, ratings=10**12) == 1  # never none
