"""The manager's home: today's figures agree with the queue behind each link; advisers land
on the queue."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from casework.home import selectors
from enquiries.models import Enquiry, Status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]


def test_each_figure_is_the_count_of_the_queue_it_links_to(client, manager, submit, mine):
    for n in range(3):
        submit(subject=f"Pub {n}")
    Enquiry.objects.filter(pk=mine.pk).update(assigned_to=None)
    client.force_login(manager.user)
    page = client.get(reverse("casework:home")).content.decode()
    links = re.findall(r'<a href="(/desk/\?[^"]+)"><strong class="figure">(\d+)</strong>', page)
    assert len(links) == len(selectors.FIGURES)
    for href, count in links:
        listed = client.get(href.replace("&amp;", "&"))
        assert listed.context["page"].paginator.count == int(count), href
    assert "Oldest waiting" in page


def test_twelve_weeks_of_received_and_closed(manager, submit, adviser):
    first = submit(subject="Old one")
    Enquiry.objects.filter(pk=first.pk).update(
        received_at=timezone.now() - timedelta(weeks=3),
        status=Status.CLOSED,
        closed_at=timezone.now(),
    )
    weeks = selectors.weeks()
    assert len(weeks) == 12
    assert weeks[-1].starts == timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    assert weeks[-4].received == 1 and weeks[-1].closed == 1
    assert sum(w.received for w in weeks) == 1


def test_managers_land_at_home_and_advisers_on_the_queue(client, manager, adviser):
    assert settings.LOGIN_REDIRECT_URL == "casework:home"
    client.force_login(adviser.user)
    response = client.get(reverse("casework:home"))
    assert response.status_code == 302 and response["Location"] == reverse("casework:queue")
    client.force_login(manager.user)
    assert client.get(reverse("casework:home")).status_code == 200
