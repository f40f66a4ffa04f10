"""``config.rows.read_together`` gives back what each queryset would have, in one query."""

from datetime import timedelta

import pytest
from django.db.models import F

from casework.models import Assignment, KeyDate, Note, Task
from casework.workspace import services as workspace_services
from config.rows import as_prefetched, read_together
from enquiries.models import EnquiryEvent, Message

pytestmark = pytest.mark.django_db


def fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@pytest.fixture
def worked(submit, adviser, manager):
    """An enquiry with notes, tasks (one done) and events, whose values exercise the types:
    datetimes, dates, booleans, JSON, nullable foreign keys."""
    mine = submit(subject="The Red Lion")
    today = mine.received_at.date()
    for i in range(3):
        workspace_services.note_add(enquiry=mine, body=f"Note {i} «quoted»", actor=adviser.user)
        workspace_services.task_add(
            enquiry=mine, title=f"Task {i}", due_on=today + timedelta(days=i),
            assignee=manager.user if i else adviser.user, actor=adviser.user,
        )  # fmt: skip
    task = Task.objects.filter(enquiry=mine).first()
    workspace_services.task_complete(task=task, actor=adviser.user)
    return mine


def test_each_part_is_as_its_queryset_would_read_it_in_one_query(worked, django_assert_num_queries):
    parts = {
        "notes": Note.objects.filter(enquiry=worked).select_related("author"),
        "tasks": Task.objects.filter(enquiry=worked)
        .select_related("assignee", "created_by", "done_by")
        .order_by(F("done_at").asc(nulls_first=True), "due_on", "id"),
        "newest_events": EnquiryEvent.objects.filter(enquiry=worked)
        .select_related("actor")
        .order_by("-created_at", "-id")[:2],
        "assignments": Assignment.objects.filter(enquiry=worked).select_related(
            "adviser__user", "team", "assigned_by"
        ),
        "messages": Message.objects.filter(enquiry=worked).select_related("author", "email"),
        "none": KeyDate.objects.none(),
        # Slices with a start, without an end, and after distinct().
        "middle_events": EnquiryEvent.objects.filter(enquiry=worked)
        .select_related("actor")
        .order_by("-created_at", "-id")[1:3],
        "later_notes": Note.objects.filter(enquiry=worked).order_by("id")[1:],
        "first_distinct_tasks": Task.objects.filter(enquiry=worked).distinct().order_by("id")[:2],
    }
    with django_assert_num_queries(1):
        found = read_together(parts)
    assert found["none"] == []
    for name, queryset in parts.items():
        expected = list(queryset)
        assert [fields(row) for row in found[name]] == [fields(row) for row in expected], name
    with django_assert_num_queries(0):  # the joined rows came with them
        for task in found["tasks"]:
            assert task.assignee.username and task.created_by.username
            assert (task.done_by is None) == (task.done_at is None)
        for assignment in found["assignments"]:
            assert assignment.adviser is None or assignment.adviser.user.username
            assert assignment.assigned_by is None or assignment.assigned_by.username
        for message in found["messages"]:
            assert getattr(message, "email", None) is None  # no email: cached as none
        for event in found["newest_events"]:
            assert isinstance(event.data, dict)
    assert found["tasks"][-1].done_at is not None  # the part's own order
    assert len(found["newest_events"]) == 2  # and its own slice
    assert len(found["middle_events"]) == 2
    assert found["middle_events"][0] == found["newest_events"][1]
    assert len(found["later_notes"]) == 2 and len(found["first_distinct_tasks"]) == 2


def test_nothing_to_read_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert read_together({"none": Note.objects.none()}) == {"none": []}


def test_rows_cached_as_if_prefetched(worked, django_assert_num_queries):
    found = read_together({"assignments": Assignment.objects.filter(enquiry=worked)})
    as_prefetched(worked, "assignments", found["assignments"])
    with django_assert_num_queries(0):
        assert list(worked.assignments.all()) == found["assignments"]


def test_what_it_cannot_carry_is_refused(worked):
    with pytest.raises(ValueError, match="cannot carry"):
        read_together({"notes": Note.objects.annotate(twice=F("id") * 2)})
    with pytest.raises(ValueError, match="does not prefetch"):
        read_together({"notes": Note.objects.prefetch_related("enquiry")})
