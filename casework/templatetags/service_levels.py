"""``{% sla_state enquiry as sla %}``: an enquiry's service-level state for the desk's pages,
worked out from the row's own fields (``enquiries.service_levels.sla_state``): no query."""

from django import template
from django.utils import timezone

from enquiries.service_levels import SlaState, sla_state

register = template.Library()


@register.simple_tag
def enquiry_sla_state(enquiry) -> SlaState:
    return sla_state(enquiry, timezone.localdate())
