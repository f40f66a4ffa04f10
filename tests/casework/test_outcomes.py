"""Outcomes, and closing an enquiry only with one (DOMAIN.md, "Outcomes").

For the service, the "Close with outcome" form and the API: success, anonymous, someone
else's record (404), wrong role (403) and invalid input (400, nothing saved); and the
database's own constraints behind the service's checks.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from casework.cases import services as outcomes
from casework.enquiry import services as enquiry_services
from casework.models import Outcome
from casework.outcomes import OutcomeCode, PlanStage
from enquiries.models import Enquiry, EnquiryEvent, Status
from enquiries.services import TransitionError
from tests.casework.test_desk_views import messages_of, unlabelled_controls

pytestmark = pytest.mark.django_db


def page(enquiry, name: str = "enquiry") -> str:
    return reverse(f"casework:{name}", args=[enquiry.reference])


def api(enquiry) -> str:
    return f"/api/v1/enquiries/{enquiry.reference}/outcomes/"


def status_of(enquiry) -> str:
    return Enquiry.objects.get(pk=enquiry.pk).status


REFERRAL = {
    "code": OutcomeCode.REFERRED,
    "referred_to": "Plunkett UK",
    "consent_to_refer": True,
}

INVALID = {
    "unknown code": ({"code": "lottery_win"}, "code"),
    "referral without consent": ({**REFERRAL, "consent_to_refer": False}, "consent_to_refer"),
    "referral without whom": ({**REFERRAL, "referred_to": "  "}, "referred_to"),
    "plan stage without the stage": ({"code": OutcomeCode.PLAN_STAGE_REACHED}, "plan_stage"),
    "plan stage unknown": (
        {"code": OutcomeCode.PLAN_STAGE_REACHED, "plan_stage": "made-up"},
        "plan_stage",
    ),
    "right not used without a reason": ({"code": OutcomeCode.RIGHT_NOT_USED}, "detail"),
}


# --- the service and the database ----------------------------------------------------------


def test_a_referral_records_whom_and_consent(mine, adviser):
    outcome = outcomes.outcome_record(enquiry=mine, actor=adviser.user, **REFERRAL)
    assert outcome.referred_to == "Plunkett UK" and outcome.consent_to_refer
    assert outcome.recorded_by == adviser.user and not outcome.is_closing
    assert outcome.describe() == (
        "Referred to a specialist or partner (Plunkett UK, with the group's consent)"
    )


def test_several_outcomes_per_enquiry_and_irrelevant_details_are_dropped(mine, adviser):
    outcomes.outcome_record(enquiry=mine, actor=adviser.user, code=OutcomeCode.NOMINATION_MADE)
    stage = outcomes.outcome_record(
        enquiry=mine,
        actor=adviser.user,
        code=OutcomeCode.PLAN_STAGE_REACHED,
        plan_stage=PlanStage.EXAMINATION,
        referred_to="Nobody",
    )
    assert stage.plan_stage == PlanStage.EXAMINATION and stage.referred_to == ""
    assert Outcome.objects.filter(enquiry=mine).count() == 2


@pytest.mark.parametrize("data, field", INVALID.values(), ids=INVALID.keys())
def test_an_outcome_missing_what_its_code_needs_is_refused(mine, adviser, data, field):
    with pytest.raises(ValidationError) as refused:
        outcomes.outcome_record(enquiry=mine, actor=adviser.user, **data)
    assert field in refused.value.message_dict
    assert not Outcome.objects.exists()


def test_someone_without_a_desk_role_cannot_record_outcomes(mine, outsider):
    with pytest.raises(PermissionDenied):
        outcomes.outcome_record(enquiry=mine, actor=outsider, code=OutcomeCode.SIGNPOSTED)


@pytest.mark.parametrize(
    "fields",
    [
        {"code": "lottery_win"},
        {"code": OutcomeCode.REFERRED, "referred_to": "Plunkett UK"},
        {"code": OutcomeCode.REFERRED, "consent_to_refer": True},
        {"code": OutcomeCode.PLAN_STAGE_REACHED},
        {"code": OutcomeCode.RIGHT_NOT_USED},
    ],
)
def test_the_database_refuses_an_outcome_without_its_details(mine, adviser, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.create(enquiry=mine, recorded_by=adviser.user, **fields)


def test_the_database_allows_one_closing_outcome_per_enquiry(mine, adviser):
    Outcome.objects.create(
        enquiry=mine, recorded_by=adviser.user, code="signposted", is_closing=True
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.create(
            enquiry=mine, recorded_by=adviser.user, code="guidance_sent", is_closing=True
        )


def test_a_second_closing_outcome_is_refused_with_the_reason(mine, adviser):
    outcomes.outcome_record(enquiry=mine, actor=adviser.user, code="signposted", is_closing=True)
    with pytest.raises(ValidationError) as refused:
        outcomes.outcome_record(
            enquiry=mine, actor=adviser.user, code="guidance_sent", is_closing=True
        )
    assert "already has a closing outcome" in str(refused.value)
    assert Outcome.objects.count() == 1


def test_only_the_holder_or_a_manager_records_the_closing_outcome(mine, teammate, manager):
    with pytest.raises(PermissionDenied):
        outcomes.outcome_record(
            enquiry=mine, actor=teammate.user, code="signposted", is_closing=True
        )
    outcomes.outcome_record(enquiry=mine, actor=manager.user, code="signposted", is_closing=True)


# --- closing needs an outcome ----------------------------------------------------------------


def test_closing_without_a_closing_outcome_is_refused(mine, adviser):
    outcomes.outcome_record(enquiry=mine, actor=adviser.user, code="guidance_sent")  # not closing
    with pytest.raises(ValidationError) as refused:
        enquiry_services.enquiry_set_status(enquiry=mine, status=Status.CLOSED, actor=adviser.user)
    assert "Record a closing outcome" in refused.value.message_dict["status"][0]
    assert status_of(mine) == Status.IN_PROGRESS
    assert not mine.events.filter(kind=EnquiryEvent.Kind.STATUS_CHANGED).exists()


def test_closing_with_a_closing_outcome_closes(mine, adviser):
    outcomes.outcome_record(enquiry=mine, actor=adviser.user, code="signposted", is_closing=True)
    closed = enquiry_services.enquiry_set_status(
        enquiry=mine, status=Status.CLOSED, actor=adviser.user
    )
    assert closed.status == Status.CLOSED and closed.closed_at is not None


def test_close_with_outcome_records_the_outcome_and_closes(mine, adviser):
    closed = outcomes.enquiry_close_with_outcome(enquiry=mine, actor=adviser.user, **REFERRAL)
    assert closed.is_closing and status_of(mine) == Status.CLOSED


def test_close_with_outcome_on_a_closed_enquiry_saves_nothing(mine, adviser):
    outcomes.enquiry_close_with_outcome(enquiry=mine, actor=adviser.user, code="signposted")
    Outcome.objects.all().delete()
    with pytest.raises(TransitionError):
        outcomes.enquiry_close_with_outcome(enquiry=mine, actor=adviser.user, code="signposted")
    assert not Outcome.objects.exists()


# --- the desk: the status form and "Close with outcome" -----------------------------------


def test_the_status_form_refuses_closed_without_an_outcome(client, adviser, mine):
    client.force_login(adviser.user)
    response = client.post(page(mine, "enquiry_status"), {"status": "closed"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "Record a closing outcome" in body
    assert status_of(mine) == Status.IN_PROGRESS


def test_the_enquiry_page_offers_close_with_outcome_with_labelled_fields(client, adviser, mine):
    client.force_login(adviser.user)
    response = client.get(page(mine))
    body = response.content.decode()
    assert "Close with outcome" in body and "No outcomes recorded yet." in body
    assert response.context["close_form"] is not None
    assert unlabelled_controls(body) == []


def test_close_with_outcome_from_the_desk(client, adviser, mine):
    client.force_login(adviser.user)
    data = {
        "close-code": "referred",
        "close-referred_to": "Plunkett UK",
        "close-consent_to_refer": "on",
        "close-detail": "They will help with the share offer.",
    }
    response = client.post(page(mine, "enquiry_close"), data)
    assert response.status_code == 302
    assert status_of(mine) == Status.CLOSED
    outcome = Outcome.objects.get(enquiry=mine)
    assert outcome.is_closing and outcome.referred_to == "Plunkett UK"
    shown = client.get(page(mine))
    assert "closed, with its outcome recorded" in " ".join(messages_of(shown))
    body = shown.content.decode()
    assert "Plunkett UK, with the group&#x27;s consent" in body
    assert shown.context["close_form"] is None  # closed: nothing more to close


@pytest.mark.parametrize(
    "data, field",
    [
        ({"close-code": "lottery_win"}, "code"),
        ({"close-code": ""}, "code"),
        ({"close-code": "referred", "close-referred_to": "Plunkett UK"}, "consent_to_refer"),
        ({"close-code": "right_not_used"}, "detail"),
    ],
)
def test_close_with_an_unusable_outcome_is_a_400_and_nothing_changes(
    client, adviser, mine, data, field
):
    client.force_login(adviser.user)
    response = client.post(page(mine, "enquiry_close"), data)
    assert response.status_code == 400
    assert response.context["close_form"].errors[field]
    assert "The enquiry was not closed" in response.content.decode()
    assert status_of(mine) == Status.IN_PROGRESS
    assert not Outcome.objects.exists()


def test_close_that_lost_a_race_is_a_conflict_and_saves_no_outcome(
    client, adviser, mine, monkeypatch
):
    def moved_on(**kwargs):
        raise TransitionError("An enquiry that is closed cannot become closed.")

    monkeypatch.setattr(enquiry_services, "enquiry_set_status", moved_on)
    client.force_login(adviser.user)
    response = client.post(page(mine, "enquiry_close"), {"close-code": "signposted"})
    assert response.status_code == 409
    assert not Outcome.objects.exists()


def test_close_needs_sign_in_a_desk_role_the_enquiry_and_the_right_to_close(
    client, outsider, teammate, other_adviser, mine
):
    url, data = page(mine, "enquiry_close"), {"close-code": "signposted"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.post(url, data).status_code == 403
    client.force_login(other_adviser.user)
    assert client.post(url, data).status_code == 404
    client.force_login(teammate.user)
    assert client.post(url, data).status_code == 403  # sees it, does not hold it
    assert status_of(mine) == Status.IN_PROGRESS and not Outcome.objects.exists()


# --- the API ---------------------------------------------------------------------------------


def test_outcomes_are_recorded_and_listed_through_the_api(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(api(mine), REFERRAL, format="json")
    assert response.status_code == 201
    assert response.json()["referred_to"] == "Plunkett UK"
    assert response.json()["enquiry"] == mine.reference
    listed = api_client.get(api(mine)).json()
    assert listed["count"] == 1 and listed["results"][0]["code"] == "referred"


def test_closing_through_the_api_needs_the_closing_outcome_first(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    status_url = f"/api/v1/enquiries/{mine.reference}/status/"
    refused = api_client.post(status_url, {"status": "closed"}, format="json")
    assert refused.status_code == 400
    assert "Record a closing outcome" in refused.json()["status"][0]
    closing = {"code": "signposted", "is_closing": True}
    assert api_client.post(api(mine), closing, format="json").status_code == 201
    assert api_client.post(status_url, {"status": "closed"}, format="json").status_code == 200
    assert status_of(mine) == Status.CLOSED


@pytest.mark.parametrize("data, field", INVALID.values(), ids=INVALID.keys())
def test_an_unusable_outcome_is_a_400_with_the_field(api_client, adviser, mine, data, field):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(api(mine), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Outcome.objects.exists()


def test_outcome_api_visibility_and_roles(api_client, outsider, teammate, mine, theirs, adviser):
    assert api_client.get(api(mine)).status_code in (401, 403)
    assert api_client.post(api(mine), REFERRAL, format="json").status_code in (401, 403)
    api_client.force_authenticate(outsider)
    assert api_client.post(api(mine), REFERRAL, format="json").status_code == 403
    api_client.force_authenticate(adviser.user)
    assert api_client.get(api(theirs)).status_code == 404
    assert api_client.post(api(theirs), REFERRAL, format="json").status_code == 404
    api_client.force_authenticate(teammate.user)
    closing = {"code": "signposted", "is_closing": True}
    response = api_client.post(api(mine), closing, format="json")
    assert response.status_code == 403 and "closing outcome" in response.json()["detail"]
    assert not Outcome.objects.exists()
