"""Limits are declared once, on the model: this reads them from there."""

from django.db import models


def max_length(model: type[models.Model], field: str) -> int:
    """The ``max_length`` of ``model``'s text field ``field``; a field without one is a
    programming error, not a missing limit."""
    length = getattr(model._meta.get_field(field), "max_length", None)
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{field} declares no max_length")
    return length
