"""Everything the desk holds about a person, found by their email address: the contents of
a subject access export (JSON and PDF)."""

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from casework.models import KeyDate, Letter, Note, Outcome, SubjectAccessRequest
from enquiries.models import (
    Attachment,
    Contact,
    Enquiry,
    InboundMail,
    Message,
    PersonalDataAccess,
)


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


def subject_data(*, email: str) -> dict[str, Any]:
    """The export: the person's contact records with their consents, every enquiry of
    theirs with its public conversation, documents, letters, outcomes, key dates, emails
    and internal notes (marked as internal), and who opened their records."""
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
        "enquiries": [_enquiry(e) for e in enquiries],
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


def _enquiry(e: Enquiry) -> dict[str, Any]:
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
        "internal_notes": [
            {"internal": True, "at": _when(n.created_at), "by": _person(n.author), "text": n.body}
            for n in e.notes.all()
        ],
    }


def requests_open() -> list[SubjectAccessRequest]:
    return list(
        SubjectAccessRequest.objects.filter(released_at__isnull=True).select_related("recorded_by")[
            :100
        ]
    )
