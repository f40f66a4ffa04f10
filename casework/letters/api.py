"""Staff REST API for guidance letters: list an enquiry's or a case's letters, issue one,
download its PDF; create a bulk batch and follow its progress (managers).

As elsewhere: reads through selectors, writes through services; someone else's enquiry or
case is a 404, a wrong role a 403, unusable input (an unknown template, placeholders the
enquiry cannot fill) a 400 with field detail. Letters are identified by the enquiry's
reference and the letter's number on it.
"""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.cases import selectors as cases
from casework.desk import selectors as desk_selectors
from casework.desk.api import (
    CASE_ID,
    ERROR,
    FIELD_ERRORS,
    REFERENCE_PARAMETER,
    STAFF,
    EnquiryRowsView,
    IsManager,
    enquiry_for_request,
    enquiry_rows_schema,
)
from casework.letters import batches, services
from casework.letters import selectors as letters
from casework.letters.services import BODY_MAX_LENGTH, TITLE_MAX_LENGTH
from casework.letters.views import _pdf_response
from casework.models import Letter, LetterBatch
from config.api import AuthenticatedRequest
from enquiries.models import Enquiry

LETTER_ID = OpenApiParameter("letter_id", OpenApiTypes.INT, OpenApiParameter.PATH)


BATCH_ID = OpenApiParameter("batch_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class LetterSerializer(serializers.ModelSerializer):
    enquiry = serializers.CharField(source="enquiry.reference", read_only=True)
    case = serializers.IntegerField(source="case_id", read_only=True, allow_null=True)
    template = serializers.CharField(source="template_version.template.slug", read_only=True)
    template_version = serializers.IntegerField(source="template_version.number", read_only=True)
    issued_by = serializers.SerializerMethodField()
    batch = serializers.IntegerField(source="batch_id", read_only=True, allow_null=True)

    class Meta:
        model = Letter
        fields = [
            "id",
            "enquiry",
            "case",
            "template",
            "template_version",
            "batch",
            "state",
            "title",
            "large_print",
            "sha256",
            "size",
            "pages",
            "issued_by",
            "issued_at",
            "published_at",
            "emailed_at",
            "error",
            "created_at",
        ]
        read_only_fields = fields

    def get_issued_by(self, letter: Letter) -> str:
        user = letter.issued_by
        return user.get_full_name() or user.get_username()


class LetterIssueSerializer(serializers.Serializer):
    template = serializers.SlugField(help_text="The letter template's slug.")
    template_version = serializers.IntegerField(
        required=False, min_value=1, help_text="A version number; the current one if left out."
    )
    title = serializers.CharField(
        required=False, max_length=TITLE_MAX_LENGTH, help_text="The template's title if left out."
    )
    body = serializers.CharField(
        required=False,
        max_length=BODY_MAX_LENGTH,
        trim_whitespace=False,
        help_text="Plain text; the template filled in for this enquiry if left out.",
    )
    case = serializers.IntegerField(required=False, min_value=1, help_text="Written from a case.")
    large_print = serializers.BooleanField(
        required=False, help_text="Suggested by the contact's access needs if left out."
    )
    publish = serializers.BooleanField(default=False)
    email = serializers.BooleanField(default=False)


@enquiry_rows_schema(
    get=("enquiries_letters_list", "An enquiry's letters, newest first (staff)"),
    post=(
        "enquiries_letters_issue",
        "Issue a letter: render, keep, and optionally publish or email it (staff)",
    ),
    description=(
        "Refused with 400 (on `body`) while the template would leave placeholders blank "
        "for this enquiry, naming them; 400 on `template` for an unknown template."
    ),
)
class EnquiryLetterCollectionView(EnquiryRowsView):
    model = Letter
    serializer_class = LetterSerializer
    input_serializer = LetterIssueSerializer

    def rows(self, enquiry: Enquiry) -> QuerySet[Letter]:
        return letters.letter_list_for_enquiry(enquiry=enquiry)

    def create(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> Letter:
        from casework.letters.compose import wants_large_print

        try:
            version = letters.letter_template_version_get(
                slug=data["template"], number=data.get("template_version")
            )
        except Http404:
            raise ValidationError(
                {"template": ["No active letter template has this slug and version."]}
            ) from None
        case = None
        if data.get("case"):
            case = cases.case_get_for_user(user=actor, case_id=data["case"])
        filled = services.letter_compose(
            enquiry=enquiry, template_version=version, actor=actor, case=case
        )
        return services.letter_issue(
            enquiry=enquiry,
            template_version=version,
            title=data.get("title", filled.title),
            body=data.get("body", filled.body),
            large_print=data.get(
                "large_print", wants_large_print(enquiry.contact.accessibility_needs)
            ),
            publish=data["publish"],
            email=data["email"],
            actor=actor,
            case=case,
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="cases_letters_list",
        summary="Letters issued from a case or to its enquiries, newest first (staff)",
        parameters=[CASE_ID],
        responses={200: LetterSerializer(many=True), 403: ERROR, 404: ERROR},
    )
)
class CaseLetterCollectionView(generics.ListAPIView):
    permission_classes = STAFF
    serializer_class = LetterSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Letter.objects.none()
        case = cases.case_get_for_user(user=self.request.user, case_id=self.kwargs["case_id"])
        return letters.letter_list_for_case(case=case)


class LetterDownloadView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_letters_download",
        summary="Download an issued letter's PDF; recorded on the timeline (staff)",
        parameters=[REFERENCE_PARAMETER, LETTER_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            403: ERROR,
            404: ERROR,
        },
    )
    def get(self, request: AuthenticatedRequest, reference: str, letter_id: int) -> HttpResponse:
        enquiry = enquiry_for_request(request, reference)
        letter = letters.letter_get(enquiry=enquiry, letter_id=letter_id)
        content = letters.letter_pdf_content(letter=letter)
        services.letter_download_record(letter=letter, actor=request.user)
        return _pdf_response(content, f"{reference}-letter-{letter.pk}.pdf", inline=False)


class BatchSerializer(serializers.ModelSerializer):
    template = serializers.CharField(source="template_version.template.slug", read_only=True)
    template_version = serializers.IntegerField(source="template_version.number", read_only=True)
    issued = serializers.SerializerMethodField()
    failed = serializers.SerializerMethodField()
    pending = serializers.SerializerMethodField()
    failures = serializers.SerializerMethodField()

    class Meta:
        model = LetterBatch
        fields = [
            "id",
            "template",
            "template_version",
            "publish",
            "total",
            "issued",
            "failed",
            "pending",
            "failures",
            "created_at",
        ]
        read_only_fields = fields

    def _progress(self, batch):
        if not hasattr(batch, "_progress"):
            batch._progress = letters.letter_batch_progress(batch=batch)
        return batch._progress

    def get_issued(self, batch) -> int:
        return self._progress(batch).issued

    def get_failed(self, batch) -> int:
        return self._progress(batch).failed

    def get_pending(self, batch) -> int:
        return self._progress(batch).pending

    def get_failures(self, batch) -> list[dict[str, str]]:
        failed = letters.letter_batch_letters(batch=batch, state=Letter.State.FAILED)[:200]
        return [{"enquiry": letter.enquiry.reference, "reason": letter.error} for letter in failed]


class BatchCreateSerializer(serializers.Serializer):
    template = serializers.SlugField()
    enquiries = serializers.ListField(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=batches.BATCH_MAX_SIZE,
        help_text="Enquiry references (each must be visible to you).",
    )
    publish = serializers.BooleanField(default=True)


class LetterBatchCollectionView(APIView):
    permission_classes = [*STAFF, IsManager]

    @extend_schema(
        operation_id="letter_batches_create",
        summary="Issue a template to many enquiries; workers make each letter once (managers)",
        request=BatchCreateSerializer,
        responses={201: BatchSerializer, 400: FIELD_ERRORS, 403: ERROR},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = BatchCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            version = letters.letter_template_version_get(slug=data["template"])
        except Http404:
            raise ValidationError(
                {"template": ["No active letter template has this slug."]}
            ) from None
        references = list(dict.fromkeys(data["enquiries"]))
        found = list(
            desk_selectors.enquiry_visible_queryset(user=request.user).filter(
                reference__in=references
            )
        )
        unknown = sorted(set(references) - {e.reference for e in found})
        if unknown:
            raise ValidationError({"enquiries": [f"Not found: {', '.join(unknown[:20])}"]})
        batch = batches.letter_batch_create(
            template_version=version, enquiries=found, publish=data["publish"], actor=request.user
        )
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class LetterBatchDetailView(APIView):
    permission_classes = [*STAFF, IsManager]

    @extend_schema(
        operation_id="letter_batches_retrieve",
        summary="A batch's progress: made, failed (with reasons), still to make (managers)",
        parameters=[BATCH_ID],
        responses={200: BatchSerializer, 403: ERROR, 404: ERROR},
    )
    def get(self, request: Request, batch_id: int) -> Response:
        batch = letters.letter_batch_get(user=request.user, batch_id=batch_id)
        return Response(BatchSerializer(batch).data)
