"""In-app notices: a group replied, an enquiry became yours, a deadline is near, letters
are made; each once, to the right person, marked read when opened."""

import pytest
from django.test import Client
from django.urls import reverse

from casework.notices import selectors
from casework.queue import services as queue_services
from enquiries.conversation.services import group_message_add
from enquiries.models import Notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]


def test_an_assignment_and_a_reply_give_the_holder_notices(mine, adviser, other_adviser, manager):
    queue_services.enquiry_assign(enquiry=mine, adviser=other_adviser, actor=manager.user)
    omar = other_adviser.user
    assert [n.kind for n in Notice.objects.filter(user=omar)] == ["assigned"]
    notice = Notice.objects.get(user=omar)
    assert notice.text == f"Now yours: {mine.reference}, {mine.subject}"
    assert "@" not in notice.text  # nothing personal beyond the reference and subject

    mine.refresh_from_db()  # as the caller does: the row locked, fresh
    group_message_add(enquiry=mine, body="Here are the minutes.", submission_key="k1")
    assert selectors.unread_count(user=omar) == 2
    assert not Notice.objects.filter(user=adviser.user, kind="reply").exists()


def test_claiming_gives_no_notice_to_oneself(submit, adviser, other_adviser):
    enquiry = submit(topic="np-getting-started")
    from enquiries.models import Enquiry

    Enquiry.objects.filter(pk=enquiry.pk).update(assigned_to=None)
    before = Notice.objects.filter(user=adviser.user).count()
    queue_services.enquiry_claim(enquiry=enquiry, actor=adviser.user)
    assert Notice.objects.filter(user=adviser.user).count() == before


def test_opening_a_notice_marks_it_read_and_leads_to_the_enquiry(
    mine, adviser, manager, other_adviser
):
    queue_services.enquiry_assign(enquiry=mine, adviser=other_adviser, actor=manager.user)
    notice = Notice.objects.get(user=other_adviser.user)
    omar, mina = Client(), Client()
    omar.force_login(other_adviser.user)
    mina.force_login(manager.user)
    assert mina.get(reverse("casework:notice_open", args=[notice.pk])).status_code == 404
    assert omar.get(reverse("casework:notices_count")).json()["unread"] == 1
    page = omar.get(reverse("casework:notices")).content.decode()
    assert mine.reference in page and "New" in page
    response = omar.get(reverse("casework:notice_open", args=[notice.pk]))
    assert response["Location"] == reverse("casework:enquiry", args=[mine.reference])
    assert omar.get(reverse("casework:notices_count")).json() == {"unread": 0, "poll_seconds": 30}


def test_mark_all_read(mine, adviser, manager, other_adviser, client):
    queue_services.enquiry_assign(enquiry=mine, adviser=other_adviser, actor=manager.user)
    client.force_login(other_adviser.user)
    client.post(reverse("casework:notices_read"))
    assert selectors.unread_count(user=other_adviser.user) == 0


def test_a_deadline_three_days_away_gives_the_holder_one_notice(mine, adviser):
    from datetime import timedelta

    from django.utils import timezone

    from casework.clocks import services as clocks_services

    # Interim moratorium: 6 weeks beginning with the notice day -> ends in 3 days.
    clocks_services.key_date_record(
        enquiry=mine,
        trigger="disposal-notice-received",
        date=timezone.localdate() - timedelta(days=38),
        actor=adviser.user,
    )
    clocks_services.deadline_reminders_send()
    clocks_services.deadline_reminders_send()  # a second run gives nothing more
    notice = Notice.objects.get(user=adviser.user, kind="deadline")
    assert mine.reference in notice.text and "Interim moratorium" in notice.text


def test_a_finished_letter_batch_tells_whoever_started_it(submit, manager, adviser):
    from casework.letters import batches
    from tests.casework.test_letters_bulk import batch_of, with_notice

    enquiries = [with_notice(submit(subject=f"Pub {n}"), manager) for n in range(2)]
    batch = batch_of(enquiries, manager)
    letter_ids = list(batch.letters.values_list("pk", flat=True))
    batches.letters_mark_failed(letter_ids=letter_ids[:1], reason="test")
    assert batches.batches_finished_notice(letter_ids=letter_ids[:1]) == 0  # one still to make
    batches.letters_mark_failed(letter_ids=letter_ids[1:], reason="test")
    assert batches.batches_finished_notice(letter_ids=letter_ids) == 1
    assert batches.batches_finished_notice(letter_ids=letter_ids) == 0  # once
    notice = Notice.objects.get(user=manager.user, kind="letters")
    assert notice.text == "Bulk letters finished: 0 made, 2 could not be made"
    assert notice.url == reverse("casework:letter_batch", args=[batch.pk])


def test_an_adviser_can_choose_in_app_notices_only(client, mine, adviser, other_adviser, manager):
    from enquiries.models import Notification

    client.force_login(other_adviser.user)
    page = client.get(reverse("casework:email_preferences")).content.decode()
    assert "An enquiry is now mine" in page
    response = client.post(reverse("casework:email_preferences"), {"replies": "on"})
    assert response.status_code == 302
    queue_services.enquiry_assign(enquiry=mine, adviser=other_adviser, actor=manager.user)
    assert Notice.objects.filter(user=other_adviser.user, kind="assigned").exists()
    assert not Notification.objects.filter(kind="assigned", recipient=other_adviser.user.email)
    mine.refresh_from_db()
    group_message_add(enquiry=mine, body="Minutes attached.", submission_key="k2")
    assert Notification.objects.filter(kind="reply_received").count() == 1  # still wanted
