"""The staff API's frame, shared by every feature: who counts as desk staff or a manager, the
enquiry a request may see, versioned edits (ETag / If-Match), and the schema's shared
parameters and responses. Views call services and let their refusals through:
``config.api.exception_handler`` answers them (a stale edit's 409 included)."""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import policies
from casework.desk import selectors
from casework.desk.forms import parse_version
from casework.desk.selectors import person
from casework.models import Assignment
from config.api import AuthenticatedRequest
from enquiries import service_levels
from enquiries.models import Enquiry
from knowledgebase.models import LocalAuthority, Topic


class IsDeskStaff(BasePermission):
    message = "Only desk staff (advisers and managers) can use this endpoint."

    def has_permission(self, request, view) -> bool:
        return policies.is_staff_member(request.user)


class IsManager(BasePermission):
    message = "Only managers can use this endpoint."

    def has_permission(self, request, view) -> bool:
        return policies.is_manager(request.user)


STAFF = [IsAuthenticated, IsDeskStaff]


REFERENCE_PARAMETER = OpenApiParameter(
    "reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern=r"^CR-\d{4}-\d{6,}$",
    description="The enquiry's reference, e.g. CR-2026-000123.",
)


ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="`detail` says why.")


FIELD_ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Field name -> list of messages.")


def enquiry_for_request(request, reference: str):
    """The enquiry ``reference`` if the requester may see it, else 404."""
    return selectors.enquiry_get_for_user(user=request.user, reference=reference)


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag from the GET, e.g. "v3" (instead of `version` in the body).',
)


STALE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Someone changed the record since that version: `detail`, "
    "`current_version`, `changed_by`, `changed_at`. Nothing was saved.",
)  # the body of ``enquiries.services.StaleEdit``, answered by config.api.exception_handler


NO_VERSION = OpenApiResponse(
    OpenApiTypes.OBJECT, description="No `version` and no `If-Match`: say what you edited."
)


def expected_version(request: Request) -> int | None:
    """The version the client edited: ``version`` in the body, else ``If-Match``."""
    if isinstance(request.data, dict) and "version" in request.data:  # a JSON list has none
        version = parse_version(request.data.get("version"))
        if version is None:
            raise ValidationError({"version": ["A whole number from the record's GET."]})
        return version
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    version = parse_version(tag.removeprefix("v"))
    if version is None:
        raise ValidationError({"If-Match": ['Send the ETag from the GET, e.g. "v3".']})
    return version


def precondition_required() -> Response:
    return Response(
        {
            "detail": "Say which version you edited: `version` in the body or an If-Match "
            "header with the ETag from the GET."
        },
        status=status.HTTP_428_PRECONDITION_REQUIRED,
    )


class PersonField(serializers.CharField):
    """A user as their full name (or username)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return person(value) or ""  # DRF shows a missing user as null, never calling this


CASE_ID = OpenApiParameter("case_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class EnquiryListSerializer(serializers.ModelSerializer):
    topic: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    local_authority: serializers.SlugRelatedField[LocalAuthority] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    secondary_topics: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        read_only=True,
        help_text="What else it is about (slugs, at most 3), set by an adviser; never the "
        "topic itself.",
    )
    organisation = serializers.CharField(
        source="organisation.name", read_only=True, allow_null=True, default=None
    )
    assigned_to = serializers.SerializerMethodField(help_text="The adviser holding it, if any.")
    sla_state = serializers.SerializerMethodField(
        help_text="Service level now: on_track, at_risk, breached, paused, met, or none "
        "(no target). docs/service-levels.md."
    )
    sla_summary = serializers.SerializerMethodField(
        help_text='The service level in words, e.g. "2 working days left to first response".'
    )
    sla_working_days_left = serializers.SerializerMethodField(
        help_text="Working days to the running clock's due date; negative when overdue "
        "(or, once resolved late, how late); null when paused, met or without a target."
    )
    paused = serializers.SerializerMethodField(
        help_text="True while the desk waits for the group: the service-level clock is paused."
    )

    class Meta:
        model = Enquiry
        fields = [
            "reference",
            "subject",
            "channel",
            "topic",
            "secondary_topics",
            "local_authority",
            "organisation",
            "status",
            "priority",
            "received_at",
            "first_response_at",
            "closed_at",
            "assigned_to",
            "first_response_due",
            "resolution_due",
            "sla_state",
            "sla_summary",
            "sla_working_days_left",
            "paused",
        ]
        read_only_fields = fields

    def get_assigned_to(self, enquiry: Enquiry) -> str | None:
        return person(enquiry.assigned_to)

    def _sla(self, enquiry: Enquiry) -> service_levels.SlaState:
        # Worked out from the row's own fields, once per row: no query.
        memo = vars(enquiry)
        if memo.get("_sla_state") is None:
            memo["_sla_state"] = service_levels.sla_state(enquiry, timezone.localdate())
        return memo["_sla_state"]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[
                service_levels.ON_TRACK,
                service_levels.AT_RISK,
                service_levels.BREACHED,
                service_levels.PAUSED,
                service_levels.MET,
                service_levels.NO_TARGET,
            ]
        )
    )
    def get_sla_state(self, enquiry: Enquiry) -> str:
        return self._sla(enquiry).state

    def get_sla_summary(self, enquiry: Enquiry) -> str:
        return self._sla(enquiry).words

    def get_sla_working_days_left(self, enquiry: Enquiry) -> int | None:
        return self._sla(enquiry).days_left

    def get_paused(self, enquiry: Enquiry) -> bool:
        return enquiry.sla_paused_since is not None


class AssignmentSerializer(serializers.ModelSerializer):
    adviser = serializers.CharField(
        source="adviser.name", read_only=True, allow_null=True, default=None
    )
    team = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)
    assigned_by = serializers.SerializerMethodField(
        help_text="Who made the assignment; null when the desk routed it automatically."
    )

    class Meta:
        model = Assignment
        fields = ["adviser", "team", "method", "assigned_by", "reason", "is_current", "created_at"]
        read_only_fields = fields

    def get_assigned_by(self, assignment: Assignment) -> str | None:
        return person(assignment.assigned_by)


def command_response(request: Request, reference: str) -> Response:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return Response(EnquiryListSerializer(enquiry).data)


# The two shapes every feature's enquiry endpoints take. Comments, not docstrings:
# drf-spectacular would publish a base class's docstring as each subclass's description.


# An enquiry's rows (outcomes, notes, documents, letters...): GET lists them, paginated,
# as ``serializer_class`` shows them; POST checks ``input_serializer``, hands the data to
# the feature's service (``create``) and answers 201 with the new row. The enquiry comes
# from the URL's reference through the desk's selector: someone else's is a 404. A feature
# says only its ``model``, serializers, ``rows`` (its selector) and ``create`` (its service),
# and its schema with ``extend_schema_view(get=..., post=...)``.
class EnquiryRowsView(generics.ListAPIView):
    permission_classes = STAFF
    request: AuthenticatedRequest  # STAFF lets only signed-in staff through
    model: type[Model]  # for the schema generator's empty queryset
    input_serializer: type[serializers.Serializer]

    def enquiry(self) -> Enquiry:
        return enquiry_for_request(self.request, self.kwargs["reference"])

    def rows(self, enquiry: Enquiry) -> QuerySet[Any]:
        raise NotImplementedError

    def create(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> Model:
        raise NotImplementedError

    def input_data(self, request: Request) -> Any:
        return request.data

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.model._default_manager.none()
        return self.rows(self.enquiry())

    def post(self, request: AuthenticatedRequest, reference: str) -> Response:
        enquiry = self.enquiry()
        serializer = self.input_serializer(data=self.input_data(request))
        serializer.is_valid(raise_exception=True)
        row = self.create(enquiry, serializer.validated_data, request.user)
        return Response(self.get_serializer_class()(row).data, status=status.HTTP_201_CREATED)


def enquiry_rows_schema(
    *,
    get: tuple[str, str],
    post: tuple[str, str],
    request: Any = None,
    description: str | None = None,
):
    """The schema of an ``EnquiryRowsView``: ``get`` (the list) and ``post`` (the create) are
    each an operation id and a summary; the rows and the input are the view's serializers,
    unless ``request`` names the input's content types. ``description`` describes the POST."""

    def decorate(view: type[EnquiryRowsView]) -> type[EnquiryRowsView]:
        rows = view.serializer_class
        return extend_schema_view(
            get=extend_schema(
                operation_id=get[0],
                summary=get[1],
                parameters=[REFERENCE_PARAMETER],
                responses={200: rows(many=True), 403: ERROR, 404: ERROR},  # type: ignore[misc]
            ),
            post=extend_schema(
                operation_id=post[0],
                summary=post[1],
                description=description,
                parameters=[REFERENCE_PARAMETER],
                request=request or view.input_serializer,
                responses={201: rows, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
            ),
        )(view)

    return decorate


# A command on one enquiry (claim, assign, set its status...): POST checks
# ``input_serializer`` (if the command takes input), calls the feature's service (``act``)
# and answers the enquiry as the queue shows it, or what ``answer`` says.
class EnquiryCommandView(APIView):
    permission_classes = STAFF
    input_serializer: type[serializers.Serializer] | None = None

    def act(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> Any:
        raise NotImplementedError

    def answer(self, enquiry: Enquiry, result: Any) -> Response:
        return command_response(self.request, enquiry.reference)

    def post(self, request: AuthenticatedRequest, reference: str) -> Response:
        enquiry = enquiry_for_request(request, reference)
        data: dict[str, Any] = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        return self.answer(enquiry, self.act(enquiry, data, request.user))
