"""Deadlines extended by agreement: who agreed, when, the new end, evidence; a history in
which the latest agreement wins. Shown on the enquiry page and in the API, used by
reminders, the queue and reports (the stored row), and by a copy shown to the group.

The council's review of a listing (acv-review-decision) runs 8 weeks beginning with the
day it receives the request, "or such longer period as the owner and the council agree"
(DOMAIN.md; Assets of Community Value (England) Regulations 2012, reg 10 and Sch 2).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from casework.cases.services import case_open_from_enquiry
from casework.clocks import selectors as clocks_selectors
from casework.clocks import services as clocks_services
from casework.models import Deadline, DeadlineExtension
from casework.publishing.services import deadline_publish
from casework.workspace.selectors import EVENT_FILTERS, Kind, event_describe
from enquiries.models import EnquiryEvent, Notification, PublicDate
from tests.casework.test_concurrency import race, run_together
from tests.factories import AdviserFactory

pytestmark = pytest.mark.django_db

REVIEW = "review-request-received"
LONDON = ZoneInfo("Europe/London")
# 8 weeks beginning with Thu 1 Jan 2026 (day 1) ends Wed 25 Feb 2026.
START, ORIGINAL = date(2026, 1, 1), date(2026, 2, 25)


@pytest.fixture
def in_feb(time_machine):
    time_machine.move_to(datetime(2026, 2, 10, 10, tzinfo=LONDON), tick=False)


@pytest.fixture
def review(in_feb, mine, adviser) -> Deadline:
    key_date = clocks_services.key_date_record(
        enquiry=mine, trigger=REVIEW, date=START, actor=adviser.user
    )
    deadline = Deadline.objects.get(key_date=key_date, rule__slug="acv-review-decision")
    assert deadline.ends_on == ORIGINAL
    return deadline


def _extend(deadline, adviser, to, *, on=date(2026, 2, 9), by="the owner and the council"):
    return clocks_services.deadline_extend(
        deadline=deadline, agreed_by=by, agreed_on=on, extended_to=to, actor=adviser.user
    )


def _view(enquiry):
    [kd] = clocks_selectors.key_date_list(enquiry=enquiry)
    return next(d for d in kd.deadlines if d.rule.slug == "acv-review-decision")


def test_two_extensions_keep_their_history_and_the_latest_wins(review, mine, adviser):
    first = _extend(review, adviser, date(2026, 3, 31))
    second = _extend(review, adviser, date(2026, 4, 30), on=date(2026, 2, 10), by="the owner")
    review.refresh_from_db()
    assert (review.extended_to, review.ends_on) == (date(2026, 4, 30), date(2026, 4, 30))
    first.refresh_from_db()
    assert (first.extended_to, first.previous_end) == (date(2026, 3, 31), ORIGINAL)
    assert (second.previous_end, second.agreed_by) == (date(2026, 3, 31), "the owner")
    view = _view(mine)
    assert view.end == ORIGINAL  # the computed end is kept and shown as the original
    assert (view.extended_to, view.due) == (date(2026, 4, 30), date(2026, 4, 30))
    assert [x.pk for x in view.extensions] == [first.pk, second.pk]
    events = EnquiryEvent.objects.filter(enquiry=mine, data__has_key="extension")
    assert set(events.values_list("kind", flat=True)) == {EnquiryEvent.Kind.DEADLINE_EXTENDED}
    assert events.count() == 2


def test_an_extension_is_its_own_kind_in_the_history_under_key_dates(review, mine, adviser):
    _extend(review, adviser, date(2026, 3, 31))
    event = EnquiryEvent.objects.get(enquiry=mine, kind=EnquiryEvent.Kind.DEADLINE_EXTENDED)
    assert event_describe(event) == (
        "Deadline extended by agreement: Council completes review to 2026-03-31 "
        "(was 2026-02-25; agreed by the owner and the council on 2026-02-09)"
    )
    assert Kind.DEADLINE_EXTENDED in EVENT_FILTERS["key_dates"]
    # The key date's own event stays the one recorded when it was entered.
    assert mine.events.filter(kind=EnquiryEvent.Kind.KEY_DATE_RECORDED).count() == 1


@pytest.mark.parametrize("to", [ORIGINAL, date(2026, 2, 1)])
def test_a_new_end_not_after_the_due_date_is_refused(review, adviser, to):
    with pytest.raises(ValidationError) as error:
        _extend(review, adviser, to)
    assert "must be after the current due date, 25 February 2026" in str(error.value)
    assert not DeadlineExtension.objects.exists()


def test_a_second_extension_must_pass_the_first(review, adviser):
    _extend(review, adviser, date(2026, 3, 31))
    with pytest.raises(ValidationError, match="31 March 2026"):
        _extend(review, adviser, date(2026, 3, 20))


def test_an_agreement_dated_in_the_future_is_refused(review, adviser):
    with pytest.raises(ValidationError, match="future"):
        _extend(review, adviser, date(2026, 3, 31), on=date(2026, 2, 11))


def test_only_the_holder_or_a_manager_extends(review, teams):
    other = AdviserFactory(teams=[teams["triage"]])
    with pytest.raises(PermissionDenied):
        _extend(review, other, date(2026, 3, 31))


def test_the_page_records_an_extension_and_shows_it(review, client, mine, adviser):
    client.force_login(adviser.user)
    response = client.post(
        reverse("casework:deadline_extend", args=[mine.reference]),
        {
            "extend-deadline": str(review.pk),
            "extend-agreed_by": "the owner and the council",
            "extend-agreed_on": "2026-02-09",
            "extend-extended_to": "2026-03-31",
            "extend-evidence": "Council email of 9 February",
        },
    )
    assert response.status_code == 302
    body = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    for text in (
        "Tuesday 31 March 2026",
        "extended by agreement",
        'Originally <time datetime="2026-02-25">Wednesday 25 February 2026',
        "agreed by the owner and the council on 9 February 2026",
        "Council email of 9 February",
        "Deadline extended by agreement: Council completes review to 2026-03-31",
    ):
        assert text in body, text


def test_the_page_explains_a_refused_extension_and_keeps_what_was_typed(
    review, client, mine, adviser
):
    client.force_login(adviser.user)
    response = client.post(
        reverse("casework:deadline_extend", args=[mine.reference]),
        {
            "extend-deadline": str(review.pk),
            "extend-agreed_by": "the owner and the council",
            "extend-agreed_on": "2026-02-09",
            "extend-extended_to": "2026-02-20",
            "extend-evidence": "Kept text",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The deadline was not extended" in body
    assert "must be after the current due date, 25 February 2026" in body
    assert 'value="Kept text"' in body and 'value="the owner and the council"' in body


def test_reminders_use_the_extended_date(review, mine, adviser):
    # Three days before the original end: nothing owed once it was extended.
    _extend(review, adviser, date(2026, 3, 31))
    clocks_services.deadline_reminders_send(today=date(2026, 2, 22))
    assert not Notification.objects.filter(dedupe_key__startswith=f"deadline:{review.pk}:")
    # Three days before the agreed end: reminded of the new date.
    clocks_services.deadline_reminders_send(today=date(2026, 3, 28))
    reminder = Notification.objects.get(dedupe_key__startswith=f"deadline:{review.pk}:")
    assert reminder.dedupe_key == f"deadline:{review.pk}:extended:2026-03-31:due"
    assert reminder.data["end_label"] == "Tuesday 31 March 2026"
    assert reminder.data["headline"].startswith("Deadline in 3 days")
    assert "Extended by agreement to 31 March 2026." in reminder.data["explanation"]


def test_the_api_shows_extended_to_and_every_extension(review, api_client, mine, adviser):
    _extend(review, adviser, date(2026, 3, 31))
    _extend(review, adviser, date(2026, 4, 30))
    api_client.force_authenticate(adviser.user)
    [key_date] = api_client.get(f"/api/v1/enquiries/{mine.reference}/key-dates/").json()
    found = next(d for d in key_date["deadlines"] if d["rule"] == "acv-review-decision")
    assert found["end"] == "2026-02-25" and found["extended_to"] == "2026-04-30"
    assert [x["extended_to"] for x in found["extensions"]] == ["2026-03-31", "2026-04-30"]
    assert found["extensions"][0]["agreed_by"] == "the owner and the council"
    others = [d for d in key_date["deadlines"] if d["rule"] != "acv-review-decision"]
    assert all(d["extended_to"] is None and d["extensions"] == [] for d in others)


def test_the_group_sees_the_extended_date(review, mine, adviser):
    deadline_publish(
        enquiry=mine,
        key_date_id=review.key_date_id,
        rule_id=review.rule_id,
        is_group_deadline=True,
        actor=adviser.user,
    )
    assert PublicDate.objects.get(enquiry=mine).date == ORIGINAL
    _extend(review, adviser, date(2026, 3, 31))
    shown = PublicDate.objects.get(enquiry=mine)
    assert shown.date == date(2026, 3, 31)
    assert shown.meaning.endswith("(extended by agreement)")


def test_a_rule_edit_keeps_the_agreed_end(review, adviser):
    _extend(review, adviser, date(2026, 3, 31))
    rule = review.rule
    rule.length = 9
    rule.save()
    clocks_services.deadlines_resync(rule=rule)
    review.refresh_from_db()
    assert review.ends_on == date(2026, 3, 31)


def _api_url(deadline) -> str:
    return reverse(
        "api:enquiry-deadline-extensions",
        args=[deadline.enquiry.reference, deadline.key_date_id, deadline.rule.slug],
    )


AGREEMENT = {
    "agreed_by": "the owner and the council",
    "agreed_on": "2026-02-09",
    "extended_to": "2026-03-31",
    "evidence": "Council email of 9 February",
}


def test_the_api_records_an_extension(review, api_client, mine, adviser):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(
        _api_url(review), {**AGREEMENT, "current_end": "2026-02-25"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rule"], body["end"], body["extended_to"]) == (
        "acv-review-decision",
        "2026-02-25",
        "2026-03-31",
    )
    assert body["extensions"][0]["evidence"] == "Council email of 9 February"
    review.refresh_from_db()
    assert review.ends_on == date(2026, 3, 31)
    assert mine.events.filter(kind=EnquiryEvent.Kind.DEADLINE_EXTENDED).count() == 1


def test_the_api_explains_a_refused_extension_as_json(review, api_client, adviser):
    api_client.force_authenticate(adviser.user)
    early = api_client.post(_api_url(review), {**AGREEMENT, "extended_to": "2026-02-20"})
    assert early.status_code == 400
    assert "must be after the current due date" in early.json()["extended_to"][0]
    missing = api_client.post(_api_url(review), {"extended_to": "2026-03-31"}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()) == {"agreed_by", "agreed_on"}
    assert not DeadlineExtension.objects.exists()


def test_the_api_refuses_a_document_from_another_enquiry(review, api_client, adviser, theirs):
    from enquiries.conversation.services import attachment_add
    from tests.enquiries.portal import pdf

    elsewhere = attachment_add(enquiry=theirs, upload=pdf(), actor=adviser.user)
    api_client.force_authenticate(adviser.user)
    response = api_client.post(_api_url(review), {**AGREEMENT, "document": elsewhere.pk})
    assert response.status_code == 400
    assert response.json() == {"document": ["Choose a document on this enquiry."]}


def test_the_api_hides_someone_elses_deadline_and_refuses_a_non_holder(
    review, api_client, other_adviser, teams, outsider
):
    api_client.force_authenticate(other_adviser.user)
    assert api_client.post(_api_url(review), AGREEMENT).status_code == 404
    api_client.force_authenticate(outsider)
    assert api_client.post(_api_url(review), AGREEMENT).status_code == 403
    colleague = AdviserFactory(teams=[teams["assets"]])  # sees the team's enquiries
    api_client.force_authenticate(colleague.user)
    seen = api_client.post(_api_url(review), AGREEMENT)
    assert seen.status_code == 403  # may see it; only its holder or a manager extends
    assert not DeadlineExtension.objects.exists()


def test_the_api_answers_a_rule_the_key_date_does_not_start_with_404(review, api_client, adviser):
    api_client.force_authenticate(adviser.user)
    url = _api_url(review).replace("acv-review-decision", "acv-listing")
    assert api_client.post(url, AGREEMENT).status_code == 404


def test_a_second_adviser_working_from_the_old_date_is_refused_not_overwriting(
    review, api_client, adviser, manager
):
    """Both saw 25 February; Ada records 31 March first. Mina's 30 April, sent with the
    date she saw, is refused with the new one: nothing of hers is written."""
    _extend(review, adviser, date(2026, 3, 31))
    api_client.force_authenticate(manager.user)
    response = api_client.post(
        _api_url(review),
        {**AGREEMENT, "extended_to": "2026-04-30", "current_end": "2026-02-25"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["current_end"] == "2026-03-31"
    assert "it is now due 31 March 2026, not 25 February 2026" in response.json()["detail"]
    assert DeadlineExtension.objects.count() == 1
    review.refresh_from_db()
    assert review.ends_on == date(2026, 3, 31)


def test_the_page_form_refuses_an_extension_over_one_made_since_it_was_read(
    review, client, mine, adviser
):
    client.force_login(adviser.user)
    page = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    seen = f"{review.pk}:2026-02-25"
    assert seen in page  # the hidden field: the due date the page showed
    _extend(review, adviser, date(2026, 3, 31))
    response = client.post(
        reverse("casework:deadline_extend", args=[mine.reference]),
        {
            "extend-deadline": str(review.pk),
            "extend-agreed_by": "the owner",
            "extend-agreed_on": "2026-02-09",
            "extend-extended_to": "2026-04-30",
            "extend-seen": seen,
        },
    )
    assert response.status_code == 409
    assert "it is now due 31 March 2026" in response.content.decode()
    assert DeadlineExtension.objects.count() == 1


def test_the_case_page_has_the_extension_form_and_records_one(review, client, mine, adviser):
    case = case_open_from_enquiry(enquiry=mine, actor=adviser.user, title="Red Lion")
    client.force_login(adviser.user)
    page = client.get(reverse("casework:case", args=[case.pk])).content.decode()
    assert reverse("casework:case_deadline_extend", args=[case.pk]) in page
    assert f"{mine.reference}: Council completes review (due 25 February 2026)" in page
    response = client.post(
        reverse("casework:case_deadline_extend", args=[case.pk]),
        {
            "extend-deadline": str(review.pk),
            "extend-agreed_by": "the owner and the council",
            "extend-agreed_on": "2026-02-09",
            "extend-extended_to": "2026-03-31",
            "extend-seen": f"{review.pk}:2026-02-25",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("casework:case", args=[case.pk]))
    review.refresh_from_db()
    assert review.extended_to == date(2026, 3, 31)
    refused = client.post(
        reverse("casework:case_deadline_extend", args=[case.pk]),
        {
            "extend-deadline": str(review.pk),
            "extend-agreed_by": "the owner",
            "extend-agreed_on": "2026-02-09",
            "extend-extended_to": "2026-03-01",
        },
    )
    assert refused.status_code == 400
    assert "The deadline was not extended" in refused.content.decode()


def test_the_case_page_offers_no_extension_to_someone_not_holding_the_enquiry(
    review, client, mine, adviser, teams
):
    case = case_open_from_enquiry(enquiry=mine, actor=adviser.user, title="Red Lion")
    colleague = AdviserFactory(teams=[teams["assets"]])
    client.force_login(colleague.user)
    page = client.get(reverse("casework:case", args=[case.pk]))
    assert page.status_code == 200
    assert reverse("casework:case_deadline_extend", args=[case.pk]) not in page.content.decode()
    response = client.post(
        reverse("casework:case_deadline_extend", args=[case.pk]),
        {"extend-deadline": str(review.pk), "extend-agreed_by": "x"},
    )
    assert response.status_code == 403
    assert not DeadlineExtension.objects.exists()


@race
def test_two_advisers_extending_at_once_never_overwrite_each_other(review, adviser, manager):
    """Both read 25 February and send it: the deadline row is locked, so one wins and the
    other is refused with the date the first agreed; one extension, one event."""
    results = run_together(
        lambda: clocks_services.deadline_extend(
            deadline=review,
            agreed_by="the owner",
            agreed_on=date(2026, 2, 9),
            extended_to=date(2026, 3, 31),
            expected_end=ORIGINAL,
            actor=adviser.user,
        ),
        lambda: clocks_services.deadline_extend(
            deadline=review,
            agreed_by="the council",
            agreed_on=date(2026, 2, 9),
            extended_to=date(2026, 4, 30),
            expected_end=ORIGINAL,
            actor=manager.user,
        ),
    )
    won = [r for r in results if isinstance(r, DeadlineExtension)]
    lost = [r for r in results if isinstance(r, clocks_services.DeadlineMovedOn)]
    assert (len(won), len(lost)) == (1, 1), results
    review.refresh_from_db()
    assert review.ends_on == won[0].extended_to
    assert lost[0].current_end == won[0].extended_to
    assert DeadlineExtension.objects.count() == 1
    assert EnquiryEvent.objects.filter(kind=EnquiryEvent.Kind.DEADLINE_EXTENDED).count() == 1
