"""Tiny MovieLens datasets, one per layout, written by the tests into a folder.

Each writer returns the folder it filled. The data is small enough to check by
hand; the docstrings say what the importer should make of it. At the end, the
helpers the importer tests share: run an import and read back what it wrote.
"""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from django.db import connection

from accounts.models import User
from catalog.models import Genre, Movie
from jobs.progress import NullProgress
from ratings.models import Rating
from ratings.movielens.service import ImportReport, movielens_import


def write_lines(path: Path, lines: list[str], *, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(f"{line}\n" for line in lines).encode(encoding))
    return path


CSV_MOVIES = [
    "movieId,title,genres",
    "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy",
    '2,"Godfather, The (1972)",Crime|Drama',
    '3,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",Adventure|Drama|Sci-Fi',
    "4,Black Mirror,(no genres listed)",
    "5,Death Note: Desu nôto (2006–2007),Animation",
]
CSV_LINKS = [
    "movieId,imdbId,tmdbId",
    "1,0114709,862",
    "2,0068646,238",
    "3,0112682,902",
    "4,2085059,",
    "5,0877057,13916",
]
CSV_RATINGS = [
    "userId,movieId,rating,timestamp",
    "1,1,4.0,964982703",
    "1,2,5.0,964981247",
    "2,1,3.5,1445714994",
    "2,3,2.0,1445714996",
    "3,2,0.5,1445715000",
]
CSV_TAGS = [
    "userId,movieId,tag,timestamp",
    "2,1,Pixar,1445714994",
    "3,1,pixar ,1445714995",
    "1,1,Pixar,964982703",
    "2,1,fun,1445714996",
    '1,2,"mafia, family",964982703',
]


def write_csv_dataset(folder: Path) -> Path:
    """ml-latest-small style: 5 movies, 5 links, 5 ratings by 3 users, tags on 2 movies.

    Movie 1 gets 2 ratings (4.0 + 3.5), movie 2 gets 2 (5.0 + 0.5), movie 3 one (2.0).
    Tags: movie 1 is ["Pixar", "fun"] ("pixar" merged in), movie 2 ["mafia, family"].
    """
    write_lines(folder / "movies.csv", CSV_MOVIES)
    write_lines(folder / "links.csv", CSV_LINKS)
    write_lines(folder / "ratings.csv", CSV_RATINGS)
    write_lines(folder / "tags.csv", CSV_TAGS)
    return folder


def write_1m_dataset(folder: Path) -> Path:
    """ml-1m style: Latin-1 "::" files; movie 3 is "Misérables, Les" (é as one byte)."""
    write_lines(
        folder / "movies.dat",
        [
            "1::Toy Story (1995)::Animation|Children's|Comedy",
            "2::Shawshank Redemption, The (1994)::Drama",
            "3::Misérables, Les (1995)::Drama|Musical",
        ],
        encoding="latin-1",
    )
    write_lines(
        folder / "ratings.dat",
        ["1::1::5::978300760", "1::3::3::978302109", "2::1::4::978301968", "2::2::5::978298413"],
        encoding="latin-1",
    )
    write_lines(folder / "users.dat", ["1::F::1::10::48067"], encoding="latin-1")
    return folder


ML_100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip


def _flags(*genres: str) -> str:
    return "|".join("1" if name in genres else "0" for name in ML_100K_GENRES)


def write_100k_dataset(folder: Path) -> Path:
    """ml-100k style: u.genre names the u.item flags; u.data is tab-separated.

    Movie 267 is MovieLens' "unknown" placeholder: no year, only the "unknown" genre.
    """
    write_lines(
        folder / "u.genre",
        [f"{name}|{index}" for index, name in enumerate(ML_100K_GENRES)] + [""],
        encoding="latin-1",
    )
    url = "http://us.imdb.com/M/title-exact?x"
    toy_story = _flags("Animation", "Children's", "Comedy")
    write_lines(
        folder / "u.item",
        [
            f"1|Toy Story (1995)|01-Jan-1995||{url}|{toy_story}",
            f"2|Pérez Family, The (1995)|01-Jan-1995||{url}|{_flags('Comedy', 'Romance')}",
            f"267|unknown||||{_flags('unknown')}",
        ],
        encoding="latin-1",
    )
    write_lines(
        folder / "u.data",
        ["196\t1\t3\t881250949", "186\t2\t3\t891717742", "196\t2\t1\t878887116"],
        encoding="latin-1",
    )
    return folder


def zip_folder(folder: Path, archive: Path, *, prefix: str = "") -> Path:
    """Zip every file under `folder`, with member names starting with `prefix`."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(folder).as_posix())
    return archive


# Running an import and reading back what it wrote


def run_import(source) -> ImportReport:
    return movielens_import(source=str(source), progress=NullProgress())


def counts(report: ImportReport, name: str) -> tuple[int, int, int, int, int]:
    """(rows, inserted, updated, unchanged, skipped) of one file."""
    file = next(f for f in report.files if f.name == name)
    return file.rows, file.inserted, file.updated, file.unchanged, file.skipped


def movies() -> dict[int, Movie]:
    return {m.movielens_id: m for m in Movie.objects.prefetch_related("genres")}


def genre_names(movie: Movie) -> set[str]:
    return {genre.name for genre in movie.genres.all()}


def scores() -> dict[tuple[int, int], Decimal]:
    return {
        (r.user.movielens_id, r.movie.movielens_id): r.score
        for r in Rating.objects.select_related("user", "movie")
    }


def aggregates() -> dict[int, tuple[int, Decimal, float | None]]:
    return {
        m.movielens_id: (m.rating_count, m.rating_sum, m.rating_mean) for m in Movie.objects.all()
    }


def database_state() -> dict[str, list[tuple]]:
    """Every row of the tables the import writes, with xmin: a rewritten row gets a new one."""
    state = {}
    with connection.cursor() as cursor:
        for model in (Movie, Movie.genres.through, Genre, User, Rating):
            table = model._meta.db_table
            cursor.execute(f"SELECT xmin::text, * FROM {table} ORDER BY id")
            state[table] = cursor.fetchall()
    return state


def assert_nothing_written() -> None:
    assert (Movie.objects.count(), Rating.objects.count(), User.objects.count()) == (0, 0, 0)


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
