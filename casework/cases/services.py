"""Writes for outcomes and cases.

Every change takes ``actor``, checks it through ``policies`` and records who did it in the
same transaction: an Outcome carries its ``recorded_by``; a case has its own audit trail
(``CaseEvent``). The caller has fetched the enquiry or case through a selector, so one the
actor may not see is a 404 before it gets here. Input the desk cannot use raises
``ValidationError`` with the field and the reason, and nothing is saved.
"""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from casework import policies
from casework.enquiry import services as enquiry_services
from casework.models import Adviser, Case, CaseEnquiry, CaseEvent, Outcome
from casework.outcomes import OutcomeCode, outcome_errors
from casework.queue import services as queue_services
from config.limits import max_length
from enquiries.models import Enquiry, Status
from enquiries.services import TextRule, changes_clean, changes_save, stale_edit_for

TITLE_MAX_LENGTH = max_length(Case, "title")
PLAN_NAME_MAX_LENGTH = max_length(Case, "plan_name")


@transaction.atomic
def outcome_record(
    *,
    enquiry: Enquiry,
    code: str,
    actor: User,
    detail: str = "",
    referred_to: str = "",
    consent_to_refer: bool = False,
    plan_stage: str = "",
    is_closing: bool = False,
) -> Outcome:
    """Record what the desk did, or what the group achieved (DOMAIN.md, "Outcomes").

    A referral names whom and needs the group's consent; "plan stage reached" names the
    stage; "right not used" gives the reason. At most one outcome closes an enquiry, and
    only those who may close it record that one. Recorded while the enquiry is in a case,
    the outcome counts for the case too.
    """
    enquiry = queue_services._lock(enquiry)  # serialises two closing outcomes
    if not policies.can_record_outcome(actor, enquiry):
        raise PermissionDenied("Only desk staff can record outcomes.")
    if is_closing and not policies.can_close_with_outcome(actor, enquiry):
        raise PermissionDenied(
            "Only the adviser holding this enquiry or a manager can record its closing outcome."
        )
    detail, referred_to = (detail or "").strip(), (referred_to or "").strip()
    errors = outcome_errors(
        code=code,
        detail=detail,
        referred_to=referred_to,
        consent_to_refer=consent_to_refer,
        plan_stage=plan_stage or "",
    )
    if is_closing and Outcome.objects.filter(enquiry=enquiry, is_closing=True).exists():
        errors["is_closing"] = "This enquiry already has a closing outcome."
    if errors:
        raise ValidationError(errors)
    link = CaseEnquiry.objects.filter(enquiry=enquiry).select_related("case").first()
    is_referral = code == OutcomeCode.REFERRED
    outcome = Outcome.objects.create(
        enquiry=enquiry,
        case=link.case if link else None,
        code=code,
        detail=detail,
        referred_to=referred_to if is_referral else "",
        consent_to_refer=consent_to_refer if is_referral else False,
        plan_stage=plan_stage if code == OutcomeCode.PLAN_STAGE_REACHED else "",
        is_closing=is_closing,
        recorded_by=actor,
    )
    if link:
        _case_event(
            link.case,
            CaseEvent.Kind.OUTCOME_RECORDED,
            actor,
            {"enquiry": enquiry.reference, "outcome": outcome.describe()},
        )
    return outcome


@transaction.atomic
def enquiry_close_with_outcome(*, enquiry: Enquiry, actor: User, **outcome: Any) -> Outcome:
    """Record the closing outcome and close the enquiry, both or neither."""
    recorded = outcome_record(enquiry=enquiry, actor=actor, is_closing=True, **outcome)
    enquiry_services.enquiry_set_status(enquiry=enquiry, status=Status.CLOSED, actor=actor)
    return recorded


def _case_event(case: Case, kind: str, actor: User, data: dict[str, Any]) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, data=data)


def _already_in_case(enquiry: Enquiry) -> dict[str, str] | None:
    link = CaseEnquiry.objects.filter(enquiry=enquiry).first()
    if link is None:
        return None
    return {"enquiry": f"{enquiry.reference} is already in case CASE-{link.case_id:04d}."}


@transaction.atomic
def case_open_from_enquiry(
    *, enquiry: Enquiry, actor: User, title: str, plan_name: str = ""
) -> Case:
    """Open a case from an enquiry, led by the adviser opening it. An enquiry belongs to at
    most one case (the enquiry row lock makes a second, simultaneous opening wait and fail)."""
    enquiry = queue_services._lock(enquiry)
    if not policies.can_open_case(actor, enquiry):
        raise PermissionDenied("Only an adviser can open a case: they lead it.")
    title = (title or "").strip()
    errors = _already_in_case(enquiry) or {}
    if not title:
        errors["title"] = "Give the case a title, for example the building or the plan."
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"Keep the title to {TITLE_MAX_LENGTH} characters."
    if len((plan_name or "").strip()) > PLAN_NAME_MAX_LENGTH:
        errors["plan_name"] = f"Keep the plan name to {PLAN_NAME_MAX_LENGTH} characters."
    if errors:
        raise ValidationError(errors)
    case = Case(
        title=title,
        lead_adviser=actor.adviser,
        opened_by=actor,
        asset_name=enquiry.asset_name,
        asset_address=enquiry.asset_address,
        plan_name=(plan_name or "").strip(),
    )
    case._history_user = actor
    case.save()
    CaseEnquiry.objects.create(case=case, enquiry=enquiry, added_by=actor)
    _case_event(case, CaseEvent.Kind.OPENED, actor, {"enquiry": enquiry.reference})
    return case


@transaction.atomic
def case_add_enquiry(*, case: Case, enquiry: Enquiry, actor: User) -> CaseEnquiry:
    """Add another enquiry to an open case; not one that is already in a case."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    enquiry = queue_services._lock(enquiry)
    if not policies.can_add_enquiry_to_case(actor, case):
        raise PermissionDenied("Only desk staff can add enquiries to a case.")
    if not case.is_open:
        raise ValidationError({"enquiry": "The case is closed: reopen it first."})
    errors = _already_in_case(enquiry)
    if errors:
        raise ValidationError(errors)
    link = CaseEnquiry.objects.create(case=case, enquiry=enquiry, added_by=actor)
    _case_event(case, CaseEvent.Kind.ENQUIRY_ADDED, actor, {"enquiry": enquiry.reference})
    return link


@transaction.atomic
def case_set_status(*, case: Case, status: str, actor: User) -> Case:
    """Change a case's status: its lead adviser or a manager. Closing needs an outcome
    recorded on the case, so that every closed case says what came of it."""
    case = Case.objects.select_for_update().select_related("lead_adviser").get(pk=case.pk)
    if not policies.can_change_case_status(actor, case):
        raise PermissionDenied("Only the case's lead adviser or a manager can change its status.")
    if status not in Case.Status.values:
        raise ValidationError({"status": "Choose a status from the list."})
    if status == case.status:
        raise ValidationError({"status": f"The case is already {case.get_status_display()}."})
    if status == Case.Status.CLOSED and not Outcome.objects.filter(case=case).exists():
        raise ValidationError(
            {"status": "Record an outcome on the case before closing it: say what came of it."}
        )
    previous = case.status
    case.status = status
    case.closed_at = timezone.now() if status == Case.Status.CLOSED else None
    case.version += 1  # an edit form opened before the change is now out of date
    case._history_user = actor
    case.save(update_fields=["status", "closed_at", "version"])
    _case_event(case, CaseEvent.Kind.STATUS_CHANGED, actor, {"from": previous, "to": status})
    return case


CASE_TEXT = {
    "title": TextRule(
        TITLE_MAX_LENGTH,
        required="Give the case a title, for example the building or the plan.",
    ),
    "asset_name": TextRule(max_length(Case, "asset_name")),
    "asset_address": TextRule(Case.ASSET_ADDRESS_MAX_LENGTH),
    "plan_name": TextRule(PLAN_NAME_MAX_LENGTH),
}
CASE_CHECKS = {
    "lead_adviser": lambda value: (
        None
        if isinstance(value, Adviser) and value.is_active
        else "Choose an active adviser to lead the case."
    ),
}


@transaction.atomic
def case_edit(*, case: Case, expected_version: int, changes: dict[str, Any], actor: User) -> Case:
    """Save a case's changed details if it is still at ``expected_version``.

    Its lead adviser or a manager. ``StaleEdit`` (nothing saved) if anyone changed the case
    since the editor loaded it (an edit or a status change); ``ValidationError`` for a
    value that cannot be used. Only changed fields are written; the version goes up by
    one; the history records ``actor`` and a CaseEvent names the fields.
    """
    locked = Case.objects.select_for_update().select_related("lead_adviser").get(pk=case.pk)
    if not policies.can_edit_case(actor, locked):
        raise PermissionDenied("Only the case's lead adviser or a manager can edit it.")
    if locked.version != expected_version:
        raise stale_edit_for(locked, noun="case")
    cleaned = changes_clean(changes, text=CASE_TEXT, checks=CASE_CHECKS)
    changed = changes_save(locked, cleaned, actor=actor)
    if not changed:
        return locked
    _case_event(
        locked,
        CaseEvent.Kind.DETAILS_EDITED,
        actor,
        {"fields": changed, "version": locked.version},
    )
    return locked
