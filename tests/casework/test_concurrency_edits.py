"""Optimistic concurrency on editing an enquiry or a case: of two people who loaded the same
version, the first save wins and the second is refused with a clear message and a way to
reload, never a silent overwrite (HTML and API). A status change or an assignment between
loading and saving refuses too. Each save bumps the version and is in the history with
who did it and which fields changed; bulk updates of cases write history as well.
"""

import pytest
from django.urls import reverse

from casework.cases import services as services_cases
from casework.enquiry import services as enquiry_services
from casework.models import Case, CaseEvent
from casework.queue import services as queue_services
from enquiries.models import Enquiry, EnquiryEvent, Priority
from enquiries.services import StaleEdit
from tests.casework.test_desk_views import unlabelled_controls

pytestmark = pytest.mark.django_db


def edit_url(enquiry) -> str:
    return reverse("casework:enquiry_edit", args=[enquiry.reference])


def case_edit_url(case) -> str:
    return reverse("casework:case_edit", args=[case.pk])


def api(enquiry) -> str:
    return f"/api/v1/enquiries/{enquiry.reference}/"


def form_data(enquiry, **changes) -> dict:
    data = {
        "version": enquiry.version,
        "subject": enquiry.subject,
        "topic": enquiry.topic_id or "",
        "priority": enquiry.priority,
        "asset_name": enquiry.asset_name,
        "asset_address": enquiry.asset_address,
        "local_authority": enquiry.local_authority_id or "",
    }
    data.update(changes)
    return data


@pytest.fixture
def case(mine, adviser):
    return services_cases.case_open_from_enquiry(
        enquiry=mine, actor=adviser.user, title="Red Lion bid"
    )


def case_form(case, **changes) -> dict:
    data = {
        "version": case.version,
        "title": case.title,
        "lead_adviser": case.lead_adviser_id,
        "asset_name": case.asset_name,
        "asset_address": case.asset_address,
        "plan_name": case.plan_name,
    }
    data.update(changes)
    return data


# --- enquiries, HTML ------------------------------------------------------------------------------


def test_the_edit_form_carries_the_version_and_saves_changed_fields(client, adviser, mine):
    client.force_login(adviser.user)
    page = client.get(edit_url(mine))
    assert page.status_code == 200
    assert f'name="version" value="{mine.version}"' in page.content.decode()

    loaded = mine.version
    response = client.post(edit_url(mine), form_data(mine, subject="The Red Lion, Market Rasen"))

    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.subject == "The Red Lion, Market Rasen" and mine.version == loaded + 1
    event = EnquiryEvent.objects.filter(enquiry=mine, kind="details_edited").get()
    assert event.actor == adviser.user
    assert event.data == {"fields": ["subject"], "version": loaded + 1}  # never the values


def test_second_of_two_editors_is_refused_and_nothing_is_overwritten(
    client, adviser, manager, mine
):
    loaded = Enquiry.objects.get(pk=mine.pk)  # both open the form at version 1
    client.force_login(manager.user)
    first = client.post(edit_url(mine), form_data(loaded, subject="First save wins"))
    assert first.status_code == 302

    client.force_login(adviser.user)
    second = client.post(
        edit_url(mine), form_data(loaded, subject="Second save", asset_name="Lost?")
    )

    assert second.status_code == 409
    body = second.content.decode()
    assert "Someone else changed this enquiry at" in body
    assert f"({manager.user.get_full_name()})" in body
    assert "after you opened it. Your changes have not been saved." in body
    assert f'href="{edit_url(mine)}">Reload the latest version' in body
    assert 'value="Second save"' in body  # what they typed is kept on the page
    mine.refresh_from_db()
    assert mine.subject == "First save wins" and mine.asset_name == "The Red Lion"
    assert mine.version == loaded.version + 1


def test_a_status_change_after_loading_refuses_the_edit(client, adviser, mine):
    loaded = Enquiry.objects.get(pk=mine.pk)
    enquiry_services.enquiry_set_status(enquiry=mine, status="awaiting_group", actor=adviser.user)
    client.force_login(adviser.user)

    response = client.post(edit_url(mine), form_data(loaded, subject="After the change"))

    assert response.status_code == 409
    assert "Someone else changed this enquiry" in response.content.decode()
    mine.refresh_from_db()
    assert mine.subject != "After the change" and mine.status == "awaiting_group"


def test_an_assignment_after_loading_refuses_the_edit(manager, adviser, teammate, mine):
    loaded_version = Enquiry.objects.get(pk=mine.pk).version
    queue_services.enquiry_assign(enquiry=mine, adviser=teammate, actor=manager.user)
    with pytest.raises(StaleEdit) as refused:
        enquiry_services.enquiry_edit(
            enquiry=mine,
            expected_version=loaded_version,
            changes={"subject": "Too late"},
            actor=manager.user,
        )
    assert refused.value.current_version == loaded_version + 1
    assert refused.value.changed_by == manager.user.get_full_name()


def test_a_form_without_its_version_saves_nothing(client, adviser, mine):
    client.force_login(adviser.user)
    data = form_data(mine, subject="No version")
    del data["version"]
    response = client.post(edit_url(mine), data)
    assert response.status_code == 400
    assert "Reload the latest version" in response.content.decode()
    assert Enquiry.objects.get(pk=mine.pk).subject != "No version"


def test_bad_values_are_form_errors_and_nothing_is_saved(client, adviser, mine):
    client.force_login(adviser.user)
    loaded = mine.version
    response = client.post(edit_url(mine), form_data(mine, subject="", priority="9"))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_subject"' in body and "Give the enquiry a subject." in body
    assert "Choose a priority from the list." in body
    mine.refresh_from_db()
    assert mine.version == loaded and mine.subject


def test_who_may_edit_an_enquiry(client, adviser, other_adviser, teammate, outsider, mine, theirs):
    assert client.get(edit_url(mine)).status_code == 302  # anonymous: sign in
    client.force_login(outsider)
    assert client.get(edit_url(mine)).status_code == 403
    client.force_login(teammate.user)  # sees it, but Ada holds it
    assert client.get(edit_url(mine)).status_code == 403
    assert client.post(edit_url(mine), form_data(mine, subject="Tess")).status_code == 403
    client.force_login(adviser.user)
    assert client.get(edit_url(theirs)).status_code == 404
    mine.refresh_from_db()
    assert mine.subject != "Tess"


def test_the_team_may_edit_an_enquiry_waiting_in_its_queue(manager, teammate, mine):
    queue_services.enquiry_assign(enquiry=mine, adviser=None, actor=manager.user)
    mine.refresh_from_db()
    edited = enquiry_services.enquiry_edit(
        enquiry=mine,
        expected_version=mine.version,
        changes={"priority": Priority.URGENT},
        actor=teammate.user,
    )
    assert edited.priority == Priority.URGENT


def test_an_edit_is_in_the_history_with_the_user_and_the_fields(client, manager, adviser, mine):
    loaded, old_subject = mine.version, mine.subject
    enquiry_services.enquiry_edit(
        enquiry=mine,
        expected_version=loaded,
        changes={"subject": "Renamed", "priority": Priority.HIGH, "asset_name": "The Red Lion"},
        actor=adviser.user,
    )
    latest = mine.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == adviser.user and latest.version == loaded + 1
    delta = latest.diff_against(latest.prev_record)
    assert sorted(c.field for c in delta.changes) == ["priority", "subject", "version"]

    client.force_login(manager.user)
    page = client.get(reverse("casework:enquiry_history", args=[mine.reference])).content.decode()
    assert f"Subject: {old_subject} → Renamed" in page
    assert "Version:" not in page  # bookkeeping, not shown


def test_the_holder_finds_the_edit_link_on_the_enquiry_page(client, adviser, teammate, mine):
    client.force_login(adviser.user)
    assert edit_url(mine) in client.get(reverse("casework:enquiry", args=[mine.reference])).text
    client.post(edit_url(mine), form_data(mine, subject="Renamed", asset_name="The Lion"))
    timeline = client.get(reverse("casework:enquiry", args=[mine.reference])).text
    assert "Details edited: asset name, subject" in timeline
    client.force_login(teammate.user)
    assert edit_url(mine) not in client.get(reverse("casework:enquiry", args=[mine.reference])).text


# --- enquiries, API -------------------------------------------------------------------------------


def test_the_api_get_returns_the_version_and_an_etag(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    response = api_client.get(api(mine))
    assert response.status_code == 200
    v = mine.version
    assert response.json()["version"] == v and response["ETag"] == f'"v{v}"'


def test_api_second_of_two_patches_is_a_409_and_nothing_is_overwritten(
    api_client, adviser, manager, mine
):
    v = mine.version
    api_client.force_authenticate(manager.user)
    first = api_client.patch(
        api(mine), {"subject": "First", "version": v, "priority": 3}, format="json"
    )
    assert first.status_code == 200 and first.json()["version"] == v + 1
    assert first["ETag"] == f'"v{v + 1}"'

    api_client.force_authenticate(adviser.user)
    second = api_client.patch(
        api(mine), {"subject": "Second"}, format="json", HTTP_IF_MATCH=f'"v{v}"'
    )

    assert second.status_code == 409
    body = second.json()
    assert body["current_version"] == v + 1
    assert body["changed_by"] == manager.user.get_full_name()
    assert "Your changes have not been saved" in body["detail"]
    mine.refresh_from_db()
    assert mine.subject == "First" and mine.priority == 3


def test_api_patch_with_if_match_saves(api_client, adviser, mine, topics):
    api_client.force_authenticate(adviser.user)
    v = mine.version
    response = api_client.patch(
        api(mine),
        {"topic": "right-to-bid", "local_authority": None},
        format="json",
        HTTP_IF_MATCH=f'W/"v{v}"',
    )
    assert response.status_code == 200, response.json()
    mine.refresh_from_db()
    assert mine.topic == topics["right-to-bid"] and mine.local_authority is None
    assert mine.version == v + 1


def test_api_patch_without_a_version_is_a_428(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    response = api_client.patch(api(mine), {"subject": "No version"}, format="json")
    assert response.status_code == 428 and "version" in response.json()["detail"]
    mine.refresh_from_db()
    assert mine.subject != "No version"


@pytest.mark.parametrize(
    "body",
    [
        {"subject": "", "version": 1},
        {"priority": 9, "version": 1},
        {"topic": "no-such-topic", "version": 1},
        {"version": "abc"},
        {"subject": "x" * 201, "version": 1},
    ],
)
def test_api_patch_with_bad_values_is_a_400_and_nothing_saved(api_client, adviser, mine, body):
    api_client.force_authenticate(adviser.user)
    v = mine.version
    body = {**body, "version": v} if body.get("version") == 1 else body
    response = api_client.patch(api(mine), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) & {"subject", "priority", "topic", "version"}
    mine.refresh_from_db()
    assert mine.version == v


def test_api_patch_permissions(api_client, adviser, teammate, outsider, mine, theirs):
    assert api_client.patch(api(mine), {"version": 1}, format="json").status_code in (401, 403)
    api_client.force_authenticate(outsider)
    assert api_client.patch(api(mine), {"version": 1}, format="json").status_code == 403
    api_client.force_authenticate(teammate.user)
    refused = api_client.patch(api(mine), {"subject": "T", "version": mine.version}, format="json")
    assert refused.status_code == 403
    api_client.force_authenticate(adviser.user)
    assert api_client.patch(api(theirs), {"version": 1}, format="json").status_code == 404
    mine.refresh_from_db()
    assert mine.subject != "T"


# --- cases --------------------------------------------------------------------------------------


def test_second_of_two_case_editors_is_refused(client, adviser, manager, case):
    loaded = Case.objects.get(pk=case.pk)
    client.force_login(manager.user)
    assert client.post(case_edit_url(case), case_form(loaded, title="Manager's")).status_code == 302

    client.force_login(adviser.user)
    second = client.post(case_edit_url(case), case_form(loaded, title="Ada's", plan_name="P"))

    assert second.status_code == 409
    body = second.content.decode()
    assert "Someone else changed this case at" in body and "Reload the latest version" in body
    assert 'value="Ada&#x27;s"' in body
    case.refresh_from_db()
    assert case.title == "Manager's" and case.plan_name == "" and case.version == 2


def test_a_case_status_change_bumps_the_version_and_refuses_an_older_form(client, adviser, case):
    loaded = Case.objects.get(pk=case.pk)
    services_cases.case_set_status(case=case, status="on_hold", actor=adviser.user)
    case.refresh_from_db()
    assert case.version == 2
    client.force_login(adviser.user)
    response = client.post(case_edit_url(case), case_form(loaded, title="Stale"))
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.title == "Red Lion bid" and case.status == "on_hold"


def test_a_case_edit_is_recorded_with_the_user_and_fields(adviser, teammate, manager, case):
    edited = services_cases.case_edit(
        case=case,
        expected_version=1,
        changes={"title": "Renamed", "lead_adviser": teammate},
        actor=manager.user,
    )
    assert edited.version == 2 and edited.lead_adviser == teammate
    latest = case.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == manager.user
    delta = latest.diff_against(latest.prev_record)
    assert sorted(c.field for c in delta.changes) == ["lead_adviser", "title", "version"]
    event = CaseEvent.objects.filter(case=case, kind="details_edited").get()
    assert event.actor == manager.user and event.data["fields"] == ["lead_adviser", "title"]


def test_case_edit_permissions_and_bad_input(client, api_client, adviser, teammate, case):
    client.force_login(teammate.user)  # sees the case, does not lead it
    assert client.get(case_edit_url(case)).status_code == 403
    client.force_login(adviser.user)
    bad = client.post(case_edit_url(case), case_form(case, title="", lead_adviser="999999"))
    assert bad.status_code == 400
    assert "Give the case a title." in bad.text and "Choose an active adviser" in bad.text
    case.refresh_from_db()
    assert case.version == 1


def test_case_api_patch_etag_409_and_428(api_client, adviser, manager, case):
    url = f"/api/v1/cases/{case.pk}/"
    api_client.force_authenticate(adviser.user)
    got = api_client.get(url)
    assert got["ETag"] == '"v1"' and got.json()["version"] == 1
    assert api_client.patch(url, {"title": "x"}, format="json").status_code == 428
    saved = api_client.patch(url, {"title": "Saved"}, format="json", HTTP_IF_MATCH='"v1"')
    assert saved.status_code == 200 and saved.json()["version"] == 2
    stale = api_client.patch(url, {"title": "Stale", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    bad = api_client.patch(url, {"title": "", "version": 2}, format="json")
    assert bad.status_code == 400 and "title" in bad.json()
    case.refresh_from_db()
    assert case.title == "Saved"


# --- case history ---------------------------------------------------------------------------------


def test_case_queryset_update_does_not_bypass_the_history(case):
    before = case.history.count()
    assert Case.objects.filter(pk=case.pk).update(plan_name="Bulk") == 1
    assert case.history.count() == before + 1
    latest = case.history.order_by("-history_date", "-history_id").first()
    assert latest.plan_name == "Bulk" and latest.history_change_reason == "bulk update"


def test_case_history_page_is_for_managers_and_linked_from_the_case(
    client, adviser, manager, other_adviser, case
):
    url = reverse("casework:case_history", args=[case.pk])
    services_cases.case_set_status(case=case, status="on_hold", actor=adviser.user)
    assert client.get(url).status_code == 302
    client.force_login(adviser.user)
    assert client.get(url).status_code == 403
    assert url not in client.get(reverse("casework:case", args=[case.pk])).text
    client.force_login(other_adviser.user)
    assert client.get(url).status_code == 404
    client.force_login(manager.user)
    assert url in client.get(reverse("casework:case", args=[case.pk])).text
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Status: Open → On hold" in page.text and adviser.user.get_full_name() in page.text


@pytest.mark.parametrize("changes", [2, 20])
def test_case_history_page_runs_a_fixed_number_of_queries(
    client, manager, case, changes, django_assert_max_num_queries
):
    for number in range(changes):
        Case.objects.filter(pk=case.pk).update(plan_name=f"Plan {number}")
    client.force_login(manager.user)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("casework:case_history", args=[case.pk]))
    assert page.status_code == 200
    assert page.text.count("Plan name:") == changes


def test_the_edit_pages_label_every_control(client, adviser, mine, case):
    client.force_login(adviser.user)
    assert unlabelled_controls(client.get(edit_url(mine)).text) == []
    assert unlabelled_controls(client.get(case_edit_url(case)).text) == []
