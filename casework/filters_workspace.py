"""Allow-listed filters for the workspace lists of the API (tasks, time, outcomes).

The views' querysets come from the selectors (one visible enquiry's rows, or the user's own
tasks); these only narrow them. An unusable value is a 400 with the field's name.
"""

import django_filters

from casework.models import Outcome, Task, TimeEntry
from casework.outcomes import OutcomeCode


class TaskFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("done", "Done")], method="filter_state", label="Open or done"
    )
    assignee = django_filters.NumberFilter(field_name="assignee_id", label="Assignee's user id")
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = Task
        fields = []

    def filter_state(self, queryset, name, value):
        return queryset.filter(done_at__isnull=value == "open")


class TimeEntryFilter(django_filters.FilterSet):
    activity = django_filters.ChoiceFilter(choices=TimeEntry.Activity.choices)
    adviser = django_filters.NumberFilter(field_name="adviser_id", label="Adviser's user id")
    spent_after = django_filters.DateFilter(field_name="spent_on", lookup_expr="gte")
    spent_before = django_filters.DateFilter(field_name="spent_on", lookup_expr="lte")

    class Meta:
        model = TimeEntry
        fields = []


class OutcomeFilter(django_filters.FilterSet):
    code = django_filters.ChoiceFilter(choices=OutcomeCode.choices)
    closing = django_filters.BooleanFilter(field_name="is_closing")

    class Meta:
        model = Outcome
        fields = []
