"""The queue marks an enquiry with a reply from the group that the adviser has not seen."""

import pytest
from django.urls import reverse

from casework.queue.selectors import unread_replies
from enquiries.models import Message

pytestmark = pytest.mark.django_db


def test_a_reply_since_the_adviser_last_looked_is_marked(client, adviser, submit, time_machine):
    time_machine.move_to("2026-12-01 09:00:00+00:00")
    enquiry = submit()
    assert enquiry.assigned_to == adviser.user
    client.force_login(adviser.user)
    client.get(reverse("casework:enquiry", args=[enquiry.reference]))  # opened it
    assert unread_replies(user=adviser.user, enquiry_ids=[enquiry.pk]) == set()

    time_machine.move_to("2026-12-01 09:10:00+00:00")
    Message.objects.create(enquiry=enquiry, sender=Message.Sender.GROUP, body="Any news?")
    assert unread_replies(user=adviser.user, enquiry_ids=[enquiry.pk]) == {enquiry.pk}
    queue = client.get(reverse("casework:queue")).content.decode()
    assert "New reply" in queue

    time_machine.move_to("2026-12-01 09:20:00+00:00")
    client.get(reverse("casework:enquiry", args=[enquiry.reference]))  # read it
    assert "New reply" not in client.get(reverse("casework:queue")).content.decode()


def test_an_update_from_the_desk_is_not_a_new_reply(adviser, submit):
    enquiry = submit()
    Message.objects.create(enquiry=enquiry, sender=Message.Sender.DESK, body="Here is help")
    assert unread_replies(user=adviser.user, enquiry_ids=[enquiry.pk]) == set()


def test_a_reply_never_seen_is_new_to_each_person(adviser, manager, submit):
    enquiry = submit()
    Message.objects.create(enquiry=enquiry, sender=Message.Sender.GROUP, body="Hello")
    assert unread_replies(user=manager.user, enquiry_ids=[enquiry.pk]) == {enquiry.pk}
    assert unread_replies(user=adviser.user, enquiry_ids=[]) == set()
