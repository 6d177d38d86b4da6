from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0005_training_run_rating_model"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainingrun",
            name="ease_model",
            field=models.BinaryField(
                editable=False,
                help_text="npz of recommendations.ease: movie_ids and the pruned item-item weights.",
                null=True,
            ),
        ),
    ]
