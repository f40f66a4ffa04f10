"""Median and 90th percentile in SQL.

PostgreSQL: the ordered-set aggregate ``percentile_cont`` (Django 6.1 has no built-in
percentile aggregate). SQLite has none: one COUNT, then an ordered ``LIMIT 2 OFFSET k``
query per percentile fetches the two neighbouring values, interpolated the same way
(``percentile_cont``'s definition), so both engines return the same figure. From a
rollup's per-day histograms: ``histogram_percentiles``, the same definition again.
"""

import math
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet


class PercentileCont(Aggregate):
    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression: str, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentile_aggregates(
    field: str, fractions: tuple[float, ...] = (0.5, 0.9), *, prefix: str = ""
) -> dict[str, Aggregate]:
    """PostgreSQL: the aggregates behind ``percentiles`` (``{prefix}n``, then
    ``{prefix}p0``, ``{prefix}p1`` ...), to put beside others in one query;
    ``percentile_cont`` leaves out NULLs, and so does the count."""
    return {
        f"{prefix}n": Count("pk", filter=Q(**{f"{field}__isnull": False})),
        **{f"{prefix}p{i}": PercentileCont(field, f) for i, f in enumerate(fractions)},
    }


def percentile_values(
    row: dict[str, Any], fractions: tuple[float, ...] = (0.5, 0.9), *, prefix: str = ""
) -> tuple[int, list[float | None]]:
    """(count, [percentiles]) from a row aggregated with ``percentile_aggregates``."""
    return row[f"{prefix}n"], [row[f"{prefix}p{i}"] for i in range(len(fractions))]


def percentiles(
    queryset: QuerySet[Any], field: str, fractions: tuple[float, ...] = (0.5, 0.9)
) -> tuple[int, list[float | None]]:
    """How many rows have ``field``, and its percentiles over them (None when none)."""
    if connection.vendor == "postgresql":
        row = queryset.order_by().aggregate(**percentile_aggregates(field, fractions))
        return percentile_values(row, fractions)
    queryset = queryset.filter(**{f"{field}__isnull": False}).order_by()
    count = queryset.count()
    values: list[float | None] = []
    for fraction in fractions:
        if not count:
            values.append(None)
            continue
        position = (count - 1) * fraction
        low = math.floor(position)
        pair = list(queryset.order_by(field).values_list(field, flat=True)[low : low + 2])
        high_value = pair[1] if len(pair) > 1 else pair[0]
        values.append(pair[0] + (high_value - pair[0]) * (position - low))
    return count, values


def histogram_percentiles(
    counts: Mapping[int, int], fractions: tuple[float, ...] = (0.5, 0.9)
) -> tuple[int, list[float | None]]:
    """``percentiles`` of values given as {value: how many times}: the same interpolation
    as ``percentile_cont``, and exact (a histogram of whole numbers loses nothing)."""
    ordered = sorted((value, n) for value, n in counts.items() if n)
    total = sum(n for _, n in ordered)

    def at(index: int) -> int:
        """The value at 0-based ``index`` of the values in order."""
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        raise IndexError(index)

    values: list[float | None] = []
    for fraction in fractions:
        if not total:
            values.append(None)
            continue
        position = (total - 1) * fraction
        low = math.floor(position)
        low_value = at(low)
        high_value = at(low + 1) if low + 1 < total else low_value
        values.append(low_value + (high_value - low_value) * (position - low))
    return total, values
