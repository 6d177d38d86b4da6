"""Calibration on a tiny example computed by hand.

Two genres, Action and Comedy. The person liked three action films and one comedy:
their taste p = (0.75, 0.25). Three action candidates score 1.0, 0.9 and 0.8, one comedy
0.5.
"""

import numpy as np
import pytest

from recommendations.algorithms.calibration import (
    Calibration,
    GenreShares,
    distribution,
    genre_coverage,
    miscalibration,
)
from recommendations.diversify import mmr

ACTION, COMEDY, BOTH = [1.0, 0.0], [0.0, 1.0], [0.5, 0.5]
TASTE = np.array([0.75, 0.25])
# Candidates: three action films, then a comedy; their value is their order alone.
ROWS = np.array([ACTION, ACTION, ACTION, COMEDY])
VALUE = np.array([1.0, 0.9, 0.8, 0.5])
FAR_APART = np.eye(4, dtype=np.float32)  # no two candidates alike: MMR changes nothing


def test_a_film_spreads_over_its_genres_and_a_taste_is_the_mean_of_the_likes():
    genres = GenreShares.from_masks(
        np.array([1, 2, 3]),
        {
            "action": np.array([True, True, False]),
            "comedy": np.array([False, True, False]),
            "(no genres listed)": np.array([False, False, True]),
        },
    )

    assert genres.names == ("action", "comedy")
    assert genres.of(np.array([2, 3, 99])).tolist() == [BOTH, [0.0, 0.0], [0.0, 0.0]]
    # Film 3 has no genre: it says nothing about the taste.
    assert genres.taste(np.array([1, 2, 3])).tolist() == [0.75, 0.25]
    assert genres.taste(np.array([3])) is None
    assert distribution(np.array([ACTION, ACTION, ACTION, COMEDY])).tolist() == [0.75, 0.25]


def test_miscalibration_is_steck_s_kl_divergence():
    # A list of exactly the taste's proportions: 0.
    assert miscalibration(TASTE, np.array([ACTION, BOTH])) == pytest.approx(0.0, abs=1e-12)
    # Only action: q̃ = 0.99 (1, 0) + 0.01 (0.75, 0.25) = (0.9975, 0.0025), so
    # 0.75 ln(0.75 / 0.9975) + 0.25 ln(0.25 / 0.0025) = -0.213884 + 1.151293.
    assert miscalibration(TASTE, np.array([ACTION, ACTION])) == pytest.approx(0.937409, abs=1e-6)
    # Half and half: q̃ = (0.5025, 0.4975): 0.300358 - 0.172034.
    assert miscalibration(TASTE, np.array([ACTION, COMEDY])) == pytest.approx(0.128325, abs=1e-6)


def test_genre_coverage_is_the_share_of_the_taste_s_genres_in_the_list():
    assert genre_coverage(TASTE, np.array([ACTION, ACTION])) == 0.5
    assert genre_coverage(TASTE, np.array([ACTION, BOTH])) == 1.0
    assert genre_coverage(np.array([1.0, 0.0]), np.array([COMEDY])) == 0.0


def test_without_calibration_the_top_three_are_all_action():
    assert mmr(VALUE, FAR_APART, 3, lam=1.0) == [0, 1, 2]
    no_weight = Calibration(ROWS, TASTE, 0.0, length=3)
    assert mmr(VALUE, FAR_APART, 3, lam=1.0, calibration=no_weight) == [0, 1, 2]


def test_calibration_brings_the_comedy_into_the_list_without_moving_its_top():
    # λ = 0.5, a list of 3; each step maximises 0.5 · value - 0.5 · C_KL of the whole
    # list with the film, its slots after that one holding the taste (0.75, 0.25):
    # 1st (2 slots after): an action film makes q = ((1, 0) + 2 · (0.75, 0.25)) / 3 =
    #   (0.8333, 0.1667), C_KL 0.021849: 0.5 - 0.010925 = 0.489; the comedy makes
    #   q = (0.5, 0.5), C_KL 0.128325: 0.25 - 0.064162 = 0.186.
    # 2nd (1 slot after): another action film, q = (0.9167, 0.0833), C_KL 0.120564:
    #   0.45 - 0.060282 = 0.390; the comedy, q = (0.5833, 0.4167), C_KL 0.059642:
    #   0.25 - 0.029821 = 0.220.
    # 3rd (the list itself): action only, C_KL 0.937409: 0.4 - 0.468705 = -0.069; the
    #   comedy, q = (0.6667, 0.3333), C_KL 0.016106: 0.25 - 0.008053 = 0.242.
    calibration = Calibration(ROWS, TASTE, 0.5, length=3)

    assert calibration.gain(VALUE, [])[[0, 3]] == pytest.approx([0.489075, 0.185838], abs=1e-6)
    assert calibration.gain(VALUE, [0])[[1, 3]] == pytest.approx([0.389718, 0.220179], abs=1e-6)
    assert calibration.gain(VALUE, [0, 1])[[2, 3]] == pytest.approx([-0.068704, 0.241947], abs=1e-6)
    assert mmr(VALUE, FAR_APART, 3, lam=1.0, calibration=calibration) == [0, 1, 3]
    assert miscalibration(TASTE, ROWS[[0, 1, 3]]) == pytest.approx(0.016106, abs=1e-6)
    assert miscalibration(TASTE, ROWS[[0, 1, 2]]) == pytest.approx(0.937409, abs=1e-6)


def test_a_list_of_one_is_calibrated_as_steck_s_greedy_step():
    # No slot after the first: the comedy's 0.25 - 0.5 · C_KL(comedy only) = 0.25 - 0.5 ·
    # (0.75 ln(0.75 / 0.0075) + 0.25 ln(0.25 / 0.9925)) = 0.25 - 0.5 · 3.109186.
    calibration = Calibration(ROWS, TASTE, 0.5, length=1)

    assert calibration.gain(VALUE, [])[3] == pytest.approx(0.25 - 0.5 * 3.109186, abs=1e-6)
    assert mmr(VALUE, FAR_APART, 1, lam=1.0, calibration=calibration) == [0]


def test_a_taste_without_the_comedy_keeps_the_order():
    calibration = Calibration(ROWS, np.array([1.0, 0.0]), 0.5, length=3)

    assert mmr(VALUE, FAR_APART, 3, lam=1.0, calibration=calibration) == [0, 1, 2]
