"""Reads for retention: the policy in force, the cut-off, what is held and what is due."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from casework.models import Case, CaseEnquiry, LegalHold, RetentionPolicy, RetentionRun
from enquiries.models import Enquiry, Status


def policy_years() -> int:
    row = RetentionPolicy.objects.order_by("pk").first()
    return row.years if row else settings.RETENTION_YEARS


def years_before(moment: datetime, years: int) -> datetime:
    """The same moment ``years`` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def cutoff(now: datetime | None = None, years: int | None = None) -> datetime:
    """Closed before this: past retention."""
    return years_before(now or timezone.now(), years if years is not None else policy_years())


def active_holds(today: date | None = None) -> QuerySet[LegalHold]:
    today = today or timezone.localdate()
    return LegalHold.objects.filter(released_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )


def held_enquiry_q(today: date | None = None) -> Q:
    """Enquiries under an active hold: on themselves, or on a case they belong to."""
    holds = active_holds(today)
    on_enquiry = Exists(holds.filter(enquiry=OuterRef("pk")))
    on_case = Exists(
        CaseEnquiry.objects.filter(
            enquiry=OuterRef("pk"),
            case__in=holds.filter(case__isnull=False).values("case"),
        )
    )
    return Q(on_enquiry) | Q(on_case)


def enquiries_past_retention(*, before: datetime) -> QuerySet[Enquiry]:
    """Closed before ``before`` and not anonymised yet, oldest closure first (holds not
    taken out: see ``enquiries_due``)."""
    return Enquiry.objects.filter(
        status=Status.CLOSED, closed_at__lt=before, anonymised_at__isnull=True
    ).order_by("closed_at", "pk")


def enquiries_due(*, before: datetime, today: date | None = None) -> QuerySet[Enquiry]:
    return enquiries_past_retention(before=before).exclude(held_enquiry_q(today))


def cases_due(*, before: datetime, today: date | None = None) -> QuerySet[Case]:
    """Closed cases past retention, not held, all of whose enquiries are anonymised."""
    holds = active_holds(today).filter(case=OuterRef("pk"))
    open_enquiry = CaseEnquiry.objects.filter(
        case=OuterRef("pk"), enquiry__anonymised_at__isnull=True
    )
    return (
        Case.objects.filter(
            status=Case.Status.CLOSED, closed_at__lt=before, anonymised_at__isnull=True
        )
        .exclude(Exists(holds))
        .exclude(Exists(open_enquiry))
        .order_by("closed_at", "pk")
    )


@dataclass(frozen=True)
class ErasureItem:
    enquiry: Enquiry
    held_back: str  # why it cannot be erased now; "" when it will be


def erasure_preview(*, email: str) -> list[ErasureItem]:
    """Every enquiry of the contacts with this address (any case) not anonymised yet, and
    whether erasing the person would anonymise it now or hold it back, and why: a legal
    hold, a case still open, or the enquiry itself still open (close it first)."""
    enquiries = list(
        Enquiry.objects.filter(contact__email__iexact=email.strip(), anonymised_at__isnull=True)
        .annotate(held=Exists(Enquiry.objects.filter(held_enquiry_q(), pk=OuterRef("pk"))))
        .select_related("case_link__case", "topic")
        .order_by("received_at", "pk")
    )
    items = []
    for enquiry in enquiries:
        case_link = getattr(enquiry, "case_link", None)
        reason = ""
        if enquiry.held:  # annotated above
            reason = "A legal hold is in force."
        elif case_link is not None and case_link.case.status != Case.Status.CLOSED:
            reason = f"It belongs to case {case_link.case_id}, which is still open."
        elif enquiry.status != Status.CLOSED:
            reason = "It is still open: close it (withdrawn) first."
        items.append(ErasureItem(enquiry=enquiry, held_back=reason))
    return items


@dataclass(frozen=True)
class RetentionOutlook:
    years: int
    cutoff: datetime
    due_now: int
    held_back: int
    due_within_30_days: int
    last_run: RetentionRun | None


def retention_outlook(now: datetime | None = None) -> RetentionOutlook:
    """What the next run will anonymise, what a hold keeps back, what follows in 30 days."""
    now = now or timezone.now()
    years = policy_years()
    before = cutoff(now, years)
    due = enquiries_due(before=before).count()
    past = enquiries_past_retention(before=before).count()
    soon = enquiries_due(before=cutoff(now + timedelta(days=30), years)).count() - due
    return RetentionOutlook(
        years=years,
        cutoff=before,
        due_now=due,
        held_back=past - due,
        due_within_30_days=max(soon, 0),
        last_run=RetentionRun.objects.first(),
    )
