from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from catalog.models import Genre, Movie
from ratings.models import Rating


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


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


class RatingFactory(DjangoModelFactory):
    class Meta:
        model = Rating

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)
    score = Decimal("4.0")


class WatchlistItemFactory(DjangoModelFactory):
    class Meta:
        model = "recommendations.WatchlistItem"

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)


class NotInterestedFactory(DjangoModelFactory):
    class Meta:
        model = "recommendations.NotInterested"

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)
