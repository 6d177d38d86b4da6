import csv
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from catalog.importers import tmdb
from catalog.importers.tmdb import TmdbImportReport, tmdb_metadata_import
from catalog.models import Movie
from jobs.progress import NullProgress
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db

TMDB_5000_HEADER = [
    "budget",
    "genres",
    "homepage",
    "id",
    "keywords",
    "original_language",
    "original_title",
    "overview",
    "popularity",
    "production_companies",
    "production_countries",
    "release_date",
    "revenue",
    "runtime",
    "spoken_languages",
    "status",
    "tagline",
    "title",
    "vote_average",
    "vote_count",
]
MOVIES_METADATA_HEADER = [
    "adult",
    "belongs_to_collection",
    "budget",
    "genres",
    "homepage",
    "id",
    "imdb_id",
    "original_language",
    "original_title",
    "overview",
    "popularity",
    "poster_path",
    "production_companies",
    "production_countries",
    "release_date",
    "revenue",
    "runtime",
    "spoken_languages",
    "status",
    "tagline",
    "title",
    "video",
    "vote_average",
    "vote_count",
]
REAL_TMDB_5000 = settings.BASE_DIR / ".." / "shared" / "data" / "tmdb" / "tmdb_5000_movies.csv"


def write_csv(path: Path, header: list[str], rows: list[dict | list], *, bom: bool = False) -> Path:
    """Rows are dicts (missing columns left blank) or raw field lists, for broken rows."""
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [row.get(name, "") for name in header] if isinstance(row, dict) else row
            )
    return path


def tmdb_5000(tmp_path: Path, rows: list[dict | list], **kwargs) -> Path:
    return write_csv(tmp_path / "tmdb_5000_movies.csv", TMDB_5000_HEADER, rows, **kwargs)


def movies_metadata(tmp_path: Path, rows: list[dict | list]) -> Path:
    return write_csv(tmp_path / "movies_metadata.csv", MOVIES_METADATA_HEADER, rows)


def run_import(path: Path) -> TmdbImportReport:
    return tmdb_metadata_import(path=path, progress=NullProgress())


def test_tmdb_5000_layout_fills_fields_and_only_missing_years(tmp_path):
    no_year = MovieFactory(tmdb_id=862, year=None)
    has_year = MovieFactory(tmdb_id=19995, year=1990, poster_path="/kept.jpg")
    path = tmdb_5000(
        tmp_path,
        [
            {
                "id": "862",
                "overview": "  Toys come alive.  ",
                "tagline": "",
                "keywords": '[{"id": 931, "name": "jealousy"}, {"id": 4290, "name": "toy"}]',
                "runtime": "81",
                "original_language": "en",
                "release_date": "1995-10-30",
            },
            {
                "id": "19995",
                "overview": "Blue people.",
                "tagline": "Enter the World of Pandora.",
                "keywords": "[]",
                "runtime": "0",
                "original_language": "en",
                "release_date": "2009-12-10",
            },
        ],
        bom=True,
    )

    report = run_import(path)

    no_year.refresh_from_db()
    has_year.refresh_from_db()
    assert (report.layout, report.rows_read, report.updated, report.problems) == (
        "TMDB 5000",
        2,
        2,
        [],
    )
    assert no_year.overview == "Toys come alive."
    assert no_year.keywords == ["jealousy", "toy"]
    assert (no_year.runtime, no_year.language, no_year.year) == (81, "en", 1995)
    assert has_year.tagline == "Enter the World of Pandora."
    assert has_year.year == 1990
    # Runtime 0 means unknown; TMDB 5000 has no poster column.
    assert (has_year.runtime, has_year.poster_path) == (None, "/kept.jpg")


def test_movies_metadata_layout_with_keywords_csv_and_imdb_fallback(tmp_path):
    by_tmdb = MovieFactory(tmdb_id=862, year=None)
    by_imdb = MovieFactory(tmdb_id=None, imdb_id="tt0113497", year=1995)
    path = movies_metadata(
        tmp_path,
        [
            {
                "id": "862",
                "imdb_id": "tt0114709",
                "genres": "[{'id': 16, 'name': 'Animation'}]",
                "overview": "Led by Woody, Andy's toys live happily.",
                "poster_path": "/rhIRbceoE9lR4veEXuwCC2wARtG.jpg",
                "runtime": "81.0",
                "original_language": "en",
                "release_date": "1995-10-30",
            },
            {
                "id": "8844",
                "imdb_id": "tt0113497",
                "overview": "Jumanji.",
                "tagline": "Roll the dice and unleash the excitement!",
                "runtime": "104.0",
                "original_language": "en",
            },
        ],
    )
    write_csv(
        tmp_path / "keywords.csv",
        ["id", "keywords"],
        [
            {
                "id": "862",
                "keywords": "[{'id': 931, 'name': 'jealousy'}, {'id': 4290, 'name': 'toy'}]",
            },
            {"id": "8844", "keywords": "[{'id': 1, 'name': \"love of one's life\"}]"},
        ],
    )

    report = run_import(path)

    by_tmdb.refresh_from_db()
    by_imdb.refresh_from_db()
    assert (report.layout, report.updated, report.unmatched, report.problems) == (
        "The Movies Dataset",
        2,
        0,
        [],
    )
    assert by_tmdb.keywords == ["jealousy", "toy"]
    assert (by_tmdb.runtime, by_tmdb.year) == (81, 1995)
    assert by_tmdb.poster_path == "/rhIRbceoE9lR4veEXuwCC2wARtG.jpg"
    assert by_imdb.tmdb_id == 8844
    assert by_imdb.keywords == ["love of one's life"]
    assert (by_imdb.tagline, by_imdb.runtime) == ("Roll the dice and unleash the excitement!", 104)


def test_movies_metadata_without_keywords_csv_keeps_keywords(tmp_path):
    movie = MovieFactory(tmdb_id=862, keywords=["old"])
    path = movies_metadata(tmp_path, [{"id": "862", "overview": "New overview."}])

    run_import(path)

    movie.refresh_from_db()
    assert (movie.overview, movie.keywords) == ("New overview.", ["old"])


def test_second_run_updates_nothing(tmp_path):
    movie = MovieFactory(tmdb_id=862)
    path = tmdb_5000(tmp_path, [{"id": "862", "overview": "Toys.", "runtime": "81"}])
    run_import(path)
    movie.refresh_from_db()

    report = run_import(path)

    assert (report.updated, report.unchanged) == (0, 1)
    assert Movie.objects.get(pk=movie.pk).updated_at == movie.updated_at


def test_only_changed_text_marks_needs_embedding(tmp_path):
    changed_text = MovieFactory(tmdb_id=1)
    changed_runtime = MovieFactory(tmdb_id=2)
    unchanged = MovieFactory(tmdb_id=3)
    rows = [{"id": str(i), "overview": f"Overview {i}.", "runtime": "90"} for i in (1, 2, 3)]
    run_import(tmdb_5000(tmp_path, rows))
    Movie.objects.update(needs_embedding=False)
    rows[0]["overview"] = "A rewritten overview."
    rows[1]["runtime"] = "95"

    report = run_import(tmdb_5000(tmp_path, rows))

    assert (report.updated, report.unchanged) == (2, 1)
    flags = dict(Movie.objects.values_list("pk", "needs_embedding"))
    assert flags == {changed_text.pk: True, changed_runtime.pk: False, unchanged.pk: False}


def test_unmatched_rows_are_counted(tmp_path):
    MovieFactory(tmdb_id=862)
    path = tmdb_5000(tmp_path, [{"id": "862", "overview": "x"}, {"id": "5"}, {"id": "6"}])

    report = run_import(path)

    assert (report.rows_read, report.updated, report.unmatched) == (3, 1, 2)


def test_malformed_rows_reported_with_start_line_and_good_rows_imported(tmp_path):
    multiline = MovieFactory(tmdb_id=1)
    bad_keywords = MovieFactory(tmdb_id=2, keywords=["kept"])
    good = MovieFactory(tmdb_id=3)
    path = tmdb_5000(
        tmp_path,
        [
            {"id": "1", "overview": "Spans\nthree\nlines."},  # lines 2-4
            {"id": "2", "overview": "Bad keywords.", "keywords": "[{'id': 1, 'name': 'x'"},  # 5
            {"id": "not-a-number", "overview": "Bad id."},  # 6
            {"id": "1", "overview": "Repeated id."},  # 7
            {"id": "3", "overview": "Good.", "runtime": "ninety"},  # 8
        ],
    )

    report = run_import(path)

    assert report.problems == [
        "tmdb_5000_movies.csv:5: keywords: neither JSON nor a Python literal: "
        "\"[{'id': 1, 'name': 'x'\"; imported without it",
        "tmdb_5000_movies.csv:6: id 'not-a-number' is not a TMDB id; row skipped",
        "tmdb_5000_movies.csv:7: TMDB id 1 repeats line 2; row skipped",
        "tmdb_5000_movies.csv:8: runtime: 'ninety' is not a number; imported without it",
    ]
    assert (report.rows_read, report.malformed, report.duplicates, report.updated) == (5, 1, 1, 3)
    assert Movie.objects.get(pk=multiline.pk).overview == "Spans\nthree\nlines."
    bad_keywords.refresh_from_db()
    assert (bad_keywords.overview, bad_keywords.keywords) == ("Bad keywords.", ["kept"])
    assert Movie.objects.get(pk=good.pk).overview == "Good."


def test_shifted_movies_metadata_rows_are_skipped(tmp_path):
    good = MovieFactory(tmdb_id=862)
    shifted = ["- Written by Ørnås", "0.072051", "/ff9qCepilowshEtG2GYWwzt2bs4.jpg", "[]"]
    date_as_id = {"id": "1997-08-20", "overview": "Shifted into the id column."}
    path = movies_metadata(tmp_path, [shifted, date_as_id, {"id": "862", "overview": "Good."}])

    report = run_import(path)

    assert report.problems == [
        "movies_metadata.csv:2: expected 24 fields, found 4; row skipped",
        "movies_metadata.csv:3: id '1997-08-20' is not a TMDB id; row skipped",
    ]
    assert (report.malformed, report.updated) == (2, 1)
    assert Movie.objects.get(pk=good.pk).overview == "Good."


def test_failure_mid_way_writes_nothing(tmp_path, monkeypatch):
    movie = MovieFactory(tmdb_id=862, overview="Before.")
    apply_staged = tmdb._apply_staged

    def apply_then_fail(cursor):
        apply_staged(cursor)
        raise RuntimeError("disk full")

    monkeypatch.setattr(tmdb, "_apply_staged", apply_then_fail)

    with pytest.raises(RuntimeError):
        run_import(tmdb_5000(tmp_path, [{"id": "862", "overview": "After."}]))

    assert Movie.objects.get(pk=movie.pk).overview == "Before."


def test_command_prints_summary(tmp_path):
    MovieFactory(tmdb_id=862)
    path = tmdb_5000(tmp_path, [{"id": "862", "overview": "Toys."}])
    out = StringIO()

    call_command("import_tmdb_metadata", str(path), verbosity=0, stdout=out)

    assert "1 rows read; 1 movies updated, 0 unchanged" in out.getvalue()


def test_summary_caps_printed_problems_but_counts_all():
    report = TmdbImportReport(path=Path("x.csv"), layout="TMDB 5000")
    for line in range(2, 2 + TmdbImportReport.PRINTED_PROBLEMS + 5):
        report.add_problem(file="x.csv", line=line, reason="bad")

    summary = report.summary()

    assert f"{TmdbImportReport.PRINTED_PROBLEMS + 5} problems:" in summary
    assert summary.count("x.csv:") == TmdbImportReport.PRINTED_PROBLEMS
    assert summary.endswith("... and 5 more")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        (",".join(TMDB_5000_HEADER) + "\n", "no data rows"),
        ("movieId,title,genres\n1,Toy Story (1995),Animation\n", "unknown header layout"),
    ],
)
def test_unusable_file_raises_command_error_and_writes_nothing(tmp_path, content, message):
    movie = MovieFactory(tmdb_id=1, overview="Before.")
    path = tmp_path / "movies.csv"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        call_command("import_tmdb_metadata", str(path), verbosity=0)

    assert Movie.objects.get(pk=movie.pk).overview == "Before."


def test_missing_file_raises_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_tmdb_metadata", str(tmp_path / "absent.csv"), verbosity=0)


@pytest.mark.skipif(not REAL_TMDB_5000.is_file(), reason="shared TMDB 5000 data not present")
def test_real_tmdb_5000_file():
    toy_story = MovieFactory(tmdb_id=862, title="Toy Story", year=None)
    avatar = MovieFactory(tmdb_id=19995, title="Avatar", year=None)

    report = run_import(REAL_TMDB_5000)

    toy_story.refresh_from_db()
    avatar.refresh_from_db()
    assert (report.rows_read, report.updated, report.malformed) == (4803, 2, 0)
    assert toy_story.overview.startswith("Led by Woody, Andy's toys live happily")
    assert toy_story.keywords[:3] == ["jealousy", "toy", "boy"]
    assert (toy_story.runtime, toy_story.year) == (81, 1995)
    assert avatar.tagline == "Enter the World of Pandora."
    assert "culture clash" in avatar.keywords
    assert (avatar.runtime, avatar.year, avatar.language) == (162, 2009, "en")
