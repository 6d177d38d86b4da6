"""`manage.py evaluate_similar`: the film page's two rows for the most-rated films, served as
the page serves them, against the targets of docs/evaluation.md ("More like this")."""

from dataclasses import dataclass

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from tqdm import tqdm

from accounts.models import User
from catalog.models import Movie
from catalog.selectors import movie_visible_list
from recommendations.evaluation.metrics import low_count_share
from recommendations.evidence import evidence_for
from recommendations.hybrid import also_liked
from recommendations.personal import seen_movie_ids
from recommendations.selectors import recommender_versions
from recommendations.similar import similar_to

DEFAULT_SHOW = ("Toy Story", "The Matrix", "Jurassic Park", "The Lion King")
DEFAULT_EXPECT = (
    "The Matrix=>The Matrix Reloaded",
    "Jurassic Park=>The Lost World: Jurassic Park",
    "Toy Story=>Toy Story 2",
)
# The targets (issue 32): share of listed films with the query's distinctive genre (at
# least), with few ratings (at most), films both rows list (at most, of k).
DISTINCTIVE_TARGET = 0.75
FEW_RATINGS_TARGET = 0.10
OVERLAP_TARGET = 3


@dataclass(frozen=True)
class Rows:
    query: Movie
    similar: list[Movie]
    also_liked: list[Movie]
    similar_for_viewer: list[Movie]


class Command(BaseCommand):
    help = (
        "For the most-rated films: the film page's 'More like this' and 'People who liked "
        "this also liked' rows, scored against the targets, with expected neighbours and "
        "example lists."
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
            help="A title whose lists are printed (repeatable; default: four well-known films).",
        )
        parser.add_argument(
            "--expect",
            action="append",
            help="'QUERY=>NEIGHBOUR' titles: is NEIGHBOUR listed for QUERY? (repeatable)",
        )

    def handle(self, *args, top: int, k: int, below: int, show, expect, **options):
        if top < 1 or k < 1 or below < 1:
            raise CommandError("--top, --k and --below must be at least 1.")
        # Every title is looked up before the lists, so that a typo fails at once.
        pairs = [_pair(text) for text in expect or DEFAULT_EXPECT]
        pairs = [(_by_title(query), neighbour) for query, neighbour in pairs]
        shown = [_by_title(title) for title in show or DEFAULT_SHOW]
        queries = list(movie_visible_list().defer("embedding")[:top])
        if not queries:
            raise CommandError("There are no films; import MovieLens first.")
        viewer = User.objects.annotate(n=Count("ratings")).order_by("-n", "pk").first()
        seen = seen_movie_ids(user=viewer) if viewer else np.array([], dtype=np.int64)
        rows = [
            Rows(
                query=movie,
                similar=similar_to(movie, k=k),
                also_liked=[pick.movie for pick in also_liked(movie, k=k)],
                similar_for_viewer=similar_to(movie, k=k, exclude=seen),
            )
            for movie in tqdm(queries, desc="Listing", unit="film", file=self.stderr)
        ]
        self.stdout.write(f"The {len(queries)} most-rated films, k = {k}:")
        self._targets(rows, k=k, below=below, viewer=viewer, seen=len(seen))
        for query, neighbour_title in pairs:
            listed = [m.title for m in similar_to(query, k=k)]
            where = listed.index(neighbour_title) + 1 if neighbour_title in listed else None
            verdict = f"listed at {where}" if where else "not listed"
            self.stdout.write(
                f"  {_mark(where is not None)} {query.title} → {neighbour_title}: {verdict}"
            )
        for query in shown:
            self.stdout.write(f"\n{query.display_title} ({query.rating_count} ratings)")
            self.stdout.write(
                "  more like this: " + "; ".join(map(_describe, similar_to(query, k=k)))
            )
            also = [pick.movie for pick in also_liked(query, k=k)]
            self.stdout.write("  also liked: " + "; ".join(map(_describe, also)))

    def _targets(self, rows: list[Rows], *, k: int, below: int, viewer, seen: int) -> None:
        evidence = evidence_for(recommender_versions(user_id=None).catalogue)
        carrying = listed = 0
        for row in rows:
            at, found = evidence.rows(np.array([row.query.pk]))
            genre = evidence.distinctive_genre(int(at[0])) if found[0] else None
            if genre is None or not row.similar:
                continue
            where, known = evidence.rows(np.array([m.pk for m in row.similar]))
            carrying += int(evidence.genres[where[known], genre].sum())
            listed += len(row.similar)
        share = carrying / listed if listed else 0.0
        self.stdout.write(
            f"  {_mark(share >= DISTINCTIVE_TARGET)} {share:.1%} of the listed films carry the "
            f"query's distinctive genre (target ≥ {DISTINCTIVE_TARGET:.0%})"
        )
        lists = [row.similar for row in rows]
        counts = {m.pk: m.rating_count for found in lists for m in found}
        few = low_count_share([[m.pk for m in found] for found in lists], counts, below=below)
        self.stdout.write(
            f"  {_mark(few <= FEW_RATINGS_TARGET)} {few:.1%} of the listed films have < {below} "
            f"ratings (target ≤ {FEW_RATINGS_TARGET:.0%})"
        )
        shared = np.mean(
            [len({m.pk for m in row.similar} & {m.pk for m in row.also_liked}) for row in rows]
        )
        self.stdout.write(
            f"  {_mark(shared <= OVERLAP_TARGET)} the two rows share {shared:.2f} of {k} films "
            f"on average (target ≤ {OVERLAP_TARGET})"
        )
        full = sum(len(row.similar) == k for row in rows)
        full_for_viewer = sum(len(row.similar_for_viewer) == k for row in rows)
        name = viewer.get_username() if viewer else "nobody"
        self.stdout.write(
            f"  {_mark(full == full_for_viewer == len(rows))} {full} of {len(rows)} lists hold "
            f"{k} films; {full_for_viewer} without what the most active user ({name}, {seen} "
            "films rated or dismissed) has seen"
        )


def _mark(met: bool) -> str:
    return "✓" if met else "✗"


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
