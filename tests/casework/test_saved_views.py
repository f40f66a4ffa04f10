"""Saved queue views: a name for the queue's filters, with its count; shared with a team
by a manager; someone else's cannot be seen or removed; bad input says why."""

import pytest
from django.urls import reverse

from casework.models import SavedView
from casework.saved_views.selectors import saved_view_list

pytestmark = pytest.mark.django_db
QUEUE = reverse("casework:queue")
SAVE = reverse("casework:saved_view_save")


def _save(client, name, query, **extra):
    return client.post(SAVE, {"view-name": name, "view-query": query, **extra}, follow=True)


def test_an_adviser_saves_a_view_and_sees_its_count(client, adviser, submit, topics):
    for _ in range(2):
        submit(topic="acv-notice-of-sale")
    submit(topic="np-examination")
    client.force_login(adviser.user)
    response = _save(client, "  Notices of sale ", "queue=all&topic=acv-notice-of-sale&page=3")
    view = SavedView.objects.get()
    assert (view.name, view.owner) == ("Notices of sale", adviser.user)
    assert "page" not in view.query
    assert response.redirect_chain[-1][0] == f"{QUEUE}?{view.query}"
    page = response.content.decode()
    assert "Saved the view" in page
    assert f'href="?{view.query.replace("&", "&amp;")}">Notices of sale</a> (2)' in page


def test_bad_input_is_explained_and_nothing_is_saved(client, adviser):
    client.force_login(adviser.user)
    empty = _save(client, "   ", "queue=all")
    assert "Give the view a name." in empty.content.decode()
    broken = _save(client, "Broken", "queue=all&priority=urgent-ish")
    assert "could not be used" in broken.content.decode()
    _save(client, "Mine", "queue=mine")
    again = _save(client, "Mine", "queue=all")
    assert "You already have a view called" in again.content.decode()
    assert list(SavedView.objects.values_list("name", "query")) == [("Mine", "queue=mine")]


def test_views_are_private_unless_a_manager_shares_one(
    client, adviser, other_adviser, manager, teams
):
    client.force_login(other_adviser.user)
    _save(client, "Omar's", "queue=all")
    omars = SavedView.objects.get(name="Omar's")
    assert [v.view.name for v in saved_view_list(user=adviser.user)] == []
    client.force_login(adviser.user)
    delete = reverse("casework:saved_view_delete", args=[omars.pk])
    assert client.post(delete).status_code == 404
    assert SavedView.objects.filter(pk=omars.pk).exists()
    # Advisers cannot share; a manager can, with a team.
    _save(client, "Shared?", "queue=all", **{"view-team": teams["assets"].pk})
    assert not SavedView.objects.filter(name="Shared?").exists()
    client.force_login(manager.user)
    _save(client, "Team view", "queue=team", **{"view-team": teams["assets"].pk})
    shared = [v for v in saved_view_list(user=adviser.user) if v.view.name == "Team view"]
    assert shared and not shared[0].mine
    assert [v.view.name for v in saved_view_list(user=other_adviser.user)] == ["Omar's"]


def test_the_owner_removes_a_view(client, adviser):
    client.force_login(adviser.user)
    _save(client, "Gone soon", "queue=all")
    view = SavedView.objects.get()
    response = client.post(reverse("casework:saved_view_delete", args=[view.pk]), follow=True)
    assert "Removed the view" in response.content.decode()
    assert not SavedView.objects.exists()


def test_the_queue_counts_each_view_in_two_queries(
    client, adviser, submit, django_assert_max_num_queries
):
    client.force_login(adviser.user)
    submit()  # rows in the queue either way: an empty page skips its rows query
    _save(client, "One", "queue=all")
    with django_assert_max_num_queries(100) as one:
        client.get(QUEUE)
    # Read now: the log the capture slices is cleared by the next request.
    with_one_view = len(one.captured_queries)
    _save(client, "Two", "queue=mine")
    for _ in range(5):
        submit()
    # Each view: the adviser's teams and its count.
    with django_assert_max_num_queries(with_one_view + 2):
        client.get(QUEUE)
