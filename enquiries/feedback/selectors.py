"""Reading feedback surveys for the group's pages."""

from django.db.models import QuerySet

from enquiries.models import FeedbackRequest
from enquiries.models.records import Enquiry


def feedback_for(*, enquiry: Enquiry) -> FeedbackRequest | None:
    """The enquiry's survey once it has been sent (answered or not), else None."""
    return next(iter(feedback_rows(enquiry=enquiry)), None)


def feedback_rows(*, enquiry: Enquiry) -> QuerySet[FeedbackRequest]:
    """``feedback_for`` as a queryset of at most one row, to read with a page's others."""
    return FeedbackRequest.objects.filter(enquiry=enquiry, sent_at__isnull=False).order_by("pk")[:1]
