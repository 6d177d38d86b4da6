"""Job now lives in the jobs app (state only: the table catalog_job stays)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_movie_updated_at_index'),
        ('recommendations', '0004_ratings_and_jobs_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.DeleteModel(
                name='Job',
            ),
            ],
            database_operations=[],
        ),
    ]
