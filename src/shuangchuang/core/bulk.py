"""Bulk writes for the hot path of imports, where Django's bulk_create/bulk_update cost too much.

An authority workbook writes about 10,000 values in one confirmation; building 10,000 model instances
and bulk_update's CASE expressions took seconds. These helpers adapt each value as the model field's own
`get_db_prep_save` would for the database in use (JSON, dates, decimals) and send the rows in multi-row
INSERTs (`insert_rows`) or one UPDATE per row through `executemany` (`update_rows`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.operations import BaseDatabaseOperations


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one large piece of work (usable as a decorator).

    An authority workbook makes a few hundred thousand short-lived containers; each time enough of them
    pile up, CPython runs a collection, and a full one walks every object the process holds (all of
    Django): 50–150 ms of pauses per import, at random points. The import's objects are freed by reference
    counting as usual; cycles, if any, are collected once the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _columns(model: type[models.Model], field_names: Sequence[str]) -> list[models.Field]:
    return [model._meta.get_field(name) for name in field_names]  # type: ignore[misc]


# Fields whose Python values the database driver cannot take as they are.
ADAPTED = (models.JSONField, models.DateTimeField, models.DateField, models.DecimalField, models.UUIDField)


def _decimals_pass_through(connection: Any) -> bool:
    adapter = type(connection.ops).adapt_decimalfield_value
    return adapter is BaseDatabaseOperations.adapt_decimalfield_value  # which returns the value as is


def _converter(field: models.Field, connection: Any) -> Any:
    if not isinstance(field, ADAPTED):
        return None  # text, integers and foreign-key ids go to the driver unchanged
    if isinstance(field, models.DecimalField) and _decimals_pass_through(connection):

        def passthrough(value: Any) -> Any:
            # A Decimal reaches the driver as it is (DecimalField.to_python and the backend's adapter
            # both return it unchanged); anything else takes the field's own way.
            return value if type(value) is Decimal else field.get_db_prep_save(value, connection)

        return passthrough
    cache: dict[Any, Any] = {}
    if isinstance(field, models.JSONField):
        # What JSONField.get_db_prep_save does for plain Python values (None is SQL NULL), without its
        # layers of checks for expressions, which cost more than the conversion itself.
        adapt_json = connection.ops.adapt_json_value
        encoder = field.encoder

        def prep(value: Any) -> Any:
            return None if value is None else adapt_json(value, encoder)
    else:

        def prep(value: Any) -> Any:
            return field.get_db_prep_save(value, connection)

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            cache[value] = result = prep(value)
            return result
        except TypeError:  # unhashable: a JSON list or dict, most often empty (a value without flags)
            if value:
                return prep(value)  # flags and changes carry their own messages: caching gains nothing
            key = type(value)
            if key not in cache:
                cache[key] = prep(value)
            return cache[key]

    return convert


def _prepared(
    fields: list[models.Field], rows: Iterable[Sequence[Any]], connection: Any
) -> list[Sequence[Any]]:
    """The rows with each value adapted for the driver, column by column: most columns (ids, text) need
    nothing, so only the others are touched."""
    converters = [_converter(f, connection) for f in fields]
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return []
    if not any(converters):
        return rows  # type: ignore[return-value]
    columns: list[Iterable[Any]] = list(zip(*rows, strict=True))
    for index, convert in enumerate(converters):
        if convert is not None:
            columns[index] = map(convert, columns[index])
    return list(zip(*columns, strict=True))


ROWS_PER_STATEMENT = 1000


def insert_rows(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT every row (values in `field_names` order, foreign keys as ids). Returns the row count.

    Rows go in multi-row INSERT statements, as many as the backend takes at once (SQLite: 999 parameters):
    SQLite writes them about twice as fast as the same rows one by one through executemany.
    """
    connection = connections[DEFAULT_DB_ALIAS]  # once: every `django.db.connection` access is a lookup
    fields = _columns(model, field_names)
    prepared = _prepared(fields, rows, connection)
    if not prepared:
        return 0
    per_statement = max(1, min(ROWS_PER_STATEMENT, connection.ops.bulk_batch_size(fields, prepared)))
    quote = connection.ops.quote_name
    one_row = "({})".format(", ".join(["%s"] * len(fields)))
    # Identifiers come from the model's metadata, never from input; values are parameters.
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        quote(model._meta.db_table), ", ".join(quote(f.column or f.name) for f in fields)
    )
    full_sql = head + ", ".join([one_row] * per_statement)
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), per_statement):
            chunk = prepared[start : start + per_statement]
            sql = full_sql if len(chunk) == per_statement else head + ", ".join([one_row] * len(chunk))
            cursor.execute(sql, [value for row in chunk for value in row])
    return len(prepared)


def update_rows(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """UPDATE rows by primary key: each row is (pk, *values in `field_names` order)."""
    connection = connections[DEFAULT_DB_ALIAS]
    fields = _columns(model, field_names)
    pk = model._meta.pk
    prepared = [(*values[1:], values[0]) for values in _prepared([pk, *fields], rows, connection)]
    if not prepared:
        return 0
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(f"{quote(f.column or f.name)} = %s" for f in fields),
        quote(pk.column or pk.name),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
    return len(prepared)
