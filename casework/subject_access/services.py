"""Subject access requests: record one (due a calendar month after it came), produce the
export as JSON and as a tagged PDF, and record its release."""

import calendar
import json
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from casework import policies
from casework.desk.pdf import render_pdf
from casework.models import SubjectAccessRequest
from casework.subject_access.selectors import subject_data


def one_month_after(day: date) -> date:
    """The same day next month, or its last day (31 January -> 28 or 29 February), as
    the ICO counts a month for a subject access request."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _require_manager(actor: User) -> None:
    policies.require_manager(actor, "Only managers handle subject access requests.")


def sar_record(*, email: str, received_on: date, actor: User) -> SubjectAccessRequest:
    _require_manager(actor)
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "The request cannot have come in the future."})
    return SubjectAccessRequest.objects.create(
        email=email.strip(),
        received_on=received_on,
        due_on=one_month_after(received_on),
        recorded_by=actor,
    )


@transaction.atomic
def sar_release(*, request: SubjectAccessRequest, actor: User) -> SubjectAccessRequest:
    """The manager has checked the export and sent it to the person."""
    _require_manager(actor)
    locked = SubjectAccessRequest.objects.select_for_update().get(pk=request.pk)
    if locked.released_at is None:
        locked.released_at = timezone.now()
        locked.released_by = actor
        locked.save(update_fields=["released_at", "released_by"])
    return locked


def sar_json(request: SubjectAccessRequest) -> bytes:
    data = {
        "request": {"received_on": request.received_on.isoformat()},
        **subject_data(email=request.email),
    }
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def sar_pdf(request: SubjectAccessRequest) -> bytes:
    """The same contents as a tagged PDF, for reading (and for screen readers)."""
    html = render_to_string(
        "casework/subject_access_pdf.html",
        {"data": subject_data(email=request.email), "request": request},
    )
    return render_pdf(html)
