"""Staff REST API for mail in: the quarantine (managers only), released or deleted through
``enquiries.mail.services``."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import policies
from casework.desk.api import ERROR, STAFF
from casework.mail import selectors
from enquiries.mail import services
from enquiries.models import InboundMail


class QuarantinedMailSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboundMail
        fields = ["id", "received_at", "source", "size", "reason", "internet_message_id"]
        read_only_fields = fields


class MailReceivedSerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text="What became of it (an InboundMail outcome).")
    enquiry = serializers.CharField(allow_null=True, help_text="The enquiry's reference.")


def _require_manager(request: Request) -> None:
    if not policies.is_manager(request.user):
        raise PermissionDenied("Only managers can see and act on quarantined mail.")


@extend_schema(
    summary="Mail held in quarantine (managers)",
    description="Messages too large or unreadable to act on, oldest first; each is kept "
    "whole until a manager releases or deletes it.",
    responses={200: QuarantinedMailSerializer(many=True), 403: ERROR},
)
class QuarantineListView(generics.ListAPIView):
    permission_classes = STAFF
    serializer_class = QuarantinedMailSerializer

    def get_queryset(self):
        _require_manager(self.request)
        return selectors.quarantine_list()


class QuarantineReleaseView(APIView):
    permission_classes = STAFF

    @extend_schema(
        summary="Release a quarantined message (managers)",
        description="It is read and acted on as if it had just arrived (no size limit). "
        "409 when it still cannot be read or is no longer in quarantine.",
        request=None,
        responses={200: MailReceivedSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, inbound_id: int) -> Response:
        _require_manager(request)
        inbound = selectors.quarantined_get(inbound_id=inbound_id)
        result = services.quarantine_release(inbound=inbound, actor=request.user)  # type: ignore[arg-type]
        return Response(
            {
                "outcome": result.outcome,
                "enquiry": result.enquiry.reference if result.enquiry else None,
            }
        )


class QuarantineDiscardView(APIView):
    permission_classes = STAFF

    @extend_schema(
        summary="Delete a quarantined message (managers)",
        description="Its raw source is removed; the record stays, so the same message "
        "arriving again is recognised and not stored.",
        request=None,
        responses={204: None, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, inbound_id: int) -> Response:
        _require_manager(request)
        inbound = selectors.quarantined_get(inbound_id=inbound_id)
        services.quarantine_discard(inbound=inbound, actor=request.user)  # type: ignore[arg-type]
        return Response(status=204)
