"""Filters for the tasks and time APIs (django-filter; a bad value is a 400)."""

import django_filters

from casework.models import Task, TimeEntry

# User ids are 32-bit: a larger number is a 400, not an overflow in the database.
USER_ID_MAX = 2**31 - 1


class TaskFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("done", "Done")], method="filter_state", label="Open or done"
    )
    assignee = django_filters.NumberFilter(
        field_name="assignee_id", label="Assignee's user id", min_value=1, max_value=USER_ID_MAX
    )
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = Task
        fields: list[str] = []

    def filter_state(self, queryset, name, value):
        return queryset.filter(done_at__isnull=value == "open")


class TimeEntryFilter(django_filters.FilterSet):
    activity = django_filters.ChoiceFilter(choices=TimeEntry.Activity.choices)
    adviser = django_filters.NumberFilter(
        field_name="adviser_id", label="Adviser's user id", min_value=1, max_value=USER_ID_MAX
    )
    spent_after = django_filters.DateFilter(field_name="spent_on", lookup_expr="gte")
    spent_before = django_filters.DateFilter(field_name="spent_on", lookup_expr="lte")

    class Meta:
        model = TimeEntry
        fields: list[str] = []
