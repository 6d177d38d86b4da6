"""Throw-away databases for the benchmarks, on the same server as the configured one.

The configured (development) database is never written: each benchmark switches
Django's default connection to its own database, created on demand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection


def admin_connection() -> psycopg.Connection:
    """An autocommit connection to the server's `postgres` database (CREATE/DROP DATABASE)."""
    params = connection.get_connection_params() | {"dbname": "postgres", "autocommit": True}
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params)


def use_database(name: str) -> None:
    """What the test runner does to switch databases: reconnect under a new NAME."""
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


def ensure_database(name: str) -> None:
    with admin_connection() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    connection.close()
    with admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def recreate_database(name: str) -> None:
    drop_database(name)
    ensure_database(name)


@contextmanager
def bench_database(name: str, *, fresh: bool = False) -> Iterator[None]:
    """Point Django's default connection at database `name` (created and migrated if new)
    for the block, then back at the configured one. `fresh` starts from an empty
    database and drops it afterwards."""
    original = connection.settings_dict["NAME"]
    if fresh:
        recreate_database(name)
    else:
        ensure_database(name)
    use_database(name)
    try:
        call_command("migrate", verbosity=0)
        yield
    finally:
        use_database(original)
        if fresh:
            drop_database(name)


def database_url(name: str) -> str:
    """The configured DATABASE_URL with database `name`, for child processes."""
    import os

    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


def ensure_movielens(source, at_least: int) -> None:
    """Import the MovieLens folder `source` unless the database has `at_least` movies."""
    from catalog.models import Movie
    from jobs.progress import NullProgress
    from ratings.movielens.service import movielens_import

    if Movie.objects.count() >= at_least:
        return
    print(f"importing {source} ...", flush=True)
    print(movielens_import(source=str(source), progress=NullProgress()).summary(), flush=True)
