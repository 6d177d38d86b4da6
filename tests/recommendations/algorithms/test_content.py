import numpy as np
import pytest

from recommendations.algorithms.content import ContentModel, content_scores, taste

# Films 1..4: 1 and 2 alike, 3 apart, 4 without an embedding yet.
MODEL = ContentModel.build(
    movie_ids=np.array([1, 2, 3, 4]),
    vectors=np.array([[2.0, 0.0], [3.0, 3.0], [0.0, 1.0], [0.0, 0.0]]),
)
SQRT_HALF = np.sqrt(0.5)


def test_build_keeps_unit_rows_and_which_films_have_an_embedding():
    np.testing.assert_allclose(MODEL.vectors[:3], [[1, 0], [SQRT_HALF, SQRT_HALF], [0, 1]])
    assert MODEL.embedded.tolist() == [True, True, True, False]


def test_taste_is_the_unit_mean_of_the_liked_films():
    np.testing.assert_allclose(taste(np.array([[1.0, 0.0], [0.0, 1.0]])), [SQRT_HALF, SQRT_HALF])
    assert taste(np.zeros((0, 2))) is None


def test_scores_are_cosines_to_the_taste_nan_without_an_embedding():
    scores = content_scores(MODEL.vectors, np.array([1.0, 0.0]))
    np.testing.assert_allclose(scores[:3], [1.0, SQRT_HALF, 0.0], atol=1e-6)
    assert np.isnan(scores[3])
    np.testing.assert_array_equal(MODEL.scores(np.array([1.0, 0.0])), scores)


def test_vectors_of_gives_none_for_films_without_an_embedding_or_unknown():
    vectors = MODEL.vectors_of(np.array([3, 4, 99]))
    np.testing.assert_allclose(vectors[0], [0.0, 1.0])
    assert vectors[1] is None and vectors[2] is None


def test_nearest_scans_the_allowed_films_with_an_embedding():
    everything = np.ones(4, dtype=bool)
    assert sorted(MODEL.nearest(np.array([1.0, 0.0]), 2, everything).tolist()) == [1, 2]
    # Film 4 has no embedding: never a neighbour, even when it is all that is left.
    only = np.array([False, False, False, True])
    assert MODEL.nearest(np.array([1.0, 0.0]), 2, only).tolist() == []
    assert MODEL.nearest(np.array([1.0, 0.0]), 1, ~np.eye(4, dtype=bool)[0]).tolist() == [2]


def test_similar_lists_the_nearest_films_best_first_without_the_film_itself():
    ids, cosines = MODEL.similar(movie_id=1, k=3)
    assert ids.tolist() == [2, 3]  # 4 has no embedding
    np.testing.assert_allclose(cosines, [SQRT_HALF, 0.0], atol=1e-6)
    assert MODEL.similar(movie_id=4, k=3)[0].tolist() == []
    assert MODEL.similar(movie_id=99, k=3)[0].tolist() == []


def test_cosines_need_the_film_s_embedding():
    np.testing.assert_allclose(MODEL.cosines(3), [0.0, SQRT_HALF, 1.0, 0.0], atol=1e-6)
    assert MODEL.cosines(4) is None
    assert MODEL.cosines(99) is None


@pytest.mark.parametrize("k", [1, 2])
def test_similar_stops_at_k(k):
    assert len(MODEL.similar(movie_id=3, k=k)[0]) == k
