import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import embedding, tasks
from catalog.models import Credit, Movie
from jobs.models import Job
from tests.admin_helpers import assert_staff_only, movie_action
from tests.factories import CreditFactory, GenreFactory, MovieFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """Embedding tasks sent to the broker (their kwargs recorded instead)."""
    sent: list[dict] = []
    monkeypatch.setattr(
        tasks.embed_dirty_movies_task, "apply_async", lambda **kw: sent.append(kw["kwargs"])
    )
    return sent


def test_the_movie_list_shows_how_many_movies_wait_for_an_embedding(admin_client):
    MovieFactory.create_batch(3)
    MovieFactory(needs_embedding=False)
    response = admin_client.get(reverse("admin:catalog_movie_changelist"))
    assert response.status_code == 200
    assert "3 movies waiting for an embedding." in response.text


@pytest.mark.parametrize("term", ["Shawshank", "tt0111161", "278"])
def test_movies_are_found_by_title_imdb_and_tmdb_id(admin_client, term):
    MovieFactory(title="The Shawshank Redemption", imdb_id="tt0111161", tmdb_id=278)
    MovieFactory(title="Other", imdb_id="tt0000001", tmdb_id=1)
    response = admin_client.get(reverse("admin:catalog_movie_changelist"), {"q": term})
    assert [movie.title for movie in response.context["cl"].result_list] == [
        "The Shawshank Redemption"
    ]


def test_editing_an_overview_marks_the_movie_dirty_and_queues_after_commit(
    admin_client, queued, django_capture_on_commit_callbacks
):
    drama = GenreFactory(name="Drama")
    movie = MovieFactory(title="Heat", year=1995, genres=[drama], needs_embedding=False)
    form = {
        "title": "Heat", "year": "1995", "genres": [drama.pk], "imdb_id": "", "tmdb_id": "",
        "overview": "A group of professional bank robbers start to feel the heat.",
        "tagline": "", "keywords": "", "runtime": "", "poster_path": "", "language": "",
        "movielens_tags": "", "rating_sum": "0",
        # The read-only cast and crew inline's management form.
        "credits-TOTAL_FORMS": "0", "credits-INITIAL_FORMS": "0",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:catalog_movie_change", args=[movie.pk]), form)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert queued == []  # not before the edit is committed
    movie.refresh_from_db()
    assert movie.overview.startswith("A group of professional bank robbers")
    assert movie.needs_embedding
    assert queued == [{}]


def test_the_reembed_action_marks_the_selected_movies(admin_client, queued):
    chosen = MovieFactory(needs_embedding=False)
    MovieFactory(needs_embedding=False)
    response = admin_client.post(
        reverse("admin:catalog_movie_changelist"),
        {"action": "reembed", "_selected_action": [chosen.pk]},
    )
    assert response.status_code == 302
    assert set(Movie.objects.filter(needs_embedding=True)) == {chosen}


def test_a_movie_shows_its_cast_and_crew_read_only(admin_client):
    movie = MovieFactory()
    CreditFactory(movie=movie, person__name="Tom Hanks", character="Woody")
    CreditFactory(movie=movie, person__name="John Lasseter", role=Credit.Role.DIRECTOR)

    html = admin_client.get(reverse("admin:catalog_movie_change", args=[movie.pk])).text

    assert "Cast and crew" in html
    assert "Tom Hanks" in html and "Woody" in html and "John Lasseter" in html
    assert 'name="credits-0-character"' not in html  # shown, not editable


def test_people_are_found_by_name_and_list_their_films(admin_client):
    hanks = PersonFactory(name="Tom Hanks", tmdb_id=31)
    PersonFactory(name="Tim Allen")
    for movie in MovieFactory.create_batch(2):
        CreditFactory(movie=movie, person=hanks)
    CreditFactory(movie=movie, person=hanks, role=Credit.Role.DIRECTOR)  # same film twice

    for term in ("hanks", "31"):
        response = admin_client.get(reverse("admin:catalog_person_changelist"), {"q": term})
        assert list(response.context["cl"].result_list) == [hanks]
    assert response.context["cl"].result_list[0].film_count == 2
    html = admin_client.get(reverse("admin:catalog_person_change", args=[hanks.pk])).text
    assert html.count(f"/admin/catalog/movie/{movie.pk}/change/") == 2


def test_genres_list_their_movie_count(admin_client):
    drama = GenreFactory(name="Drama")
    MovieFactory.create_batch(2, genres=[drama])
    response = admin_client.get(reverse("admin:catalog_genre_changelist"))
    assert response.context["cl"].result_list.get(pk=drama.pk).movie_count == 2


# --- Access ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["movie", "genre", "job", "person"])
def test_list_and_detail_pages_load_for_staff_only(client, admin_client, model):
    obj = {
        "movie": lambda: MovieFactory(),
        "person": lambda: CreditFactory().person,
        "genre": lambda: GenreFactory(name="Drama"),
        "job": lambda: Job.objects.create(kind=Job.Kind.IMPORT, message="done"),
    }[model]()
    urls = [
        reverse(f"admin:{obj._meta.app_label}_{model}_changelist"),
        reverse(f"admin:{obj._meta.app_label}_{model}_change", args=[obj.pk]),
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url
        assert_staff_only(client, url)


# --- Movie list: filters, columns, queries ---------------------------------------------

VECTOR = [0.05] * 384


@pytest.fixture
def shelf(db) -> None:
    """Five movies, one per corner the filters must tell apart."""
    drama, crime = GenreFactory(name="Drama"), GenreFactory(name="Crime")
    current = {"embedding": VECTOR, "embedding_model": embedding.model_name()}
    MovieFactory(
        title="Current", year=1955, overview="Plot.", poster_path="/p.jpg", genres=[drama],
        needs_embedding=False, **current,
    )  # fmt: skip
    MovieFactory(
        title="Other model", year=1999, genres=[crime], needs_embedding=False,
        embedding=VECTOR, embedding_model="some-older-model",
    )  # fmt: skip
    MovieFactory(title="Edited", year=1990, genres=[drama, crime], **current)
    MovieFactory(title="Never embedded", year=None)
    MovieFactory(title="Hidden", year=2010, is_hidden=True, is_featured=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"decade": "1990"}, {"Other model", "Edited"}),
        ({"decade": "1950"}, {"Current"}),
        ({"decade": "unknown"}, {"Never embedded"}),
        ({"embedding": "current"}, {"Current"}),
        ({"embedding": "stale"}, {"Other model", "Edited"}),
        ({"embedding": "missing"}, {"Never embedded", "Hidden"}),
        ({"has_overview": "yes"}, {"Current"}),
        ({"has_overview": "no"}, {"Other model", "Edited", "Never embedded", "Hidden"}),
        ({"has_poster": "yes"}, {"Current"}),
        ({"is_hidden__exact": "1"}, {"Hidden"}),
        ({"is_featured__exact": "1"}, {"Hidden"}),
        ({"genres__name": "Crime"}, {"Other model", "Edited"}),
    ],
)
def test_movie_filters(admin_client, shelf, query, expected):
    if "genres__name" in query:  # the genre filter takes an id
        query = {"genres__id__exact": GenreFactory(name=query["genres__name"]).pk}
    response = admin_client.get(reverse("admin:catalog_movie_changelist"), query)
    assert response.status_code == 200
    assert {movie.title for movie in response.context["cl"].result_list} == expected


def test_the_decade_filter_offers_the_catalogues_decades(admin_client, shelf):
    response = admin_client.get(reverse("admin:catalog_movie_changelist"))
    for decade in ("1950s", "1960s", "1990s", "2010s", "Unknown"):
        assert f">{decade}</a>" in response.text
    assert ">1940s<" not in response.text and ">2020s<" not in response.text


def test_the_movie_list_shows_posters_ratings_and_a_placeholder(admin_client):
    MovieFactory(title="Heat", poster_path="/heat.jpg", rating_count=4, rating_sum="15.0")
    MovieFactory(title="Big Lebowski", poster_path="")
    html = admin_client.get(reverse("admin:catalog_movie_changelist")).text
    assert 'src="https://image.tmdb.org/t/p/w92/heat.jpg"' in html
    assert ">BL</text></svg>" in html  # the placeholder's initials
    assert "3.75" in html


def test_the_movie_list_runs_the_same_queries_for_3_or_43_movies(
    admin_client, django_assert_max_num_queries
):
    genre = GenreFactory(name="Drama")
    MovieFactory.create_batch(3, genres=[genre], poster_path="/p.jpg")
    url = reverse("admin:catalog_movie_changelist")
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    MovieFactory.create_batch(40, genres=[genre], poster_path="/p.jpg")
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 43


# --- Movie actions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("hide", {"is_hidden": False}, {"is_hidden": True}),
        ("unhide", {"is_hidden": True}, {"is_hidden": False}),
        ("feature", {"is_featured": False}, {"is_featured": True}),
        ("unfeature", {"is_featured": True}, {"is_featured": False}),
    ],
)
def test_flag_actions_change_only_the_selected_movies(admin_client, action, before, after):
    chosen, other = MovieFactory(**before), MovieFactory(**before)
    response = movie_action(admin_client, action, [chosen])
    assert response.status_code == 200
    assert Movie.objects.filter(pk=chosen.pk, **after).exists()
    assert Movie.objects.filter(pk=other.pk, **before).exists()


def test_a_featured_movie_appears_on_the_home_page(admin_client, client):
    picked = MovieFactory(title="Editors Love This")
    MovieFactory(title="Not Picked")
    home = reverse("pages:home")
    assert "Editors’ picks" not in client.get(home).text
    movie_action(admin_client, "feature", [picked])
    for visitor in (client, admin_client):  # anonymous and signed in
        html = visitor.get(home).text
        picks = html[html.index("Editors’ picks") :].split("</section>")[0]
        assert "Editors Love This" in picks and "Not Picked" not in picks


# --- Jobs ------------------------------------------------------------------------------


def test_renaming_a_person_re_embeds_their_films(
    admin_client, queued, django_capture_on_commit_callbacks
):
    person = PersonFactory(name="Tom Hanks", tmdb_id=31)
    films = [CreditFactory(person=person).movie for _ in range(2)]
    CreditFactory()  # someone else's film
    Movie.objects.update(needs_embedding=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:catalog_person_change", args=[person.pk]),
            {"name": "Thomas Hanks", "profile_path": "", "credits-TOTAL_FORMS": "0",
             "credits-INITIAL_FORMS": "0"},
        )  # fmt: skip

    assert response.status_code == 302
    assert set(Movie.objects.filter(needs_embedding=True)) == set(films)
    assert queued == [{}]
