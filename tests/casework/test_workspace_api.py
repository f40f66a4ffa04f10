"""The workspace API: notes, tasks, time (staff only), and internal text never reaching a group.

For every endpoint: success, anonymous, someone else's record (404), wrong role (403),
invalid input (400 with field errors, nothing saved).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.models import Note, Task, TimeEntry
from casework.workspace import services as services
from enquiries.services import tracking_link_create
from tests.factories import AdviserFactory

pytestmark = pytest.mark.django_db


def api(enquiry, what: str) -> str:
    return f"/api/v1/enquiries/{enquiry.reference}/{what}/"


def today():
    return timezone.localdate()


def test_notes_are_added_and_listed_newest_first(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    for body in ("First", "Second"):
        response = api_client.post(api(mine, "notes"), {"body": body}, format="json")
        assert response.status_code == 201
    assert response.json()["author"] == adviser.name
    listed = api_client.get(api(mine, "notes")).json()
    assert listed["count"] == 2
    assert [n["body"] for n in listed["results"]] == ["Second", "First"]


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "   "}, {}, {"body": "x" * 10_001}])
def test_an_invalid_note_is_a_400_with_the_field_and_nothing_saved(api_client, adviser, mine, body):
    api_client.force_authenticate(adviser.user)
    response = api_client.post(api(mine, "notes"), body, format="json")
    assert response.status_code == 400 and "body" in response.json()
    assert not Note.objects.exists()


@pytest.mark.parametrize("what", ["notes", "tasks", "time"])
def test_workspace_endpoints_are_for_staff_and_hide_others_records(
    api_client, adviser, outsider, mine, theirs, what
):
    assert api_client.get(api(mine, what)).status_code in (401, 403)
    assert api_client.post(api(mine, what), {}, format="json").status_code in (401, 403)
    api_client.force_authenticate(outsider)
    assert api_client.get(api(mine, what)).status_code == 403
    assert api_client.post(api(mine, what), {}, format="json").status_code == 403
    api_client.force_authenticate(adviser.user)
    assert api_client.get(api(theirs, what)).status_code == 404
    assert api_client.post(api(theirs, what), {}, format="json").status_code == 404
    assert api_client.get("/api/v1/enquiries/CR-2020-999999/" + what + "/").status_code == 404


def test_a_task_is_added_for_yourself_by_default_and_for_a_colleague_by_id(
    api_client, adviser, manager, mine
):
    api_client.force_authenticate(adviser.user)
    due = (today() + timedelta(days=2)).isoformat()
    response = api_client.post(api(mine, "tasks"), {"title": "Call", "due_on": due}, format="json")
    assert response.status_code == 201
    assert response.json()["assignee_id"] == adviser.user.pk and not response.json()["is_done"]
    response = api_client.post(
        api(mine, "tasks"),
        {"title": "Check", "due_on": due, "assignee": manager.user.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["assignee"] == manager.name
    assert api_client.get(api(mine, "tasks")).json()["count"] == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "", "due_on": "2026-12-01"}, "title"),
        ({"title": "Call"}, "due_on"),
        ({"title": "Call", "due_on": "not a date"}, "due_on"),
        ("six years ahead", "due_on"),
        ({"title": "Call", "due_on": "2026-12-01", "assignee": 999999}, "assignee"),
        ("outsider", "assignee"),
    ],
)
def test_invalid_task_input_is_a_400_and_nothing_saved(
    api_client, adviser, outsider, mine, body, field
):
    if body == "outsider":
        body = {"title": "Call", "due_on": today().isoformat(), "assignee": outsider.pk}
    elif body == "six years ahead":
        body = {"title": "Call", "due_on": (today() + timedelta(days=6 * 366)).isoformat()}
    api_client.force_authenticate(adviser.user)
    response = api_client.post(api(mine, "tasks"), body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Task.objects.exists()


def test_a_task_is_marked_done_by_its_assignee_but_not_by_a_bystander(
    api_client, adviser, manager, mine, teams
):
    task = services.task_add(
        enquiry=mine, title="Call", due_on=today(), assignee=adviser.user, actor=manager.user
    )
    done = api(mine, f"tasks/{task.pk}/done")
    teammate = AdviserFactory(first_name="Tess", teams=[teams["assets"]])
    api_client.force_authenticate(teammate.user)
    assert api_client.post(done).status_code == 403
    api_client.force_authenticate(adviser.user)
    response = api_client.post(done)
    assert response.status_code == 200 and response.json()["is_done"]
    assert response.json()["done_by"] == adviser.name


def test_mark_done_of_someone_elses_task_is_not_found(
    api_client, adviser, other_adviser, outsider, mine, theirs
):
    task = services.task_add(
        enquiry=mine, title="Call", due_on=today(), assignee=adviser.user, actor=adviser.user
    )
    assert api_client.post(api(mine, f"tasks/{task.pk}/done")).status_code in (401, 403)
    api_client.force_authenticate(outsider)
    assert api_client.post(api(mine, f"tasks/{task.pk}/done")).status_code == 403
    api_client.force_authenticate(other_adviser.user)
    assert api_client.post(api(mine, f"tasks/{task.pk}/done")).status_code == 404
    assert api_client.post(api(theirs, f"tasks/{task.pk}/done")).status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


def test_time_is_recorded_and_listed(api_client, adviser, mine):
    api_client.force_authenticate(adviser.user)
    body = {"minutes": 90, "activity": "meeting", "spent_on": today().isoformat()}
    response = api_client.post(api(mine, "time"), body, format="json")
    assert response.status_code == 201 and response.json()["minutes"] == 90
    listed = api_client.get(api(mine, "time")).json()
    assert listed["count"] == 1 and listed["results"][0]["activity"] == "meeting"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": -10}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"activity": "lunch"}, "activity"),
        ("tomorrow", "spent_on"),
    ],
)
def test_invalid_time_is_a_400_and_nothing_saved(api_client, adviser, mine, change, field):
    if change == "tomorrow":
        change = {"spent_on": (today() + timedelta(days=1)).isoformat()}
    body = {"minutes": 30, "activity": "call", "spent_on": today().isoformat(), **change}
    api_client.force_authenticate(adviser.user)
    response = api_client.post(api(mine, "time"), body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not TimeEntry.objects.exists()


# --- internal text never reaches a group ------------------------------------------------------

SECRET = "SECRET-owner-is-my-cousin"


def test_internal_notes_tasks_and_time_never_reach_the_group(
    client, api_client, adviser, enquiry_data
):
    key = "workspace-secret-test"
    response = api_client.post(
        "/api/v1/enquiries/", enquiry_data, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 201
    from enquiries.models import Enquiry

    enquiry = Enquiry.objects.get(reference=response.json()["reference"])
    services.note_add(enquiry=enquiry, body=f"Note: {SECRET}", actor=adviser.user)
    services.task_add(
        enquiry=enquiry, title=f"Task {SECRET}", due_on=today(), assignee=adviser.user,
        actor=adviser.user,
    )  # fmt: skip
    services.time_record(
        enquiry=enquiry, minutes=5, activity="other", spent_on=today(), actor=adviser.user,
        note=f"Time {SECRET}",
    )  # fmt: skip
    # The staff page shows all three...
    client.force_login(adviser.user)
    staff_page = client.get(f"/desk/enquiries/{enquiry.reference}/").content.decode()
    assert staff_page.count(SECRET) >= 3
    client.logout()
    # ...the group's tracking page and the intake API (a replayed submission) show none.
    token = tracking_link_create(enquiry=enquiry)
    track = client.get(f"/track/{token}/", follow=True)
    assert track.status_code == 200
    assert SECRET not in track.content.decode()
    replay = api_client.post(
        "/api/v1/enquiries/", enquiry_data, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert replay.status_code == 200 and replay.json()["reference"] == enquiry.reference
    assert SECRET not in replay.content.decode()


# --- filters on the workspace lists, and my tasks ---------------------------------------------


def test_tasks_are_filtered_by_state_assignee_and_due_date(api_client, adviser, manager, mine):
    def add(title, days, who=adviser):
        return services.task_add(
            enquiry=mine, title=title, due_on=today() + timedelta(days=days),
            assignee=who.user, actor=adviser.user,
        )  # fmt: skip

    add("Soon", 2)
    add("Later", 30)
    add("For the manager", 1, who=manager)
    services.task_complete(task=add("Done", 1), actor=adviser.user)
    api_client.force_authenticate(adviser.user)

    def titles(**params):
        response = api_client.get(api(mine, "tasks"), params)
        assert response.status_code == 200, response.json()
        return [t["title"] for t in response.json()["results"]]

    assert titles() == ["For the manager", "Soon", "Later", "Done"]
    assert titles(state="done") == ["Done"]
    assert titles(state="open", due_before=(today() + timedelta(days=7)).isoformat()) == [
        "For the manager",
        "Soon",
    ]
    assert titles(assignee=manager.user.pk) == ["For the manager"]
    for bad in ({"state": "maybe"}, {"due_before": "soon"}, {"assignee": "Ada"}):
        response = api_client.get(api(mine, "tasks"), bad)
        assert response.status_code == 400 and set(bad) <= set(response.json())


def test_my_tasks_are_mine_on_enquiries_i_can_still_see(
    api_client, adviser, other_adviser, manager, mine, theirs
):
    for enquiry, who, title in [
        (mine, adviser, "Call the group"),
        (mine, manager, "Manager's"),
        (theirs, adviser, "On an enquiry I cannot see"),
    ]:
        services.task_add(
            enquiry=enquiry, title=title, due_on=today(), assignee=who.user, actor=manager.user
        )
    api_client.force_authenticate(adviser.user)
    response = api_client.get("/api/v1/tasks/", {"state": "open"})
    assert response.status_code == 200
    [task] = response.json()["results"]
    assert (task["title"], task["enquiry"]) == ("Call the group", mine.reference)
    assert api_client.get("/api/v1/tasks/", {"state": "later"}).status_code == 400
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/tasks/").status_code in (401, 403)


def test_time_is_filtered_by_activity_and_day(api_client, adviser, mine):
    for activity in ("call", "research", "research"):
        services.time_record(
            enquiry=mine, minutes=10, activity=activity, spent_on=today(), actor=adviser.user
        )
    api_client.force_authenticate(adviser.user)
    response = api_client.get(api(mine, "time"), {"activity": "research"})
    assert response.status_code == 200 and response.json()["count"] == 2
    later = (today() + timedelta(days=1)).isoformat()
    assert api_client.get(api(mine, "time"), {"spent_after": later}).json()["count"] == 0
    response = api_client.get(api(mine, "time"), {"activity": "lunch"})
    assert response.status_code == 400 and "activity" in response.json()


def test_outcomes_are_filtered_by_code_and_cases_by_list(api_client, adviser, mine):
    from casework.cases.services import outcome_record

    outcome_record(enquiry=mine, code="signposted", actor=adviser.user)
    outcome_record(enquiry=mine, code="asset_listed", actor=adviser.user)
    api_client.force_authenticate(adviser.user)
    response = api_client.get(api(mine, "outcomes"), {"code": "asset_listed"})
    assert [o["code"] for o in response.json()["results"]] == ["asset_listed"]
    response = api_client.get(api(mine, "outcomes"), {"code": "won_the_lottery"})
    assert response.status_code == 400 and "code" in response.json()
    response = api_client.get("/api/v1/cases/", {"show": "everything"})
    assert response.status_code == 400 and "show" in response.json()


def test_my_tasks_run_a_constant_number_of_queries(
    api_client, adviser, manager, submit, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count):
        for i in range(count):
            enquiry = submit(subject=f"Part {i}")
            services.task_add(
                enquiry=enquiry, title=f"Task {i}", due_on=today(), assignee=adviser.user,
                actor=manager.user,
            )  # fmt: skip

    api_client.force_authenticate(adviser.user)
    add(2)
    with CaptureQueriesContext(connection) as two:
        assert api_client.get("/api/v1/tasks/").json()["count"] == 2
    add(10)
    with django_assert_num_queries(len(two.captured_queries)):
        assert api_client.get("/api/v1/tasks/").json()["count"] == 12
