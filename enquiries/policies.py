"""Who may see an enquiry from the public side.

A group has no account: it sees an enquiry only through a tracking link that
is neither expired nor revoked. What staff may see is decided in
``casework.policies``, which knows about advisers, teams and managers.
"""

from datetime import datetime
from typing import TypeGuard

from enquiries.models import TrackingLink


def tracking_link_grants_access(
    link: TrackingLink | None, now: datetime
) -> TypeGuard[TrackingLink]:
    return link is not None and link.revoked_at is None and link.expires_at > now
