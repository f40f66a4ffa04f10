"""Reading feedback surveys for the group's pages."""

from enquiries.models import FeedbackRequest
from enquiries.models.records import Enquiry


def feedback_for(*, enquiry: Enquiry) -> FeedbackRequest | None:
    """The enquiry's survey once it has been sent (answered or not), else None."""
    return FeedbackRequest.objects.filter(enquiry=enquiry, sent_at__isnull=False).first()
