"""Staff REST API: the queue, one enquiry, claim/assign/status commands, organisations,
contacts and advisers. Reads go through selectors, commands through services;
there is no generic writable viewset."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import policies, selectors, services
from casework.filters import EnquiryFilter
from casework.models import Adviser, Assignment
from enquiries.api import EnquiryIntakeView
from enquiries.models import Contact, Enquiry, Organisation, Status
from enquiries.selectors import contact_list, organisation_list
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


# --- serializers -----------------------------------------------------------------------------


class AdviserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class OrganisationSerializer(serializers.ModelSerializer):
    local_authority = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "org_type", "local_authority", "postcode", "created_at"]


class ContactSerializer(serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(read_only=True)

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


class EnquiryListSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    local_authority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organisation = serializers.CharField(source="organisation.name", default=None)
    assigned_to = serializers.SerializerMethodField()

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
        ]

    def get_assigned_to(self, enquiry: Enquiry) -> str | None:
        user = enquiry.assigned_to
        return (user.get_full_name() or user.get_username()) if user else None


class AssignmentSerializer(serializers.ModelSerializer):
    adviser = serializers.CharField(source="adviser.name", default=None)
    team = serializers.CharField(source="team.name", default=None)
    assigned_by = serializers.CharField(source="assigned_by.get_username", default=None)

    class Meta:
        model = Assignment
        fields = ["adviser", "team", "method", "assigned_by", "reason", "is_current", "created_at"]


class EnquiryDetailSerializer(EnquiryListSerializer):
    organisation = OrganisationSerializer()
    contact = ContactSerializer()
    assignments = AssignmentSerializer(many=True)

    class Meta(EnquiryListSerializer.Meta):
        fields = [
            *EnquiryListSerializer.Meta.fields,
            "message",
            "asset_name",
            "asset_address",
            "contact",
            "assignments",
        ]


class AssignInputSerializer(serializers.Serializer):
    adviser = serializers.PrimaryKeyRelatedField(
        queryset=Adviser.objects.filter(is_active=True),
        allow_null=True,
        help_text="Adviser id, or null to return the enquiry to the team queue.",
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


# --- views -------------------------------------------------------------------------------------


class EnquiryCollectionView(EnquiryIntakeView, generics.ListAPIView):
    """GET: the staff queue (desk staff only). POST: public intake (see ``EnquiryIntakeView``)."""

    serializer_class = EnquiryListSerializer
    # Declared for the OpenAPI schema; the selector applies the same FilterSet itself.
    filter_backends = [DjangoFilterBackend]
    filterset_class = EnquiryFilter

    def get_authenticators(self):
        if self.request.method == "POST":
            return []
        return [auth() for auth in generics.ListAPIView.authentication_classes]

    def get_permissions(self):
        if self.request.method == "POST":
            return super().get_permissions()
        return [permission() for permission in STAFF]

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(
        operation_id="enquiries_list",
        summary="List enquiries in a queue (staff)",
        parameters=[
            OpenApiParameter(
                "queue",
                str,
                enum=[selectors.Queue.MINE, selectors.Queue.TEAM, selectors.Queue.ALL],
                description="mine: assigned to me; team: my teams' unassigned; all: every enquiry "
                "I may see (default). Without a status filter only open enquiries "
                "are listed.",
            )
        ],
        responses=EnquiryListSerializer(many=True),
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        queue = request.query_params.get("queue", selectors.Queue.ALL)
        allowed = [key for key, _ in selectors.queues_for(request.user)]
        if queue not in allowed:
            raise ValidationError({"queue": [f"Choose one of: {', '.join(allowed)}."]})
        try:
            queryset = selectors.enquiry_list(
                user=request.user, queue=queue, filters=request.query_params
            )
        except selectors.FilterError as error:
            raise ValidationError(error.errors) from None
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class EnquiryDetailView(APIView):
    permission_classes = STAFF

    @extend_schema(operation_id="enquiries_retrieve", responses=EnquiryDetailSerializer)
    def get(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(
            user=request.user, reference=reference, with_history=True
        )
        return Response(EnquiryDetailSerializer(enquiry).data)


def _command_response(reference: str, request: Request) -> Response:
    enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
    return Response(EnquiryListSerializer(enquiry).data)


class EnquiryClaimView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_claim",
        request=None,
        responses={
            200: EnquiryListSerializer,
            409: OpenApiResponse(description="Already taken by someone else"),
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
        return _command_response(reference, request)


class EnquiryAssignView(APIView):
    permission_classes = [IsAuthenticated, IsManager]

    @extend_schema(
        operation_id="enquiries_assign",
        request=AssignInputSerializer,
        responses=EnquiryListSerializer,
    )
    def post(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        serializer = AssignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.enquiry_assign(
            enquiry=enquiry,
            actor=request.user,
            adviser=serializer.validated_data["adviser"],
            reason=serializer.validated_data["reason"],
        )
        return _command_response(reference, request)


class EnquiryStatusView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_set_status",
        request=StatusInputSerializer,
        responses=EnquiryListSerializer,
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
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        return _command_response(reference, request)


@extend_schema_view(get=extend_schema(operation_id="organisations_list"))
class OrganisationListView(generics.ListAPIView):
    permission_classes = STAFF
    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return (
            organisation_list()
            .filter(
                enquiries__in=selectors.enquiry_visible_queryset(user=self.request.user).values(
                    "pk"
                )
            )
            .distinct()
        )


class OrganisationDetailView(generics.RetrieveAPIView):
    permission_classes = STAFF
    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return OrganisationListView.get_queryset(self)


@extend_schema_view(get=extend_schema(operation_id="contacts_list"))
class ContactListView(generics.ListAPIView):
    permission_classes = STAFF
    serializer_class = ContactSerializer

    def get_queryset(self):
        return (
            contact_list()
            .filter(
                enquiries__in=selectors.enquiry_visible_queryset(user=self.request.user).values(
                    "pk"
                )
            )
            .distinct()
        )


class ContactDetailView(generics.RetrieveAPIView):
    permission_classes = STAFF
    serializer_class = ContactSerializer

    def get_queryset(self):
        return ContactListView.get_queryset(self)


class AdviserListView(generics.ListAPIView):
    permission_classes = STAFF
    serializer_class = AdviserSummarySerializer

    def get_queryset(self):
        return selectors.adviser_list()
