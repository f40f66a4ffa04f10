"""Allow-listed filters for the queue, shared by the desk pages and the API.

Only the parameters declared here reach the ORM; anything else is ignored.
"""

from datetime import timedelta

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from casework.models import Adviser, Assignment, Deadline, Outcome, Team
from casework.outcomes import OutcomeCode, PlanStage
from config.widgets import QuickSelect
from enquiries import service_levels
from enquiries.models import Channel, EnquirerType, Enquiry, Organisation, Priority, Status
from knowledgebase.models import LocalAuthority, Region, Topic

AGE_BUCKETS = {
    "0-7": (0, 7),
    "8-14": (8, 14),
    "15-30": (15, 30),
    "31-60": (31, 60),
    "61+": (61, None),
}
AGE_CHOICES = [(key, f"{key} days" if key != "61+" else "Over 60 days") for key in AGE_BUCKETS]

SLA_CHOICES = [
    (service_levels.AT_RISK, "At risk (due within the at-risk window)"),
    (service_levels.BREACHED, "Breached (overdue)"),
]


# For the links behind report figures (casework.reports.flow): the working-days column that
# is recorded, and service levels decided (met: done by the due date; missed: done after it,
# or not done and the due date passed).
TIMED_CHOICES = [
    ("first_response", "Time to first response recorded"),
    ("resolution", "Time to resolution recorded"),
]


TIMED_FIELDS = {
    "first_response": "first_response_working_days",
    "resolution": "resolution_working_days",
}


SLA_RESULT_CHOICES = [
    ("response_met", "First response by its due date"),
    ("response_missed", "First response late, or overdue"),
    ("resolution_met", "Resolved by its due date"),
    ("resolution_missed", "Resolved late, or overdue"),
]


SLA_RESULT_FIELDS = {
    "response": ("first_response_due", "first_response_at"),
    "resolution": ("resolution_due", "resolved_at"),
}


def no_email_address(value: str) -> None:
    """The queue's filters are in the page's address, which proxies log: an email address
    is looked up in Search, which posts it."""
    if "@" in value:
        raise ValidationError(
            "Look up an email address in Search: the queue's filters go into the page's "
            "address, and an address there can end up in a log."
        )


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Orders annotations that may be empty with the empty ones last, either way round."""

    NULLS_LAST = {"next_deadline_on", "sla_due_on"}

    def get_ordering_value(self, param: str):
        value = super().get_ordering_value(param)
        name = value.lstrip("-")
        if name not in self.NULLS_LAST:
            return value
        return (
            F(name).desc(nulls_last=True) if value.startswith("-") else F(name).asc(nulls_last=True)
        )


class EnquiryFilter(django_filters.FilterSet):
    # distinct=False: the default SELECT DISTINCT sorted every joined column (1M rows: ~3 s).
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    topic = django_filters.ModelChoiceFilter(
        widget=QuickSelect,
        queryset=Topic.objects.filter(is_active=True).select_related("parent"),
        to_field_name="slug",
        method="filter_topic",
        label="Topic",
    )
    area = django_filters.ModelChoiceFilter(
        widget=QuickSelect,
        queryset=LocalAuthority.objects.all(),
        to_field_name="slug",
        field_name="local_authority",
        label="Local authority area",
    )
    region = django_filters.ModelChoiceFilter(
        widget=QuickSelect,
        queryset=Region.objects.all(),
        to_field_name="slug",
        field_name="local_authority__region",
        label="Region",
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    age = django_filters.ChoiceFilter(choices=AGE_CHOICES, method="filter_age", label="Age")
    adviser = django_filters.ModelChoiceFilter(
        widget=QuickSelect,
        queryset=Adviser.objects.select_related("user"),
        field_name="assigned_to__adviser",
        label="Adviser",
    )
    unassigned = django_filters.BooleanFilter(
        field_name="assigned_to", lookup_expr="isnull", label="Unassigned only"
    )
    received_after = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label="Received on or after"
    )
    received_before = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label="Received on or before"
    )
    q = django_filters.CharFilter(
        method="filter_search", label="Reference or subject", validators=[no_email_address]
    )
    sla = django_filters.ChoiceFilter(
        choices=SLA_CHOICES, method="filter_sla", label="Service level"
    )
    # Used by the links behind report figures (casework.reports).
    team = django_filters.ModelChoiceFilter(
        widget=QuickSelect,
        queryset=Team.objects.all(),
        to_field_name="slug",
        method="filter_team",
        label="Team",
    )
    also_about = django_filters.ModelChoiceFilter(
        widget=QuickSelect,
        queryset=Topic.objects.filter(parent__isnull=True),
        to_field_name="slug",
        method="filter_also_about",
        label="Also about (a secondary topic under this topic, the main topic elsewhere)",
    )
    enquirer_type = django_filters.ChoiceFilter(
        choices=EnquirerType.choices, field_name="organisation__org_type", label="Enquirer type"
    )
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(), label="Organisation"
    )
    individual = django_filters.BooleanFilter(
        field_name="organisation", lookup_expr="isnull", label="From an individual (no group)"
    )
    timed = django_filters.ChoiceFilter(
        choices=TIMED_CHOICES, method="filter_timed", label="Working days recorded"
    )
    sla_result = django_filters.MultipleChoiceFilter(
        choices=SLA_RESULT_CHOICES, method="filter_sla_result", label="Service level result"
    )
    closed_after = django_filters.DateFilter(
        field_name="closed_at", lookup_expr="date__gte", label="Closed on or after"
    )
    closed_before = django_filters.DateFilter(
        field_name="closed_at", lookup_expr="date__lte", label="Closed on or before"
    )
    deadline_within = django_filters.NumberFilter(
        method="filter_deadline_within",
        label="Statutory deadline within (days)",
        min_value=0,
        max_value=3660,
    )
    outcome = django_filters.ChoiceFilter(
        choices=OutcomeCode.choices, method="filter_outcome", label="Outcome recorded"
    )
    plan_stage = django_filters.ChoiceFilter(
        choices=PlanStage.choices, method="filter_outcome", label="Plan stage reached"
    )
    outcome_after = django_filters.DateFilter(method="filter_outcome", label="Outcome on or after")
    outcome_before = django_filters.DateFilter(
        method="filter_outcome", label="Outcome on or before"
    )
    # "deadline": the nearest statutory deadline still to come, annotated by the selector
    # (``next_deadline_on``); enquiries with none come last.
    ordering = NullsLastOrderingFilter(
        fields=(
            ("next_deadline_on", "deadline"),
            ("sla_due_on", "sla"),
            ("received_at", "received"),
            ("priority", "priority"),
            ("reference", "reference"),
            ("status", "status"),
        ),
        field_labels={
            "next_deadline_on": "Nearest statutory deadline",
            "sla_due_on": "Time to service-level breach",
            "received_at": "Date received",
            "priority": "Priority",
            "reference": "Reference",
            "status": "Status",
        },
        label="Sort by",
    )

    class Meta:
        model = Enquiry
        fields: list[str] = []

    def filter_topic(self, queryset: QuerySet, name: str, value: Topic) -> QuerySet:
        return queryset.filter(Q(topic=value) | Q(topic__parent=value))

    def filter_also_about(self, queryset: QuerySet, name: str, value: Topic) -> QuerySet:
        """A secondary topic is ``value`` (top-level) or under it, and the topic is neither:
        the enquiries the demand report's "also about" figure counts (no duplicates)."""
        under = Q(topic=value) | Q(topic__parent=value)
        secondary = Enquiry.secondary_topics.through.objects.filter(
            Q(topic=value) | Q(topic__parent=value), enquiry_id=OuterRef("pk")
        )
        return queryset.filter(Exists(secondary)).exclude(under)

    def filter_age(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        youngest, oldest = AGE_BUCKETS[value]
        now = timezone.now()
        queryset = queryset.filter(received_at__lte=now - timedelta(days=youngest))
        if oldest is not None:
            queryset = queryset.filter(received_at__gt=now - timedelta(days=oldest + 1))
        return queryset

    def filter_sla(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The clock that matters (first response until there is one, then resolution) is
        due within the at-risk window, or overdue. Running clocks only: paused and resolved
        enquiries are neither. In SQL, on the partial indexes ``enquiry_sla_response_idx``
        and ``enquiry_sla_resolution_idx`` (each arm repeats its index's condition)."""
        today = timezone.localdate()
        if value == service_levels.BREACHED:
            response_due, resolution_due = (
                Q(first_response_due__lt=today),
                Q(resolution_due__lt=today),
            )
        else:
            window = (today, service_levels.at_risk_until(today))
            response_due = Q(first_response_due__range=window)
            resolution_due = Q(resolution_due__range=window)
        open_ = Q(status__in=Status.open_values())
        return queryset.filter(
            (open_ & Q(first_response_at__isnull=True) & response_due)
            | (open_ & Q(first_response_at__isnull=False) & resolution_due),
            resolved_at__isnull=True,
            sla_paused_since__isnull=True,
        )

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(reference__iexact=value) | Q(subject__icontains=value))

    def filter_team(self, queryset: QuerySet, name: str, value: Team) -> QuerySet:
        return queryset.filter(
            Exists(Assignment.objects.filter(enquiry=OuterRef("pk"), is_current=True, team=value))
        )

    def filter_timed(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(**{f"{TIMED_FIELDS[value]}__isnull": False})

    def filter_sla_result(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        """Any of the results given; by the local date of the response or resolution."""
        today = timezone.localdate()
        q = Q()
        for choice in value:
            clock, result = choice.split("_")
            due, done = SLA_RESULT_FIELDS[clock]
            if result == "met":
                q |= Q(**{f"{due}__isnull": False, f"{done}__date__lte": F(due)})
            else:
                q |= Q(**{f"{due}__isnull": False}) & (
                    Q(**{f"{done}__date__gt": F(due)})
                    | Q(**{f"{done}__isnull": True, f"{due}__lt": today})
                )
        return queryset.filter(q)

    def filter_deadline_within(self, queryset: QuerySet, name: str, value) -> QuerySet:
        today = timezone.localdate()
        return queryset.filter(
            Exists(
                Deadline.objects.filter(
                    enquiry=OuterRef("pk"),
                    ends_on__gte=today,
                    ends_on__lte=today + timedelta(days=int(value)),
                )
            )
        )

    def filter_outcome(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """One outcome row must meet every outcome parameter given (code, stage, dates)."""
        if name != self._first_outcome_parameter():
            return queryset
        data = self.form.cleaned_data
        outcomes = Outcome.objects.filter(enquiry=OuterRef("pk"))
        if data.get("outcome"):
            outcomes = outcomes.filter(code=data["outcome"])
        if data.get("plan_stage"):
            outcomes = outcomes.filter(plan_stage=data["plan_stage"])
        if data.get("outcome_after"):
            outcomes = outcomes.filter(recorded_at__date__gte=data["outcome_after"])
        if data.get("outcome_before"):
            outcomes = outcomes.filter(recorded_at__date__lte=data["outcome_before"])
        return queryset.filter(Exists(outcomes))

    def _first_outcome_parameter(self) -> str:
        data = self.form.cleaned_data
        names = ("outcome", "plan_stage", "outcome_after", "outcome_before")
        return next(name for name in names if data.get(name) not in (None, ""))
