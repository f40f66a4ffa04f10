"""Public intake API: other sites post enquiries here (anonymous, throttled)."""

import hashlib
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from enquiries import validation
from enquiries.models import Channel, EnquirerType, IdempotencyKey
from enquiries.notifications import tracking_url
from enquiries.services import EnquiryInput, enquiry_submit
from knowledgebase.models import LocalAuthority, Topic

IDEMPOTENCY_HEADER = "Idempotency-Key"


class EnquiryIntakeInputSerializer(serializers.Serializer):
    organisation_name = serializers.CharField(max_length=validation.NAME_MAX_LENGTH)
    organisation_type = serializers.ChoiceField(choices=EnquirerType.choices)
    contact_name = serializers.CharField(max_length=validation.NAME_MAX_LENGTH)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        validators=[validation.validate_phone],
    )
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    local_authority = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=LocalAuthority.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Slug of a local authority area, e.g. `west-lindsey`; null if not known.",
    )
    topic = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Topic.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Slug of a topic, e.g. `acv-notice-of-sale`; null when the group is not sure.",
    )
    subject = serializers.CharField(max_length=validation.SUBJECT_MAX_LENGTH)
    message = serializers.CharField(max_length=validation.MESSAGE_MAX_LENGTH)
    asset_name = serializers.CharField(
        max_length=validation.NAME_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    asset_address = serializers.CharField(
        max_length=validation.ADDRESS_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    accessibility_needs = serializers.CharField(
        max_length=validation.ACCESSIBILITY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
    )
    consent_to_store = serializers.BooleanField(
        help_text="Must be true: the group agrees the desk may store these details."
    )

    def validate_postcode(self, value: str) -> str:
        try:
            return validation.normalise_postcode(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate_consent_to_store(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                "The desk can only answer an enquiry if the group agrees to storing these details."
            )
        return value

    def to_input(self) -> EnquiryInput:
        data = {
            key: (value.strip() if isinstance(value, str) else value)
            for key, value in self.validated_data.items()
        }
        return EnquiryInput(**data)


class EnquiryReceiptSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    tracking_url = serializers.URLField(
        allow_null=True,
        help_text="The group's private tracking link; null when replaying an idempotent request.",
    )


def _request_fingerprint(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


class EnquiryIntakeView(APIView):
    """Anonymous intake. Send ``Idempotency-Key`` to make retries safe."""

    permission_classes = [AllowAny]
    authentication_classes = []  # no session, so no CSRF: it is a public endpoint
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "enquiry_intake"

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return super().get_permissions()

    @extend_schema(
        operation_id="enquiries_submit",
        summary="Submit an enquiry (public)",
        auth=[],
        request=EnquiryIntakeInputSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="A unique key per submission; a retry with the same key and body "
                "returns the first result (200) instead of creating a duplicate.",
            )
        ],
        responses={
            201: EnquiryReceiptSerializer,
            200: EnquiryReceiptSerializer,
            400: OpenApiTypes.OBJECT,
            409: inline_serializer("IdempotencyConflict", {"detail": serializers.CharField()}),
            429: OpenApiTypes.OBJECT,
        },
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            return Response({"detail": "Send a JSON object."}, status=status.HTTP_400_BAD_REQUEST)
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if len(key) > 255:
            return Response(
                {"detail": f"{IDEMPOTENCY_HEADER} must be at most 255 characters."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        fingerprint = _request_fingerprint(request.data)
        if key and (replay := self._replay(key, fingerprint)) is not None:
            return replay
        serializer = EnquiryIntakeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                submitted = enquiry_submit(data=serializer.to_input(), channel=Channel.API)
                if key:
                    IdempotencyKey.objects.create(
                        key=key, request_hash=fingerprint, enquiry=submitted.enquiry
                    )
        except IntegrityError:
            # A concurrent request with the same key won; answer as its replay.
            if key and (replay := self._replay(key, fingerprint)) is not None:
                return replay
            raise
        enquiry = submitted.enquiry
        body = EnquiryReceiptSerializer(
            {
                "reference": enquiry.reference,
                "status": enquiry.status,
                "received_at": enquiry.received_at,
                "tracking_url": tracking_url(submitted.tracking_token),
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _replay(self, key: str, fingerprint: str) -> Response | None:
        stored = IdempotencyKey.objects.select_related("enquiry").filter(key=key).first()
        if stored is None:
            return None
        if stored.request_hash != fingerprint:
            return Response(
                {"detail": f"This {IDEMPOTENCY_HEADER} was used with a different request body."},
                status=status.HTTP_409_CONFLICT,
            )
        enquiry = stored.enquiry
        body = EnquiryReceiptSerializer(
            {
                "reference": enquiry.reference,
                "status": enquiry.status,
                "received_at": enquiry.received_at,
                "tracking_url": None,
            }
        ).data
        return Response(body, status=status.HTTP_200_OK)
