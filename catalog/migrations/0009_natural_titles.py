"""Titles as people read them: "Boot, Das (Boat, The)" becomes "Das Boot (The Boat)".

Earlier imports moved only a leading "The", "A" or "An" back to the front of the main
title. Every stored title is passed through catalog.titles.natural_title (which leaves
natural titles alone); a changed title keeps its former spelling in movielens_title, so
that the ratings import still matches files that spell it MovieLens' way, and is
re-embedded. The next MovieLens import records its exact spelling for every movie.
"""

from django.db import migrations, models
from django.db.models.functions import Now

from catalog.titles import natural_title

BATCH = 2000


def titles_natural(apps, schema_editor):
    movies = apps.get_model("catalog", "Movie").objects.using(schema_editor.connection.alias)
    changed = []
    for movie in movies.only("pk", "title").iterator(BATCH):
        title = natural_title(movie.title)
        if title != movie.title:
            movie.movielens_title, movie.title = movie.title, title
            changed.append(movie)
    for start in range(0, len(changed), BATCH):
        batch = changed[start : start + BATCH]
        movies.bulk_update(batch, ["title", "movielens_title"])
    movies.filter(pk__in=[movie.pk for movie in changed]).update(
        needs_embedding=True, updated_at=Now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_movie_map"),
    ]

    operations = [
        migrations.AddField(
            model_name="movie",
            name="movielens_title",
            field=models.CharField(blank=True, editable=False, max_length=500),
        ),
        migrations.AlterField(
            model_name="movie",
            name="title",
            field=models.CharField(
                help_text="Title without the year, as people read it (catalog.titles).",
                max_length=500,
            ),
        ),
        migrations.RunPython(titles_natural, migrations.RunPython.noop, elidable=True),
    ]
