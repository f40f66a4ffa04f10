"""One enquiry over the API: read, edit (with its version: a stale edit is a 409), move it
along its workflow; and the organisations and contacts (every contact shown is logged)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.http import Http404
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.desk import selectors as desk_selectors
from casework.desk.api import (
    ERROR,
    FIELD_ERRORS,
    IF_MATCH,
    NO_VERSION,
    REFERENCE_PARAMETER,
    STAFF,
    STALE,
    AssignmentSerializer,
    EnquiryCommandView,
    EnquiryListSerializer,
    expected_version,
    precondition_required,
)
from casework.desk.selectors import person
from casework.enquiry import selectors, services
from config.api import AuthenticatedRequest
from config.limits import max_length
from enquiries import services as enquiries_services
from enquiries.models import Contact, Enquiry, Organisation, Priority, Status
from enquiries.services import version_etag
from knowledgebase.eligibility import Verdict
from knowledgebase.models import LocalAuthority, Topic


class OrganisationSerializer(serializers.ModelSerializer):
    local_authority: serializers.SlugRelatedField[LocalAuthority] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Organisation
        fields = ["id", "name", "org_type", "local_authority", "postcode", "created_at"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    organisation: serializers.PrimaryKeyRelatedField[Organisation] = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )

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
        read_only_fields = fields


class EligibilityWarningSerializer(serializers.Serializer):
    """A Right to Bid act the enquirer's type may not allow (``knowledgebase.eligibility``)."""

    act = serializers.CharField(source="act.slug", help_text="acv-nominate or acv-full-moratorium")
    act_name = serializers.CharField(source="act.name")
    verdict = serializers.ChoiceField(choices=[v.value for v in Verdict])
    message = serializers.CharField(help_text="What to check, or why they may not.")
    who_may = serializers.CharField(source="act.who_may")
    legal_source = serializers.CharField(source="act.source")


class OutsideEnglandSerializer(serializers.Serializer):
    """Where the desk's rights do not apply (``knowledgebase.jurisdiction``)."""

    nation = serializers.CharField(help_text="wales, scotland or northern_ireland")
    area = serializers.CharField()
    note = serializers.CharField(help_text="Why, and where to refer the group.")
    legal_source = serializers.CharField(source="source")


class EnquiryDetailSerializer(EnquiryListSerializer):
    # In full here, where the list shows its name: DRF lets a subclass redeclare a field.
    organisation = OrganisationSerializer(read_only=True, allow_null=True)  # type: ignore[assignment]
    contact = ContactSerializer(read_only=True)
    logged_by = serializers.SerializerMethodField(
        help_text="The adviser who recorded it by hand; null for the web form and the API."
    )
    assignments = AssignmentSerializer(
        many=True, read_only=True, help_text="Newest first: who held it, and why."
    )
    eligibility_warnings = serializers.SerializerMethodField(
        help_text="Warnings (never a block) when the group's type may not allow the Right to "
        "Bid act its topic is about: nominating, or triggering the full moratorium."
    )

    outside_england = serializers.SerializerMethodField(
        help_text="Null in England; else the nation, why the rights do not apply there and "
        "where to refer the group."
    )

    class Meta(EnquiryListSerializer.Meta):
        fields = [
            *EnquiryListSerializer.Meta.fields,
            "legacy_reference",
            "message",
            "asset_name",
            "asset_address",
            "contact",
            "logged_by",
            "assignments",
            "eligibility_warnings",
            "outside_england",
        ]
        read_only_fields = fields

    def get_logged_by(self, enquiry: Enquiry) -> str | None:
        return person(enquiry.logged_by)

    @extend_schema_field(OutsideEnglandSerializer(allow_null=True))
    def get_outside_england(self, enquiry: Enquiry) -> dict[str, Any] | None:
        outside = selectors.enquiry_outside_england(enquiry)
        return dict(OutsideEnglandSerializer(outside).data) if outside else None

    @extend_schema_field(EligibilityWarningSerializer(many=True))
    def get_eligibility_warnings(self, enquiry: Enquiry) -> list[dict]:
        return list(
            EligibilityWarningSerializer(
                selectors.enquiry_eligibility_warnings(enquiry), many=True
            ).data
        )


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


@extend_schema_view(
    post=extend_schema(
        operation_id="enquiries_set_status",
        summary="Move an enquiry along its workflow (its adviser, or a manager)",
        parameters=[REFERENCE_PARAMETER],
        request=StatusInputSerializer,
        responses={200: EnquiryListSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    )
)
class EnquiryStatusView(EnquiryCommandView):
    input_serializer = StatusInputSerializer

    def act(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> None:
        services.enquiry_set_status(enquiry=enquiry, actor=actor, status=data["status"])


class MergedRedirect:
    """A record merged into another answers 308 with the survivor's address (its old id
    keeps working), when the survivor is one the user may see."""

    # The view it is mixed into provides both.
    kwargs: dict[str, Any]
    get_queryset: Callable[[], Any]

    def retrieve_or_follow(self, request: Request, retrieve: Any) -> Response:
        try:
            return retrieve()
        except Http404:
            visible = self.get_queryset()
            survivor = selectors.merged_survivor(visible.model, self.kwargs.get("pk", ""))
            if survivor is None or not visible.filter(pk=survivor).exists():
                raise
            url = request.build_absolute_uri(
                request.path.replace(f"/{self.kwargs['pk']}/", f"/{survivor}/")
            )
            return Response(status=308, headers={"Location": url})


class OrganisationViewSet(MergedRedirect, viewsets.ReadOnlyModelViewSet):
    permission_classes = STAFF
    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return selectors.organisation_list_for_user(user=self.request.user)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        found = super().retrieve
        return self.retrieve_or_follow(request, lambda: found(request, *args, **kwargs))


class ContactViewSet(MergedRedirect, viewsets.ReadOnlyModelViewSet):
    """Contacts are personal data: every contact a response shows is logged as opened."""

    permission_classes = STAFF
    serializer_class = ContactSerializer
    request: AuthenticatedRequest  # STAFF lets only signed-in staff through

    def get_queryset(self):
        return selectors.contact_list_for_user(user=self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        shown = page if page is not None else list(queryset)
        enquiries_services.contact_access_record(
            contacts=shown, viewer=self.request.user, channel="api"
        )
        serializer = self.get_serializer(shown, many=True)
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        def shown() -> Response:
            contact = self.get_object()
            enquiries_services.contact_access_record(
                contacts=[contact], viewer=self.request.user, channel="api"
            )
            return Response(self.get_serializer(contact).data)

        return self.retrieve_or_follow(request, shown)


@extend_schema_serializer(component_name="EnquiryDetail")  # replaces it on the detail path
class EnquiryVersionedSerializer(EnquiryDetailSerializer):
    version = serializers.IntegerField(
        read_only=True, help_text="Send it back with an edit (or use the ETag)."
    )

    class Meta(EnquiryDetailSerializer.Meta):
        fields = [*EnquiryDetailSerializer.Meta.fields, "version"]
        read_only_fields = fields


class EnquiryEditSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you edited (or send If-Match)."
    )
    subject = serializers.CharField(
        max_length=max_length(Enquiry, "subject"), required=False, allow_blank=True
    )
    topic = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Topic.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    # Built by hand so the message for an unknown slug reaches the child field.
    secondary_topics = serializers.ManyRelatedField(
        child_relation=serializers.SlugRelatedField(
            slug_field="slug",
            queryset=Topic.objects.filter(is_active=True),
            error_messages={"does_not_exist": "No topic in use has the slug {value}."},
        ),
        required=False,
        help_text=f"Slugs, at most {Enquiry.SECONDARY_TOPICS_MAX}, each once, never the topic "
        "itself; the whole list (send [] to remove them all).",
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    asset_name = serializers.CharField(
        max_length=max_length(Enquiry, "asset_name"),
        required=False,
        allow_blank=True,
    )
    asset_address = serializers.CharField(
        max_length=Enquiry.ASSET_ADDRESS_MAX_LENGTH, required=False, allow_blank=True
    )
    local_authority = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=LocalAuthority.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )


def _with_history(request: Request, reference: str) -> Enquiry:
    """The enquiry with its assignment history, if the requester may see it (else 404)."""
    return desk_selectors.enquiry_get_for_user(
        user=request.user, reference=reference, with_history=True
    )


class EnquiryDetailView(APIView):
    """``GET`` one enquiry (with its ETag); ``PATCH`` its details."""

    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_retrieve",
        summary="One enquiry with its assignment history and version (staff)",
        parameters=[REFERENCE_PARAMETER],
        responses={200: EnquiryVersionedSerializer, 403: ERROR, 404: ERROR},
    )
    def get(self, request: AuthenticatedRequest, reference: str) -> Response:
        enquiry = _with_history(request, reference)
        enquiries_services.personal_data_access_record(
            enquiry=enquiry, viewer=request.user, channel="api"
        )
        response = Response(EnquiryVersionedSerializer(enquiry).data)
        response["ETag"] = version_etag(enquiry.version)
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
    def patch(self, request: AuthenticatedRequest, reference: str) -> Response:
        enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
        serializer = EnquiryEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = expected_version(request)
        if version is None:
            return precondition_required()
        changes = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        updated = services.enquiry_edit(
            enquiry=enquiry, expected_version=version, changes=changes, actor=request.user
        )
        response = Response(EnquiryVersionedSerializer(_with_history(request, reference)).data)
        response["ETag"] = version_etag(updated.version)
        return response
