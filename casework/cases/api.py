"""Staff REST API for outcomes and cases.

As everywhere in the staff API: reads go through selectors and writes through services; a case or
enquiry the user may not see is a 404, a wrong role a 403, unusable input a 400 with field
detail. Commands are explicit endpoints; there is no generic update.
"""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.cases import selectors as cases
from casework.cases import services
from casework.cases.filters import OutcomeFilter
from casework.desk import api as desk_api
from casework.desk import selectors as desk_selectors
from casework.desk.api import (
    CASE_ID,
    ERROR,
    FIELD_ERRORS,
    STAFF,
    EnquiryRowsView,
    PersonField,
    enquiry_rows_schema,
)
from casework.models import Adviser, Case, Outcome
from casework.outcomes import DETAIL_MAX_LENGTH, REFERRED_TO_MAX_LENGTH
from config.api import AuthenticatedRequest
from config.limits import max_length
from enquiries.models import Enquiry
from enquiries.services import version_etag


class OutcomeSerializer(serializers.ModelSerializer):
    enquiry = serializers.CharField(source="enquiry.reference", read_only=True)
    case = serializers.IntegerField(source="case_id", read_only=True, allow_null=True)
    description = serializers.CharField(source="describe", read_only=True)
    recorded_by = PersonField()

    class Meta:
        model = Outcome
        fields = [
            "id",
            "enquiry",
            "case",
            "code",
            "description",
            "detail",
            "referred_to",
            "consent_to_refer",
            "plan_stage",
            "is_closing",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class OutcomeInputSerializer(serializers.Serializer):
    """Shape only (strings and booleans); the service checks the code and its details, so
    an unknown code is a 400 on ``code`` with the same words as the desk."""

    code = serializers.CharField(max_length=32, help_text="An outcome code, e.g. `referred`.")
    detail = serializers.CharField(
        max_length=DETAIL_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    referred_to = serializers.CharField(
        max_length=REFERRED_TO_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    consent_to_refer = serializers.BooleanField(required=False, default=False)
    plan_stage = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    is_closing = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The outcome that closes the enquiry (at most one); then set its status.",
    )


class CaseSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    lead_adviser = serializers.CharField(source="lead_adviser.name", read_only=True)
    enquiries = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "status",
            "lead_adviser",
            "opened_at",
            "closed_at",
            "asset_name",
            "asset_address",
            "plan_name",
            "enquiries",
            "version",
        ]
        read_only_fields = fields

    def get_enquiries(self, case: Case) -> list[str]:
        return [link.enquiry.reference for link in case.case_enquiries.all()]


class CaseTopicsSerializer(serializers.Serializer):
    primary = serializers.ListField(
        child=serializers.CharField(), help_text="Each enquiry's topic, once each."
    )
    also_about = serializers.ListField(
        child=serializers.CharField(),
        help_text="The enquiries' secondary topics that are no enquiry's topic, once each.",
    )


class CaseDetailSerializer(CaseSerializer):
    outcomes = serializers.SerializerMethodField()
    topics = serializers.SerializerMethodField(
        help_text="What the case is about, from its enquiries (a case has no topic itself)."
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "topics", "outcomes"]
        read_only_fields = fields

    @extend_schema_field(CaseTopicsSerializer)
    def get_topics(self, case: Case) -> dict[str, list[str]]:
        enquiries = cases.case_enquiries_with_topics(case=case)
        return cases.case_topics(enquiries=enquiries).as_dict()

    @extend_schema_field(OutcomeSerializer(many=True))
    def get_outcomes(self, case: Case) -> list[dict]:
        # many=True makes a ListSerializer, whose data is a list; drf-stubs says a dict.
        return OutcomeSerializer(cases.outcome_list(case=case), many=True).data  # type: ignore[return-value]


class CaseOpenSerializer(serializers.Serializer):
    enquiry = serializers.CharField(max_length=20, help_text="The enquiry's reference.")
    title = serializers.CharField(max_length=max_length(Case, "title"), allow_blank=True)
    plan_name = serializers.CharField(
        max_length=max_length(Case, "plan_name"),
        required=False,
        allow_blank=True,
        default="",
    )


class CaseEditSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you edited (or send If-Match)."
    )
    title = serializers.CharField(
        max_length=max_length(Case, "title"), required=False, allow_blank=True
    )
    asset_name = serializers.CharField(
        max_length=max_length(Case, "asset_name"), required=False, allow_blank=True
    )
    asset_address = serializers.CharField(
        max_length=Case.ASSET_ADDRESS_MAX_LENGTH, required=False, allow_blank=True
    )
    plan_name = serializers.CharField(
        max_length=max_length(Case, "plan_name"), required=False, allow_blank=True
    )
    lead_adviser = serializers.PrimaryKeyRelatedField(
        queryset=Adviser.objects.filter(is_active=True),
        required=False,
        help_text="An active adviser's id (GET /api/v1/advisers/).",
    )


class CaseStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Case.Status.choices)


def _case_out(user, case_id: int, serializer=CaseDetailSerializer) -> dict:
    case = cases.case_list_with_enquiries(user=user, show=cases.CaseList.ALL).get(pk=case_id)
    return serializer(case).data


@extend_schema_view(
    get=extend_schema(
        operation_id="cases_list",
        summary="Cases the user can see, newest first (staff); ?show=mine for those they lead",
        parameters=[
            OpenApiParameter("show", OpenApiTypes.STR, enum=["mine", "all"], required=False)
        ],
        responses={200: CaseSerializer(many=True), 403: ERROR},
    )
)
class CaseCollectionView(generics.ListAPIView):
    permission_classes = STAFF
    request: AuthenticatedRequest  # STAFF lets only signed-in staff through
    serializer_class = CaseSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        show = self.request.query_params.get("show", cases.CaseList.ALL)
        if show not in (cases.CaseList.MINE, cases.CaseList.ALL):
            raise ValidationError({"show": ['Choose "mine" or "all".']})
        return cases.case_list_with_enquiries(user=self.request.user, show=show)

    @extend_schema(
        operation_id="cases_open",
        summary="Open a case from an enquiry, led by you (advisers)",
        request=CaseOpenSerializer,
        responses={201: CaseDetailSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = CaseOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        enquiry = desk_selectors.enquiry_get_for_user(
            user=request.user, reference=data.pop("enquiry")
        )
        case = services.case_open_from_enquiry(enquiry=enquiry, actor=request.user, **data)
        return Response(_case_out(request.user, case.pk), status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="cases_retrieve",
        summary="One case with its enquiries and outcomes (staff)",
        parameters=[CASE_ID],
        responses={200: CaseDetailSerializer, 403: ERROR, 404: ERROR},
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = cases.case_get_for_user(user=request.user, case_id=case_id)
        response = Response(_case_out(request.user, case.pk))
        response["ETag"] = version_etag(response.data["version"])
        return response

    @extend_schema(
        operation_id="cases_partial_update",
        summary="Edit a case's details; refused if it changed since your version (lead or manager)",
        parameters=[CASE_ID, desk_api.IF_MATCH],
        request=CaseEditSerializer,
        responses={
            200: CaseDetailSerializer,
            400: FIELD_ERRORS,
            403: ERROR,
            404: ERROR,
            409: desk_api.STALE,
            428: desk_api.NO_VERSION,
        },
    )
    def patch(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = cases.case_get_for_user(user=request.user, case_id=case_id)
        serializer = CaseEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = desk_api.expected_version(request)
        if version is None:
            return desk_api.precondition_required()
        changes = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        services.case_edit(case=case, expected_version=version, changes=changes, actor=request.user)
        response = Response(_case_out(request.user, case.pk))
        response["ETag"] = version_etag(response.data["version"])
        return response


class CaseStatusView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="cases_set_status",
        summary="Change a case's status; closing needs an outcome on the case (lead or manager)",
        parameters=[CASE_ID],
        request=CaseStatusSerializer,
        responses={200: CaseDetailSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    )
    def post(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = cases.case_get_for_user(user=request.user, case_id=case_id)
        serializer = CaseStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.case_set_status(
            case=case, status=serializer.validated_data["status"], actor=request.user
        )
        return Response(_case_out(request.user, case.pk))


@enquiry_rows_schema(
    get=("enquiries_outcomes_list", "An enquiry's outcomes, newest first (staff)"),
    post=(
        "enquiries_outcomes_create",
        "Record an outcome on an enquiry (staff; a closing one: its adviser or a manager)",
    ),
)
class OutcomeCollectionView(EnquiryRowsView):
    model = Outcome
    serializer_class = OutcomeSerializer
    input_serializer = OutcomeInputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OutcomeFilter

    def rows(self, enquiry: Enquiry) -> QuerySet[Outcome]:
        return cases.outcome_list(enquiry=enquiry)

    def create(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> Outcome:
        return services.outcome_record(enquiry=enquiry, actor=actor, **data)
