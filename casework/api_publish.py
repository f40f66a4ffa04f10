"""Staff REST API for what the group sees: dates shown on its tracking page, and its
tracking links. Same services as the enquiry page (``casework.views_publish``): someone
else's enquiry is a 404, a role that may not a 403, unusable input a 400 with the field.
"""

import uuid

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import selectors, selectors_publish
from casework import services_publish as services
from casework.api import ERROR, FIELD_ERRORS, REFERENCE_PARAMETER, STAFF, call_service
from enquiries.models import PublicDate


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


@extend_schema_view(
    get=extend_schema(
        operation_id="enquiries_public_dates_list",
        summary="Dates the group sees on its tracking page, soonest first (staff)",
        parameters=[REFERENCE_PARAMETER],
        responses={200: PublicDateSerializer(many=True), 403: ERROR, 404: ERROR},
    )
)
class PublicDateCollectionView(generics.ListAPIView):
    permission_classes = STAFF
    serializer_class = PublicDateSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PublicDate.objects.none()
        enquiry = selectors.enquiry_get_for_user(
            user=self.request.user, reference=self.kwargs["reference"]
        )
        return selectors_publish.public_date_list(enquiry=enquiry)

    @extend_schema(
        operation_id="enquiries_public_dates_publish",
        summary="Show a computed deadline to the group, or update it (holder or manager)",
        parameters=[REFERENCE_PARAMETER],
        request=PublishInputSerializer,
        responses={201: PublicDateSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    )
    def post(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        serializer = PublishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        public_date = call_service(
            lambda: services.deadline_publish(
                enquiry=enquiry,
                key_date_id=data["key_date"],
                rule_id=data["rule"],
                is_group_deadline=data["is_group_deadline"],
                actor=request.user,
            ),
            field="rule",
        )
        return Response(PublicDateSerializer(public_date).data, status=status.HTTP_201_CREATED)


class PublicDateWithdrawView(APIView):
    permission_classes = STAFF

    @extend_schema(
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
    def post(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        serializer = DeadlineChoiceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        withdrawn = call_service(
            lambda: services.deadline_withdraw(
                enquiry=enquiry,
                key_date_id=serializer.validated_data["key_date"],
                rule_id=serializer.validated_data["rule"],
                actor=request.user,
            ),
            field="rule",
        )
        return Response({"withdrawn": withdrawn})


class TrackingLinksRevokeView(APIView):
    permission_classes = STAFF

    @extend_schema(
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
    def post(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        count = call_service(
            lambda: services.tracking_links_revoke(enquiry=enquiry, actor=request.user)
        )
        return Response({"revoked": count})


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
    def post(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        key = request.data.get("key") if hasattr(request.data, "get") else None
        if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 40):
            raise ValidationError({"key": ["A string of 1 to 40 characters."]})
        sent = call_service(
            lambda: services.tracking_link_send(
                enquiry=enquiry, actor=request.user, key=key or uuid.uuid4().hex
            )
        )
        return Response({"sent": sent}, status=status.HTTP_202_ACCEPTED)
