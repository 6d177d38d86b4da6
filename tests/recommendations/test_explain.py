"""The reason shown with each pick: each names what the source that picked it did."""

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.algorithms.ease import EaseModel, EaseParams
from recommendations.config import Source
from recommendations.explain import explain
from recommendations.ranking import Ranked
from tests.recommendations.conftest import warm_profile

# The user liked Alien (film 1) and Heat (film 2); their embeddings are the two axes.
PROFILE = dataclasses.replace(
    warm_profile(stars=None),
    liked_ids=np.array([1, 2]),
    liked_titles=["Alien", "Heat"],
    liked_vectors=np.eye(2),
)
# EASE's B: liking Alien adds 0.2 to film 3 and 0.9 to film 4, liking Heat 0.7 to film 3.
EASE = EaseModel(
    params=EaseParams(),
    movie_ids=np.array([1, 2, 3, 4]),
    weights=sp.csr_matrix(
        np.array(
            [[0.0, 0.0, 0.2, 0.9], [0.0, 0.0, 0.7, -0.1], [0.0, 0.0, 0.0, 0.0], [0.0] * 4],
            dtype=np.float32,
        )
    ),
)
NEAR_ALIEN = np.array([0.9, 0.1])


def reason(source: Source, movie_id: int = 3, vector: np.ndarray = NEAR_ALIEN) -> str:
    pick = Ranked(index=0, score=1.0, source=source)
    return explain(pick, movie_id=movie_id, vector=vector, profile=PROFILE, ease=EASE)


def test_an_ease_pick_names_the_liked_film_that_pushed_it_most():
    # Film 3's story is nearest Alien, but EASE found it through Heat.
    assert reason(Source.EASE, movie_id=3) == "Often liked together with Heat"
    assert reason(Source.EASE, movie_id=4) == "Often liked together with Alien"


def test_an_ease_pick_no_liked_film_adds_to_says_so_without_a_name():
    assert reason(Source.EASE, movie_id=1) == "Often liked together with films you liked"
    pick = Ranked(index=0, score=1.0, source=Source.EASE)
    assert (
        explain(pick, movie_id=3, vector=NEAR_ALIEN, profile=PROFILE)
        == "Often liked together with films you liked"
    )


def test_a_content_pick_names_the_liked_film_with_the_nearest_story():
    assert reason(Source.CONTENT) == "Because you liked Alien"
    assert reason(Source.CONTENT, vector=np.array([0.2, 0.8])) == "Because you liked Heat"
    assert reason(Source.CONTENT, vector=np.zeros(2)) == "Its story resembles films you liked"


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (Source.ALS, "Popular with people who share your taste"),
        (Source.STARS, "We think you'll rate it highly"),
        (Source.POPULARITY, "Popular now"),
    ],
)
def test_the_other_sources_say_what_they_did_even_near_a_liked_film(source, text):
    assert reason(source) == text
