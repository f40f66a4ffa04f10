"""Staff REST API for what the group sees: dates shown on its tracking page, and its
tracking links. Same services as the enquiry page (``casework.publishing.views``): someone
else's enquiry is a 404, a role that may not a 403, unusable input a 400 with the field.
"""

import uuid
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.datastructures import MultiValueDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.desk import selectors as desk_selectors
from casework.desk.api import (
    ERROR,
    FIELD_ERRORS,
    REFERENCE_PARAMETER,
    STAFF,
    EnquiryCommandView,
    EnquiryRowsView,
    PersonField,
    enquiry_for_request,
    enquiry_rows_schema,
)
from casework.publishing import selectors, services
from config.api import AuthenticatedRequest
from config.limits import max_length
from enquiries.conversation.services import attachment_response
from enquiries.models import Attachment, Enquiry, Message, PublicDate
from enquiries.uploads import UploadRefused


class PublicDateSerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicDate
        fields = [
            "source",
            "label",
            "date",
            "meaning",
            "legal_source",
            "is_group_deadline",
            "published_at",
        ]
        read_only_fields = fields


class DeadlineChoiceSerializer(serializers.Serializer):
    key_date = serializers.IntegerField(help_text="The id of the key date that starts the clock.")
    rule = serializers.IntegerField(help_text="The id of the deadline rule (the clock).")


class PublishInputSerializer(DeadlineChoiceSerializer):
    is_group_deadline = serializers.BooleanField(
        default=False,
        help_text="The group must act by this date: it is reminded 14 and 3 days before.",
    )


@enquiry_rows_schema(
    get=(
        "enquiries_public_dates_list",
        "Dates the group sees on its tracking page, soonest first (staff)",
    ),
    post=(
        "enquiries_public_dates_publish",
        "Show a computed deadline to the group, or update it (holder or manager)",
    ),
)
class PublicDateCollectionView(EnquiryRowsView):
    model = PublicDate
    serializer_class = PublicDateSerializer
    input_serializer = PublishInputSerializer

    def rows(self, enquiry: Enquiry) -> QuerySet[PublicDate]:
        return selectors.public_date_list(enquiry=enquiry)

    def create(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> PublicDate:
        return services.deadline_publish(
            enquiry=enquiry,
            key_date_id=data["key_date"],
            rule_id=data["rule"],
            is_group_deadline=data["is_group_deadline"],
            actor=actor,
        )


@extend_schema_view(
    post=extend_schema(
        operation_id="enquiries_public_dates_withdraw",
        summary="Stop showing a deadline to the group (holder or manager)",
        parameters=[REFERENCE_PARAMETER],
        request=DeadlineChoiceSerializer,
        responses={
            200: inline_serializer("Withdrawn", {"withdrawn": serializers.BooleanField()}),
            400: FIELD_ERRORS,
            403: ERROR,
            404: ERROR,
        },
    )
)
class PublicDateWithdrawView(EnquiryCommandView):
    input_serializer = DeadlineChoiceSerializer

    def act(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> bool:
        return services.deadline_withdraw(
            enquiry=enquiry, key_date_id=data["key_date"], rule_id=data["rule"], actor=actor
        )

    def answer(self, enquiry: Enquiry, result: bool) -> Response:
        return Response({"withdrawn": result})


@extend_schema_view(
    post=extend_schema(
        operation_id="enquiries_tracking_links_revoke",
        summary="Stop every tracking link that opens this enquiry (holder or manager)",
        parameters=[REFERENCE_PARAMETER],
        request=None,
        responses={
            200: inline_serializer("LinksRevoked", {"revoked": serializers.IntegerField()}),
            403: ERROR,
            404: ERROR,
        },
    )
)
class TrackingLinksRevokeView(EnquiryCommandView):
    def act(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> int:
        return services.tracking_links_revoke(enquiry=enquiry, actor=actor)

    def answer(self, enquiry: Enquiry, result: int) -> Response:
        return Response({"revoked": result})


class TrackingLinkSendView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_tracking_links_send",
        summary="Email the contact a new tracking link (holder or manager)",
        description="Send the same `key` again (a retry) and the email is owed only once.",
        parameters=[REFERENCE_PARAMETER],
        request=inline_serializer(
            "SendLinkInput", {"key": serializers.CharField(max_length=40, required=False)}
        ),
        responses={
            202: inline_serializer("LinkSent", {"sent": serializers.BooleanField()}),
            400: FIELD_ERRORS,
            403: ERROR,
            404: ERROR,
        },
    )
    def post(self, request: AuthenticatedRequest, reference: str) -> Response:
        enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
        key = request.data.get("key") if hasattr(request.data, "get") else None
        if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 40):
            raise ValidationError({"key": ["A string of 1 to 40 characters."]})
        sent = services.tracking_link_send(
            enquiry=enquiry, actor=request.user, key=key or uuid.uuid4().hex
        )
        return Response({"sent": sent}, status=status.HTTP_202_ACCEPTED)


ATTACHMENT_ID = OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)


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


@enquiry_rows_schema(
    get=(
        "enquiries_attachments_list",
        "An enquiry's documents, staff-only and public, oldest first (staff)",
    ),
    post=(
        "enquiries_attachments_create",
        "Keep a staff-only document on an enquiry, multipart `file` (staff)",
    ),
    request={"multipart/form-data": AttachmentUploadSerializer},
)
class AttachmentCollectionView(EnquiryRowsView):
    model = Attachment
    serializer_class = AttachmentSerializer
    input_serializer = AttachmentUploadSerializer
    parser_classes = [MultiPartParser, FormParser]

    def rows(self, enquiry: Enquiry) -> QuerySet[Attachment]:
        return selectors.attachment_list(enquiry=enquiry)

    def create(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> Attachment:
        return services.staff_document_add(enquiry=enquiry, upload=data["file"], actor=actor)


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
            selectors.attachment_get(enquiry=enquiry, attachment_id=attachment_id)
        )


class MessageSerializer(serializers.ModelSerializer):
    author = PersonField(allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "sender", "channel", "author", "body", "attachments", "created_at"]
        read_only_fields = fields


class MessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=Message.BODY_MAX_LENGTH)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="Documents."
    )
    awaiting_group = serializers.BooleanField(
        required=False,
        default=False,
        help_text='Also move the enquiry to "waiting for the group" when it may.',
    )
    by_email = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Send the update's text in the email, so the group can answer it from "
        "their mail client (else the email links to the tracking page).",
    )
    submission_key = serializers.CharField(
        max_length=max_length(Message, "submission_key"),
        required=False,
        allow_blank=True,
        default="",
        help_text="The same key twice publishes once (a retry).",
    )


@enquiry_rows_schema(
    get=(
        "enquiries_messages_list",
        "The public conversation with the group, oldest first; no internal notes (staff)",
    ),
    post=(
        "enquiries_messages_create",
        "Send an update to the group; they are emailed (holder or manager)",
    ),
    request={
        "application/json": MessageInputSerializer,
        "multipart/form-data": MessageInputSerializer,
    },
)
class MessageCollectionView(EnquiryRowsView):
    model = Message
    serializer_class = MessageSerializer
    input_serializer = MessageInputSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def rows(self, enquiry: Enquiry) -> QuerySet[Message]:
        return selectors.public_message_list(enquiry=enquiry)

    def input_data(self, request: Request) -> Any:
        data = request.data
        if isinstance(data, MultiValueDict):  # multipart: several ``files``
            data = {**data.dict(), "files": data.getlist("files")}
        return data

    def create(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> Message:
        try:
            message = services.group_update_send(enquiry=enquiry, actor=actor, **data)
        except UploadRefused as refused:
            # The handler reports a refused upload under ``file``; this endpoint's input
            # is ``files`` (several documents), so its refusals are reported there.
            raise ValidationError({"files": [str(refused)]}) from None
        return self.rows(enquiry).get(pk=message.pk)
