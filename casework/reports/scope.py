"""The enquiries a report counts: the report's filters (and, for advisers, what they may
see) as one ``Q`` that can sit on enquiries or, with ``prefix``, on rows joined to them."""

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from casework import policies
from casework.models import Assignment
from casework.reports.params import ReportParams
from enquiries import service_levels
from enquiries.models import Enquiry, Status


def enquiry_q(params: ReportParams, *, prefix: str = "") -> Q:
    q = Q()
    if params.team:
        q &= Q(
            Exists(
                Assignment.objects.filter(
                    enquiry=OuterRef(f"{prefix}pk"), is_current=True, team=params.team
                )
            )
        )
    if params.adviser:
        q &= Q(**{f"{prefix}assigned_to_id": params.adviser.user_id})
    if params.topic:
        q &= Q(**{f"{prefix}topic": params.topic}) | Q(**{f"{prefix}topic__parent": params.topic})
    if params.area:
        q &= Q(**{f"{prefix}local_authority": params.area})
    if params.region:
        q &= Q(**{f"{prefix}local_authority__region": params.region})
    if params.channel:
        q &= Q(**{f"{prefix}channel": params.channel})
    return q


def enquiries(params: ReportParams, *, user: policies.User | None = None) -> QuerySet[Enquiry]:
    """Filtered enquiries, no ordering (so GROUP BY groups only what it is asked to)."""
    queryset = Enquiry.objects.filter(enquiry_q(params)).order_by()
    if user is not None and not policies.can_see_all_reports(user):
        queryset = queryset.filter(policies.visible_enquiries_q(user))
    return queryset


def received(params: ReportParams, *, user: policies.User | None = None) -> QuerySet[Enquiry]:
    return enquiries(params, user=user).filter(
        received_at__gte=params.start, received_at__lt=params.end
    )


def open_q() -> Q:
    return Q(status__in=Status.open_values())


# --- service levels (the queue's "at risk" / "breached": EnquiryFilter.filter_sla) -------------


def _running_clock_q(response_due: Q, resolution_due: Q) -> Q:
    """The clock that matters (first response until there is one, then resolution), on
    open, unresolved enquiries that are not paused for the group."""
    return (
        open_q()
        & (
            (Q(first_response_at__isnull=True) & response_due)
            | (Q(first_response_at__isnull=False) & resolution_due)
        )
        & Q(resolved_at__isnull=True, sla_paused_since__isnull=True)
    )


def sla_breached_q(today: date) -> Q:
    """Past the due date of the clock that matters."""
    return _running_clock_q(Q(first_response_due__lt=today), Q(resolution_due__lt=today))


def sla_at_risk_q(today: date) -> Q:
    """Due today or within ``SLA_AT_RISK_WORKING_DAYS`` working days."""
    window = (today, service_levels.at_risk_until(today))
    return _running_clock_q(Q(first_response_due__range=window), Q(resolution_due__range=window))
