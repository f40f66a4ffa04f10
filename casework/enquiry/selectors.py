"""Organisations and contacts a user may see: only those linked to enquiries they may see."""

from django.db.models import (
    QuerySet,
)

from casework import policies
from casework.desk.selectors import enquiry_visible_queryset
from enquiries.models import Contact, Enquiry, Organisation
from enquiries.selectors import contact_list, organisation_list
from knowledgebase.eligibility import EligibilityWarning, eligibility_warnings
from knowledgebase.jurisdiction import OutsideEngland, outside_england


def organisation_list_for_user(*, user: policies.User) -> QuerySet[Organisation]:
    """Organisations linked to an enquiry ``user`` may see; any other is a 404."""
    visible = enquiry_visible_queryset(user=user).filter(organisation__isnull=False)
    return organisation_list().filter(pk__in=visible.values("organisation_id"))


def contact_list_for_user(*, user: policies.User) -> QuerySet[Contact]:
    """Contacts linked to an enquiry ``user`` may see; any other is a 404."""
    return contact_list().filter(pk__in=enquiry_visible_queryset(user=user).values("contact_id"))


def enquiry_eligibility_warnings(
    enquiry: Enquiry, *, template: str | None = None
) -> list[EligibilityWarning]:
    """Right to Bid eligibility warnings for the enquiry's group type, about what its topic
    (or the letter ``template`` being written) concerns (``knowledgebase.eligibility``).
    Reads the enquiry's organisation and topic: join them when loading it."""
    organisation = enquiry.organisation
    return eligibility_warnings(
        enquirer_type=organisation.org_type if organisation else None,
        topic=enquiry.topic.slug if enquiry.topic else None,
        template=template,
    )


def enquiry_outside_england(enquiry: Enquiry) -> OutsideEngland | None:
    """The flag when the enquiry's area is in Wales, Scotland or Northern Ireland, where the
    desk's rights do not apply (``knowledgebase.jurisdiction``). Reads the area and its
    region: join ``local_authority__region`` when loading the enquiry."""
    area = enquiry.local_authority
    if area is None:
        return None
    return outside_england(
        nation=area.region.nation, nation_name=area.region.get_nation_display(), area=area.name
    )


def merged_survivor(model: type[Contact] | type[Organisation], pk: object) -> int | None:
    """The record a merged-away contact or organisation now lives in, or None. (A merge
    points every earlier merged record at the new survivor, so it is one step.)"""
    if not str(pk).isdigit():
        return None
    return (
        model.objects.filter(pk=int(str(pk)), merged_into__isnull=False)
        .values_list("merged_into_id", flat=True)
        .first()
    )
