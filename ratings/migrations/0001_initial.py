"""Rating, WatchlistItem and NotInterested move here from recommendations: only Django's
state changes; their tables keep their names and rows."""

import django.core.validators
import django.db.models.deletion
import django.db.models.expressions
import django.db.models.functions.math
import django.db.models.lookups
import ratings.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


def _content_types(apps, schema_editor, *, old_label: str, new_label: str, model_names: list[str]) -> None:
    """Permissions and admin history follow the models to their new app (in the database
    being migrated, which is not always the default one)."""
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    content_types.filter(app_label=old_label, model__in=model_names).update(app_label=new_label)


MOVED = ["rating", "watchlistitem", "notinterested"]


def forwards(apps, schema_editor):
    _content_types(apps, schema_editor, old_label="recommendations", new_label="ratings", model_names=MOVED)


def backwards(apps, schema_editor):
    _content_types(apps, schema_editor, old_label="ratings", new_label="recommendations", model_names=MOVED)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalog', '0005_movie_updated_at_index'),
        ('recommendations', '0003_rating_indexes'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='NotInterested',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('movie', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.movie')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='not_interested', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name_plural': 'not interested',
                    'db_table': 'recommendations_notinterested',
                    'ordering': ['-created_at'],
                    'constraints': [models.UniqueConstraint(fields=('user', 'movie'), name='one_not_interested_per_user_movie')],
                },
            ),
            migrations.CreateModel(
                name='Rating',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('score', models.DecimalField(decimal_places=1, max_digits=2, validators=[django.core.validators.MinValueValidator(Decimal('0.5')), django.core.validators.MaxValueValidator(Decimal('5.0')), ratings.models.validate_half_star])),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('movie', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='ratings', to='catalog.movie')),
                    ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='ratings', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'recommendations_rating',
                    'indexes': [models.Index(fields=['movie'], name='rating_movie_idx'), models.Index(fields=['user', '-updated_at'], name='rating_user_recent_idx'), models.Index(fields=['created_at'], name='rating_created_idx')],
                    'constraints': [models.UniqueConstraint(fields=('user', 'movie'), name='one_rating_per_user_movie'), models.CheckConstraint(condition=models.Q(('score__gte', Decimal('0.5')), ('score__lte', Decimal('5.0'))), name='rating_score_in_range'), models.CheckConstraint(condition=django.db.models.lookups.Exact(django.db.models.functions.math.Mod(django.db.models.expressions.CombinedExpression(models.F('score'), '*', models.Value(2)), 1), 0), name='rating_score_half_stars')],
                },
            ),
            migrations.CreateModel(
                name='WatchlistItem',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('movie', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.movie')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watchlist_items', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'recommendations_watchlistitem',
                    'ordering': ['-created_at'],
                    'constraints': [models.UniqueConstraint(fields=('user', 'movie'), name='one_watchlist_item_per_user_movie')],
                },
            ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
