"""Job moves here from catalog: only Django's state changes; the table keeps its name and rows."""

from django.db import migrations, models


def _content_types(apps, schema_editor, *, old_label: str, new_label: str, model_names: list[str]) -> None:
    """Permissions and admin history follow the models to their new app (in the database
    being migrated, which is not always the default one)."""
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    content_types.filter(app_label=old_label, model__in=model_names).update(app_label=new_label)


def forwards(apps, schema_editor):
    _content_types(apps, schema_editor, old_label="catalog", new_label="jobs", model_names=["job"])


def backwards(apps, schema_editor):
    _content_types(apps, schema_editor, old_label="jobs", new_label="catalog", model_names=["job"])


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("catalog", "0005_movie_updated_at_index"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='Job',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('import', 'Import'), ('embedding', 'Embedding'), ('training', 'Training')], max_length=16)),
                    ('state', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='queued', max_length=16)),
                    ('description', models.CharField(blank=True, max_length=300)),
                    ('progress_done', models.PositiveIntegerField(default=0)),
                    ('progress_total', models.PositiveIntegerField(blank=True, null=True)),
                    ('message', models.TextField(blank=True, help_text='Summary or error text.')),
                    ('celery_task_id', models.CharField(blank=True, max_length=64)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('started_at', models.DateTimeField(blank=True, null=True)),
                    ('finished_at', models.DateTimeField(blank=True, null=True)),
                ],
                options={
                    'db_table': 'catalog_job',
                    'ordering': ['-created_at'],
                    'indexes': [models.Index(fields=['kind', '-created_at'], name='job_kind_recent_idx')],
                },
            ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
