"""Moving Job to jobs and Rating, WatchlistItem, NotInterested to ratings keeps the data.

The moves are state-only migrations (SeparateDatabaseAndState with no database operations,
the tables keep their names through Meta.db_table) plus a RunPython that relabels the
content types, so that permissions and admin history follow the models. This test runs
those migrations on a database built at the schema before the move, as an existing
deployment has it, and checks that every row, foreign key, table and permission survives,
forwards and backwards.

It lives in tests/core because it checks migrations of four apps (catalog,
recommendations, jobs, ratings) at once, like the other cross-app database tests here.
It pins the migrations of the move (BEFORE, AFTER) rather than each app's latest, so that
later migrations, which may rightly add tables, do not change what it checks.

It migrates a throwaway database created on the test server, never the shared test
database: the other tests run concurrently and expect the latest schema. Only that
database's connection is unblocked, so a migration that runs queries on the default
database (RunPython without schema_editor.connection.alias) fails here.
"""

import types
import uuid
from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from psycopg import sql

# The schema before the move. (app, None): none of that app's migrations.
BEFORE = [
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("accounts", "0002_privacy_and_unique_email"),
    ("catalog", "0005_movie_updated_at_index"),
    ("recommendations", "0003_rating_indexes"),
    ("jobs", None),
    ("ratings", None),
]
AFTER = [
    ("catalog", "0006_job_moved_to_jobs"),
    ("recommendations", "0004_ratings_and_jobs_moved"),
    ("jobs", "0001_initial"),
    ("ratings", "0001_initial"),
]
# Model before the move -> the same model after it.
MOVED = {
    "catalog.Job": "jobs.Job",
    "recommendations.Rating": "ratings.Rating",
    "recommendations.WatchlistItem": "ratings.WatchlistItem",
    "recommendations.NotInterested": "ratings.NotInterested",
}
STAYED = ["accounts.User", "catalog.Movie", "recommendations.TrainingRun"]
CONTENT_TYPES_BEFORE = {
    ("catalog", "job"),
    ("catalog", "movie"),
    ("recommendations", "rating"),
    ("recommendations", "watchlistitem"),
    ("recommendations", "notinterested"),
    ("recommendations", "trainingrun"),
}
CONTENT_TYPES_AFTER = {
    ("jobs", "job"),
    ("catalog", "movie"),
    ("ratings", "rating"),
    ("ratings", "watchlistitem"),
    ("ratings", "notinterested"),
    ("recommendations", "trainingrun"),
}
# Granted to a staff user before the move: (action, app, model).
GRANTED = [("add", "catalog", "job"), ("change", "recommendations", "rating")]
PERMISSIONS_BEFORE = {"catalog.add_job", "recommendations.change_rating"}
PERMISSIONS_AFTER = {"jobs.add_job", "ratings.change_rating"}


@pytest.fixture
def scratch(django_db_blocker) -> Iterator[BaseDatabaseWrapper]:
    """A connection to a new, empty database on the test server, under its own alias."""
    default = connections["default"]
    name = f"movierec_moves_{uuid.uuid4().hex[:12]}"
    server = default.get_connection_params() | {"dbname": "postgres"}  # does not connect
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with django_db_blocker.unblock():
        real_ensure_connection = BaseDatabaseWrapper.ensure_connection
    connections.settings[name] = default.settings_dict | {"NAME": name}
    wrapper = connections[name]
    # Unblocked for this connection only: the default one stays blocked by pytest-django.
    wrapper.ensure_connection = types.MethodType(real_ensure_connection, wrapper)
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections[name]
        del connections.settings[name]
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def migrate(connection: BaseDatabaseWrapper, targets: list[tuple[str, str | None]]):
    """Migrate to `targets` and return the historical apps of every applied migration."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # re-read what is applied
    return executor.loader.project_state(list(executor.loader.applied_migrations)).apps


def schema(connection: BaseDatabaseWrapper) -> dict[str, dict]:
    """Every table with its constraints and indexes (columns, referenced table)."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        return {
            table: {
                name: (tuple(c["columns"]), c["foreign_key"])
                for name, c in introspection.get_constraints(cursor, table).items()
            }
            for table in introspection.table_names(cursor)
        }


def rows(apps, label: str, using: str) -> list[dict]:
    found = list(apps.get_model(label).objects.using(using).order_by("pk").values())
    assert found, f"no {label} rows: the check would prove nothing"
    return found


def content_types(apps, using: str) -> set[tuple[str, str]]:
    model = apps.get_model("contenttypes.ContentType")
    return set(model.objects.using(using).values_list("app_label", "model"))


def permissions(apps, user_id: int, using: str) -> set[str]:
    """The user's own permissions as `has_perm` names them: app_label.codename."""
    found = apps.get_model("auth.Permission").objects.using(using).filter(user__id=user_id)
    names = found.values_list("content_type__app_label", "codename")
    return {f"{app}.{codename}" for app, codename in names}


def create_rows(apps, using: str) -> int:
    """One row of every moved model, and what points at them; returns the staff user's id."""

    def model(label: str):
        return apps.get_model(label).objects.using(using)

    # Created by post_migrate on a real deployment; the executor does not send it.
    content_type = {
        (app, name): model("contenttypes.ContentType").create(app_label=app, model=name)
        for app, name in CONTENT_TYPES_BEFORE
    }
    staff = model("accounts.User").create(username="staff", password="!", is_staff=True)
    staff.user_permissions.add(
        *(
            model("auth.Permission").create(
                codename=f"{action}_{name}",
                name=f"Can {action} {name}",
                content_type=content_type[app, name],
            )
            for action, app, name in GRANTED
        )
    )
    user = model("accounts.User").create(username="ada", password="!", email="ada@example.com")
    movie = model("catalog.Movie").create(title="Heat", year=1995, keywords=["heist"])
    model("recommendations.Rating").create(user=user, movie=movie, score=Decimal("4.5"))
    model("recommendations.WatchlistItem").create(user=user, movie=movie)
    model("recommendations.NotInterested").create(user=staff, movie=movie)
    job = model("catalog.Job").create(
        kind="training",
        state="succeeded",
        description="Train the recommender",
        progress_done=3,
        progress_total=3,
        message="3 of 3 done",
        celery_task_id="abc123",
        finished_at=timezone.now(),
    )
    model("recommendations.TrainingRun").create(
        job=job, status="succeeded", params={"factors": 8}, finished_at=timezone.now()
    )
    return staff.pk


def test_the_moves_keep_tables_rows_foreign_keys_and_permissions(scratch):
    alias = scratch.alias
    old_apps = migrate(scratch, BEFORE)
    staff_id = create_rows(old_apps, alias)
    schema_before = schema(scratch)
    before = {new: rows(old_apps, old, alias) for old, new in MOVED.items()}
    before |= {label: rows(old_apps, label, alias) for label in STAYED}
    assert permissions(old_apps, staff_id, alias) == PERMISSIONS_BEFORE

    new_apps = migrate(scratch, AFTER)

    schema_after = schema(scratch)
    assert schema_after.keys() == schema_before.keys()  # no table created or dropped
    assert schema_after == schema_before  # nor any constraint or index
    assert {label: rows(new_apps, label, alias) for label in before} == before
    run = new_apps.get_model("recommendations.TrainingRun").objects.using(alias).get()
    assert run.job._meta.label == "jobs.Job"
    assert run.job.pk == before["jobs.Job"][0]["id"]
    assert permissions(new_apps, staff_id, alias) == PERMISSIONS_AFTER
    assert content_types(new_apps, alias) == CONTENT_TYPES_AFTER

    # Backwards: the same tables and rows, and the permissions under their old names.
    old_apps = migrate(scratch, BEFORE)

    assert schema(scratch) == schema_before
    assert {old: rows(old_apps, old, alias) for old in MOVED} == {
        old: before[new] for old, new in MOVED.items()
    }
    assert permissions(old_apps, staff_id, alias) == PERMISSIONS_BEFORE
    assert content_types(old_apps, alias) == CONTENT_TYPES_BEFORE
