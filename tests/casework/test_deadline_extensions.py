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

from casework.clocks import selectors as clocks_selectors
from casework.clocks import services as clocks_services
from casework.models import Deadline, DeadlineExtension
from casework.publishing.services import deadline_publish
from enquiries.models import EnquiryEvent, Notification, PublicDate
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
    assert events.count() == 2


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
