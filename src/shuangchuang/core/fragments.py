"""Table rows rendered once per version of what they show, not once per request (issue 14).

Where the list pages spent their time: Django's template engine costs about 0.3 ms for a row of the base
list (seven cells, their labels in the reader's language, a link, a badge) — 15 ms for a page of 50 rows,
three times the whole rest of the signed-in page. The rows change a few times a year (a base renamed,
commended, adjusted out); the pages are read all day. So a row is rendered once per version of its object
and language, kept in the cache (Redis in production, shared by every process; the process's memory in the
demo), and a page joins the rows it finds there with those it has to render.

What makes it safe:
- A row's version is given by the page (``version(obj)``): it must change whenever anything the row shows
  changes — typically the object's primary key and ``updated_at`` (a model whose rows show related objects
  bumps its own ``updated_at`` when those change: see ``registry.signals``).
- A row is rendered without the request, so it cannot show anything of the reader: no ``user``, no
  ``request``, no CSRF token, no context processor. Which rows a reader sees is still decided by the page's
  query (the access policy); the cache only holds how one object looks, the same for everyone who may see
  it. The reader's language is part of the key.
- The key holds a digest of the row template's source, so a changed template never meets rows rendered by
  the old one (a deploy shares Redis with the processes it replaces).
- The cache answering nothing (Redis down: ``core.cache``) only means every row is rendered.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db import connection, models
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

T = TypeVar("T")

# Long enough to serve a working day from the cache, short enough that rows of objects gone (deleted, never
# asked for again) leave Redis by themselves. A version change makes a new key at once, whatever the age.
ROW_SECONDS = 24 * 3600


def _digest(text: str) -> str:
    """Keys of a fixed length and alphabet whatever the version says (names, figures, Chinese text)."""
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@functools.lru_cache(maxsize=64)
def _template_digest(template_name: str) -> str:
    template = get_template(template_name)
    source = getattr(getattr(template, "template", None), "source", "")
    return hashlib.blake2b(source.encode(), digest_size=6).hexdigest()


def rendered_rows(
    template_name: str,
    items: Sequence[T],
    version: Callable[[T], object],
    *,
    load: Callable[[list[T]], Sequence[Any]] | None = None,
    name: str = "object",
    context: Mapping[str, Any] | None = None,
) -> list[SafeString]:
    """The HTML of each item's row, in order: from the cache where it is, rendered (and kept) otherwise.

    ``items`` are the page's rows as the page's query gives them; ``version(item)`` names what a row
    shows. ``load``, when given, turns the items whose rows must be rendered into the objects the template
    needs (in the same order) — so that a page whose rows are all in the cache reads only its items' keys
    and versions (``values_list("pk", "updated_at")``), not the objects and what they join. The template
    renders one row with the object as ``name``, plus the fixed ``context`` (part of the key), which must
    not depend on the reader beyond their language. ``version`` may also be the row's content itself
    (figures computed for the page): a row is then rendered once per distinct content.
    """
    fixed = dict(context or {})
    # the fixed context is part of every key (a label that says "last 4 periods" on one page, 8 on another)
    shared = repr(sorted((k, str(v)) for k, v in fixed.items())) if fixed else ""
    prefix = f"row:{template_name}:{_template_digest(template_name)}:{get_language()}:{_digest(shared)}:"
    keys = [prefix + _digest(str(version(item))) for item in items]
    found: dict[str, str] = cache.get_many(keys) if keys else {}
    missing = [n for n, key in enumerate(keys) if key not in found]
    if missing:
        wanted = [items[n] for n in missing]
        objects = load(wanted) if load is not None else wanted
        if len(objects) != len(wanted):
            raise ValueError(f"load() gave {len(objects)} objects for {len(wanted)} rows")
        template = get_template(template_name)
        fresh = {
            keys[n]: str(template.render({**fixed, name: obj}))
            for n, obj in zip(missing, objects, strict=True)
        }
        cache.set_many(fresh, timeout=ROW_SECONDS)
        found.update(fresh)
    # the rows were rendered by the template engine, which escaped what they show
    return [mark_safe(found[key]) for key in keys]  # noqa: S308


def computed(name: str, version: object, compute: Callable[[], T], *, seconds: int = ROW_SECONDS) -> T:
    """``compute()``'s result, kept in the cache under ``name`` and ``version``.

    For figures read from many rows that change far less often than they are read (a period's tallies over
    every base). ``version`` must name everything the result depends on: the reader's scope (which rows),
    the state of those rows (say ``Max("updated_at")``, ``Count("pk")`` over exactly the rows in scope),
    the day when the result depends on it, and the language when it holds text. A result the cache cannot
    keep is simply computed again.
    """
    key = f"computed:{name}:{_digest(repr(version))}"
    found = cache.get(key)
    if found is not None:
        return cast(T, found)
    result = compute()
    cache.set(key, result, timeout=seconds)
    return result


def tables_state(*tables: type[models.Model]) -> tuple[tuple[object, ...], ...]:
    """How many rows each table has and when one last changed (its ``updated_at``), in one query: the
    version of what is computed from whole tables that readers rarely change and never see partly (the
    reference tables behind a list's filters). A row added, removed or edited changes it."""
    quote = connection.ops.quote_name
    columns = [str(table._meta.get_field("updated_at").column) for table in tables]  # type: ignore[union-attr]
    # only table and column names of the models (quoted), no value: nothing for a reader to put in
    sql = " UNION ALL ".join(
        f"SELECT {n}, COUNT(*), MAX({quote(column)}) FROM {quote(table._meta.db_table)}"  # noqa: S608
        for n, (table, column) in enumerate(zip(tables, columns, strict=True))
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(sorted(cursor.fetchall()))


def rendered_fragment(template_name: str, context: Mapping[str, Any]) -> SafeString:
    """A part of a page rendered once per content: ``context`` is the whole of what the template shows
    (plain values: strings, numbers, lists and tuples of them), so it is the key itself. For the list
    pages' filter forms, whose options and chosen values repeat from one request to the next."""
    return rendered_rows(template_name, [dict(context)], _content, name="fragment")[0]


def _content(context: Mapping[str, Any]) -> str:
    return repr(sorted(context.items()))
