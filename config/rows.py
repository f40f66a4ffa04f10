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
from django.db import connections
from django.db.models import F, IntegerField, Model, QuerySet, Value, Window
from django.db.models.fields.related import ForeignObjectRel
from django.db.models.functions import JSONObject, RowNumber
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
    selects = [_select(index, parts[name]) for index, name in enumerate(names)]
    combined = selects[0].union(*selects[1:], all=True) if len(selects) > 1 else selects[0]
    combined = combined.order_by()  # the parts keep their order in ``_position``
    if using is not None:
        combined = combined.using(using)
    db = combined.db
    vendor = connections[db].vendor
    placed: dict[str, list[tuple[int, Any]]] = {name: [] for name in names}
    for index, position, data in combined:
        name = names[index]
        placed[name].append((position, _instance(parts[name], data, vendor, db)))
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


def _select(index: int, rows: QuerySet[Any]) -> QuerySet[Any]:
    query = rows.query
    if query.annotation_select or query.values_select or query.deferred_loading[0]:
        raise ValueError(f"read_together cannot carry {rows.model.__name__}'s query as it is")
    if rows._prefetch_related_lookups:  # type: ignore[attr-defined]
        raise ValueError("read_together does not prefetch: read the related rows as a part")
    model = rows.model
    ordering = list(query.order_by or model._meta.ordering or ["pk"])
    if query.is_sliced or query.distinct:
        base = model._base_manager.filter(pk__in=rows.values("pk"))
    else:
        base = rows.order_by()
    base = base.select_related(None)
    return (
        base.annotate(
            _part=Value(index, output_field=IntegerField()),
            _position=Window(RowNumber(), order_by=ordering),
            _row=JSONObject(**_json_fields(model, _tree(query.select_related))),
        )
        .order_by()
        .values_list("_part", "_position", "_row")
    )


def _tree(select_related: bool | dict[str, Any]) -> dict[str, Any]:
    if select_related is True:
        raise ValueError("read_together needs the select_related paths named")
    return select_related or {}


def _json_fields(model: type[Model], tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The JSON object of one row: its own columns under ``SELF``, each joined row under
    its relation's name (nested as the joins are)."""
    fields = model._meta.concrete_fields
    if len(fields) > MAX_FIELDS:
        raise ValueError(f"{model.__name__} has more than {MAX_FIELDS} columns")
    for f in fields:
        if f.get_internal_type() in UNCARRIED:  # JSON has no bytes; SQLite stores bare ints
            raise ValueError(f"read_together cannot carry {model.__name__}.{f.name}")
    found: dict[str, Any] = {SELF: JSONObject(**{f.attname: F(prefix + f.attname) for f in fields})}
    for name, below in tree.items():
        related = _related_model(model, name)
        found[name] = JSONObject(**_json_fields(related, below, f"{prefix}{name}__"))
    return found


def _related_model(model: type[Model], name: str) -> type[Model]:
    field = model._meta.get_field(name)
    related = field.related_model
    if not (field.many_to_one or field.one_to_one) or not isinstance(related, type):
        raise ValueError(f"read_together cannot join {model.__name__}.{name}")
    return related


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
