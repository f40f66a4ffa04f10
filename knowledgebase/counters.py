"""Daily counters (article reads, searches, deflections): one UPDATE in the usual case,
an INSERT for the day's first, safe when two requests count at once."""

from django.db import IntegrityError, models, transaction
from django.db.models import F


def count_up(model: type[models.Model], lookup: dict, **increments: int) -> None:
    changes = {field: F(field) + by for field, by in increments.items()}
    if model._default_manager.filter(**lookup).update(**changes):
        return
    try:
        with transaction.atomic():
            model._default_manager.create(**lookup, **increments)
    except IntegrityError:  # another request made the day's row at the same moment
        model._default_manager.filter(**lookup).update(**changes)
