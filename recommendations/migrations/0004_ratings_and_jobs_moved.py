"""The rating models left for the ratings app and Job for the jobs app (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_initial'),
        ('ratings', '0001_initial'),
        ('recommendations', '0003_rating_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='trainingrun',
            name='job',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='rating',
                name='movie',
            ),
            migrations.RemoveField(
                model_name='rating',
                name='user',
            ),
            migrations.RemoveField(
                model_name='watchlistitem',
                name='movie',
            ),
            migrations.RemoveField(
                model_name='watchlistitem',
                name='user',
            ),
            migrations.DeleteModel(
                name='NotInterested',
            ),
            migrations.DeleteModel(
                name='Rating',
            ),
            migrations.DeleteModel(
                name='WatchlistItem',
            ),
            ],
            database_operations=[],
        ),
    ]
