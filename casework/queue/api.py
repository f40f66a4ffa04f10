"""The queue over the API: list (GET /enquiries/), claim, assign, and the advisers to assign
to. Reads go through selectors, commands through services."""

from typing import Any

from django.contrib.auth.models import User
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated

from casework.desk.api import (
    ERROR,
    FIELD_ERRORS,
    REFERENCE_PARAMETER,
    STAFF,
    EnquiryCommandView,
    EnquiryListSerializer,
    IsManager,
)
from casework.models import Adviser, Team
from casework.queue import selectors, services
from casework.queue.filters import EnquiryFilter
from config.api import AuthenticatedRequest
from enquiries import service_levels
from enquiries.models import Enquiry


class AdviserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    teams: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )

    class Meta:
        model = Adviser
        fields = ["id", "name", "teams"]
        read_only_fields = fields


class AssignInputSerializer(serializers.Serializer):
    adviser = serializers.PrimaryKeyRelatedField(
        queryset=Adviser.objects.filter(is_active=True),
        allow_null=True,
        help_text="An active adviser's id (GET /api/v1/advisers/), or null to return the "
        "enquiry to the team queue.",
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


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
class EnquiryListView(generics.ListAPIView):
    """The staff queue (GET /api/v1/enquiries/). POST to the same URL is the public intake,
    ``enquiries.intake.api.EnquiryIntakeView``, a separate view with its own policies: the
    root URLconf sends each method to its view (``config.api.MethodDispatch``)."""

    permission_classes = STAFF
    request: AuthenticatedRequest  # STAFF lets only signed-in staff through
    serializer_class = EnquiryListSerializer
    filter_backends = [EnquiryFilterSchemaBackend]
    filterset_class = EnquiryFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Enquiry.objects.none()
        user = self.request.user
        queue = self.request.query_params.get("queue", selectors.Queue.ALL)
        allowed = [key for key, _ in selectors.queues_for(user)]
        if queue not in allowed:
            raise ValidationError({"queue": [f"Choose one of: {', '.join(allowed)}."]})
        enquiries = selectors.enquiry_list(
            user=user, queue=queue, filters=self.request.query_params
        )
        # One query for every row's secondary topics, whatever the page's size.
        return enquiries.prefetch_related("secondary_topics")


@extend_schema_view(
    post=extend_schema(
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
)
class EnquiryClaimView(EnquiryCommandView):
    def act(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> None:
        services.enquiry_claim(enquiry=enquiry, actor=actor)


@extend_schema_view(
    post=extend_schema(
        operation_id="enquiries_assign",
        summary="Give an enquiry to an adviser, or back to the team queue (managers)",
        parameters=[REFERENCE_PARAMETER],
        request=AssignInputSerializer,
        responses={200: EnquiryListSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    )
)
class EnquiryAssignView(EnquiryCommandView):
    permission_classes = [IsAuthenticated, IsManager]
    input_serializer = AssignInputSerializer

    def act(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> None:
        services.enquiry_assign(
            enquiry=enquiry, actor=actor, adviser=data["adviser"], reason=data["reason"]
        )


@extend_schema_view(get=extend_schema(operation_id="advisers_list"))
class AdviserListView(generics.ListAPIView):
    """Active advisers, for choosing whom to assign an enquiry to."""

    permission_classes = STAFF
    serializer_class = AdviserSerializer

    def get_queryset(self):
        return selectors.adviser_list().order_by("user__first_name", "user__last_name", "pk")
