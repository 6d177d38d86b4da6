"""`manage.py evaluate_similar`: what "More like this" lists for the most-rated films, served
as the movie page serves it, against the content-only neighbours (docs/evaluation.md)."""

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Movie
from catalog.selectors import movie_visible_list, similar_movies
from recommendations.evaluation.metrics import low_count_share
from recommendations.similar import similar_to

DEFAULT_SHOW = ("Toy Story", "Finding Nemo", "Teenage Mutant Ninja Turtles", "Mrs. Doubtfire")
DEFAULT_EXPECT = ("Toy Story=>Toy Story 2",)


class Command(BaseCommand):
    help = (
        "For the most-rated films: the share of 'more like this' films with few ratings "
        "(hybrid as served, and content only), expected neighbours, and example lists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--top", type=int, default=100, help="How many most-rated films.")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument(
            "--below", type=int, default=5, help="'Few ratings' means fewer than this."
        )
        parser.add_argument(
            "--show",
            action="append",
            help="A title whose lists are printed (repeatable; default: the issue's four).",
        )
        parser.add_argument(
            "--expect",
            action="append",
            help="'QUERY=>NEIGHBOUR' titles: is NEIGHBOUR listed for QUERY? (repeatable)",
        )

    def handle(self, *args, top: int, k: int, below: int, show, expect, **options):
        if top < 1 or k < 1 or below < 1:
            raise CommandError("--top, --k and --below must be at least 1.")
        pairs = [_pair(text) for text in expect or DEFAULT_EXPECT]
        methods = {
            "hybrid": lambda movie: similar_to(movie, k=k),
            "content": lambda movie: similar_movies(movie, k=k),
        }
        queries = list(movie_visible_list().defer("embedding")[:top])
        if not queries:
            raise CommandError("There are no films; import MovieLens first.")
        self.stdout.write(f"The {len(queries)} most-rated films, k = {k}:")
        for name, method in methods.items():
            lists = [method(movie) for movie in queries]
            counts = {other.pk: other.rating_count for found in lists for other in found}
            share = low_count_share([[m.pk for m in found] for found in lists], counts, below=below)
            self.stdout.write(f"  {name}: {share:.1%} of the listed films have < {below} ratings")
        for query_title, neighbour_title in pairs:
            query = _by_title(query_title)
            for name, method in methods.items():
                listed = [m.title for m in method(query)]
                where = listed.index(neighbour_title) + 1 if neighbour_title in listed else None
                verdict = f"listed at {where}" if where else "not listed"
                self.stdout.write(f"{query_title} → {neighbour_title} ({name}): {verdict}")
        for title in show or DEFAULT_SHOW:
            query = _by_title(title)
            self.stdout.write(f"\n{query.display_title} ({query.rating_count} ratings)")
            for name, method in methods.items():
                listed = "; ".join(_describe(movie) for movie in method(query))
                self.stdout.write(f"  {name}: {listed}")


def _pair(text: str) -> tuple[str, str]:
    query, sep, neighbour = text.partition("=>")
    if not sep or not query.strip() or not neighbour.strip():
        raise CommandError(f"--expect {text!r}: write it as 'QUERY=>NEIGHBOUR'.")
    return query.strip(), neighbour.strip()


def _by_title(title: str) -> Movie:
    """The most-rated visible film of that title (without the year)."""
    movie = movie_visible_list().defer("embedding").filter(title__iexact=title).first()
    if movie is None:
        raise CommandError(f"No visible film titled {title!r}.")
    return movie


def _describe(movie: Movie) -> str:
    mean = "–" if movie.rating_mean is None else f"★{movie.rating_mean:.1f}"
    return f"{movie.display_title} {mean}/{movie.rating_count}"
