"""Staff REST API for the enquiry workspace: internal notes, tasks and time recorded.

As everywhere in the staff API: reads go through selectors and writes through services; someone
else's enquiry is a 404, a wrong role a 403, unusable input a 400 with field detail.
None of this is reachable by a group: every view here is staff-only.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.desk import selectors as desk_selectors
from casework.desk.api import (
    ERROR,
    FIELD_ERRORS,
    REFERENCE_PARAMETER,
    STAFF,
    EnquiryRowsView,
    PersonField,
    enquiry_rows_schema,
)
from casework.models import NOTE_MAX_LENGTH, Note, Task, TimeEntry
from casework.workspace import selectors, services
from casework.workspace.filters import TaskFilter, TimeEntryFilter
from config.api import AuthenticatedRequest
from config.limits import max_length
from enquiries.models import Enquiry


class NoteSerializer(serializers.ModelSerializer):
    author = PersonField()

    class Meta:
        model = Note
        fields = ["id", "body", "author", "created_at"]
        read_only_fields = fields


class NoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True)


class TaskSerializer(serializers.ModelSerializer):
    assignee = PersonField()
    assignee_id = serializers.IntegerField(read_only=True)
    created_by = PersonField()
    done_by = PersonField(allow_null=True)
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "due_on",
            "assignee",
            "assignee_id",
            "created_by",
            "is_done",
            "done_at",
            "done_by",
            "created_at",
        ]
        read_only_fields = fields


class MyTaskSerializer(TaskSerializer):
    enquiry = serializers.CharField(source="enquiry.reference", read_only=True)

    class Meta(TaskSerializer.Meta):
        fields = ["enquiry", *TaskSerializer.Meta.fields]
        read_only_fields = fields


class TaskInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=max_length(Task, "title"), allow_blank=True)
    due_on = serializers.DateField(help_text="YYYY-MM-DD, no more than 5 years away.")
    assignee = serializers.IntegerField(
        required=False,
        help_text="The user id of the member of desk staff the task is for; yourself if left out.",
    )


class TimeEntrySerializer(serializers.ModelSerializer):
    adviser = PersonField()

    class Meta:
        model = TimeEntry
        fields = ["id", "minutes", "activity", "spent_on", "note", "adviser", "created_at"]
        read_only_fields = fields


class TimeEntryInputSerializer(serializers.Serializer):
    minutes = serializers.IntegerField(help_text="1 to 1440 (24 hours).")
    activity = serializers.ChoiceField(choices=TimeEntry.Activity.choices)
    spent_on = serializers.DateField(help_text="YYYY-MM-DD, not in the future.")
    note = serializers.CharField(
        max_length=max_length(TimeEntry, "note"),
        required=False,
        allow_blank=True,
        default="",
    )


class _EnquiryListView(EnquiryRowsView):
    """A paginated list of one visible enquiry's rows; POST adds one through a service."""

    # (That docstring is the schema's description of each operation below.)


@enquiry_rows_schema(
    get=("enquiries_notes_list", "An enquiry's internal notes, newest first (staff)"),
    post=("enquiries_notes_create", "Add an internal note; the group never sees it (staff)"),
)
class NoteCollectionView(_EnquiryListView):
    model = Note
    serializer_class = NoteSerializer
    input_serializer = NoteInputSerializer

    def rows(self, enquiry: Enquiry) -> QuerySet[Note]:
        return selectors.note_list(enquiry=enquiry)

    def create(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> Note:
        return services.note_add(enquiry=enquiry, actor=actor, **data)


@enquiry_rows_schema(
    get=("enquiries_tasks_list", "An enquiry's tasks, open ones first, soonest due first (staff)"),
    post=("enquiries_tasks_create", "Add a task for a member of desk staff (staff)"),
)
class TaskCollectionView(_EnquiryListView):
    model = Task
    serializer_class = TaskSerializer
    input_serializer = TaskInputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TaskFilter

    def rows(self, enquiry: Enquiry) -> QuerySet[Task]:
        return selectors.task_queryset(enquiry=enquiry)

    def create(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> Task:
        data = dict(data)
        assignee_id = data.pop("assignee", actor.pk)
        assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None:
            raise ValidationError({"assignee": ["No active user has this id."]})
        return services.task_add(enquiry=enquiry, actor=actor, assignee=assignee, **data)


class TaskDoneView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_tasks_done",
        summary="Mark a task done (its assignee, whoever set it, or a manager)",
        parameters=[
            REFERENCE_PARAMETER,
            OpenApiParameter("task_id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        request=None,
        responses={200: TaskSerializer, 403: ERROR, 404: ERROR},
    )
    def post(self, request: AuthenticatedRequest, reference: str, task_id: int) -> Response:
        enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
        task = selectors.task_get(enquiry=enquiry, task_id=task_id)
        task = services.task_complete(task=task, actor=request.user)
        return Response(TaskSerializer(selectors.task_get(enquiry=enquiry, task_id=task.pk)).data)


@enquiry_rows_schema(
    get=("enquiries_time_list", "Time recorded on an enquiry, latest day first (staff)"),
    post=("enquiries_time_create", "Record time spent on an enquiry (staff)"),
)
class TimeEntryCollectionView(_EnquiryListView):
    model = TimeEntry
    serializer_class = TimeEntrySerializer
    input_serializer = TimeEntryInputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TimeEntryFilter

    def rows(self, enquiry: Enquiry) -> QuerySet[TimeEntry]:
        return selectors.time_entry_list(enquiry=enquiry)

    def create(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> TimeEntry:
        return services.time_record(enquiry=enquiry, actor=actor, **data)


@extend_schema_view(
    get=extend_schema(
        operation_id="tasks_mine_list",
        summary="Your tasks on enquiries you can see: open first, soonest due first (staff)",
        description='`?state=open&due_before=<today + 7 days>` is the desk\'s "my tasks due".',
        responses={200: MyTaskSerializer(many=True), 400: FIELD_ERRORS, 403: ERROR},
    )
)
class MyTaskListView(generics.ListAPIView):
    permission_classes = STAFF
    request: AuthenticatedRequest  # STAFF lets only signed-in staff through
    serializer_class = MyTaskSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TaskFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        return selectors.task_list_for_user(user=self.request.user)
