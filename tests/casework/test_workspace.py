"""The enquiry workspace: internal notes, tasks, time, the timeline, and "my tasks due".

For every action: success, anonymous (sign in), someone else's record (404), a
wrong role (403) and invalid input (400, nothing saved); then the timeline's order
and filter, the queue's list of tasks due, and query counts at two sizes.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.clocks import services as clocks_services
from casework.models import Note, Task, TimeEntry
from casework.workspace import selectors as workspace_selectors
from casework.workspace import services as services
from enquiries.models import Enquiry, EnquiryEvent, Message, Status
from enquiries.services import enquiry_change_status
from tests.casework.test_desk_views import messages_of, unlabelled_controls
from tests.factories import AdviserFactory, EnquiryFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("casework:queue")


def url(enquiry, name: str = "enquiry", *args) -> str:
    return reverse(f"casework:{name}", args=[enquiry.reference, *args])


def today():
    return timezone.localdate()


def task_data(user, **overrides) -> dict:
    data = {
        "task-title": "Ring the council",
        "task-due_on": (today() + timedelta(days=3)).isoformat(),
        "task-assignee": user.pk,
    }
    return {**data, **overrides}


def time_data(**overrides) -> dict:
    data = {
        "time-minutes": "45",
        "time-activity": "call",
        "time-spent_on": today().isoformat(),
        "time-note": "Spoke to the clerk",
    }
    return {**data, **overrides}


def events_of(enquiry, kind) -> list[EnquiryEvent]:
    return list(enquiry.events.filter(kind=kind))


# --- notes -----------------------------------------------------------------------------------


def test_adviser_adds_an_internal_note_and_it_is_recorded(client, adviser, mine):
    client.force_login(adviser.user)
    response = client.post(
        url(mine, "note_add"), {"note-body": "  Owner is selling to a developer "}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#timeline-heading")
    note = Note.objects.get(enquiry=mine)
    assert note.body == "Owner is selling to a developer" and note.author == adviser.user
    [event] = events_of(mine, EnquiryEvent.Kind.NOTE_ADDED)
    assert event.actor == adviser.user and event.data == {"note": note.pk}
    body = client.get(url(mine)).content.decode()
    assert "Owner is selling to a developer" in body
    assert "Internal note" in body and "Internal</span>" in body


def test_a_teammate_who_can_see_the_enquiry_may_add_a_note(client, teammate, mine):
    client.force_login(teammate.user)
    assert client.post(url(mine, "note_add"), {"note-body": "Seen it"}).status_code == 302
    assert Note.objects.filter(enquiry=mine, author=teammate.user).exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_an_empty_or_overlong_note_is_a_400_and_nothing_is_saved(client, adviser, mine, body):
    client.force_login(adviser.user)
    response = client.post(url(mine, "note_add"), {"note-body": body})
    assert response.status_code == 400
    assert "The note was not added" in response.content.decode()
    assert response.context["note_form"].errors["body"]
    assert not Note.objects.exists()
    assert not events_of(mine, EnquiryEvent.Kind.NOTE_ADDED)


def test_note_on_someone_elses_enquiry_is_not_found(client, adviser, theirs):
    client.force_login(adviser.user)
    assert client.post(url(theirs, "note_add"), {"note-body": "Hi"}).status_code == 404
    assert not Note.objects.exists()


def test_notes_need_sign_in_a_desk_role_and_post(client, outsider, adviser, mine):
    response = client.post(url(mine, "note_add"), {"note-body": "Hi"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.post(url(mine, "note_add"), {"note-body": "Hi"}).status_code == 403
    client.force_login(adviser.user)
    assert client.get(url(mine, "note_add")).status_code == 405
    assert not Note.objects.exists()


def test_the_note_service_refuses_someone_without_a_desk_role(mine, outsider):
    with pytest.raises(PermissionDenied):
        services.note_add(enquiry=mine, body="Hi", actor=outsider)


# --- tasks -----------------------------------------------------------------------------------


def test_adviser_adds_a_task_for_a_colleague(client, adviser, manager, mine):
    client.force_login(adviser.user)
    response = client.post(url(mine, "task_add"), task_data(manager.user))
    assert response.status_code == 302 and response["Location"].endswith("#tasks-heading")
    task = Task.objects.get(enquiry=mine)
    assert (task.title, task.assignee, task.created_by) == (
        "Ring the council",
        manager.user,
        adviser.user,
    )
    assert task.due_on == today() + timedelta(days=3) and task.done_at is None
    [event] = events_of(mine, EnquiryEvent.Kind.TASK_ADDED)
    assert event.actor == adviser.user and event.data["title"] == "Ring the council"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"task-title": "  "}, "title"),
        ({"task-due_on": ""}, "due_on"),
        ({"task-due_on": "2026-02-30"}, "due_on"),
        ("six years ahead", "due_on"),
        ("six years ago", "due_on"),
        ("before it arrived", "due_on"),
        ("outsider", "assignee"),
        ({"task-assignee": "999999"}, "assignee"),
    ],
)
def test_invalid_task_input_is_a_400_and_nothing_is_saved(
    client, adviser, outsider, mine, change, field
):
    client.force_login(adviser.user)
    if change == "six years ahead":
        change = {"task-due_on": (today() + timedelta(days=6 * 366)).isoformat()}
    elif change == "six years ago":
        change = {"task-due_on": (today() - timedelta(days=6 * 366)).isoformat()}
    elif change == "before it arrived":
        change = {"task-due_on": (today() - timedelta(days=1)).isoformat()}
    elif change == "outsider":
        change = {"task-assignee": outsider.pk}
    response = client.post(url(mine, "task_add"), task_data(adviser.user, **change))
    assert response.status_code == 400
    assert "The task was not added" in response.content.decode()
    assert field in response.context["task_form"].errors
    assert not Task.objects.exists()
    assert not events_of(mine, EnquiryEvent.Kind.TASK_ADDED)


def test_the_task_service_refuses_an_assignee_without_a_desk_role(mine, adviser, outsider):
    with pytest.raises(ValidationError) as error:
        services.task_add(
            enquiry=mine, title="Call", due_on=today(), assignee=outsider, actor=adviser.user
        )
    assert "assignee" in error.value.message_dict
    assert not Task.objects.exists()


def test_tasks_need_sign_in_and_a_desk_role_and_others_records_are_not_found(
    client, adviser, outsider, mine, theirs
):
    assert client.post(url(mine, "task_add"), task_data(adviser.user)).status_code == 302
    client.force_login(outsider)
    assert client.post(url(mine, "task_add"), task_data(adviser.user)).status_code == 403
    client.force_login(adviser.user)
    assert client.post(url(theirs, "task_add"), task_data(adviser.user)).status_code == 404
    assert not Task.objects.exists()


@pytest.fixture
def task(mine, adviser, manager):
    """Set by the manager for Ada."""
    return services.task_add(
        enquiry=mine, title="Send the letter", due_on=today(), assignee=adviser.user,
        actor=manager.user,
    )  # fmt: skip


@pytest.mark.parametrize("who", ["adviser", "manager"])
def test_the_assignee_or_the_creator_marks_a_task_done(client, request, who, task, mine):
    person = request.getfixturevalue(who)
    client.force_login(person.user)
    response = client.post(url(mine, "task_done", task.pk))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == person.user
    [event] = events_of(mine, EnquiryEvent.Kind.TASK_DONE)
    assert event.actor == person.user
    assert "Task done: Send the letter" in messages_of(client.get(url(mine)))
    # A second click records nothing more.
    client.post(url(mine, "task_done", task.pk))
    assert len(events_of(mine, EnquiryEvent.Kind.TASK_DONE)) == 1


def test_a_manager_who_did_not_set_it_may_mark_a_task_done(client, adviser, mine, teams):
    task = services.task_add(
        enquiry=mine, title="Call", due_on=today(), assignee=adviser.user, actor=adviser.user
    )
    boss = AdviserFactory(first_name="Bea", manager=True, teams=[teams["triage"]])
    client.force_login(boss.user)
    assert client.post(url(mine, "task_done", task.pk)).status_code == 302


def test_a_colleague_who_neither_holds_nor_set_the_task_cannot_mark_it_done(
    client, teammate, task, mine
):
    client.force_login(teammate.user)
    assert client.post(url(mine, "task_done", task.pk)).status_code == 403
    task.refresh_from_db()
    assert task.done_at is None
    body = client.get(url(mine)).content.decode()
    assert "Send the letter" in body and "Mark done" not in body


def test_mark_done_of_another_enquirys_task_or_someone_elses_enquiry_is_not_found(
    client, adviser, other_adviser, task, mine, theirs
):
    client.force_login(adviser.user)
    assert client.post(url(theirs, "task_done", task.pk)).status_code == 404
    client.force_login(other_adviser.user)
    assert client.post(url(mine, "task_done", task.pk)).status_code == 404
    response = client.post(url(mine, "task_done", task.pk))
    assert response.status_code == 404
    client.logout()
    assert client.post(url(mine, "task_done", task.pk)).status_code == 302
    task.refresh_from_db()
    assert task.done_at is None


def arrived_days_ago(enquiry, days: int) -> None:
    """Date the enquiry's arrival back, so that work on it can be dated before today."""
    Enquiry.objects.filter(pk=enquiry.pk).update(received_at=timezone.now() - timedelta(days=days))
    enquiry.refresh_from_db()


def test_a_task_due_or_time_spent_before_the_enquiry_arrived_is_refused(adviser, mine):
    arrived_days_ago(mine, 3)
    arrived = timezone.localdate(mine.received_at)
    with pytest.raises(ValidationError, match="cannot be due before then"):
        services.task_add(
            enquiry=mine, title="Call", due_on=arrived - timedelta(days=1),
            assignee=adviser.user, actor=adviser.user,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="time spent before then"):
        services.time_record(
            enquiry=mine, minutes=10, activity="research",
            spent_on=arrived - timedelta(days=1), actor=adviser.user,
        )  # fmt: skip
    assert not Task.objects.exists() and not TimeEntry.objects.exists()
    # The day it arrived is fine for both.
    services.task_add(
        enquiry=mine, title="Call", due_on=arrived, assignee=adviser.user, actor=adviser.user
    )
    services.time_record(
        enquiry=mine, minutes=10, activity="research", spent_on=arrived, actor=adviser.user
    )


def test_the_task_list_shows_state_in_words_with_mark_done_buttons(client, adviser, task, mine):
    arrived_days_ago(mine, 10)
    services.task_add(
        enquiry=mine,
        title="Chase the owner",
        due_on=today() - timedelta(days=2),
        assignee=adviser.user,
        actor=adviser.user,
    )
    client.force_login(adviser.user)
    response = client.get(url(mine))
    body = response.content.decode()
    assert "Overdue" in body and "Open" in body
    assert body.count("Mark done") == 2
    assert [t.title for t, _ in response.context["tasks"]] == ["Chase the owner", "Send the letter"]
    assert unlabelled_controls(body) == []


# --- time ------------------------------------------------------------------------------------


def test_adviser_records_time_and_the_total_is_shown(client, adviser, mine):
    client.force_login(adviser.user)
    assert client.post(url(mine, "time_record"), time_data()).status_code == 302
    assert (
        client.post(url(mine, "time_record"), time_data(**{"time-minutes": "30"})).status_code
        == 302
    )
    entry = TimeEntry.objects.filter(enquiry=mine).first()
    assert entry.adviser == adviser.user and entry.activity == "call"
    assert len(events_of(mine, EnquiryEvent.Kind.TIME_RECORDED)) == 2
    body = client.get(url(mine)).content.decode()
    assert "Total time recorded: <strong>1 hour 15 minutes</strong>" in body


@pytest.mark.parametrize(
    "change, field",
    [
        ({"time-minutes": "0"}, "minutes"),
        ({"time-minutes": "-5"}, "minutes"),
        ({"time-minutes": "1441"}, "minutes"),
        ({"time-minutes": "lots"}, "minutes"),
        ({"time-activity": "lunch"}, "activity"),
        ("tomorrow", "spent_on"),
        ("before it arrived", "spent_on"),
        ({"time-spent_on": "yesterday"}, "spent_on"),
    ],
)
def test_invalid_time_is_a_400_and_nothing_is_saved(client, adviser, mine, change, field):
    if change == "tomorrow":
        change = {"time-spent_on": (today() + timedelta(days=1)).isoformat()}
    elif change == "before it arrived":  # ``mine`` arrived today
        change = {"time-spent_on": (today() - timedelta(days=1)).isoformat()}
    client.force_login(adviser.user)
    response = client.post(url(mine, "time_record"), time_data(**change))
    assert response.status_code == 400
    assert "The time was not recorded" in response.content.decode()
    assert field in response.context["time_form"].errors
    assert not TimeEntry.objects.exists()
    assert not events_of(mine, EnquiryEvent.Kind.TIME_RECORDED)


def test_time_needs_sign_in_and_a_desk_role_and_others_records_are_not_found(
    client, adviser, outsider, mine, theirs
):
    assert client.post(url(mine, "time_record"), time_data()).status_code == 302
    client.force_login(outsider)
    assert client.post(url(mine, "time_record"), time_data()).status_code == 403
    client.force_login(adviser.user)
    assert client.post(url(theirs, "time_record"), time_data()).status_code == 404
    assert not TimeEntry.objects.exists()


def test_the_database_refuses_minutes_out_of_range(mine, adviser):
    from django.db import IntegrityError, transaction

    for minutes in (0, 24 * 60 + 1):
        with pytest.raises(IntegrityError), transaction.atomic():
            TimeEntry.objects.create(
                enquiry=mine, adviser=adviser.user, minutes=minutes, activity="call",
                spent_on=today(),
            )  # fmt: skip


# --- the timeline ----------------------------------------------------------------------------


def fill(enquiry, adviser, manager, n: int) -> None:
    """``n`` of each kind of entry: notes, messages, tasks (half done), time, status changes."""
    for i in range(n):
        services.note_add(enquiry=enquiry, body=f"Note {i}", actor=adviser.user)
        Message.objects.create(enquiry=enquiry, sender=Message.Sender.GROUP, body=f"Message {i}")
        task = services.task_add(
            enquiry=enquiry, title=f"Task {i}", due_on=today(), assignee=adviser.user,
            actor=manager.user,
        )  # fmt: skip
        if i % 2:
            services.task_complete(task=task, actor=adviser.user)
        services.time_record(
            enquiry=enquiry, minutes=10, activity="research", spent_on=today(), actor=adviser.user
        )
        enquiry.refresh_from_db()
        waiting = enquiry.status == Status.AWAITING_GROUP
        status = Status.IN_PROGRESS if waiting else Status.AWAITING_GROUP
        enquiry_change_status(enquiry=enquiry, status=status, actor=adviser.user)


def test_the_timeline_merges_every_kind_newest_first(client, adviser, manager, mine):
    fill(mine, adviser, manager, 2)
    client.force_login(adviser.user)
    response = client.get(url(mine), {"order": "newest"})
    timeline = response.context["timeline"]
    assert [e.at for e in timeline] == sorted((e.at for e in timeline), reverse=True)
    kinds = {e.kind for e in timeline}
    assert kinds == {"notes", "messages", "tasks", "time", "status", "assignments", "events"}
    assert timeline[-1].text == "Received (Web form)"
    labels = {e.label for e in timeline}
    assert {"Internal note", "Message from the group", "Task added", "Task done"} <= labels
    assert {"Time recorded", "Status changed", "Assigned", "Received"} <= labels
    # Staff-only entries say so in words; what the group knows about does not.
    internal = {e.kind: e.internal for e in timeline}
    assert internal["notes"] and internal["tasks"] and internal["time"]
    assert not internal["messages"] and not internal["status"]
    body = response.content.decode()
    assert "Seen by the group" in body and "Internal</span>" in body
    # Adding a note, task or time is not listed twice (once as the row, once as its event).
    assert not any(e.label in ("Internal note added",) for e in timeline)


def test_the_timeline_lists_recorded_key_dates(client, adviser, mine):
    from datetime import date

    clocks_services.key_date_record(
        enquiry=mine, trigger="disposal-notice-received", date=date(2026, 3, 2), actor=adviser.user
    )
    client.force_login(adviser.user)
    timeline = client.get(url(mine), {"show": "key_dates"}).context["timeline"]
    assert [e.kind for e in timeline] == ["key_dates"]
    assert "Key date recorded" in timeline[0].text and "2026-03-02" in timeline[0].text


@pytest.mark.parametrize(
    "show, kinds",
    [
        ("notes", {"notes"}),
        ("messages", {"messages"}),
        ("tasks", {"tasks"}),
        ("time", {"time"}),
        ("status", {"status"}),
        ("assignments", {"assignments"}),
        ("events", {"events"}),
    ],
)
def test_the_timeline_filters_by_kind_with_a_plain_link(
    client, adviser, manager, mine, show, kinds
):
    fill(mine, adviser, manager, 2)
    client.force_login(adviser.user)
    response = client.get(url(mine), {"show": show})
    assert response.status_code == 200
    timeline = response.context["timeline"]
    assert timeline and {e.kind for e in timeline} == kinds
    body = response.content.decode()
    assert f'href="?show={show}#timeline-heading" aria-current="page"' in body


def test_an_unknown_filter_shows_everything(client, adviser, manager, mine):
    fill(mine, adviser, manager, 1)
    client.force_login(adviser.user)
    response = client.get(url(mine), {"show": "secrets"})
    assert response.status_code == 200 and response.context["show"] == "all"


def test_the_timeline_is_bounded_to_the_newest_200(mine, adviser, monkeypatch):
    monkeypatch.setattr(workspace_selectors, "TIMELINE_LIMIT", 5)
    for i in range(8):
        services.note_add(enquiry=mine, body=f"Note {i}", actor=adviser.user)
    timeline = workspace_selectors.enquiry_timeline(enquiry=mine)
    assert len(timeline) == 5 and timeline[0].text == "Note 7"


def test_the_workspace_forms_are_labelled(client, adviser, mine):
    client.force_login(adviser.user)
    body = client.get(url(mine)).content.decode()
    assert unlabelled_controls(body) == []
    for text in ("Send an update to the group", "Add a task", "Record time", "Conversation"):
        assert text in body
    # The composer's other tab: the internal note.
    body = client.get(url(mine), {"compose": "note"}).content.decode()
    assert unlabelled_controls(body) == []
    assert "Add an internal note" in body and "Send an update to the group" not in body


def test_the_enquiry_page_runs_a_constant_number_of_queries_however_full_its_workspace(
    client, adviser, manager, mine, django_assert_num_queries
):
    fill(mine, adviser, manager, 1)
    client.force_login(adviser.user)
    client.get(url(mine))  # the reference lists are read once, then held
    with CaptureQueriesContext(connection) as one:
        client.get(url(mine), {"entries": "all"})
    fill(mine, adviser, manager, 14)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url(mine), {"entries": "all"})
    assert len(response.context["tasks"]) == 15
    assert sum(e.kind == "notes" for e in response.context["timeline"]) == 15


# --- my tasks due, on the queue --------------------------------------------------------------


def test_the_queue_lists_my_open_tasks_due_within_a_week_or_overdue(
    client, adviser, manager, mine, submit
):
    def add(title, days, who=adviser, enquiry=mine):
        return services.task_add(
            enquiry=enquiry, title=title, due_on=today() + timedelta(days=days),
            assignee=who.user, actor=manager.user,
        )  # fmt: skip

    arrived_days_ago(mine, 10)
    add("Overdue call", -3)
    add("Due soon", 7)
    add("Later", 8)
    add("For the manager", 1, who=manager)
    services.task_complete(task=add("Already done", 1), actor=adviser.user)
    client.force_login(adviser.user)
    response = client.get(QUEUE)
    due = response.context["tasks_due"]
    assert [t.title for t in due.tasks] == ["Overdue call", "Due soon"] and due.count == 2
    body = response.content.decode()
    assert "My tasks due" in body and f"{mine.reference}</a>: Overdue call" in body
    assert "(overdue)" in body and "Later" not in body


def test_the_queue_says_when_no_tasks_are_due(client, adviser):
    client.force_login(adviser.user)
    assert "No open tasks due within 7 days." in client.get(QUEUE).content.decode()


def test_my_tasks_due_runs_a_constant_number_of_queries(
    client, adviser, manager, topics, django_assert_num_queries
):
    def make(n):
        for i in range(n):
            enquiry = EnquiryFactory(assigned_to=adviser.user, topic=topics["right-to-bid"])
            services.task_add(
                enquiry=enquiry, title=f"Task {i}", due_on=today(), assignee=adviser.user,
                actor=manager.user,
            )  # fmt: skip

    client.force_login(adviser.user)
    make(1)
    client.get(QUEUE)  # the topic list is read once, then held (knowledgebase.reference_data)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    make(14)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(QUEUE)
    assert response.context["tasks_due"].count == 15
    assert len(response.context["tasks_due"].tasks) == 10


def test_the_timeline_shows_outcomes_and_letters_by_title(client, adviser, mine):
    from casework.cases.services import outcome_record

    outcome_record(
        enquiry=mine,
        code="referred",
        actor=adviser.user,
        referred_to="Plunkett Foundation",
        consent_to_refer=True,
    )
    EnquiryEvent.objects.create(
        enquiry=mine,
        kind=EnquiryEvent.Kind.LETTER_ISSUED,
        actor=adviser.user,
        data={"letter": 1, "title": "Six weeks to ask to bid"},
    )
    client.force_login(adviser.user)

    outcomes = client.get(url(mine), {"show": "outcomes"}).context["timeline"]
    letters = client.get(url(mine), {"show": "letters"}).context["timeline"]

    assert [e.label for e in outcomes] == ["Outcome"]
    assert "Plunkett Foundation" in outcomes[0].text
    assert [e.text for e in letters] == ["Letter issued: Six weeks to ask to bid"]
