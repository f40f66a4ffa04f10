"""Staff REST API: the queue, one enquiry, claim/assign/status commands, organisations,
contacts and advisers. Reads go through selectors, commands through services;
there is no generic writable viewset. Visibility is the selectors' (someone
else's record is a 404); roles are ``policies``' (a wrong role is a 403)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import policies, selectors, services
from casework.filters import EnquiryFilter
from casework.models import Adviser, Assignment
from enquiries import service_levels
from enquiries import services as enquiry_services
from enquiries.api import (
    EnquiryIntakeInputSerializer,
    EnquiryIntakeView,
    intake_schema,
    intake_submit,
)
from enquiries.models import Contact, Enquiry, Organisation, Status
from enquiries.services import TransitionError


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


def call_service(action, *, field: str | None = None):
    """Run a service; its refusals become DRF's 403 and 400. A ``ValidationError`` keeps
    its fields; one without fields is reported under ``field`` (or as a list)."""
    try:
        return action()
    except DjangoPermissionDenied as error:
        raise PermissionDenied(str(error)) from None
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(error.message_dict) from None
        raise ValidationError({field: error.messages} if field else error.messages) from None


def enquiry_for_request(request, reference: str):
    """The enquiry ``reference`` if the requester may see it, else 404."""
    return selectors.enquiry_get_for_user(user=request.user, reference=reference)


def _person(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user else None


# --- serializers (output only: every field is read-only) ------------------------------------


class AdviserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    teams = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Adviser
        fields = ["id", "name", "teams"]
        read_only_fields = fields


class OrganisationSerializer(serializers.ModelSerializer):
    local_authority = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Organisation
        fields = ["id", "name", "org_type", "local_authority", "postcode", "created_at"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "organisation",
            "accessibility_needs",
            "consent_to_store",
            "consent_recorded_at",
            "created_at",
        ]
        read_only_fields = fields


class EnquiryListSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    local_authority = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
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
        return _person(enquiry.assigned_to)

    def _sla(self, enquiry: Enquiry) -> service_levels.SlaState:
        # Worked out from the row's own fields, once per row: no query.
        if getattr(enquiry, "_sla_state", None) is None:
            enquiry._sla_state = service_levels.sla_state(enquiry, timezone.localdate())
        return enquiry._sla_state

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
        return _person(assignment.assigned_by)


class EnquiryDetailSerializer(EnquiryListSerializer):
    organisation = OrganisationSerializer(read_only=True, allow_null=True)
    contact = ContactSerializer(read_only=True)
    logged_by = serializers.SerializerMethodField(
        help_text="The adviser who recorded it by hand; null for the web form and the API."
    )
    assignments = AssignmentSerializer(
        many=True, read_only=True, help_text="Newest first: who held it, and why."
    )

    class Meta(EnquiryListSerializer.Meta):
        fields = [
            *EnquiryListSerializer.Meta.fields,
            "message",
            "asset_name",
            "asset_address",
            "contact",
            "logged_by",
            "assignments",
        ]
        read_only_fields = fields

    def get_logged_by(self, enquiry: Enquiry) -> str | None:
        return _person(enquiry.logged_by)


class AssignInputSerializer(serializers.Serializer):
    adviser = serializers.PrimaryKeyRelatedField(
        queryset=Adviser.objects.filter(is_active=True),
        allow_null=True,
        help_text="An active adviser's id (GET /api/v1/advisers/), or null to return the "
        "enquiry to the team queue.",
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


# --- the queue and the intake share /enquiries/ --------------------------------------------


class EnquiryFilterSchemaBackend(DjangoFilterBackend):
    """Puts ``EnquiryFilter``'s parameters in the OpenAPI schema. The selector applies the
    FilterSet itself (the desk's queue page uses the same one), so this leaves rows alone."""

    def filter_queryset(self, request, queryset, view):
        return queryset


@extend_schema_view(
    get=extend_schema(
        operation_id="enquiries_list",
        summary="List enquiries in a queue (staff)",
        description="Advisers see their own enquiries and their teams' queues, managers every "
        "enquiry. Only the parameters listed here filter or order the list.",
        parameters=[
            OpenApiParameter(
                "topic",
                OpenApiTypes.STR,
                description="Topic slug; a top-level topic also matches its sub-topics.",
            ),
            OpenApiParameter("area", OpenApiTypes.STR, description="Local authority slug."),
            OpenApiParameter("region", OpenApiTypes.STR, description="Region slug."),
            OpenApiParameter(
                "adviser",
                OpenApiTypes.INT,
                description="Held by this adviser (an id from GET /api/v1/advisers/).",
            ),
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="An exact reference, or words in the subject."
            ),
            OpenApiParameter(
                "sla",
                OpenApiTypes.STR,
                enum=[service_levels.AT_RISK, service_levels.BREACHED],
                description="Service level: at_risk (the running clock is due within "
                "SLA_AT_RISK_WORKING_DAYS working days) or breached (overdue). Paused and "
                "resolved enquiries are neither. ordering=sla sorts by time to breach.",
            ),
            OpenApiParameter(
                "queue",
                OpenApiTypes.STR,
                enum=[selectors.Queue.MINE, selectors.Queue.TEAM, selectors.Queue.ALL],
                description="mine: assigned to me; team: my teams' unassigned; all: every "
                "enquiry I may see (default). Without a status filter only open enquiries "
                "are listed.",
            ),
        ],
        responses={200: EnquiryListSerializer(many=True), 400: FIELD_ERRORS, 403: ERROR},
    )
)
class EnquiryCollectionView(generics.ListAPIView):
    """GET: the staff queue. POST: the public intake (``enquiries.api.EnquiryIntakeView``).

    One URL, two audiences, so authentication, permissions, throttles and parsers
    are chosen per method. The class defaults are the staff rules: any method but
    POST stays staff-only.
    """

    permission_classes = STAFF
    serializer_class = EnquiryListSerializer
    filter_backends = [EnquiryFilterSchemaBackend]
    filterset_class = EnquiryFilter
    throttle_scope = EnquiryIntakeView.throttle_scope  # read by the intake throttle only

    def _is_intake(self) -> bool:
        # ``request`` is None while drf-spectacular builds the view for the schema.
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):
        if self._is_intake():
            return [authenticator() for authenticator in EnquiryIntakeView.authentication_classes]
        return super().get_authenticators()

    def get_permissions(self):
        if self._is_intake():
            return [permission() for permission in EnquiryIntakeView.permission_classes]
        return super().get_permissions()

    def get_throttles(self):
        if self._is_intake():
            return [throttle() for throttle in EnquiryIntakeView.throttle_classes]
        return super().get_throttles()

    def get_parsers(self):
        if self._is_intake():
            return [parser() for parser in EnquiryIntakeView.parser_classes]
        return super().get_parsers()

    def get_serializer_class(self):
        return EnquiryIntakeInputSerializer if self._is_intake() else EnquiryListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Enquiry.objects.none()
        user = self.request.user
        queue = self.request.query_params.get("queue", selectors.Queue.ALL)
        allowed = [key for key, _ in selectors.queues_for(user)]
        if queue not in allowed:
            raise ValidationError({"queue": [f"Choose one of: {', '.join(allowed)}."]})
        try:
            return selectors.enquiry_list(user=user, queue=queue, filters=self.request.query_params)
        except selectors.FilterError as error:
            raise ValidationError(error.errors) from None

    @intake_schema
    def post(self, request: Request) -> Response:
        return intake_submit(request)


# --- one enquiry and the commands on it --------------------------------------------------------


class EnquiryDetailView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_retrieve",
        summary="One enquiry with its assignment history (staff)",
        parameters=[REFERENCE_PARAMETER],
        responses={200: EnquiryDetailSerializer, 403: ERROR, 404: ERROR},
    )
    def get(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(
            user=request.user, reference=reference, with_history=True
        )
        enquiry_services.personal_data_access_record(
            enquiry=enquiry, viewer=request.user, channel="api"
        )
        return Response(EnquiryDetailSerializer(enquiry).data)


def _command_response(request: Request, reference: str) -> Response:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return Response(EnquiryListSerializer(enquiry).data)


class EnquiryClaimView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_claim",
        summary="Take an unassigned enquiry from the queue (staff)",
        parameters=[REFERENCE_PARAMETER],
        request=None,
        responses={
            200: EnquiryListSerializer,
            403: ERROR,
            404: ERROR,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Someone else holds it already (`detail`)."
            ),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        try:
            services.enquiry_claim(enquiry=enquiry, actor=request.user)
        except services.AlreadyAssigned as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        return _command_response(request, reference)


class EnquiryAssignView(APIView):
    permission_classes = [IsAuthenticated, IsManager]

    @extend_schema(
        operation_id="enquiries_assign",
        summary="Give an enquiry to an adviser, or back to the team queue (managers)",
        parameters=[REFERENCE_PARAMETER],
        request=AssignInputSerializer,
        responses={200: EnquiryListSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    )
    def post(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        serializer = AssignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.enquiry_assign(
                enquiry=enquiry,
                actor=request.user,
                adviser=serializer.validated_data["adviser"],
                reason=serializer.validated_data["reason"],
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        return _command_response(request, reference)


class EnquiryStatusView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_set_status",
        summary="Move an enquiry along its workflow (its adviser, or a manager)",
        parameters=[REFERENCE_PARAMETER],
        request=StatusInputSerializer,
        responses={200: EnquiryListSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    )
    def post(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        serializer = StatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.enquiry_set_status(
                enquiry=enquiry, actor=request.user, status=serializer.validated_data["status"]
            )
        except TransitionError as error:
            raise ValidationError({"status": [str(error)]}) from None
        except DjangoValidationError as error:  # closing without a closing outcome
            raise ValidationError(error.message_dict) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        return _command_response(request, reference)


# --- people and organisations (only those linked to enquiries the user may see) ---------------


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = STAFF
    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return selectors.organisation_list_for_user(user=self.request.user)


class ContactViewSet(viewsets.ReadOnlyModelViewSet):
    """Contacts are personal data: every contact a response shows is logged as opened."""

    permission_classes = STAFF
    serializer_class = ContactSerializer

    def get_queryset(self):
        return selectors.contact_list_for_user(user=self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        shown = page if page is not None else list(queryset)
        enquiry_services.contact_access_record(contacts=shown, viewer=request.user, channel="api")
        serializer = self.get_serializer(shown, many=True)
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        contact = self.get_object()
        enquiry_services.contact_access_record(
            contacts=[contact], viewer=request.user, channel="api"
        )
        return Response(self.get_serializer(contact).data)


@extend_schema_view(get=extend_schema(operation_id="advisers_list"))
class AdviserListView(generics.ListAPIView):
    """Active advisers, for choosing whom to assign an enquiry to."""

    permission_classes = STAFF
    serializer_class = AdviserSerializer

    def get_queryset(self):
        return selectors.adviser_list().order_by("user__first_name", "user__last_name", "pk")
