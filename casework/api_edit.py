"""Staff REST API: edit an enquiry (``PATCH``, optimistic concurrency), its documents, and
its conversation with the group.

Editing: the detail ``GET`` returns an ``ETag`` (``"v<version>"``) and the ``version``; a
``PATCH`` must say which version it was based on, as ``version`` in the body or as
``If-Match: "v<version>"``. Without one it is a 428; if the enquiry has moved on since, a
409 with the current version and who changed it, and nothing is saved; a value that
cannot be used is a 400 with the field.

Documents are checked by their content (``enquiries.uploads``) and served only as
downloads. The messages endpoint lists the public conversation: internal notes never
appear there (they live in another table and have their own staff endpoint).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import api, selectors, services_edit
from casework import selectors_workspace as workspace
from casework import services_messages as messages_services
from casework.api import ERROR, FIELD_ERRORS, REFERENCE_PARAMETER, STAFF, enquiry_for_request
from casework.api_workspace import PersonField
from casework.forms_edit import parse_version
from enquiries import services as enquiry_services
from enquiries.models import Attachment, Enquiry, Message, Priority
from enquiries.services_edit import StaleEdit
from enquiries.services_public import attachment_response
from enquiries.uploads import UploadRefused
from knowledgebase.models import LocalAuthority, Topic

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
)
NO_VERSION = OpenApiResponse(
    OpenApiTypes.OBJECT, description="No `version` and no `If-Match`: say what you edited."
)
ATTACHMENT_ID = OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)


def etag(version: int) -> str:
    return f'"v{version}"'


def expected_version(request: Request) -> int | None:
    """The version the client edited: ``version`` in the body, else ``If-Match``."""
    if "version" in request.data:
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


def stale_response(stale: StaleEdit) -> Response:
    response = Response(
        {
            "detail": stale.message,
            "current_version": stale.current_version,
            "changed_by": stale.changed_by,
            "changed_at": stale.changed_at,
        },
        status=status.HTTP_409_CONFLICT,
    )
    response["ETag"] = etag(stale.current_version)
    return response


def call(action):
    """Run a service; its refusals become DRF's 403 and 400 (with the field)."""
    try:
        return action()
    except DjangoPermissionDenied as error:
        raise PermissionDenied(str(error)) from None
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None


@extend_schema_serializer(component_name="EnquiryDetail")  # replaces it on the detail path
class EnquiryVersionedSerializer(api.EnquiryDetailSerializer):
    version = serializers.IntegerField(
        read_only=True, help_text="Send it back with an edit (or use the ETag)."
    )

    class Meta(api.EnquiryDetailSerializer.Meta):
        fields = [*api.EnquiryDetailSerializer.Meta.fields, "version"]
        read_only_fields = fields


class EnquiryEditSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you edited (or send If-Match)."
    )
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    topic = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Topic.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    asset_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    asset_address = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    local_authority = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=LocalAuthority.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )


class EnquiryDetailEditView(api.EnquiryDetailView):
    """``GET`` one enquiry (with its ETag); ``PATCH`` its details."""

    @extend_schema(
        operation_id="enquiries_retrieve",
        summary="One enquiry with its assignment history and version (staff)",
        parameters=[REFERENCE_PARAMETER],
        responses={200: EnquiryVersionedSerializer, 403: ERROR, 404: ERROR},
    )
    def get(self, request: Request, reference: str) -> Response:
        enquiry = _detail(request, reference)
        enquiry_services.personal_data_access_record(
            enquiry=enquiry, viewer=request.user, channel="api"
        )
        response = Response(EnquiryVersionedSerializer(enquiry).data)
        response["ETag"] = etag(enquiry.version)
        return response

    @extend_schema(
        operation_id="enquiries_partial_update",
        summary="Edit an enquiry's details; refused if it changed since your version (staff)",
        parameters=[REFERENCE_PARAMETER, IF_MATCH],
        request=EnquiryEditSerializer,
        responses={
            200: EnquiryVersionedSerializer,
            400: FIELD_ERRORS,
            403: ERROR,
            404: ERROR,
            409: STALE,
            428: NO_VERSION,
        },
    )
    def patch(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        serializer = EnquiryEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = expected_version(request)
        if version is None:
            return precondition_required()
        changes = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        try:
            updated = call(
                lambda: services_edit.enquiry_edit(
                    enquiry=enquiry, expected_version=version, changes=changes, actor=request.user
                )
            )
        except StaleEdit as stale:
            return stale_response(stale)
        response = Response(EnquiryVersionedSerializer(_detail(request, reference)).data)
        response["ETag"] = etag(updated.version)
        return response


def _detail(request: Request, reference: str) -> Enquiry:
    return selectors.enquiry_get_for_user(user=request.user, reference=reference, with_history=True)


# --- documents -----------------------------------------------------------------------------


class AttachmentSerializer(serializers.ModelSerializer):
    public = serializers.SerializerMethodField(
        help_text="True if the group sees it (it belongs to a message)."
    )
    uploaded_by = PersonField(allow_null=True)
    message = serializers.IntegerField(source="message_id", read_only=True, allow_null=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "public",
            "message",
            "uploaded_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_public(self, attachment: Attachment) -> bool:
        return attachment.message_id is not None


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, Word, OpenDocument, Excel, PNG, JPEG or text.")


@extend_schema_view(
    get=extend_schema(
        operation_id="enquiries_attachments_list",
        summary="An enquiry's documents, staff-only and public, oldest first (staff)",
        parameters=[REFERENCE_PARAMETER],
        responses={200: AttachmentSerializer(many=True), 403: ERROR, 404: ERROR},
    )
)
class AttachmentCollectionView(generics.ListAPIView):
    permission_classes = STAFF
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        return workspace.attachment_list(
            enquiry=enquiry_for_request(self.request, self.kwargs["reference"])
        )

    @extend_schema(
        operation_id="enquiries_attachments_create",
        summary="Keep a staff-only document on an enquiry, multipart `file` (staff)",
        parameters=[REFERENCE_PARAMETER],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    )
    def post(self, request: Request, reference: str) -> Response:
        enquiry = enquiry_for_request(request, reference)
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            attachment = call(
                lambda: messages_services.staff_document_add(
                    enquiry=enquiry, upload=serializer.validated_data["file"], actor=request.user
                )
            )
        except UploadRefused as refused:
            raise ValidationError({"file": [str(refused)]}) from None
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_attachments_download",
        summary="Download a document (always as an attachment, never shown inline) (staff)",
        parameters=[REFERENCE_PARAMETER, ATTACHMENT_ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            403: ERROR,
            404: ERROR,
        },
    )
    def get(self, request: Request, reference: str, attachment_id: int):
        enquiry = enquiry_for_request(request, reference)
        return attachment_response(
            workspace.attachment_get(enquiry=enquiry, attachment_id=attachment_id)
        )


# --- the conversation with the group ----------------------------------------------------------


class MessageSerializer(serializers.ModelSerializer):
    author = PersonField(allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "sender", "author", "body", "attachments", "created_at"]
        read_only_fields = fields


class MessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=messages_services.MESSAGE_MAX_LENGTH)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="Documents."
    )
    awaiting_group = serializers.BooleanField(
        required=False,
        default=False,
        help_text='Also move the enquiry to "waiting for the group" when it may.',
    )
    submission_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="The same key twice publishes once (a retry).",
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="enquiries_messages_list",
        summary="The public conversation with the group, oldest first; no internal notes (staff)",
        parameters=[REFERENCE_PARAMETER],
        responses={200: MessageSerializer(many=True), 403: ERROR, 404: ERROR},
    )
)
class MessageCollectionView(generics.ListAPIView):
    permission_classes = STAFF
    serializer_class = MessageSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        enquiry = enquiry_for_request(self.request, self.kwargs["reference"])
        return workspace.public_message_list(enquiry=enquiry)

    @extend_schema(
        operation_id="enquiries_messages_create",
        summary="Send an update to the group; they are emailed (holder or manager)",
        parameters=[REFERENCE_PARAMETER],
        request={
            "application/json": MessageInputSerializer,
            "multipart/form-data": MessageInputSerializer,
        },
        responses={201: MessageSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    )
    def post(self, request: Request, reference: str) -> Response:
        enquiry = enquiry_for_request(request, reference)
        data = request.data
        if hasattr(data, "getlist"):  # multipart: several ``files``
            data = {**data.dict(), "files": data.getlist("files")}
        serializer = MessageInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        try:
            message = call(
                lambda: messages_services.group_update_send(
                    enquiry=enquiry, actor=request.user, **serializer.validated_data
                )
            )
        except UploadRefused as refused:
            raise ValidationError({"files": [str(refused)]}) from None
        message = workspace.public_message_list(enquiry=enquiry).get(pk=message.pk)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
