"""One name per model: the ALS model's column is `als_model` (beside `ease_model` and
`rating_model`), and the rating model's parameters sit under "rating" in `params`."""

from django.db import migrations, models
from django.db.models import Q


def _rename_key(apps, old: str, new: str) -> None:
    TrainingRun = apps.get_model("recommendations", "TrainingRun")
    for run in TrainingRun.objects.filter(params__has_key=old).only("pk", "params"):
        params = dict(run.params)
        params[new] = params.pop(old)
        TrainingRun.objects.filter(pk=run.pk).update(params=params)


def rating_key_forward(apps, schema_editor):
    _rename_key(apps, "explicit", "rating")


def rating_key_backward(apps, schema_editor):
    _rename_key(apps, "rating", "explicit")


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0007_recommender_choice"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="trainingrun", name="serving_run_succeeded_with_artifact"
        ),
        migrations.RenameField(model_name="trainingrun", old_name="artifact", new_name="als_model"),
        migrations.AddConstraint(
            model_name="trainingrun",
            constraint=models.CheckConstraint(
                condition=Q(is_serving=False) | Q(status="succeeded", als_model__isnull=False),
                name="serving_run_succeeded_with_als_model",
            ),
        ),
        migrations.AlterField(
            model_name="trainingrun",
            name="als_model",
            field=models.BinaryField(
                editable=False,
                help_text="npz of algorithms.als: movie_ids, item_factors.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="trainingrun",
            name="ease_model",
            field=models.BinaryField(
                editable=False,
                help_text="npz of algorithms.ease: movie_ids and the pruned item-item weights.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="trainingrun",
            name="rating_model",
            field=models.BinaryField(
                editable=False,
                help_text="npz of algorithms.rating: mean, movie_ids, item biases and factors.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="trainingrun",
            name="params",
            field=models.JSONField(
                default=dict,
                help_text="The parameters the run chose (`choice.Choice`): ALS's at the top "
                "level, EASE's, the blend's, \"more like this\"'s and the rating model's under "
                "their keys.",
            ),
        ),
        migrations.RunPython(rating_key_forward, rating_key_backward),
    ]
