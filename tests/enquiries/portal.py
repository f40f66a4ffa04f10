"""Helpers shared by the portal tests (test_portal*.py)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enquiries.models import Enquiry
from enquiries.services import tracking_link_create

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def track_url(enquiry: Enquiry, *, emailed: bool = True) -> tuple[str, str]:
    """A fresh tracking link for ``enquiry``: (token, path). ``emailed``: as sent in an
    email to the contact (opens the address's enquiries); else as shown at intake."""
    token = tracking_link_create(enquiry=enquiry, covers_address=emailed)
    return token, reverse("enquiries:track", args=[token])


def reply_url(token: str, enquiry: Enquiry) -> str:
    return reverse("enquiries:track_reply", args=[token, enquiry.reference])


def pdf(name: str = "minutes.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")
