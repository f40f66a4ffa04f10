"""The rows of several querysets read in one statement (issue 12).

A page made of many small panels (an enquiry's notes, tasks, letters, key dates...) would
otherwise send one query per panel: each a round trip, each built by the ORM on its own.
``read_together`` sends one ``UNION ALL`` of them instead. Every part selects three
columns: which part the row belongs to, its place in that part's order (``ROW_NUMBER()``
over the part's own ordering) and the row itself as one JSON object, with the rows its
``select_related`` joins nested under their names. The rows come back as model instances
as the querysets would have made them, in the same order, with their joined rows cached.

What a part may be: a queryset of one model, filtered, ordered, sliced (the slice is
applied in a subquery, so each part keeps its own limit), ``distinct()``, with
``select_related`` of forward foreign keys and one-to-one relations either way. Not
``annotate`` (``alias`` is fine), ``values``, ``only``/``defer`` or ``prefetch_related``:
those raise ``ValueError`` rather than return something else than the queryset would.

Each part is compiled by Django's own compiler (the joins, filters and column aliases it
would use alone); only the select around it that builds the JSON is written here.

JSON carries strings, numbers and booleans; the fields are turned back into Python
values by type here (dates and times parsed, aware in UTC on SQLite as its backend makes
them, JSON fields decoded). A model with more than ``MAX_FIELDS`` columns is refused
(PostgreSQL's ``jsonb_build_object`` takes at most 100 arguments).
"""

import json
from collections.abc import Mapping
from datetime import UTC
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet, Window
from django.db.models.fields.related import ForeignObjectRel
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time

MAX_FIELDS = 48
UNCARRIED = {"BinaryField", "DurationField"}
SELF = "_"  # the key of a row's own fields in its JSON object


def read_together(
    parts: Mapping[str, QuerySet[Any]], *, using: str | None = None
) -> dict[str, list[Any]]:
    """Each of ``parts`` evaluated, by name, in one statement (none if all are empty), on
    the database ``using`` or the one the routers choose for reading the first part."""
    found: dict[str, list[Any]] = {name: [] for name in parts}
    names = [name for name, rows in parts.items() if not rows.query.is_empty()]
    if not names:
        return found
    db = using or router.db_for_read(parts[names[0]].model)
    connection = connections[db]
    selects: list[str] = []
    params: list[Any] = []
    kept: list[str] = []
    for name in names:
        try:
            sql, part_params = _part_sql(len(kept), parts[name], connection)
        except EmptyResultSet:  # a filter that can match nothing (``pk__in=[]``)
            continue
        selects.append(sql)
        params.extend(part_params)
        kept.append(name)
    if not selects:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        fetched = cursor.fetchall()
    placed: dict[str, list[tuple[int, Any]]] = {name: [] for name in kept}
    for index, position, data in fetched:
        name = kept[index]
        placed[name].append((position, _instance(parts[name], data, connection.vendor, db)))
    for name, rows in placed.items():
        found[name] = [row for _, row in sorted(rows, key=lambda item: item[0])]
    return found


def as_prefetched(instance: Model, name: str, rows: list[Any]) -> None:
    """``rows`` (read by ``read_together``) cached on ``instance`` as
    ``prefetch_related(name)`` would have: ``instance.<name>.all()`` reads no more."""
    manager = getattr(instance, name)
    cache_name = getattr(manager, "prefetch_cache_name", None) or (
        manager.field.remote_field.cache_name
    )
    queryset = manager.all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    instance._prefetched_objects_cache[cache_name] = queryset  # type: ignore[attr-defined]


def _part_sql(index: int, rows: QuerySet[Any], connection: Any) -> tuple[str, list[Any]]:
    """One part: the queryset compiled as Django would (its filters, its joins for
    ``select_related``, its slice in a subquery) with its row number in its own order, and
    around it the select of the part's number, that position and the JSON of each row."""
    query = rows.query
    if query.annotation_select or query.values_select or query.deferred_loading[0]:
        raise ValueError(f"read_together cannot carry {rows.model.__name__}'s query as it is")
    if rows._prefetch_related_lookups:  # type: ignore[attr-defined]
        raise ValueError("read_together does not prefetch: read the related rows as a part")
    model = rows.model
    tree = _tree(query.select_related)
    ordering = list(query.order_by or model._meta.ordering or ["pk"])
    # A slice is kept as the rows' numbers in their order (``_position``), so the part is
    # one select; ``distinct()`` must come before the numbering, so it is a subquery.
    window: tuple[int, int | None] | None = None
    if query.distinct:
        base = model._base_manager.filter(pk__in=rows.values("pk"))
        if tree:
            base = base.select_related(*_paths(tree))
    elif query.is_sliced:
        window = (query.low_mark, query.high_mark)
        base = rows.all()
        base.query.clear_limits()
    else:
        base = rows
    base = base.annotate(_position=Window(RowNumber(), order_by=ordering)).order_by()
    compiler = base.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql(with_col_aliases=True)
    aliases = [alias for _, _, alias in compiler.select]
    quote = connection.ops.quote_name
    row = _json_sql(compiler.klass_info, aliases, quote, connection.vendor)
    # Only names from the models' metadata and the compiled query are put in the text;
    # every value is a parameter, as Django compiled it.
    select = f"SELECT {int(index)} AS {quote('_part')}, {quote('_p')}.{quote('_position')}, "
    outer = f"{select}{row} AS {quote('_row')} FROM ({sql}) {quote('_p')}"  # noqa: S608
    params = list(params)
    if window is not None:
        low, high = window
        outer += f" WHERE {quote('_p')}.{quote('_position')} > %s"
        params.append(low)
        if high is not None:
            outer += f" AND {quote('_p')}.{quote('_position')} <= %s"
            params.append(high)
    return outer, params


def _paths(tree: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for name, below in tree.items():
        paths.append(prefix + name)
        paths += _paths(below, f"{prefix}{name}__")
    return paths


def _json_sql(klass_info: dict[str, Any], aliases: list[str], quote: Any, vendor: str) -> str:
    """The JSON object of one row from the compiled columns (as Django's own row reader
    finds them, by ``klass_info``): its own fields under ``SELF``, each joined row under
    its relation's name, nested as the joins are."""
    model = klass_info["model"]
    fields = model._meta.concrete_fields
    if len(fields) > MAX_FIELDS:
        raise ValueError(f"{model.__name__} has more than {MAX_FIELDS} columns")
    columns = klass_info["select_fields"]
    if len(columns) != len(fields):
        raise ValueError(f"read_together reads every column of {model.__name__}")
    pairs = []
    for field, column in zip(fields, columns, strict=True):
        if field.get_internal_type() in UNCARRIED:  # JSON has no bytes; SQLite bare ints
            raise ValueError(f"read_together cannot carry {model.__name__}.{field.name}")
        pairs.append(f"'{field.attname}', {quote('_p')}.{quote(aliases[column])}")
    function = "jsonb_build_object" if vendor == "postgresql" else "json_object"
    own = f"{function}({', '.join(pairs)})"
    nested = [f"'{SELF}', {own}"]
    for related in klass_info.get("related_klass_infos", []):
        field = related["field"]
        name = field.related_query_name() if related["reverse"] else field.name
        nested.append(f"'{name}', {_json_sql(related, aliases, quote, vendor)}")
    return f"{function}({', '.join(nested)})"


def _tree(select_related: bool | dict[str, Any]) -> dict[str, Any]:
    if select_related is True:
        raise ValueError("read_together needs the select_related paths named")
    return select_related or {}


def _instance(rows: QuerySet[Any], data: Any, vendor: str, using: str) -> Any:
    if isinstance(data, str):
        data = json.loads(data)
    return _build(rows.model, data, _tree(rows.query.select_related), vendor, using)


def _build(
    model: type[Model], data: dict[str, Any], tree: dict[str, Any], vendor: str, using: str
) -> Model | None:
    own = data[SELF]
    fields = model._meta.concrete_fields
    if own.get(model._meta.pk.attname) is None:  # an outer join that found nothing
        return None
    instance = model.from_db(
        using, [f.attname for f in fields], [_python(f, own.get(f.attname), vendor) for f in fields]
    )
    for name, below in tree.items():
        field = model._meta.get_field(name)
        related = _build(field.related_model, data[name], below, vendor, using)  # type: ignore[arg-type]
        field.set_cached_value(instance, related)  # type: ignore[union-attr]
        if related is not None and isinstance(field, ForeignObjectRel):
            field.remote_field.set_cached_value(related, instance)
        elif related is not None and field.one_to_one:
            field.remote_field.set_cached_value(related, instance)  # type: ignore[union-attr]
    return instance


def _python(field: Any, value: Any, vendor: str) -> Any:
    """A column's value as JSON carried it, as the database backend would have made it."""
    if value is None:
        return None
    kind = field.get_internal_type()
    if kind == "JSONField":
        return json.loads(value) if vendor == "sqlite" and isinstance(value, str) else value
    if kind == "DateTimeField":
        moment = parse_datetime(value)
        if moment is not None and settings.USE_TZ and timezone.is_naive(moment):
            moment = timezone.make_aware(moment, UTC)  # SQLite keeps them in UTC, bare
        return moment
    if kind == "DateField":
        return parse_date(value)
    if kind == "TimeField":
        return parse_time(value)
    if kind == "DecimalField":
        return Decimal(str(value))
    if kind in ("BooleanField", "NullBooleanField"):
        return bool(value)
    return field.to_python(value)
