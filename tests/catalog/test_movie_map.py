"""The movie map: the layout keeps neighbourhoods, clusters get distinctive labels, and a
run replaces the stored map (or skips when nothing changed).

UMAP compiles its numba kernels on first use in a process (tens of seconds), so the tests
that lay out a map share one xdist group and pay for it once.
"""

import numpy as np
import pytest
from sklearn.manifold import trustworthiness

from catalog import movie_map, tasks
from catalog.models import EMBEDDING_DIMENSIONS, Movie, MovieMap, MovieMapCluster, MovieMapPoint
from jobs.models import Job
from jobs.progress import NullProgress
from tests.factories import GenreFactory, MovieFactory, movie_map_stored
from tests.waiting import job_finished

umap_group = pytest.mark.xdist_group("umap")


def two_groups(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n unit vectors along an arc in the plane of axes 0 and 1, then n along one in the
    plane of axes 2 and 3: two well-separated groups, each with an order inside it (films
    along an arc have true nearest neighbours, which a layout can keep or lose)."""
    vectors = 0.02 * rng.standard_normal((2 * n, EMBEDDING_DIMENSIONS))
    angles = np.linspace(0, 1.2, n)
    for group in (0, 1):
        rows = slice(group * n, (group + 1) * n)
        vectors[rows, 2 * group] += np.cos(angles)
        vectors[rows, 2 * group + 1] += np.sin(angles)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), np.repeat([0, 1], n)


# --- The layout ---------------------------------------------------------------------------


@umap_group
def test_the_layout_keeps_neighbourhoods_and_is_the_same_every_time():
    vectors, group = two_groups(60, np.random.default_rng(1))

    xy = movie_map.layout_2d(vectors)

    assert xy.shape == (120, 2)
    centres = np.array([xy[group == g].mean(axis=0) for g in (0, 1)])
    own = np.linalg.norm(xy - centres[group], axis=1)
    other = np.linalg.norm(xy - centres[1 - group], axis=1)
    assert (own < other).all()  # every point sits nearer its own group than the other
    # Of each point's 10 nearest on the map, nearly all are near in the embedding space too
    # (a random layout scores about 0.5).
    assert trustworthiness(vectors, xy, n_neighbors=10, metric="cosine") >= 0.95
    np.testing.assert_array_equal(movie_map.layout_2d(vectors), xy)


def test_clusters_are_areas_of_the_map():
    rng = np.random.default_rng(2)
    xy = np.vstack([rng.normal(0, 0.3, (50, 2)), rng.normal(10, 0.3, (50, 2))])
    clusters = movie_map.clusters_assign(xy, k=2)
    assert len(set(clusters[:50])) == len(set(clusters[50:])) == 1
    assert clusters[0] != clusters[50]


def test_the_number_of_clusters_grows_with_the_catalogue_within_bounds():
    assert movie_map.cluster_count(20) == 2
    assert movie_map.cluster_count(100) == 3  # clusters of 30 at least
    assert movie_map.cluster_count(1000) == movie_map.MIN_CLUSTERS
    assert movie_map.cluster_count(9700) == 24
    assert movie_map.cluster_count(62_000) == movie_map.MAX_CLUSTERS


# --- Labels -------------------------------------------------------------------------------


def test_a_cluster_is_named_by_its_distinctive_genre_not_the_common_one():
    horror = [{"Drama", "Horror"}] * 8 + [{"Drama"}] * 2
    comedy = [{"Drama", "Comedy", "Romance"}] * 6 + [{"Drama", "Comedy"}] * 4
    mixed = [{"Drama"}] * 10
    clusters = np.repeat([0, 1, 2], 10)

    labels = movie_map.cluster_labels(horror + comedy + mixed, clusters)

    assert labels[0] == "Horror"  # Drama is on every film: a lift of 1, no label
    assert labels[1] == "Comedy · Romance"  # on every film of it, then on 60 %
    assert labels[2] == "Mixed"  # nothing here is more common than elsewhere


def test_a_rare_term_cannot_name_a_big_cluster():
    terms = [{"Thriller", "heist"}] + [{"Thriller"}] * 19 + [{"Comedy"}] * 20
    labels = movie_map.cluster_labels(terms, np.repeat([0, 1], 20))
    assert labels[0] == "Thriller"  # "heist" has the larger lift but is on 5 % of the cluster


def test_clusters_that_would_share_a_label_are_told_apart_by_what_sets_each_off():
    # Three comedy clusters; romance, crime and drama are each commoner in the horror
    # cluster than anywhere, so against the catalogue all three comedies are just "Comedy".
    romcom = [{"Comedy", "Romance"}] * 6 + [{"Comedy"}] * 4
    crime = [{"Comedy", "Crime"}] * 6 + [{"Comedy"}] * 4
    drama = [{"Comedy", "Drama"}] * 5 + [{"Comedy"}] * 5
    horror = [{"Horror", "Romance", "Crime", "Drama"}] * 40
    clusters = np.repeat([0, 1, 2, 3], [10, 10, 10, 40])

    labels = movie_map.cluster_labels(romcom + crime + drama + horror, clusters)

    assert labels == {
        0: "Comedy · Romance",
        1: "Comedy · Crime",
        2: "Comedy · Drama",
        3: "Horror · Drama",  # drama, on all of it, is a little rarer than romance or crime
    }


def test_clusters_that_nothing_tells_apart_are_numbered_biggest_first():
    terms = [{"Comedy"}] * 25 + [{"Comedy"}] * 30 + [{"Western"}] * 30
    labels = movie_map.cluster_labels(terms, np.repeat([0, 1, 2], [25, 30, 30]))
    assert labels == {0: "Comedy (2)", 1: "Comedy", 2: "Western"}
    assert len(set(labels.values())) == 3


def test_movie_terms_merge_keywords_that_repeat_a_genre():
    terms = movie_map.movie_terms(["Horror", "(no genres listed)"], ["horror", "haunted house"])
    assert terms == {"Horror", "Haunted house"}


# --- The job ------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    """30 space films (Sci-Fi, keyword "astronaut") and 30 westerns, embedded apart."""
    vectors, _ = two_groups(30, np.random.default_rng(3))
    drama, sci_fi, western = (GenreFactory(name=n) for n in ("Drama", "Sci-Fi", "Western"))
    space = [
        MovieFactory(
            title=f"Space {i}",
            genres=[drama, sci_fi],
            keywords=["astronaut"],
            embedding=vectors[i],
            embedding_text_hash=f"space-{i}",
        )
        for i in range(30)
    ]
    westerns = [
        MovieFactory(
            title=f"Western {i}",
            genres=[drama, western],
            embedding=vectors[30 + i],
            embedding_text_hash=f"western-{i}",
        )
        for i in range(30)
    ]
    return space, westerns


@umap_group
@pytest.mark.django_db
def test_a_run_stores_the_map_and_a_second_run_replaces_or_skips(catalogue):
    space, westerns = catalogue
    MovieFactory(title="Not embedded yet")
    hidden = MovieFactory(embedding=space[0].embedding, is_hidden=True)

    report = movie_map.movie_map_refresh(progress=NullProgress())

    first = MovieMap.objects.get()
    assert (report.movies, report.clusters, first.movie_count) == (60, 2, 60)
    assert report.summary().startswith("Mapped 60 movies into 2 labelled clusters")
    points = {p.movie_id: p for p in MovieMapPoint.objects.all()}
    assert set(points) == {m.pk for m in space + westerns}  # not hidden, not unembedded
    assert hidden.pk not in points
    # The two kinds of film are two clusters, named by what sets them apart.
    assert len({points[m.pk].cluster for m in space}) == 1
    labels = dict(MovieMapCluster.objects.values_list("number", "label"))
    assert labels[points[space[0].pk].cluster] == "Astronaut · Sci-Fi"
    assert labels[points[westerns[0].pk].cluster] == "Western"
    assert sorted(MovieMapCluster.objects.values_list("size", flat=True)) == [30, 30]

    # Nothing changed: the stored map stays, nothing is computed.
    again = movie_map.movie_map_refresh(progress=NullProgress())
    assert again.skipped == "The map is up to date."
    assert list(MovieMap.objects.values_list("pk", flat=True)) == [first.pk]

    # A movie's embedding changed: the map is replaced, never duplicated.
    Movie.objects.filter(pk=westerns[0].pk).update(embedding_text_hash="edited")
    movie_map.movie_map_refresh(progress=NullProgress())
    second = MovieMap.objects.get()
    assert second.pk != first.pk
    assert MovieMapPoint.objects.count() == 60
    assert set(MovieMapPoint.objects.values_list("movie_map", flat=True)) == {second.pk}
    assert MovieMapCluster.objects.count() == 2


@pytest.mark.django_db
def test_too_few_movies_make_no_map():
    vectors, _ = two_groups(5, np.random.default_rng(4))
    for vector in vectors:
        MovieFactory(embedding=vector)
    report = movie_map.movie_map_refresh(progress=NullProgress())
    assert report.skipped == "Only 10 movies have embeddings; the map needs 20."
    assert not MovieMap.objects.exists()


# --- Reads --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_payload_is_parallel_arrays_of_visible_movies():
    movies = [MovieFactory(title="Alien", year=1979), MovieFactory(title="Heat", year=None)]
    hidden = MovieFactory(is_hidden=True)
    stored = movie_map_stored([*movies, hidden])

    payload = movie_map.movie_map_payload(stored)

    assert payload["version"] == stored.pk == movie_map.movie_map_version()
    assert payload["ids"] == [m.pk for m in movies]
    assert (payload["x"], payload["y"], payload["cluster"]) == ([0.0, 1.0], [0.0, 2.0], [0, 1])
    assert payload["titles"] == ["Alien (1979)", "Heat"]
    assert [c["label"] for c in payload["clusters"]] == ["Even", "Odd"]


@pytest.mark.django_db
def test_a_neighbourhood_fills_the_box_keeping_its_shape(django_assert_num_queries):
    centre, *neighbours = MovieFactory.create_batch(4)
    unmapped = MovieFactory()
    movie_map_stored([centre, *neighbours])  # on a line from (0, 0) to (3, 6)

    with django_assert_num_queries(1):
        points = movie_map.movie_neighbourhood(movie=centre, neighbours=[*neighbours, unmapped])

    assert [p.movie for p in points] == [centre, *neighbours]  # the unmapped one is left out
    assert [p.is_centre for p in points] == [True, False, False, False]
    # y spans the box (8 to 92, drawn downwards); x keeps the 1:2 ratio, centred.
    assert [p.y for p in points] == [92.0, 64.0, 36.0, 8.0]
    assert [p.x for p in points] == [29.0, 43.0, 57.0, 71.0]


@pytest.mark.django_db
def test_a_movie_off_the_map_has_no_neighbourhood():
    movie, neighbour = MovieFactory.create_batch(2)
    assert movie_map.movie_neighbourhood(movie=movie, neighbours=[neighbour]) == []
    movie_map_stored([neighbour])
    assert movie_map.movie_neighbourhood(movie=movie, neighbours=[neighbour]) == []


def _inside(box) -> bool:
    return box.left >= 0 and box.top >= 0 and box.right <= 100 and box.bottom <= 100


def test_labels_of_close_films_take_different_sides_and_never_overlap():
    long = "Star Wars: Episode IV -…"  # as the mini-map shortens it
    dots = [(50.0, 50.0, 2.6, long), (50.0, 44.0, 1.8, long), (50.0, 56.0, 1.8, "Raiders")]

    placed = movie_map.labels_place(dots)

    assert all(labelled for _, labelled in placed)
    boxes = [box for box, _ in placed]
    # The first film's label would cover the dot above it, so it goes beside its dot.
    assert boxes[0].anchor in {"start", "end"}
    for i, box in enumerate(boxes):
        assert _inside(box)
        for j, (x, y, r, _) in enumerate(dots):
            assert i == j or not box.overlaps(x - r, y - r, x + r, y + r)
            assert i == j or not box.overlaps(
                boxes[j].left, boxes[j].top, boxes[j].right, boxes[j].bottom
            )


def test_a_label_near_the_edge_grows_inwards():
    right, top_left = movie_map.labels_place(
        [(98.0, 50.0, 1.8, "The Good, the Bad and the Ugly"), (2.0, 2.0, 1.8, "Heat")]
    )
    assert right == (right[0], True) and right[0].anchor == "end" and _inside(right[0])
    assert top_left[1] and top_left[0].anchor == "start" and _inside(top_left[0])


def test_a_label_without_room_is_kept_for_hover_and_focus_inside_the_box():
    crowd = [(50.0, 50.0, 1.8, f"Film {n}") for n in range(8)]
    placed = movie_map.labels_place(crowd)
    # Above, below, right and left of the one place: four labels fit, the rest wait for
    # hover or focus, at a spot inside the box all the same.
    assert [labelled for _, labelled in placed] == [True] * 4 + [False] * 4
    assert [box.anchor for box, _ in placed[:4]] == ["middle", "middle", "start", "end"]
    assert all(_inside(box) for box, _ in placed)


# --- Queueing and the Celery job ----------------------------------------------------------


@pytest.mark.django_db
def test_an_embedding_run_that_embedded_something_queues_the_map_job(monkeypatch):
    started = []
    monkeypatch.setattr(tasks, "movie_map_job_start", lambda: started.append(True))
    report = tasks.services.EmbeddingReport(encoded=3)
    monkeypatch.setattr(tasks.services, "movies_embed_dirty", lambda **kwargs: report)

    tasks.embed_dirty_movies_task.apply()
    assert started == [True]

    report.encoded = 0  # nothing new embedded: the map cannot have changed
    tasks.embed_dirty_movies_task.apply()
    assert started == [True]


@umap_group
@pytest.mark.django_db(transaction=True)
def test_the_map_job_runs_on_a_worker_and_records_its_progress(catalogue, celery_worker_process):
    job = job_finished(
        tasks.movie_map_job_start().pk, timeout=300
    )  # UMAP compiles its kernels first

    assert (job.kind, job.state) == (Job.Kind.MOVIE_MAP, Job.State.SUCCEEDED), job.message
    assert job.message.startswith("Mapped 60 movies into 2 labelled clusters")
    assert (job.description, job.progress_done, job.progress_total) == (
        "Movie map: saving",
        60,
        60,
    )
    assert MovieMapPoint.objects.count() == 60

    # A second job finds the map current and leaves it alone.
    second = job_finished(tasks.movie_map_job_start().pk, timeout=60)
    assert (second.state, second.message) == (Job.State.SUCCEEDED, "The map is up to date.")
    assert MovieMap.objects.count() == 1


@pytest.mark.django_db
def test_beat_checks_the_map_without_a_job_row(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["catalog-movie-map-refresh"]
    assert entry["task"] == tasks.movie_map_refresh_task.name
    result = tasks.movie_map_refresh_task.apply().get()
    assert result == "Only 0 movies have embeddings; the map needs 20."
    assert not Job.objects.exists() and not MovieMap.objects.exists()
