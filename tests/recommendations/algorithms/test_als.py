import numpy as np

from recommendations.algorithms.als import AlsParams, confidence_matrix
from recommendations.selectors import RatingTriples


def test_confidence_matrix_drops_dislikes_and_keeps_the_id_maps():
    triples = RatingTriples.from_arrays(
        np.array([10, 10, 20, 20]), np.array([7, 9, 7, 8]), np.array([5.0, 1.0, 4.0, 3.0])
    )
    matrix = confidence_matrix(triples, AlsParams(alpha=1.0, neutral=3.0))

    assert triples.user_ids.tolist() == [10, 20]
    assert triples.movie_ids.tolist() == [7, 8, 9]
    assert matrix.nnz == 2
    assert matrix.toarray().tolist() == [[3.0, 0, 0], [2.0, 0, 0]]
