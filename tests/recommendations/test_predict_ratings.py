"""`manage.py predict_ratings`: pairs of MovieLens ids in, predicted stars or an error per
row out, over the two-taste world with a trained model."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from catalog.models import Movie
from jobs.progress import NullProgress
from recommendations.models import TrainingRun
from recommendations.predictions import predict_pairs_csv, predicted_scores
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def movielens_ids(world, trained):
    """MovieLens ids: users 1.. (space fans first), movies 101.. (space films first)."""
    for number, user in enumerate(world.space_fans + world.romance_fans, start=1):
        User.objects.filter(pk=user.pk).update(movielens_id=number)
    for number, movie in enumerate(world.space + world.romance, start=101):
        Movie.objects.filter(pk=movie.pk).update(movielens_id=number)


def run(tmp_path, text: str) -> list[dict]:
    source, output = tmp_path / "pairs.csv", tmp_path / "predicted.csv"
    source.write_text(text)
    call_command("predict_ratings", "--input", str(source), "--output", str(output))
    with output.open(newline="") as file:
        return list(csv.DictReader(file))


def test_each_pair_gets_the_sites_prediction(tmp_path, world, movielens_ids, capsys):
    rows = run(tmp_path, "user_movielens_id,movie_movielens_id\n1,120\n1,121\n16,121\n")
    assert [list(row) for row in rows] == [
        ["user_movielens_id", "movie_movielens_id", "predicted_score", "error"]
    ] * 3
    assert all(row["error"] == "" for row in rows)
    space_fan_space, space_fan_romance, romance_fan_romance = (
        float(row["predicted_score"]) for row in rows
    )
    assert space_fan_space > 3.5 > 2.5 > space_fan_romance and romance_fan_romance > 3.5
    assert all(len(row["predicted_score"].split(".")[1]) == 1 for row in rows)
    fan, unrated = world.space_fans[0], world.romance[0]
    if not fan.ratings.filter(movie=unrated).exists():
        site = predicted_scores(user=fan, movie_ids=[unrated.pk])[unrated.pk]
        assert float(rows[1]["predicted_score"]) == site  # one owner, one number
    assert "Wrote 3 rows" in capsys.readouterr().out


def test_bad_rows_get_an_error_and_the_rest_are_predicted(tmp_path, movielens_ids):
    rows = run(
        tmp_path,
        "user_movielens_id,movie_movielens_id\n"
        "999,101\n"  # unknown user
        "1,9999\n"  # unknown movie
        "abc,101\n"  # not a number
        "1,-3\n"  # not an id
        "1\n"  # a field missing
        "1,101,7\n"  # one too many
        "\n"  # blank: skipped
        "2,130\n",
    )
    errors = [row["error"] for row in rows]
    assert errors[0] == "Unknown user: no user has MovieLens id 999."
    assert errors[1] == "Unknown movie: no movie has MovieLens id 9999."
    assert errors[2] == "user_movielens_id 'abc' is not a MovieLens id (a whole number)."
    assert errors[3] == "movie_movielens_id '-3' is not a MovieLens id (a whole number)."
    assert errors[4] == "Expected 2 fields, got 1." and rows[4]["movie_movielens_id"] == ""
    assert errors[5] == "Expected 2 fields, got 3."
    assert len(rows) == 7 and errors[6] == "" and rows[6]["predicted_score"]
    assert all(row["predicted_score"] == "" for row in rows[:6])


def test_duplicate_rows_each_get_the_same_prediction(tmp_path, movielens_ids):
    rows = run(tmp_path, "user_movielens_id,movie_movielens_id\n3,125\n3,125\n3,125\n")
    assert len(rows) == 3 and len({row["predicted_score"] for row in rows}) == 1
    assert rows[0]["predicted_score"] and not any(row["error"] for row in rows)


def test_a_user_without_ratings_gets_an_error_not_a_guess(tmp_path, movielens_ids):
    UserFactory(movielens_id=500)
    rows = run(tmp_path, "user_movielens_id,movie_movielens_id\n500,101\n")
    assert rows[0]["error"] == "User 500 has no ratings to predict from."


def test_extra_columns_are_kept_and_the_header_may_be_in_any_order(tmp_path, movielens_ids):
    rows = run(tmp_path, "movie_movielens_id,note,user_movielens_id\n101,first,1\n")
    assert list(rows[0]) == [
        "movie_movielens_id", "note", "user_movielens_id", "predicted_score", "error",
    ]  # fmt: skip
    assert rows[0]["note"] == "first" and rows[0]["predicted_score"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty: it needs a header line, user_movielens_id,movie_movielens_id."),
        ("1,101\n2,102\n", "The first line must be a header naming the columns"),
        ("user_movielens_id,movie\n1,101\n", "(missing movie_movielens_id)"),
    ],
)
def test_a_file_without_the_header_is_refused(tmp_path, movielens_ids, text, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(tmp_path, text)


def test_without_a_rating_model_the_command_refuses(tmp_path, movielens_ids):
    TrainingRun.objects.update(rating_model=None)
    with pytest.raises(CommandError, match="No rating model serves yet"):
        run(tmp_path, "user_movielens_id,movie_movielens_id\n1,101\n")


def test_a_missing_input_file_is_a_command_error(tmp_path, movielens_ids):
    with pytest.raises(CommandError, match="No such file"):
        call_command(
            "predict_ratings",
            "--input",
            str(tmp_path / "absent.csv"),
            "--output",
            str(tmp_path / "out.csv"),
        )


def test_the_service_reports_its_counts(movielens_ids):
    destination = io.StringIO()
    report = predict_pairs_csv(
        source=io.StringIO("user_movielens_id,movie_movielens_id\n1,101\n1,x\n"),
        destination=destination,
        progress=NullProgress(),
    )
    assert (report.rows, report.predicted, report.errors) == (2, 1, 1)
    assert destination.getvalue().splitlines()[0] == (
        "user_movielens_id,movie_movielens_id,predicted_score,error"
    )
