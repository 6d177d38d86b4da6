"""The MovieLens layouts on the real embedded PostgreSQL: each one imported, and finding
the one dataset in a folder."""

from decimal import Decimal

import pytest

from accounts.models import User
from catalog.importers.sources import SourceError
from catalog.models import Genre
from ratings.models import Rating
from tests.ratings.movielens_fixtures import (
    aggregates,
    assert_nothing_written,
    at,
    counts,
    genre_names,
    movies,
    run_import,
    scores,
    write_1m_dataset,
    write_100k_dataset,
    write_csv_dataset,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


# Layouts


def test_csv_layout_imports_movies_links_users_ratings_and_tags(tmp_path):
    report = run_import(write_csv_dataset(tmp_path))

    assert report.layout == "csv"
    found = movies()
    assert {key: (m.title, m.year) for key, m in found.items()} == {
        1: ("Toy Story", 1995),
        2: ("The Godfather", 1972),
        3: ("The City of Lost Children (La Cité des enfants perdus)", 1995),
        4: ("Black Mirror", None),
        5: ("Death Note: Desu nôto", 2006),
    }
    # MovieLens' spelling is kept beside the natural title, for matching imports.
    assert found[3].movielens_title == "City of Lost Children, The (Cité des enfants perdus, La)"
    assert genre_names(found[1]) == {"Adventure", "Animation", "Children", "Comedy", "Fantasy"}
    assert genre_names(found[3]) == {"Adventure", "Drama", "Sci-Fi"}
    assert genre_names(found[4]) == set()
    assert not Genre.objects.filter(name="(no genres listed)").exists()
    assert {key: (m.imdb_id, m.tmdb_id) for key, m in found.items()} == {
        1: ("tt0114709", 862),
        2: ("tt0068646", 238),
        3: ("tt0112682", 902),
        4: ("tt2085059", None),
        5: ("tt0877057", 13916),
    }
    assert all(m.needs_embedding for m in found.values())

    users = list(User.objects.order_by("movielens_id"))
    assert [(u.username, u.movielens_id, u.is_imported) for u in users] == [
        ("movielens-1", 1, True),
        ("movielens-2", 2, True),
        ("movielens-3", 3, True),
    ]
    assert not any(u.has_usable_password() for u in users)
    assert users[0].date_joined == at(964981247)  # that user's first rating

    assert scores() == {
        (1, 1): Decimal("4.0"),
        (1, 2): Decimal("5.0"),
        (2, 1): Decimal("3.5"),
        (2, 3): Decimal("2.0"),
        (3, 2): Decimal("0.5"),
    }
    rating = Rating.objects.get(user__movielens_id=1, movie__movielens_id=1)
    assert rating.created_at == rating.updated_at == at(964982703)
    assert aggregates() == {
        1: (2, Decimal("7.5"), 3.75),
        2: (2, Decimal("5.5"), 2.75),
        3: (1, Decimal("2.0"), 2.0),
        4: (0, Decimal("0"), None),
        5: (0, Decimal("0"), None),
    }
    # "pixar " merges into "Pixar" (the more common spelling), used 3 times.
    assert {key: m.movielens_tags for key, m in found.items()} == {
        1: ["Pixar", "fun"],
        2: ["mafia, family"],
        3: [],
        4: [],
        5: [],
    }

    assert counts(report, "movies.csv") == (5, 5, 0, 0, 0)
    assert counts(report, "links.csv") == (5, 0, 5, 0, 0)
    assert counts(report, "ratings.csv") == (5, 5, 0, 0, 0)
    assert counts(report, "tags.csv") == (5, 0, 2, 0, 0)
    assert report.files[2].users_inserted == 3


def test_1m_layout_reads_latin1_dat_files(tmp_path):
    report = run_import(write_1m_dataset(tmp_path))

    assert report.layout == "dat"
    found = movies()
    assert {key: (m.title, m.year) for key, m in found.items()} == {
        1: ("Toy Story", 1995),
        2: ("The Shawshank Redemption", 1994),
        3: ("Les Misérables", 1995),
    }
    assert genre_names(found[1]) == {"Animation", "Children's", "Comedy"}
    assert scores() == {
        (1, 1): Decimal("5"),
        (1, 3): Decimal("3"),
        (2, 1): Decimal("4"),
        (2, 2): Decimal("5"),
    }
    assert aggregates()[1] == (2, Decimal("9.0"), 4.5)
    assert [f.name for f in report.files] == ["movies.dat", "ratings.dat"]


def test_100k_layout_reads_genre_flags_and_tab_separated_ratings(tmp_path):
    report = run_import(write_100k_dataset(tmp_path))

    assert report.layout == "100k"
    found = movies()
    assert {key: (m.title, m.year) for key, m in found.items()} == {
        1: ("Toy Story", 1995),
        2: ("The Pérez Family", 1995),
        267: ("unknown", None),
    }
    assert genre_names(found[1]) == {"Animation", "Children's", "Comedy"}
    assert genre_names(found[2]) == {"Comedy", "Romance"}
    assert genre_names(found[267]) == set()  # the "unknown" genre means none
    assert scores() == {(196, 1): Decimal("3"), (186, 2): Decimal("3"), (196, 2): Decimal("1")}
    assert aggregates()[2] == (2, Decimal("4.0"), 2.0)
    assert set(User.objects.values_list("username", flat=True)) == {
        "movielens-196",
        "movielens-186",
    }


# Finding the dataset


def test_folder_source_finds_the_dataset_in_a_nested_subfolder(tmp_path):
    write_csv_dataset(tmp_path / "datasets" / "ml-latest-small")

    report = run_import(tmp_path)

    assert counts(report, "movies.csv") == (5, 5, 0, 0, 0)


def test_folder_with_two_datasets_is_refused(tmp_path):
    write_csv_dataset(tmp_path / "a")
    write_1m_dataset(tmp_path / "b")

    with pytest.raises(SourceError, match="several MovieLens datasets"):
        run_import(tmp_path)
    assert_nothing_written()


def test_100k_without_u_genre_is_refused(tmp_path):
    folder = write_100k_dataset(tmp_path)
    (folder / "u.genre").unlink()

    with pytest.raises(SourceError, match="not u.genre"):
        run_import(folder)
    assert_nothing_written()
