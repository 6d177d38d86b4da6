"""Bulk SQL helpers shared by the importers (MovieLens now, TMDB next).

The pattern, inside one `transaction.atomic()` per input file:

    with connection.cursor() as cursor:
        create_staging_table(cursor, name="stage_x", columns={"line": "integer", ...})
        copy_rows(cursor, table="stage_x", columns=[...], rows=parsed_rows)
        missing = reject_rows(cursor, table="stage_x", where="NOT EXISTS (...)", returning="s.key")
        counts = upsert(cursor, statement="INSERT ... ON CONFLICT ... DO UPDATE ... WHERE ...")

Staging tables carry the input line number so that rows rejected by SQL can be
reported as `file:LINE`. Statements are plain strings built from constants in
the importers (never from input), so `%` must be written `%%` when params are passed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.backends.utils import CursorWrapper

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def _identifier(name: str) -> str:
    # Table and column names are interpolated, so only plain lower-case identifiers pass.
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain SQL identifier")
    return name


def create_staging_table(cursor: CursorWrapper, *, name: str, columns: Mapping[str, str]) -> None:
    """Create an empty TEMP table `name` with `columns` (name -> SQL type) for this transaction.

    ON COMMIT DROP cleans it up; the DROP first removes one left by an earlier
    import in the same outer transaction (tests, or a caller's atomic block).
    """
    if not connection.in_atomic_block:
        raise RuntimeError(
            "staging tables live for one transaction; call inside transaction.atomic()"
        )
    table = _identifier(name)
    definition = ", ".join(f"{_identifier(column)} {kind}" for column, kind in columns.items())
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMP TABLE {table} ({definition}) ON COMMIT DROP")


def copy_rows(
    cursor: CursorWrapper, *, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Stream `rows` into `table` with COPY and return how many were written.

    Rows are consumed lazily, so a generator keeps memory flat on large files.
    The table is analysed afterwards: temp tables are never auto-analysed, and
    without statistics the planner picks nested loops for the joins that follow.
    """
    names = ", ".join(_identifier(column) for column in columns)
    written = 0
    with cursor.copy(f"COPY {_identifier(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    cursor.execute(f"ANALYZE {_identifier(table)}")
    return written


@dataclass(frozen=True)
class Rejected:
    """Staged rows removed by `reject_rows`: how many, and the first few for the report."""

    count: int
    sample: list[tuple] = field(default_factory=list)


def reject_rows(
    cursor: CursorWrapper,
    *,
    table: str,
    where: str,
    returning: str = "",
    params: Mapping[str, Any] | None = None,
    limit: int = 20,
) -> Rejected:
    """Delete the rows of staging `table` (aliased `s`) matching `where`.

    `where` may use %(name)s placeholders from `params` (so a literal % is %%).
    Returns their count and up to `limit` of them, lowest `line` first, as
    `(line, *returning)` tuples, so a million rejected rows cost one round trip.
    """
    extra = f", {returning}" if returning else ""
    cursor.execute(
        f"WITH gone AS (DELETE FROM {_identifier(table)} AS s WHERE {where} "
        f"RETURNING s.line{extra}) "
        "SELECT *, count(*) OVER () FROM gone ORDER BY line LIMIT %(reject_limit)s",
        {**(params or {}), "reject_limit": limit},
    )
    rows = cursor.fetchall()
    return Rejected(count=rows[0][-1] if rows else 0, sample=[row[:-1] for row in rows])


def reject_duplicates(
    cursor: CursorWrapper, *, table: str, key: Sequence[str], limit: int = 20
) -> Rejected:
    """Keep only the last line for each `key` in staging `table` ("last one wins").

    Upserts need unique keys (ON CONFLICT cannot touch a row twice in one statement).
    Returns the dropped rows as `(line, *key)`.
    """
    columns = [_identifier(column) for column in key]
    same_key = " AND ".join(f"later.{column} = s.{column}" for column in columns)
    return reject_rows(
        cursor,
        table=table,
        where=f"EXISTS (SELECT 1 FROM {_identifier(table)} AS later WHERE {same_key} "
        "AND later.line > s.line)",
        returning=", ".join(f"s.{column}" for column in columns),
        limit=limit,
    )


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int
    updated: int
    # Distinct values of the `collect` expression over the inserted and updated rows.
    keys: list = field(default_factory=list)


def upsert(
    cursor: CursorWrapper,
    *,
    statement: str,
    params: Mapping[str, Any] | None = None,
    collect: str | None = None,
) -> UpsertCounts:
    """Run `statement` (an INSERT ... ON CONFLICT ..., without RETURNING) and count what it did.

    Use `ON CONFLICT ... DO UPDATE SET ... WHERE (old) IS DISTINCT FROM (new)` so
    unchanged rows are neither written nor returned, or DO NOTHING. A freshly
    inserted row version has xmax = 0; one rewritten by DO UPDATE carries the
    updating transaction's id, which is how inserts are told from updates.
    `collect` is an expression over the target row (e.g. "movie_id") whose distinct
    values are returned, for follow-up work on just the changed rows.
    """
    key = f", {collect} AS key" if collect else ""
    keys = "array_agg(DISTINCT key)" if collect else "NULL"
    cursor.execute(
        f"WITH upserted AS ({statement} RETURNING (xmax = 0) AS inserted{key}) "
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), "
        f"{keys} FROM upserted",
        params,
    )
    inserted, updated, collected = cursor.fetchone()
    return UpsertCounts(inserted=inserted, updated=updated, keys=collected or [])


@dataclass(frozen=True)
class ColumnDefaults:
    """The columns a raw INSERT leaves out, with SQL expressions for their model defaults."""

    columns: list[str]
    expressions: list[str]
    params: dict[str, Any]

    def sql_columns(self) -> str:
        return "".join(f", {column}" for column in self.columns)

    def sql_values(self) -> str:
        return "".join(f", {expression}" for expression in self.expressions)


def column_defaults(model: type[models.Model], *, provided: Collection[str]) -> ColumnDefaults:
    """Defaults for every column of `model` not in `provided` (column names).

    Django applies `default=` and auto_now in Python, not in the table, so a raw
    INSERT must supply them. Deriving them from the model keeps importers valid
    when someone adds a field. Append `sql_columns()` / `sql_values()` to the
    INSERT's column and SELECT lists and merge `params` into the statement's params.
    """
    columns: list[str] = []
    expressions: list[str] = []
    params: dict[str, Any] = {}
    for model_field in model._meta.concrete_fields:
        column = model_field.column
        if (
            column in provided
            or model_field.primary_key
            or getattr(model_field, "generated", False)
            or model_field.db_default is not models.NOT_PROVIDED
        ):
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            expression = "now()"
        # Like the ORM, a NOT NULL CharField/TextField without a default gets "".
        elif model_field.has_default() or (
            model_field.empty_strings_allowed and not model_field.null
        ):
            name = f"default_{column}"
            params[name] = model_field.get_db_prep_save(model_field.get_default(), connection)
            # Explicit type: in INSERT ... SELECT an untyped literal would be read as text.
            expression = f"%({name})s::{model_field.db_type(connection)}"
        elif model_field.null:
            continue
        else:
            raise ValueError(
                f"{model._meta.label}.{model_field.name} is NOT NULL without a default; "
                "the importer must provide it"
            )
        columns.append(_identifier(column))
        expressions.append(expression)
    return ColumnDefaults(columns=columns, expressions=expressions, params=params)
