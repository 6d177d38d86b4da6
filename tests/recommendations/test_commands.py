import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from recommendations.management.commands.export_recommendations import COLUMNS
from recommendations.models import TrainingRun

pytestmark = pytest.mark.django_db


def test_train_recommender_sync_trains_and_serves(world, capsys):
    call_command("train_recommender", "--sync", "--factors", "8", "--iterations", "4")

    run = TrainingRun.objects.get()
    assert run.is_serving and run.params["factors"] == 8 and run.params["iterations"] == 4
    assert f"Model v{run.pk} serving: 30 users, 40 movies, 450 ratings" in capsys.readouterr().out


@pytest.mark.parametrize("algorithm", ["hybrid", "popularity"])
def test_export_writes_k_rows_per_user(world, trained, tmp_path, algorithm):
    User.objects.filter(pk=world.space_fans[0].pk).update(movielens_id=77)
    output = tmp_path / "recs.csv"

    call_command(
        "export_recommendations", "--k", "3", "--algorithm", algorithm, "--output", str(output)
    )

    with output.open() as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 3 * User.objects.count()
    first = [row for row in rows if row["user_id"] == str(world.space_fans[0].pk)]
    assert [row["rank"] for row in first] == ["1", "2", "3"]
    assert {row["user_movielens_id"] for row in first} == {"77"}
    assert all(row["explanation"] for row in rows)


def test_export_rejects_an_unknown_algorithm(tmp_path):
    with pytest.raises(CommandError, match="Unknown algorithm 'magic'"):
        call_command(
            "export_recommendations", "--algorithm", "magic", "--output", str(tmp_path / "x")
        )


def test_evaluate_similar_prints_each_target_and_the_rows(world, trained):
    out = StringIO()
    call_command(
        "evaluate_similar",
        top=4,
        k=5,
        show=["Space 0"],
        expect=["Space 0=>Space 1", "Space 0=>Romance 0"],
        stdout=out,
        stderr=StringIO(),
    )

    text = out.getvalue()
    assert text.startswith("The 4 most-rated films, k = 5:")
    # Every listed film of a space film is a space film (Sci-Fi), of a romance a romance.
    assert "✓ 100.0% of the listed films carry the query's distinctive genre" in text
    assert "✓ 0.0% of the listed films have < 5 ratings" in text
    assert "the two rows share" in text
    assert "✓ 4 of 4 lists hold 5 films; 4 without what the most active user" in text
    assert "✗ Space 0 → Romance 0: not listed" in text
    assert "Space 0 (1990) (" in text and "  more like this: Space " in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"top": 0}, "must be at least 1"),
        ({"expect": ["Space 0 -> Space 1"]}, "write it as 'QUERY=>NEIGHBOUR'"),
        ({"show": ["No Such Film"], "expect": ["Space 0=>Space 1"]}, "titled 'No Such Film'"),
    ],
)
def test_evaluate_similar_rejects_bad_input(world, trained, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("evaluate_similar", stdout=StringIO(), stderr=StringIO(), **options)
