"""Bulk writes for the hot path of imports, where Django's bulk_create/bulk_update cost too much.

An authority workbook writes about 10,000 values and 10,000 audit rows in one confirmation; building
20,000 model instances and bulk_update's CASE expressions took seconds. These helpers prepare each value
with the model field's own `get_db_prep_save` (so JSON, dates and decimals are adapted exactly as the
ORM would for the database in use) and hand the rows to the driver's `executemany`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models


def _columns(model: type[models.Model], field_names: Sequence[str]) -> list[models.Field]:
    return [model._meta.get_field(name) for name in field_names]  # type: ignore[misc]


# Fields whose Python values the database driver cannot take as they are.
ADAPTED = (models.JSONField, models.DateTimeField, models.DateField, models.DecimalField, models.UUIDField)


def _converter(field: models.Field, connection: Any) -> Any:
    if not isinstance(field, ADAPTED):
        return None  # text, integers and foreign-key ids go to the driver unchanged
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
        except TypeError:  # unhashable (a JSON list or dict): cache by its text, most are alike ([])
            key = json.dumps(value, sort_keys=True, default=str)
            if key not in cache:
                cache[key] = prep(value)
            return cache[key]

    return convert


def _prepared(fields: list[models.Field], rows: Iterable[Sequence[Any]], connection: Any) -> list[list[Any]]:
    converters = [_converter(f, connection) for f in fields]
    return [[c(v) if c else v for c, v in zip(converters, row, strict=True)] for row in rows]


def insert_rows(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT every row (values in `field_names` order, foreign keys as ids). Returns the row count."""
    connection = connections[DEFAULT_DB_ALIAS]  # once: every `django.db.connection` access is a lookup
    fields = _columns(model, field_names)
    prepared = _prepared(fields, rows, connection)
    if not prepared:
        return 0
    quote = connection.ops.quote_name
    # Identifiers come from the model's metadata, never from input; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(f.column or f.name) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
    return len(prepared)


def update_rows(model: type[models.Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """UPDATE rows by primary key: each row is (pk, *values in `field_names` order)."""
    connection = connections[DEFAULT_DB_ALIAS]
    fields = _columns(model, field_names)
    pk = model._meta.pk
    prepared = [[*values[1:], values[0]] for values in _prepared([pk, *fields], rows, connection)]
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
