"""Bulk actions on the queue: the ticked rows, one action, each through its own service
(one audit trail each); a row refused says why and the others are done."""

import pytest
from django.urls import reverse

from casework.models import Assignment
from casework.queue import services
from enquiries.models import Enquiry, EnquiryEvent, Status
from tests.casework.test_desk_views import messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]


def queue_rows(submit, count, **data):
    return [submit(subject=f"Pub {n}", **data) for n in range(count)]


def test_a_manager_assigns_twenty_at_once(client, manager, other_adviser, submit):
    rows = queue_rows(submit, 20)
    events = EnquiryEvent.objects.filter(kind="assigned")
    before = {e.pk: events.filter(enquiry=e).count() for e in rows}
    client.force_login(manager.user)
    response = client.post(
        reverse("casework:queue_bulk"),
        {
            "bulk-selected": [e.pk for e in rows],
            "bulk-action": "assign",
            "bulk-adviser": other_adviser.pk,
            "query": "queue=all&status=received",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:queue") + "?queue=all&status=received"
    assert Enquiry.objects.filter(assigned_to=other_adviser.user).count() >= 20
    for enquiry in rows:
        current = Assignment.objects.get(enquiry=enquiry, is_current=True)
        assert current.adviser == other_adviser and current.assigned_by == manager.user
        assert events.filter(enquiry=enquiry).count() == before[enquiry.pk] + 1  # one each
    said = messages_of(client.get(response["Location"]))
    assert any(m.startswith("Done for 20 enquiries") for m in said)


def test_a_refused_row_says_why_and_the_others_are_done(adviser, other_adviser, submit):
    rows = queue_rows(submit, 3, topic="np-getting-started")  # Omar's team
    Enquiry.objects.filter(pk__in=[e.pk for e in rows]).update(assigned_to=None)
    services.enquiry_claim(enquiry=rows[1], actor=other_adviser.user)  # taken meanwhile
    result = services.enquiries_bulk(enquiries=rows, action="claim", actor=adviser.user)
    assert result.done == [rows[0].reference, rows[2].reference]
    assert result.refused[0][0] == rows[1].reference
    assert "already taken" in result.refused[0][1]
    assert Enquiry.objects.get(pk=rows[1].pk).assigned_to == other_adviser.user


def test_a_status_the_enquiry_cannot_move_to_is_refused_for_that_row(adviser, mine, submit):
    other = submit(subject="Another")
    Enquiry.objects.filter(pk=other.pk).update(status=Status.IN_PROGRESS)
    result = services.enquiries_bulk(
        enquiries=[mine, other], action="status", status=Status.CLOSED, actor=adviser.user
    )
    assert result.done == []
    assert all("closing outcome" in why for _, why in result.refused)
    result = services.enquiries_bulk(
        enquiries=[mine, other], action="status", status=Status.AWAITING_GROUP, actor=adviser.user
    )
    assert result.done == [mine.reference, other.reference]


def test_an_adviser_cannot_bulk_assign_or_touch_what_she_cannot_see(client, adviser, mine, theirs):
    client.force_login(adviser.user)
    response = client.post(
        reverse("casework:queue_bulk"),
        {"bulk-selected": [mine.pk], "bulk-action": "unassign"},
        follow=True,
    )
    assert any("Select a valid choice" in m for m in messages_of(response))
    assert Enquiry.objects.get(pk=mine.pk).assigned_to == adviser.user
    response = client.post(
        reverse("casework:queue_bulk"),
        {
            "bulk-selected": [mine.pk, theirs.pk],
            "bulk-action": "status",
            "bulk-status": "awaiting_group",
        },
        follow=True,
    )
    said = messages_of(response)
    assert any("1 of the selected enquiries are not yours to change" in m for m in said)
    assert Enquiry.objects.get(pk=theirs.pk).status == theirs.status  # untouched


def test_nothing_ticked_or_too_many_is_a_clear_error(client, adviser):
    client.force_login(adviser.user)
    response = client.post(reverse("casework:queue_bulk"), {"bulk-action": "claim"}, follow=True)
    assert "Tick at least one enquiry in the list." in messages_of(response)
    with pytest.raises(Exception, match="at most 100"):
        services.enquiries_bulk(enquiries=[Enquiry()] * 101, action="claim", actor=adviser.user)


def test_the_queue_page_offers_the_bulk_form(client, adviser, mine):
    client.force_login(adviser.user)
    page = client.get(reverse("casework:queue")).content.decode()
    assert (
        f'<label for="select-{mine.pk}" class="visually-hidden">Tick {mine.reference}</label>'
        in page
    )
    assert "Assign them to an adviser" not in page  # managers only
