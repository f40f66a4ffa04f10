"""Outcome codes (DOMAIN.md, "Outcomes"): what the desk did for a group, and what the group
achieved. Pure: no database. The details each code needs are checked here, by the services,
and again by check constraints on ``casework.models.Outcome``."""

from django.db import models


class OutcomeCode(models.TextChoices):
    # Service outcomes: what the desk did.
    ADVICE_FIRST_CONTACT = "advice_first_contact", "Advice given at first contact"
    GUIDANCE_SENT = "guidance_sent", "Guidance sent"
    GUIDANCE_LETTER_SENT = "guidance_letter_sent", "Guidance letter sent"
    SIGNPOSTED = "signposted", "Signposted to self-help"
    REFERRED = "referred", "Referred to a specialist or partner"
    SUPPORTED_APPLICATION = "supported_application", "Supported to apply for a grant or support"
    ESCALATED = "escalated", "Escalated to casework"
    CLOSED_NO_RESPONSE = "closed_no_response", "Closed: no response after chasing"
    CLOSED_OUT_OF_SCOPE = "closed_out_of_scope", "Closed: out of scope"
    CLOSED_WITHDRAWN = "closed_withdrawn", "Closed: withdrawn"
    CLOSED_DUPLICATE = "closed_duplicate", "Closed: duplicate"
    # Results: what the group achieved.
    NOMINATION_MADE = "nomination_made", "Result: nomination made"
    ASSET_LISTED = "asset_listed", "Result: asset listed"
    REQUEST_TO_BID = "request_to_bid", "Result: request to bid made"
    ASSET_TRANSFERRED = (
        "asset_transferred",
        "Result: asset bought or transferred into community ownership",
    )
    EOI_SUBMITTED = "eoi_submitted", "Result: expression of interest submitted"
    PLAN_STAGE_REACHED = "plan_stage_reached", "Result: plan stage reached"
    PLAN_MADE = "plan_made", "Result: plan made"
    RIGHT_NOT_USED = "right_not_used", "Result: right not used"


class PlanStage(models.TextChoices):
    """Neighbourhood plan stages (Neighbourhood Planning (General) Regulations 2012)."""

    AREA_DESIGNATED = "area_designated", "Neighbourhood area designated"
    PRE_SUBMISSION = "pre_submission", "Pre-submission consultation (regulation 14)"
    SUBMITTED = "submitted", "Submitted to the council (regulation 15)"
    EXAMINATION = "examination", "Independent examination"
    REFERENDUM = "referendum", "Referendum"


RESULT_CODES = frozenset(c for c in OutcomeCode if c.label.startswith("Result:"))

# ``Outcome``'s limits, declared here (this pure module cannot import the model, which
# imports it) and read by the model's fields, the forms and the serializers.
DETAIL_MAX_LENGTH = 2000
REFERRED_TO_MAX_LENGTH = 200


def outcome_errors(
    *, code: str, detail: str, referred_to: str, consent_to_refer: bool, plan_stage: str
) -> dict[str, str]:
    """What is missing or wrong for ``code``, by field; empty when it can be recorded."""
    if code not in OutcomeCode.values:
        return {"code": "Choose an outcome from the list."}
    errors = {}
    if code == OutcomeCode.REFERRED:
        if not referred_to:
            errors["referred_to"] = "Say who the group was referred to."
        if not consent_to_refer:
            errors["consent_to_refer"] = (
                "A referral needs the group's consent: record it, or choose another outcome."
            )
    if code == OutcomeCode.PLAN_STAGE_REACHED and plan_stage not in PlanStage.values:
        errors["plan_stage"] = "Choose the plan stage the group reached."
    if code == OutcomeCode.RIGHT_NOT_USED and not detail:
        errors["detail"] = "Give the reason the group did not use the right."
    if len(detail) > DETAIL_MAX_LENGTH:
        errors["detail"] = f"Keep the detail to {DETAIL_MAX_LENGTH:,} characters."
    if len(referred_to) > REFERRED_TO_MAX_LENGTH:
        errors["referred_to"] = f"Keep the name to {REFERRED_TO_MAX_LENGTH} characters."
    return errors
