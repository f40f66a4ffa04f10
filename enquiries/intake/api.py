"""Public intake API: other sites post enquiries here (anonymous, JSON only, throttled).

``EnquiryIntakeView`` declares the endpoint's policy: no authentication (so no
CSRF), anyone may post, ``enquiry_intake`` throttle per client address, JSON
bodies only; ``intake_submit`` adds the form's per-email-address limit. The
root URLconf sends POST on ``/api/v1/enquiries/`` here and GET to the staff queue
(``config.api.MethodDispatch``). Validation is the public form's: same fields, lengths, choices
(active topics and areas) and consent rule.
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError, Throttled, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from config.limits import max_length
from enquiries import ratelimit, validation
from enquiries.intake import services
from enquiries.intake.services import EnquiryInput, access_needs_refusal
from enquiries.models import (
    Channel,
    Contact,
    EnquirerType,
    Enquiry,
    IdempotencyKey,
    Organisation,
)
from enquiries.notifications import tracking_url
from knowledgebase.reference_data import reference_data
from knowledgebase.selectors import local_authority_choices, topic_choices

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = max_length(IdempotencyKey, "key")


class IntakeJSONParser(JSONParser):
    """JSON, strictly; a body nested too deeply for Python's decoder is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None


class EnquiryIntakeThrottle(BaseThrottle):
    """Submissions per client address at the ``enquiry_intake`` rate, counted like every
    other limit on the desk (``enquiries.ratelimit``: one atomic counter per fixed window,
    shared by every server process). DRF's own throttles keep a history in the cache and
    write it back after reading it, so two processes can both let a request through.

    The rate is read per request, so a changed setting (an operator's, a test's) applies
    at once; a refusal says when the window ends (``Retry-After``).
    """

    scope = "enquiry_intake"

    def allow_request(self, request: Request, view) -> bool:
        try:
            # drf-stubs types the rates as numbers; DRF's are strings ("30/hour").
            rate: str | None = api_settings.DEFAULT_THROTTLE_RATES[self.scope]  # type: ignore[assignment]
        except KeyError:
            raise ImproperlyConfigured(
                f"Set REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['{self.scope}']."
            ) from None
        if rate is None:
            return True
        self.period = ratelimit.parse_rate(rate)[1]
        return ratelimit.hit(self.scope, ratelimit.client_address(request), rate)

    def wait(self) -> float:
        return self.period - timezone.now().timestamp() % self.period


class ReferenceSlugField(serializers.SlugRelatedField):
    """A slug of reference data, looked up in ``knowledgebase.reference_data`` (no query
    while its version holds). ``queryset`` (never run) says what it holds, for the
    schema."""

    def __init__(self, *, lookup: str, **kwargs: Any) -> None:
        self.lookup = lookup  # "topic" or "area": the snapshot's method
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict | list | bool):
            self.fail("invalid")
        found = getattr(reference_data(), self.lookup)(str(data))
        if found is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return found


class EnquiryIntakeInputSerializer(serializers.Serializer):
    organisation_name = serializers.CharField(max_length=max_length(Organisation, "name"))
    organisation_type = serializers.ChoiceField(choices=EnquirerType.choices)
    contact_name = serializers.CharField(max_length=max_length(Contact, "name"))
    email = serializers.EmailField(max_length=max_length(Contact, "email"))
    phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        validators=[validation.validate_phone],
    )
    postcode = serializers.CharField(
        max_length=max_length(Organisation, "postcode"),
        required=False,
        allow_blank=True,
        default="",
    )
    local_authority = ReferenceSlugField(
        lookup="area",
        slug_field="slug",
        queryset=local_authority_choices(),
        required=False,
        allow_null=True,
        default=None,
        error_messages={
            "does_not_exist": "No local authority area has the slug “{value}”; "
            "GET /api/v1/areas/ lists them.",
        },
        help_text="Slug of a local authority area, e.g. `west-lindsey`; null if not known. "
        "`GET /api/v1/areas/` lists them.",
    )
    topic = ReferenceSlugField(
        lookup="topic",
        slug_field="slug",
        queryset=topic_choices(),
        required=False,
        allow_null=True,
        default=None,
        error_messages={
            "does_not_exist": "No topic has the slug “{value}”; GET /api/v1/topics/ lists them.",
        },
        help_text="Slug of a topic, e.g. `acv-notice-of-sale`; null when the group is not sure. "
        "`GET /api/v1/topics/` lists them.",
    )
    subject = serializers.CharField(max_length=max_length(Enquiry, "subject"))
    message = serializers.CharField(max_length=Enquiry.MESSAGE_MAX_LENGTH)
    asset_name = serializers.CharField(
        max_length=max_length(Enquiry, "asset_name"),
        required=False,
        allow_blank=True,
        default="",
    )
    asset_address = serializers.CharField(
        max_length=Enquiry.ASSET_ADDRESS_INTAKE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
    )
    accessibility_needs = serializers.CharField(
        max_length=Contact.ACCESSIBILITY_NEEDS_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
    )
    accessibility_consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Must be true when accessibility_needs is given: they may be health data, "
        "kept only with the group's explicit consent.",
    )
    consent_to_refer = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The group agrees the desk may pass their details to a partner.",
    )
    consent_to_store = serializers.BooleanField(
        help_text="Must be true: the group agrees the desk may store these details."
    )

    def validate(self, attrs: dict) -> dict:
        refusal = access_needs_refusal(
            attrs.get("accessibility_needs", ""), attrs.get("accessibility_consent", False)
        )
        if refusal:
            raise serializers.ValidationError({"accessibility_consent": [refusal]})
        return attrs

    def validate_postcode(self, value: str) -> str:
        return validation.normalise_postcode(value)  # its ValidationError: DRF's, per field

    def validate_consent_to_store(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                "The desk can only answer an enquiry if the group agrees to storing these details."
            )
        return value

    def to_input(self) -> EnquiryInput:
        # CharFields trim surrounding whitespace already, as the form's cleaning does.
        return EnquiryInput(**self.validated_data)


class EnquiryReceiptSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="The enquiry's reference, e.g. CR-2026-000123.")
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    tracking_url = serializers.URLField(
        allow_null=True,
        help_text="The group's private tracking link. Null when an Idempotency-Key replay "
        "answers (only a hash of the link is kept); the group's acknowledgement email "
        "carries one.",
    )


def _receipt(enquiry: Enquiry, token: str | None) -> dict:
    return EnquiryReceiptSerializer(
        {
            "reference": enquiry.reference,
            "status": enquiry.status,
            "received_at": enquiry.received_at,
            "tracking_url": tracking_url(token) if token else None,
        }
    ).data


def _json_object(request: Request) -> dict:
    data = request.data  # too large: a 413 from config.api.exception_handler
    if not isinstance(data, dict):
        raise ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: ["Send the enquiry as a JSON object."]}
        )
    return data


def _idempotency_key(request: Request) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable():
        raise ValidationError(
            {
                IDEMPOTENCY_HEADER: [
                    f"Use at most {IDEMPOTENCY_KEY_MAX_LENGTH} printable characters."
                ]
            }
        )
    return key


def _validated_input(data: dict) -> EnquiryInput:
    """The body checked as the form checks it, then the form's per-address limit, shared
    with it: one mailbox, one allowance."""
    serializer = EnquiryIntakeInputSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    allowed, wait = ratelimit.enquiry_address_hit(serializer.validated_data["email"])
    if not allowed:
        raise Throttled(
            wait=wait,
            detail="Too many enquiries have been sent from this email address recently; "
            "nothing was saved. Please try again later.",
        )
    return serializer.to_input()


def intake_submit(request: Request) -> Response:
    """Validate a public submission and record it (channel API), at most once per key."""
    data = _json_object(request)
    key = _idempotency_key(request)
    try:
        submitted = services.enquiry_submit_idempotent(
            key=key,
            fingerprint=services.request_fingerprint(data),
            prepare=lambda: _validated_input(data),
            channel=Channel.API,
        )
    except services.IdempotencyConflict:
        return Response(
            {"detail": f"This {IDEMPOTENCY_HEADER} was used with a different request body."},
            status=status.HTTP_409_CONFLICT,
        )
    return Response(
        _receipt(submitted.enquiry, token=submitted.tracking_token),
        status=status.HTTP_200_OK if submitted.replayed else status.HTTP_201_CREATED,
    )


intake_schema = extend_schema(
    operation_id="enquiries_submit",
    summary="Submit an enquiry (public)",
    description="Anonymous: no credentials needed. Throttled per client address, and per "
    "email address given (shared with the public form). Send "
    f"`{IDEMPOTENCY_HEADER}` so that a retry never creates a second enquiry.",
    auth=[],
    request=EnquiryIntakeInputSerializer,
    parameters=[
        OpenApiParameter(
            IDEMPOTENCY_HEADER,
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description=f"A unique key per submission (at most {IDEMPOTENCY_KEY_MAX_LENGTH} "
            "characters, e.g. a UUID). "
            "A retry with the same key and body returns the first result (200) instead of "
            "creating a duplicate; the same key with another body is a 409.",
        )
    ],
    responses={
        201: EnquiryReceiptSerializer,
        200: OpenApiResponse(
            EnquiryReceiptSerializer, description="A replay of an earlier submission."
        ),
        400: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="Field name -> list of messages (`non_field_errors` for the body as a "
            "whole); `detail` when the body is not valid JSON.",
        ),
        409: inline_serializer("IdempotencyConflict", {"detail": serializers.CharField()}),
        413: OpenApiResponse(OpenApiTypes.OBJECT, description="The body is too large."),
        415: OpenApiResponse(OpenApiTypes.OBJECT, description="The body is not JSON."),
        429: OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="Too many submissions from this client, or from this email address "
            "(`detail` says which; `Retry-After` says when to try again).",
        ),
    },
)


class EnquiryIntakeView(APIView):
    """Anonymous intake. Send ``Idempotency-Key`` to make retries safe."""

    authentication_classes = []  # no session, so no CSRF: it is a public endpoint
    permission_classes = [AllowAny]
    throttle_classes = [EnquiryIntakeThrottle]
    throttle_scope = "enquiry_intake"
    parser_classes = [IntakeJSONParser]

    @intake_schema
    def post(self, request: Request) -> Response:
        return intake_submit(request)
