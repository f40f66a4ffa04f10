"""Reads for data protection: the retention policy in force, the cut-off, what is held and
what is due; and everything held about a person (the subject access export)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from casework.models import (
    Case,
    CaseEnquiry,
    KeyDate,
    LegalHold,
    Letter,
    Note,
    Outcome,
    RetentionRun,
    SubjectAccessRequest,
    SubjectAccessWithholding,
)
from enquiries.models import (
    Attachment,
    Contact,
    Enquiry,
    InboundMail,
    Message,
    PersonalDataAccess,
    Status,
)
from enquiries.retention.selectors import policy_years


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


def held_back_count(*, before: datetime, today: date | None = None) -> int:
    """Past retention but kept by a legal hold."""
    return enquiries_past_retention(before=before).filter(held_enquiry_q(today)).count()


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


def hold_target(reference: str) -> Enquiry | Case | None:
    """What a legal hold's reference names: a case by its number, else an enquiry by its
    reference (any case)."""
    reference = reference.strip().upper()
    if reference.isdigit():
        return Case.objects.filter(pk=int(reference)).first()
    return Enquiry.objects.filter(reference=reference).first()


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
    soon = enquiries_due(before=cutoff(now + timedelta(days=30), years)).count() - due
    return RetentionOutlook(
        years=years,
        cutoff=before,
        due_now=due,
        held_back=held_back_count(before=before),
        due_within_30_days=max(soon, 0),
        last_run=RetentionRun.objects.first(),
    )


# Subject access: everything the desk holds about a person, found by their address.


def _when(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat(timespec="minutes")
    return value.isoformat()


def _person(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def subject_data(
    *,
    email: str,
    withheld: dict[int, str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The export: the person's contact records with their consents, every enquiry of
    theirs with its public conversation, documents, letters, outcomes, key dates, emails
    and internal notes (marked as internal), and who opened their records. ``withheld``:
    internal notes a manager withholds (note id -> the exemption relied on), listed as
    withheld with the reason and without their text."""
    contacts = list(
        Contact.objects.filter(email__iexact=email.strip()).select_related("organisation")
    )
    enquiries = list(
        Enquiry.objects.filter(contact__in=contacts)
        .select_related("topic", "local_authority", "organisation", "follows_up")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.select_related("author").prefetch_related("attachments"),
            ),
            Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "pk")),
            Prefetch("notes", queryset=Note.objects.select_related("author").order_by("pk")),
            Prefetch("letters", queryset=Letter.objects.order_by("pk")),
            Prefetch(
                "outcomes", queryset=Outcome.objects.select_related("recorded_by").order_by("pk")
            ),
            Prefetch("key_dates", queryset=KeyDate.objects.order_by("date", "pk")),
            Prefetch("inbound_mail", queryset=InboundMail.objects.order_by("received_at", "pk")),
        )
        .order_by("received_at", "pk")
    )
    accesses = (
        PersonalDataAccess.objects.filter(contact__in=contacts)
        | PersonalDataAccess.objects.filter(enquiry__in=enquiries)
    ).select_related("viewer", "enquiry")
    return {
        "generated_at": _when(timezone.now()),
        "email": email.strip(),
        "contacts": [
            {
                "name": c.name,
                "email": c.email,
                "phone": c.phone,
                "organisation": c.organisation.name if c.organisation else None,
                "accessibility_needs": c.accessibility_needs,
                "consent_to_store": c.consent_to_store,
                "lawful_basis": c.get_consent_basis_display() or None,
                "consent_recorded_at": _when(c.consent_recorded_at),
                "email_failing_since": _when(c.email_failing_since),
                "created_at": _when(c.created_at),
            }
            for c in contacts
        ],
        "enquiries": _enquiries(enquiries, withheld or {}, on_progress),
        "access_log": [
            {
                "viewed_at": _when(a.viewed_at),
                "by": _person(a.viewer),
                "through": a.get_channel_display(),
                "enquiry": a.enquiry.reference if a.enquiry else None,
            }
            for a in accesses.order_by("viewed_at", "pk")
        ],
    }


def _enquiries(
    enquiries: list[Enquiry],
    withheld: dict[int, str],
    on_progress: Callable[[int, int], None] | None,
) -> list[dict[str, Any]]:
    written = []
    for done, enquiry in enumerate(enquiries, start=1):
        written.append(_enquiry(enquiry, withheld))
        if on_progress is not None:
            on_progress(done, len(enquiries))
    return written


def _note(n: Note, withheld: dict[int, str]) -> dict[str, Any]:
    note: dict[str, Any] = {"internal": True, "at": _when(n.created_at), "by": _person(n.author)}
    if n.pk in withheld:
        return {**note, "withheld": True, "reason": withheld[n.pk]}
    return {**note, "text": n.body}


def _enquiry(e: Enquiry, withheld: dict[int, str]) -> dict[str, Any]:
    return {
        "reference": e.reference,
        "received_at": _when(e.received_at),
        "channel": e.get_channel_display(),
        "status": e.get_status_display(),
        "closed_at": _when(e.closed_at),
        "topic": e.topic.name if e.topic else None,
        "area": e.local_authority.name if e.local_authority else None,
        "organisation": e.organisation.name if e.organisation else None,
        "subject": e.subject,
        "message": e.message,
        "asset": {"name": e.asset_name, "address": e.asset_address},
        "follows_up": e.follows_up.reference if e.follows_up else None,
        "anonymised_at": _when(e.anonymised_at),
        "conversation": [
            {
                "at": _when(m.created_at),
                "from": "you" if m.sender == Message.Sender.GROUP else "the desk",
                "by": _person(m.author),
                "channel": m.get_channel_display(),
                "text": m.body,
                "documents": [a.original_name for a in m.attachments.all()],
            }
            for m in e.messages.all()
        ],
        "documents": [
            {"name": a.original_name, "added_at": _when(a.created_at), "size": a.size}
            for a in e.attachments.all()
        ],
        "letters": [
            {"title": letter.title, "state": letter.get_state_display(), "text": letter.body}
            for letter in e.letters.all()
        ],
        "outcomes": [
            {
                "outcome": o.describe(),
                "detail": o.detail,
                "closing": o.is_closing,
                "recorded_at": _when(o.recorded_at),
            }
            for o in e.outcomes.all()
        ],
        "key_dates": [
            {"what": k.trigger, "date": _when(k.date), "note": k.note} for k in e.key_dates.all()
        ],
        "emails_received": [
            {"at": _when(m.received_at), "from": m.from_address, "subject": m.subject}
            for m in e.inbound_mail.all()
        ],
        "internal_notes": [_note(n, withheld) for n in e.notes.all()],
    }


def requests_open() -> list[SubjectAccessRequest]:
    return list(
        SubjectAccessRequest.objects.filter(released_at__isnull=True).select_related("recorded_by")[
            :100
        ]
    )


def subject_notes(*, email: str) -> list[Note]:
    """The internal notes a subject access export for this address would hold, oldest
    first, with their enquiry: what a manager reviews before release."""
    return list(
        Note.objects.filter(enquiry__contact__email__iexact=email.strip())
        .select_related("enquiry", "author")
        .order_by("enquiry__received_at", "enquiry_id", "pk")
    )


def withheld_notes(request: SubjectAccessRequest) -> dict[int, str]:
    """Note id -> the exemption (its code) for the notes withheld from this request."""
    return dict(
        SubjectAccessWithholding.objects.filter(request=request).values_list("note_id", "reason")
    )
