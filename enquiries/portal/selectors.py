"""Reads for the group portal: what a tracking link opens, and nothing else.

A link belongs to one enquiry. A link that was emailed to the contact
(``TrackingLink.covers_address``) proves its holder reads that mailbox, so it opens
every enquiry sent from that address and, when the address is an organisation's
registered contact, the organisation's enquiries too (its "scope"). A link shown on
screen at intake opens only its own enquiry: anyone can type someone else's address
into the form. Only records casework has *published* are read here:
the enquiry's status and subject, the first name of the adviser holding it, the
public conversation (``Message``) with its documents, and ``PublicDate`` rows.
Internal notes, tasks, time, outcomes and staff-only documents live in casework or
carry no message, and are never queried. Anything outside the scope is None, which
the views turn into the same "link not valid" page as a wrong token.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from enquiries import policies
from enquiries.models import (
    Attachment,
    Contact,
    Enquiry,
    Message,
    Organisation,
    PublicDate,
    Status,
    TrackingLink,
    hash_token,
)
from knowledgebase.guidance import selectors as guidance_selectors
from knowledgebase.models import Article

TOKEN_MAX_LENGTH = 100


# The status in the group's words, and what it means for them.
PLAIN_STATUS: dict[str, tuple[str, str]] = {
    Status.RECEIVED: ("Received", "We have your enquiry and will pass it to an adviser."),
    Status.IN_PROGRESS: ("With an adviser", "An adviser is working on your enquiry."),
    Status.AWAITING_GROUP: (
        "Waiting for you",
        "Your adviser needs something from you: please read the latest message and reply.",
    ),
    Status.ANSWERED: (
        "Answered",
        "We have answered your enquiry. Reply below if you need anything else.",
    ),
    Status.CLOSED: (
        "Closed",
        "This enquiry is closed. You can still write to your adviser here; for a new "
        "question, please send a new enquiry.",
    ),
}


@dataclass(frozen=True)
class PortalScope:
    """What one valid link opens: its own enquiry, and the address it was sent to."""

    link: TrackingLink
    enquiry: Enquiry
    email: str

    @property
    def covers_address(self) -> bool:
        return self.link.covers_address


@dataclass(frozen=True)
class DateView:
    public_date: PublicDate
    days_left: int

    @property
    def when(self) -> str:
        days = self.days_left
        if days == 0:
            return "Today"
        if days > 0:
            return f"In {days} day{'s' if days != 1 else ''}"
        return f"Passed {-days} day{'s' if days != -1 else ''} ago"


def _scope(link_filter: Q, now: datetime | None) -> PortalScope | None:
    link = TrackingLink.objects.select_related("enquiry__contact").filter(link_filter).first()
    if not policies.tracking_link_grants_access(link, now or timezone.now()):
        return None
    return PortalScope(link=link, enquiry=link.enquiry, email=link.enquiry.contact.email)


def portal_scope_get(*, token: str, now: datetime | None = None) -> PortalScope | None:
    """The scope a tracking token opens, or None (unknown, expired, revoked, malformed).

    Only the token's SHA-256 is compared, so the secret itself never reaches a query.
    """
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return _scope(Q(token_hash=hash_token(token)), now)


def portal_scope_of_link(*, link_id: int, now: datetime | None = None) -> PortalScope | None:
    """The scope of the link a portal cookie names, if the link still grants access (a
    link revoked or replaced since the cookie was set opens nothing)."""
    return _scope(Q(pk=link_id), now)


def enquiries_in_scope_q(email: str) -> Q:
    """Enquiries an address may follow: sent from it, or its organisation's as registered
    contact (``Organisation.registered_contact``)."""
    # Two small id lists first (two small queries), not joins or subqueries: an OR across them makes
    # PostgreSQL scan every enquiry (2.5 s at 1M); with literal ids it combines the contact
    # and organisation foreign-key indexes (contact_email_upper_idx finds the contacts).
    contacts = list(Contact.objects.filter(email__iexact=email).values_list("pk", flat=True))
    organisations = (
        list(
            Organisation.objects.filter(registered_contact__in=contacts).values_list(
                "pk", flat=True
            )
        )
        if contacts
        else []
    )
    return Q(contact__in=contacts) | Q(organisation__in=organisations)


def portal_enquiry_list(*, scope: PortalScope) -> QuerySet[Enquiry]:
    """Every enquiry the link opens, newest first (one query; only the listed columns)."""
    in_scope = enquiries_in_scope_q(scope.email) if scope.covers_address else Q(pk=scope.enquiry.pk)
    return (
        Enquiry.objects.filter(in_scope)
        .only("reference", "subject", "status", "received_at")
        .order_by("-received_at", "-pk")
    )


def portal_enquiry_get(*, scope: PortalScope, reference: str) -> Enquiry | None:
    """One enquiry inside the scope, or None: out of scope and unknown look the same."""
    if scope.enquiry.reference == reference:
        enquiry = scope.enquiry
    elif not scope.covers_address:
        enquiry = None
    else:
        enquiry = (
            Enquiry.objects.filter(enquiries_in_scope_q(scope.email), reference=reference)
            .select_related("contact")
            .first()
        )
    return enquiry


def adviser_first_name(enquiry: Enquiry) -> str:
    """Only the first name of the adviser holding it (one small query, or none)."""
    if enquiry.assigned_to_id is None:
        return ""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=enquiry.assigned_to_id).values("first_name").first()
    return user["first_name"] if user else ""


def portal_conversation(*, enquiry: Enquiry) -> list[Message]:
    """The public conversation, oldest first, each message with its documents (2 queries).

    Authors are not joined: the page says "your adviser" or "you", never a staff name.
    """
    documents = Attachment.objects.only(
        "pk", "message_id", "original_name", "content_type", "size"
    ).order_by("created_at", "pk")
    return list(
        Message.objects.filter(enquiry=enquiry)
        .only("pk", "enquiry_id", "sender", "body", "created_at")
        .prefetch_related(Prefetch("attachments", queryset=documents))
        .order_by("created_at", "pk")
    )


def reply_already_received(*, enquiry: Enquiry, submission_key: str) -> bool:
    """A reply from this form submission is kept already (a double click, a retry)."""
    if not submission_key:
        return False
    return Message.objects.filter(enquiry=enquiry, submission_key=submission_key).exists()


def portal_dates(*, enquiry: Enquiry, today: date | None = None) -> list[DateView]:
    """The dates casework published, soonest first, with the days left (1 query)."""
    today = today or timezone.localdate()
    return [
        DateView(public_date=d, days_left=(d.date - today).days)
        for d in PublicDate.objects.filter(enquiry=enquiry).order_by("date", "pk")
    ]


def portal_attachment_get(*, enquiry: Enquiry, attachment_id: int) -> Attachment | None:
    """A document of the public conversation of ``enquiry`` (already checked in scope).

    A staff-only document (no message) is None, exactly like one that does not exist.
    """
    return Attachment.objects.filter(
        enquiry=enquiry, pk=attachment_id, message__isnull=False
    ).first()


def plain_status(enquiry: Enquiry) -> tuple[str, str]:
    return PLAIN_STATUS.get(enquiry.status, (enquiry.get_status_display(), ""))


_GUIDANCE_LINK = re.compile(r"/guidance/([a-z0-9-]+)/")


def portal_guidance(*, enquiry: Enquiry, conversation: list[Message]) -> dict[str, list[Article]]:
    """Guidance for the group: the public articles its adviser linked in an update, then
    the most-read articles on the enquiry's topic that were not linked."""
    slugs = [
        slug
        for message in conversation
        if message.sender == Message.Sender.DESK
        for slug in _GUIDANCE_LINK.findall(message.body)
    ]
    linked = guidance_selectors.articles_by_slug(slugs) if slugs else []
    popular: list[Article] = []
    if enquiry.topic_id is not None:
        seen = {article.pk for article in linked}
        on_topic = guidance_selectors.topic_popular_articles(topic_id=enquiry.topic_id, limit=6)
        popular = [article for article in on_topic if article.pk not in seen][:3]
    return {"linked": linked, "popular": popular}
