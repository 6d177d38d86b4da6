"""The movie map: a 2-D layout of the embedded movies that keeps neighbourhoods, with
labelled clusters. Computed by a background job (`catalog.tasks.movie_map_refresh_task`)
and stored in the database (`MovieMap`), so every web process serves the same map.

The layout is UMAP on the embeddings (cosine). umap-learn pulls numba, which takes
seconds to import and compiles its kernels on first use, so it is imported only inside
`layout_2d`: web processes, which only read the stored map, never load it.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter
from collections.abc import Collection, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import BinaryField, F, Func
from django.utils.text import Truncator

from catalog.models import (
    EMBEDDING_DIMENSIONS,
    Movie,
    MovieMap,
    MovieMapCluster,
    MovieMapPoint,
    MovieQuerySet,
)
from core.locks import AdvisoryLock
from core.vectors import decode_vectors
from jobs.progress import Progress

# UMAP: 15 neighbours and min_dist 0.1 keep local neighbourhoods and show clusters apart.
MAP_NEIGHBOURS = 15
MAP_MIN_DIST = 0.1
MAP_SEED = 42  # a fixed seed: the same catalogue always gives the same map
MIN_MOVIES = 20  # fewer than this makes no map worth drawing
# Clusters: about one per this many movies, so labels stay readable on the map; at least
# MIN_CLUSTERS when the catalogue is small, as long as each keeps MIN_CLUSTER_SIZE movies.
MOVIES_PER_CLUSTER = 400
MIN_CLUSTERS, MAX_CLUSTERS = 8, 40
MIN_CLUSTER_SIZE = 30
# A label term must be on at least this share of a cluster's movies.
LABEL_MIN_SHARE = 0.2
LABEL_TERMS = 2
NO_GENRE = "(no genres listed)"  # MovieLens' placeholder, not a genre
# Part of the source hash: bump it when the method changes, so the next run recomputes.
METHOD = f"umap-cosine-{MAP_NEIGHBOURS}-{MAP_MIN_DIST}-{MAP_SEED}-kmeans-{MOVIES_PER_CLUSTER}-v2"
SAVE_BATCH = 5000


@dataclass
class MovieMapReport:
    movies: int = 0
    clusters: int = 0
    seconds: float = 0.0
    skipped: str = ""

    def summary(self) -> str:
        if self.skipped:
            return self.skipped
        return (
            f"Mapped {self.movies} movies into {self.clusters} labelled clusters "
            f"in {self.seconds:.0f} s."
        )


# --- The computation (pure numpy) ---------------------------------------------------------


def layout_2d(vectors: np.ndarray, *, seed: int = MAP_SEED) -> np.ndarray:
    """(n, 2) coordinates in which neighbours by cosine distance stay neighbours."""
    import umap  # see the module docstring

    reducer = umap.UMAP(
        n_neighbors=min(MAP_NEIGHBOURS, len(vectors) - 1),
        min_dist=MAP_MIN_DIST,
        metric="cosine",
        random_state=seed,
        n_jobs=1,  # a seed forces one thread anyway; saying so silences UMAP's warning
    )
    return reducer.fit_transform(vectors).astype(np.float64)


def cluster_count(n: int) -> int:
    wanted = min(max(n // MOVIES_PER_CLUSTER, MIN_CLUSTERS), MAX_CLUSTERS)
    return max(2, min(wanted, n // MIN_CLUSTER_SIZE))


def clusters_assign(xy: np.ndarray, *, k: int, seed: int = MAP_SEED) -> np.ndarray:
    """A cluster number per point: k-means on the layout, so clusters are areas of the map."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(xy)


def _distinctive(counts: Counter, size: int, against: Counter, against_size: int) -> list[str]:
    """The terms of a group of `size` movies (`counts`: how many have each) that are more
    common there than among the `against` movies, most distinctive first.

    A term scores share × log(lift): share is how many of the group's movies have it, lift
    that share over its share among the `against` movies (one added to both counts, so a
    term they lack has a finite lift). Terms below LABEL_MIN_SHARE are left out, so a rare
    keyword on two movies cannot name a cluster of four hundred.
    """
    scored = []
    for term, count in counts.items():
        share = count / size
        lift = share / ((against[term] + 1) / (against_size + 1))
        if share >= LABEL_MIN_SHARE and lift > 1:
            scored.append((-share * math.log(lift), term))
    return [term for _, term in sorted(scored)]


def cluster_labels(terms: Sequence[Collection[str]], clusters: np.ndarray) -> dict[int, str]:
    """A distinct label per cluster from the terms (genres, keywords) its movies have most
    *distinctively*, by lift rather than by count.

    First against the whole catalogue: "Drama", on most movies everywhere, has a lift near
    1 and scores nothing, while "Horror" on 80 % of a cluster and 8 % overall wins. Clusters
    that would then share a label (three that are all "Comedy") keep their first term and
    take, as their last, the term that best tells each from the others of that group: its
    lift against those clusters alone ("Comedy · Romance", "Comedy · Crime"). Clusters that
    nothing tells apart are numbered, biggest first.
    """
    numbers = [int(number) for number in np.unique(clusters)]
    members = {number: np.flatnonzero(clusters == number) for number in numbers}
    counts = {
        number: Counter(term for index in rows for term in set(terms[index]))
        for number, rows in members.items()
    }
    sizes = {number: len(rows) for number, rows in members.items()}
    overall = sum(counts.values(), Counter())
    names = {
        number: _distinctive(counts[number], sizes[number], overall, len(terms))[:LABEL_TERMS]
        for number in numbers
    }
    for _ in numbers:  # each round settles at least one clash, or none can be settled
        groups: dict[tuple[str, ...], list[int]] = {}
        for number in numbers:
            groups.setdefault(tuple(names[number]), []).append(number)
        changed = False
        for group in (group for group in groups.values() if len(group) > 1):
            for number in group:
                others = [other for other in group if other != number]
                against = sum((counts[other] for other in others), Counter())
                against_size = sum(sizes[other] for other in others)
                apart = _distinctive(counts[number], sizes[number], against, against_size)
                extra = [term for term in apart if term not in names[number]]
                if extra:
                    names[number] = [*names[number][: LABEL_TERMS - 1], extra[0]]
                    changed = True
        if not changed:
            break
    labels = {number: " · ".join(names[number]) or "Mixed" for number in numbers}
    seen: Counter[str] = Counter()
    for number in sorted(numbers, key=lambda n: (-sizes[n], n)):
        seen[labels[number]] += 1
        if seen[labels[number]] > 1:
            labels[number] = f"{labels[number]} ({seen[labels[number]]})"
    return labels


def movie_terms(genres: Collection[str], keywords: Collection[str]) -> set[str]:
    """A movie's label terms: genres as named, keywords capitalised, a keyword that repeats
    a genre counted once."""
    terms = {genre.casefold(): genre for genre in genres if genre != NO_GENRE}
    for keyword in keywords:
        terms.setdefault(keyword.casefold(), keyword[:1].upper() + keyword[1:])
    return set(terms.values())


# --- The job ------------------------------------------------------------------------------


def _mappable() -> MovieQuerySet:
    return Movie.objects.visible().filter(embedding__isnull=False).order_by("pk")


def _source_hash() -> tuple[str, int]:
    """What the map depends on, hashed without loading a vector: which movies, the text
    each embedding came from, the model and the method. And how many movies."""
    digest = hashlib.sha256(METHOD.encode())
    count = 0
    for row in _mappable().values_list("pk", "embedding_model", "embedding_text_hash"):
        digest.update(repr(row).encode())
        count += 1
    return digest.hexdigest(), count


@contextmanager
def _map_lock():
    """One run at a time: a second waits, then finds the map current and stops."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [int(AdvisoryLock.MOVIE_MAP)])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [int(AdvisoryLock.MOVIE_MAP)])


def movie_map_refresh(*, progress: Progress, force: bool = False) -> MovieMapReport:
    """Compute the map of all visible embedded movies and replace the stored one.

    Does nothing when the movies, their embeddings and the method are unchanged since
    the stored map (unless `force`), so running it twice costs one cheap query.
    """
    with _map_lock():
        source_hash, count = _source_hash()
        current = MovieMap.objects.order_by("-pk").first()
        if current is not None and current.source_hash == source_hash and not force:
            return MovieMapReport(movies=current.movie_count, skipped="The map is up to date.")
        if count < MIN_MOVIES:
            return MovieMapReport(
                movies=count,
                skipped=f"Only {count} movies have embeddings; the map needs {MIN_MOVIES}.",
            )
        started = time.monotonic()
        progress.stage("Movie map: loading embeddings", total=count)
        ids, vectors, terms = _load(progress)
        progress.stage("Movie map: laying out (UMAP)", total=None)
        xy = layout_2d(vectors)
        progress.stage("Movie map: labelling clusters", total=None)
        clusters = clusters_assign(xy, k=cluster_count(len(ids)))
        labels = cluster_labels(terms, clusters)
        progress.stage("Movie map: saving", total=len(ids))
        report = MovieMapReport(
            movies=len(ids), clusters=len(labels), seconds=time.monotonic() - started
        )
        _save(ids, xy, clusters, labels, source_hash, report, progress)
        return report


def _load(progress: Progress) -> tuple[list[int], np.ndarray, list[set[str]]]:
    embedding = Func(F("embedding"), function="vector_send", output_field=BinaryField())
    ids, raw = [], []
    for pk, data in _mappable().values_list("pk", embedding).iterator(chunk_size=SAVE_BATCH):
        ids.append(pk)
        raw.append(data)
        if len(ids) % SAVE_BATCH == 0:
            progress.advance(SAVE_BATCH)
    progress.advance(len(ids) % SAVE_BATCH)
    genres: dict[int, list[str]] = {}
    through = Movie.genres.through.objects.filter(movie__in=_mappable())
    for movie_id, name in through.values_list("movie_id", "genre__name"):
        genres.setdefault(movie_id, []).append(name)
    keywords = dict(_mappable().exclude(keywords=[]).values_list("pk", "keywords"))
    terms = [movie_terms(genres.get(pk, ()), keywords.get(pk, ())) for pk in ids]
    return ids, decode_vectors(raw, EMBEDDING_DIMENSIONS), terms


def _save(
    ids: list[int],
    xy: np.ndarray,
    clusters: np.ndarray,
    labels: dict[int, str],
    source_hash: str,
    report: MovieMapReport,
    progress: Progress,
) -> None:
    """Replace the stored map in one transaction: readers see the old map or the new one."""
    with transaction.atomic():
        MovieMap.objects.all().delete()
        movie_map = MovieMap.objects.create(
            source_hash=source_hash, movie_count=len(ids), seconds=round(report.seconds, 1)
        )
        MovieMapCluster.objects.bulk_create(
            MovieMapCluster(
                movie_map=movie_map,
                number=number,
                label=label[:200],
                x=float(xy[clusters == number, 0].mean()),
                y=float(xy[clusters == number, 1].mean()),
                size=int((clusters == number).sum()),
            )
            for number, label in labels.items()
        )
        points = [
            MovieMapPoint(movie_id=pk, movie_map=movie_map, x=float(x), y=float(y), cluster=c)
            for pk, (x, y), c in zip(ids, xy, clusters.tolist(), strict=True)
        ]
        for start in range(0, len(points), SAVE_BATCH):
            batch = points[start : start + SAVE_BATCH]
            MovieMapPoint.objects.bulk_create(batch)
            progress.advance(len(batch))


# --- Reads ---------------------------------------------------------------------------------


def movie_map_current() -> MovieMap | None:
    return MovieMap.objects.order_by("-pk").first()


def movie_map_version() -> int | None:
    """The stored map's id, which changes with every run that replaces it."""
    return MovieMap.objects.order_by("-pk").values_list("pk", flat=True).first()


def movie_map_payload(movie_map: MovieMap) -> dict:
    """The map as compact parallel arrays, visible movies only: a movie hidden since the
    run drops off at once. For ml-latest-small's 9.7k movies: about 530 kB of JSON,
    190 kB gzipped (the view gzips it)."""
    rows = (
        MovieMapPoint.objects.filter(movie_map=movie_map, movie__in=Movie.objects.visible())
        .order_by("pk")
        .values_list("movie_id", "x", "y", "cluster", "movie__title", "movie__year")
    )
    ids, xs, ys, clusters, titles = [], [], [], [], []
    for pk, x, y, cluster, title, year in rows:
        ids.append(pk)
        xs.append(round(x, 3))
        ys.append(round(y, 3))
        clusters.append(cluster)
        titles.append(f"{title} ({year})" if year else title)
    return {
        "version": movie_map.pk,
        "ids": ids,
        "x": xs,
        "y": ys,
        "cluster": clusters,
        "titles": titles,
        "clusters": [
            {"number": c.number, "label": c.label, "x": c.x, "y": c.y, "size": c.size}
            for c in movie_map.clusters.all()
        ],
    }


@dataclass(frozen=True)
class LabelBox:
    """Where a label is drawn in the mini-map's 100×100 box: its text's anchor point, which
    end of the text that is (SVG's text-anchor), and the box the text covers."""

    x: float
    y: float
    anchor: str  # start, middle or end
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, left: float, top: float, right: float, bottom: float) -> bool:
        return self.left < right and left < self.right and self.top < bottom and top < self.bottom


@dataclass(frozen=True)
class NeighbourhoodPoint:
    movie: Movie
    x: float  # 0-100 across the mini-map
    y: float  # 0-100 down the mini-map
    is_centre: bool
    r: float  # the dot's radius
    label: str  # the title, shortened
    label_box: LabelBox
    # False when the label would cover another label or dot: it is shown on hover and focus only.
    labelled: bool


# Mini-map margins (percent), so that dots near the edge are drawn whole.
_MARGIN = 8.0
# Dot radii, and label text, in the box's units (templates/catalog/_neighbourhood.html and
# the .neighbourhood__map rules of static/css/site.css draw them).
CENTRE_RADIUS, NEIGHBOUR_RADIUS = 2.6, 1.8
LABEL_CHARS = 24
LABEL_FONT_SIZE = 2.6
# A character's width, as a share of the font size: generous (bold capitals are wider than
# the average letter), so that a label never covers more than its estimated box.
LABEL_CHAR_WIDTH = 0.62
_GAP = 0.8  # between a dot and its label
_ASCENT, _DESCENT = 0.8 * LABEL_FONT_SIZE, 0.25 * LABEL_FONT_SIZE


def _label_candidates(x: float, y: float, r: float, width: float) -> list[LabelBox]:
    """Where a label may go around its dot, best first: above, below, right, left, and above
    or below running off to one side (for dots near an edge)."""
    above, below = y - r - _GAP, y + r + _GAP + _ASCENT
    beside = y + (_ASCENT - _DESCENT) / 2
    spots = [
        (x, above, "middle"),
        (x, below, "middle"),
        (x + r + _GAP, beside, "start"),
        (x - r - _GAP, beside, "end"),
        (x - r, above, "start"),
        (x + r, above, "end"),
        (x - r, below, "start"),
        (x + r, below, "end"),
    ]
    boxes = []
    for tx, ty, anchor in spots:
        left = {"start": tx, "middle": tx - width / 2, "end": tx - width}[anchor]
        boxes.append(
            LabelBox(
                round(tx, 2), round(ty, 2), anchor, left, ty - _ASCENT, left + width, ty + _DESCENT
            )
        )
    return boxes


def labels_place(dots: Sequence[tuple[float, float, float, str]]) -> list[tuple[LabelBox, bool]]:
    """A label spot for each (x, y, radius, text) dot of the 100×100 box, in order of
    priority: each label goes in the first spot that stays inside the box and covers no
    label placed before it and no dot. A dot without such a spot keeps its first spot
    inside the box, marked unlabelled (False), for showing on hover and focus."""
    placed: list[LabelBox] = []
    result = []
    for index, (x, y, r, text) in enumerate(dots):
        width = len(text) * LABEL_CHAR_WIDTH * LABEL_FONT_SIZE
        inside = [
            box
            for box in _label_candidates(x, y, r, width)
            if box.left >= 0 and box.top >= 0 and box.right <= 100 and box.bottom <= 100
        ] or _label_candidates(min(max(x, width / 2), 100 - width / 2), y, r, width)[:1]
        free = next(
            (
                box
                for box in inside
                if not any(box.overlaps(p.left, p.top, p.right, p.bottom) for p in placed)
                and not any(
                    box.overlaps(ox - orad, oy - orad, ox + orad, oy + orad)
                    for other, (ox, oy, orad, _) in enumerate(dots)
                    if other != index
                )
            ),
            None,
        )
        if free is not None:
            placed.append(free)
        result.append((free or inside[0], free is not None))
    return result


def movie_neighbourhood(*, movie: Movie, neighbours: Sequence[Movie]) -> list[NeighbourhoodPoint]:
    """The movie and its neighbours where they sit on the map, scaled to fill a 100×100
    box (y down, as on screen), each with a label that covers no other label or dot; the
    film's own label first, then the nearest films'. Empty while the movie has no map
    point. One query."""
    points = dict(
        (pk, (x, y))
        for pk, x, y in MovieMapPoint.objects.filter(
            movie_id__in=[movie.pk, *(n.pk for n in neighbours)]
        ).values_list("movie_id", "x", "y")
    )
    if movie.pk not in points:
        return []
    placed = [(m, points[m.pk]) for m in (movie, *neighbours) if m.pk in points]
    xy = np.array([coords for _, coords in placed])
    low, span = xy.min(axis=0), np.ptp(xy, axis=0)
    span[span == 0] = 1.0
    scaled = _MARGIN + (xy - low) / span.max() * (100 - 2 * _MARGIN)
    scaled += ((100 - 2 * _MARGIN) - (scaled.max(axis=0) - _MARGIN)) / 2  # centre the shape
    dots = [
        (
            round(float(x), 2),
            round(100 - float(y), 2),
            CENTRE_RADIUS if m.pk == movie.pk else NEIGHBOUR_RADIUS,
            Truncator(m.title).chars(LABEL_CHARS),
        )
        for (m, _), (x, y) in zip(placed, scaled, strict=True)
    ]
    return [
        NeighbourhoodPoint(m, x, y, m.pk == movie.pk, r, text, box, labelled)
        for (m, _), (x, y, r, text), (box, labelled) in zip(
            placed, dots, labels_place(dots), strict=True
        )
    ]
