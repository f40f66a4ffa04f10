"""Asking groups whether the desk helped (docs/feedback.md): a survey owed when an enquiry
closes, emailed once after ``FEEDBACK_DELAY_DAYS`` through the group's tracking link by
the daily ``send_feedback_requests``, answered once, without an account."""

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enquiries.models import Contact, EnquiryEvent, FeedbackRequest, Notification, Status
from enquiries.models.records import Enquiry
from enquiries.notifications import notification_owe

logger = logging.getLogger(__name__)

ALREADY_ANSWERED = "You have already told us how it went: thank you."


def feedback_schedule(*, enquiry: Enquiry, now: datetime | None = None) -> FeedbackRequest | None:
    """Owe the group a survey about ``enquiry``, sent after the delay. Once per enquiry:
    closing it again after reopening owes nothing more. None when already owed."""
    now = now or timezone.now()
    request, created = FeedbackRequest.objects.get_or_create(
        enquiry=enquiry,
        defaults={"send_after": now + timedelta(days=settings.FEEDBACK_DELAY_DAYS)},
    )
    return request if created else None


def _skip_reason(request: FeedbackRequest) -> str:
    enquiry = request.enquiry
    contact: Contact = enquiry.contact
    if enquiry.anonymised_at or contact.erased_at:
        return "anonymised"
    if contact.feedback_opt_out:
        return "the contact asked not to be surveyed"
    if not contact.email:
        return "no email address"
    if enquiry.status != Status.CLOSED:
        return "reopened before the survey was sent"
    return ""


def feedback_requests_send(*, now: datetime | None = None, batch: int = 200) -> Counter[str]:
    """Email every survey that is due, once each: the email is owed (``Notification``,
    unique per enquiry) in the same transaction that marks the survey sent, so two runs
    at once, or a run after a crash, never send it twice. Returns counts: sent, skipped."""
    now = now or timezone.now()
    counts: Counter[str] = Counter()
    while True:
        with transaction.atomic():
            due = list(
                FeedbackRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("enquiry__contact")
                .filter(sent_at__isnull=True, skipped="", send_after__lte=now)
                .order_by("send_after", "pk")[:batch]
            )
            if not due:
                return counts
            for request in due:
                if reason := _skip_reason(request):
                    request.skipped = reason
                    request.save(update_fields=["skipped"])
                    counts["skipped"] += 1
                    continue
                notification_owe(
                    enquiry=request.enquiry,
                    kind=Notification.Kind.FEEDBACK_REQUEST,
                    recipient=request.enquiry.contact.email,
                    dedupe_key=f"feedback:{request.enquiry.reference}",
                    data={},
                )
                request.sent_at = now
                request.save(update_fields=["sent_at"])
                counts["sent"] += 1
        logger.info("feedback requests batch sent=%s skipped=%s", counts["sent"], counts["skipped"])


@transaction.atomic
def feedback_answer(
    *, request: FeedbackRequest, score: int, next_step: str, comment: str, opt_out: bool
) -> FeedbackRequest:
    """Record the group's answer, once. It goes on the enquiry's timeline (and so to any
    webhook that asked for "feedback received")."""
    request = (
        FeedbackRequest.objects.select_for_update().select_related("enquiry").get(pk=request.pk)
    )
    if request.answered_at is not None:
        raise ValidationError(ALREADY_ANSWERED)
    errors = {}
    if score not in dict(FeedbackRequest.SCORES):
        errors["score"] = "Choose how much we helped, from 1 to 5."
    if next_step and next_step not in FeedbackRequest.NextStep.values:
        errors["next_step"] = "Choose what has happened since from the list."
    comment = (comment or "").strip()
    if len(comment) > FeedbackRequest.COMMENT_MAX_LENGTH:
        errors["comment"] = (
            f"Keep your comment to {FeedbackRequest.COMMENT_MAX_LENGTH:,} characters."
        )
    if errors:
        raise ValidationError(errors)
    request.score, request.next_step, request.comment = score, next_step, comment
    request.answered_at = timezone.now()
    request.save(update_fields=["score", "next_step", "comment", "answered_at"])
    if opt_out:
        Contact.objects.filter(pk=request.enquiry.contact_id).update(feedback_opt_out=True)
    EnquiryEvent.objects.create(
        enquiry=request.enquiry,
        kind=EnquiryEvent.Kind.FEEDBACK_RECEIVED,
        data={"score": score, "next_step": next_step},
    )
    logger.info("feedback received enquiry=%s", request.enquiry.reference)
    return request
