"""`manage.py evaluate`."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recommendations.evaluation.protocol import UNCALIBRATED_HYBRID
from recommendations.models import TrainingRun


@pytest.mark.django_db
def test_evaluate_command_prints_the_table_and_stores_it_on_the_serving_model(trained, capsys):
    call_command(
        "evaluate",
        *("--algorithms", "popularity,hybrid", "--k", "5", "--no-tune"),
        *("--split", "random", "--relevance", "any", "--seeds", "2", "--seed", "1"),
    )

    out = capsys.readouterr().out
    assert "| popularity |" in out and "| hybrid |" in out and "ndcg@5" in out
    assert "random 75%/25% split" in out and "every held-out rating" in out and " ± " in out
    stored = TrainingRun.objects.get(pk=trained.pk).metrics["evaluation"]
    # The hybrid also without calibration, to show what calibration costs and gains.
    assert set(stored["results"]) == {"popularity", "hybrid", UNCALIBRATED_HYBRID}
    assert stored["k"] == 5
    assert stored["seeds"] == [1, 2] and stored["split"] == "random"
    assert stored["standard_errors"]["results"]["hybrid"]["ndcg"] >= 0


@pytest.mark.django_db
def test_evaluate_command_no_store_leaves_the_serving_model_alone(trained):
    call_command("evaluate", "--algorithms", "popularity", "--k", "5", "--no-tune", "--no-store")

    assert "evaluation" not in TrainingRun.objects.get(pk=trained.pk).metrics


@pytest.mark.parametrize(
    ("option", "value", "choices"),
    [
        ("--split", "temporal", "user, random"),
        ("--relevance", "loved", "liked, any"),
        ("--algorithms", "als,svd", "popularity, content, als, ease, hybrid"),
    ],
)
def test_evaluate_command_rejects_bad_values_with_the_choices(option, value, choices):
    with pytest.raises(CommandError, match=f"{option}: .*choose from {choices}"):
        call_command("evaluate", option, value)
