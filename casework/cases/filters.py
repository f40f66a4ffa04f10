"""Filters for the outcomes API (django-filter; a bad value is a 400)."""

import django_filters

from casework.models import Outcome
from casework.outcomes import OutcomeCode


class OutcomeFilter(django_filters.FilterSet):
    code = django_filters.ChoiceFilter(choices=OutcomeCode.choices)
    closing = django_filters.BooleanFilter(field_name="is_closing")

    class Meta:
        model = Outcome
        fields: list[str] = []
