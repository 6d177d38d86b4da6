from decimal import Decimal

import numpy as np

from recommendations.selectors import rating_triples
from tests.factories import MovieFactory, RatingFactory, UserFactory


def test_rating_triples_reads_every_rating_exactly(db):
    alice, bob = UserFactory(), UserFactory()
    heat, alien, up = MovieFactory(), MovieFactory(), MovieFactory()
    given = {
        (alice.pk, heat.pk): 0.5,
        (alice.pk, up.pk): 4.5,
        (bob.pk, heat.pk): 5.0,
        (bob.pk, alien.pk): 3.0,
    }
    for (user_id, movie_id), score in given.items():
        RatingFactory(user_id=user_id, movie_id=movie_id, score=Decimal(str(score)))

    triples = rating_triples()

    assert triples.user_ids.tolist() == sorted({alice.pk, bob.pk})
    assert triples.movie_ids.tolist() == sorted({heat.pk, alien.pk, up.pk})
    read = {
        (int(triples.user_ids[r]), int(triples.movie_ids[c])): float(s)
        for r, c, s in zip(triples.rows, triples.cols, triples.scores, strict=True)
    }
    assert read == given
    assert triples.scores.dtype == np.float32


def test_rating_triples_of_no_ratings_is_empty(db):
    triples = rating_triples()

    assert len(triples.user_ids) == len(triples.movie_ids) == len(triples.scores) == 0
