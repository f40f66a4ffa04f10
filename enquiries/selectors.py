"""Reads for the enquiries app."""

from django.db.models import QuerySet
from django.utils import timezone

from enquiries import policies
from enquiries.models import Contact, Enquiry, Organisation, TrackingLink, hash_token
from knowledgebase.models import Topic


def enquiry_get_by_token(*, token: str) -> Enquiry | None:
    """The enquiry a tracking link opens, or None for an unknown, expired or revoked link.

    The token is hashed before lookup, so the comparison never touches the secret itself.
    """
    if not token or len(token) > 100:
        return None
    link = (
        TrackingLink.objects.select_related("enquiry__topic", "enquiry__assigned_to")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if not policies.tracking_link_grants_access(link, timezone.now()):
        return None
    return link.enquiry


def organisation_list() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("local_authority").order_by("name", "pk")


def contact_list() -> QuerySet[Contact]:
    return Contact.objects.select_related("organisation").order_by("name", "pk")


def enquiry_base_queryset() -> QuerySet[Enquiry]:
    """Enquiries with what every list shows, joined on purpose (one query per page).

    Only what lists display: each extra join costs planning time on every page.
    """
    return Enquiry.objects.select_related("topic", "local_authority", "organisation", "assigned_to")


def enquiry_secondary_topics(*, enquiry: Enquiry) -> list[Topic]:
    """The enquiry's secondary topics with their parents (for their labels), oldest first:
    from the prefetch when the enquiry was read with it, else one query."""
    if "secondary_topics" in getattr(enquiry, "_prefetched_objects_cache", {}):
        return sorted(enquiry.secondary_topics.all(), key=lambda topic: topic.pk)
    return list(enquiry.secondary_topics.select_related("parent").order_by("pk"))
