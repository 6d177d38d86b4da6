"""Onboarding's films: the genres the person picked, well known and well rated first."""

from ratings.services import not_interested_add, rating_upsert
from recommendations.personal import onboarding_candidates
from tests.factories import GenreFactory, MovieFactory


def make(title: str, genre, count: int, mean: float):
    return MovieFactory(
        title=title, genres=[genre], rating_count=count, rating_sum=round(count * mean)
    )


def test_each_picked_genre_gets_its_share_however_popular_the_others_are(user):
    animation, sci_fi, adventure = (GenreFactory(name=n) for n in ("Animation", "Sci-Fi", "Adv"))
    for i in range(8):  # far more rated than any animated film
        make(f"Sci-Fi {i}", sci_fi, 1000 - i, 4.0)
        make(f"Adventure {i}", adventure, 900 - i, 4.0)
    well_known = make("Toy Story", animation, 300, 3.9)
    loved = make("Spirited Away", animation, 200, 4.5)
    obscure = make("Obscure Cartoon", animation, 3, 5.0)

    picked = onboarding_candidates(
        user=user, genres=["Animation", "Sci-Fi", "Adv"], skipped=[], n=6
    )

    assert [m.title.split()[0] for m in picked] == [
        *("Spirited", "Sci-Fi", "Adventure"),
        *("Toy", "Sci-Fi", "Adventure"),
    ]
    # Well rated first among the well known; 3 ratings to Toy Story's 300 is not well known.
    assert [m.pk for m in picked if m.genres.get() == animation] == [loved.pk, well_known.pk]
    assert obscure not in picked


def test_rated_dismissed_and_skipped_films_are_not_offered_and_others_fill_in(user):
    drama, comedy = GenreFactory(name="Drama"), GenreFactory(name="Comedy")
    rated, dismissed, skipped = (make(f"Drama {i}", drama, 500 - i, 4.0) for i in range(3))
    left = make("Drama 3", drama, 400, 3.5)
    comedies = [make(f"Comedy {i}", comedy, 300 - i, 3.5) for i in range(3)]
    rating_upsert(user=user, movie=rated, score="4.0")
    not_interested_add(user=user, movie=dismissed)

    picked = onboarding_candidates(user=user, genres=["Drama"], skipped=[skipped.pk], n=3)

    # The one drama left, then the most popular films whatever their genre.
    assert picked == [left, comedies[0], comedies[1]]
