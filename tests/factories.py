from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from accounts.services import api_token_create
from catalog.models import Credit, Genre, Movie, MovieMap, MovieMapCluster, MovieMapPoint, Person
from ratings.models import Rating
from ratings.services import movie_rating_counters_add


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")
    # An established account; pass email_verified_at=None for one that never followed its link.
    email_verified_at = factory.LazyFunction(timezone.now)


class GenreFactory(DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("name",)

    name = factory.Iterator(["Action", "Comedy", "Drama", "Horror", "Sci-Fi"])


class MovieFactory(DjangoModelFactory):
    class Meta:
        model = Movie
        skip_postgeneration_save = True

    movielens_id = factory.Sequence(lambda n: 100_000 + n)
    title = factory.Sequence(lambda n: f"Movie {n}")
    year = factory.Iterator([1975, 1988, 1995, 2003, 2015])

    @factory.post_generation
    def genres(self, create, extracted, **kwargs):
        if create and extracted:
            self.genres.set(extracted)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    tmdb_id = factory.Sequence(lambda n: 500_000 + n)
    name = factory.Sequence(lambda n: f"Person {n}")


class CreditFactory(DjangoModelFactory):
    class Meta:
        model = Credit

    movie = factory.SubFactory(MovieFactory)
    person = factory.SubFactory(PersonFactory)
    role = Credit.Role.CAST
    position = factory.Sequence(lambda n: n % 100)


class RatingFactory(DjangoModelFactory):
    class Meta:
        model = Rating

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)
    score = Decimal("4.0")


class WatchlistItemFactory(DjangoModelFactory):
    class Meta:
        model = "ratings.WatchlistItem"

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)


class NotInterestedFactory(DjangoModelFactory):
    class Meta:
        model = "ratings.NotInterested"

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)


def api_token_key(user: User, name: str = "Test app") -> str:
    """The secret of a new API token of `user`, as the sign-in endpoint hands it out."""
    return api_token_create(user=user, name=name)[1]


def rate(user, movie, score: str = "4.0") -> Rating:
    """A rating made by the factory, counted on its movie as the rating services count it."""
    rating = RatingFactory(user=user, movie=movie, score=Decimal(score))
    movie_rating_counters_add(movie_id=movie.pk, count=1, total=rating.score)
    return rating


# --- Social (social.models) ------------------------------------------------------------


def movie_map_stored(movies: list[Movie]) -> MovieMap:
    """A movie map stored by hand: movie i at (i, 2i), in cluster i % 2 ("Even", "Odd")."""
    stored = MovieMap.objects.create(source_hash="x", movie_count=len(movies), seconds=1.0)
    MovieMapCluster.objects.create(movie_map=stored, number=0, label="Even", x=0, y=0, size=1)
    MovieMapCluster.objects.create(movie_map=stored, number=1, label="Odd", x=1, y=2, size=1)
    MovieMapPoint.objects.bulk_create(
        MovieMapPoint(movie=movie, movie_map=stored, x=float(i), y=2.0 * i, cluster=i % 2)
        for i, movie in enumerate(movies)
    )
    return stored


class PublicUserFactory(UserFactory):
    """Someone whose profile, and so whose shared activity, others may see."""

    profile_is_public = True


class DiaryEntryFactory(DjangoModelFactory):
    class Meta:
        model = "social.DiaryEntry"

    user = factory.SubFactory(PublicUserFactory)
    movie = factory.SubFactory(MovieFactory)
    watched_on = factory.LazyFunction(lambda: timezone.localdate())


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = "social.Review"

    user = factory.SubFactory(PublicUserFactory)
    movie = factory.SubFactory(MovieFactory)
    text = factory.Sequence(lambda n: f"Review number {n}.")


class MovieListFactory(DjangoModelFactory):
    class Meta:
        model = "social.MovieList"

    user = factory.SubFactory(PublicUserFactory)
    name = factory.Sequence(lambda n: f"List {n}")


class FollowFactory(DjangoModelFactory):
    class Meta:
        model = "social.Follow"

    follower = factory.SubFactory(PublicUserFactory)
    followee = factory.SubFactory(PublicUserFactory)
