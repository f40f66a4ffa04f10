"""Someone else is here: staff with the same enquiry open see each other, for a minute
after the last sign of life."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]


def test_two_people_on_one_enquiry_see_each_other(mine, adviser, manager, time_machine):
    ada, mina = Client(), Client()
    ada.force_login(adviser.user)
    mina.force_login(manager.user)
    page = reverse("casework:enquiry", args=[mine.reference])
    first = ada.get(page).content.decode()
    assert 'role="status"' in first and "also viewing" not in first
    second = mina.get(page).content.decode()
    assert "Ada" in second and "is also viewing this enquiry." in second

    beat = ada.post(reverse("casework:enquiry_presence", args=[mine.reference]))
    assert beat.status_code == 200
    assert beat.json()["others"] == [manager.user.get_full_name()]
    assert beat["Cache-Control"].startswith("no-store") or "no-store" in beat["Cache-Control"]

    time_machine.shift(timedelta(seconds=61))  # Mina has gone quiet
    again = ada.post(reverse("casework:enquiry_presence", args=[mine.reference]))
    assert again.json() == {"others": [], "text": ""}


def test_only_those_who_may_see_the_enquiry_hear_who_is_there(client, theirs, adviser):
    client.force_login(adviser.user)
    response = client.post(reverse("casework:enquiry_presence", args=[theirs.reference]))
    assert response.status_code == 404
