"""Staff REST API for statutory clocks: the rules, a calculator, and an enquiry's key dates.

Reads go through selectors and writes through services, as everywhere in the staff API:
someone else's enquiry is a 404, a wrong role a 403, unusable input a 400 with
field detail.
"""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
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
from casework.clocks import selectors, services
from casework.desk import selectors as desk_selectors
from casework.desk.api import (
    CASE_ID,
    ERROR,
    FIELD_ERRORS,
    REFERENCE_PARAMETER,
    STAFF,
    EnquiryCommandView,
    enquiry_for_request,
)
from casework.models import DeadlineExtension, KeyDate
from casework.publishing import selectors as publishing_selectors
from config.api import AuthenticatedRequest
from config.limits import max_length
from enquiries.models import Enquiry
from knowledgebase.models import DeadlineRule, LocalAuthority, Topic
from knowledgebase.periods import (
    CONDITIONS,
    calculator_start_check,
    disputed_start_pick,
    variants_check,
)


def _variant_data(view: selectors.DeadlineView) -> dict | None:
    variant = view.variant
    return None if variant is None else {**variant.as_dict(), "reason": variant.reason}


class VariantSerializer(serializers.Serializer):
    """Another length for a rule when a condition recorded with the key date holds."""

    condition = serializers.CharField(help_text='For example "several_councils".')
    reason = serializers.CharField(help_text="The condition in words.")
    length = serializers.IntegerField()
    unit = serializers.CharField()
    legal_source = serializers.CharField()


class DisputedStartSerializer(serializers.Serializer):
    """The other reading of a rule whose start is disputed: the key date that starts it."""

    trigger = serializers.CharField(help_text='The key date, e.g. "moratorium-ended".')
    trigger_event = serializers.CharField()
    legal_source = serializers.CharField()


class DeadlineRuleSerializer(serializers.ModelSerializer):
    topic: serializers.SlugRelatedField[Topic] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    needs_source_check = serializers.BooleanField(
        read_only=True, help_text="True for unverified or disputed rules: check the source."
    )
    variants = serializers.SerializerMethodField(
        help_text="Conditions that change the length (e.g. several councils: 20 weeks)."
    )
    disputed_start = serializers.SerializerMethodField(
        help_text="A disputed start: the other reading's key date and source (null: none)."
    )

    class Meta:
        model = DeadlineRule
        fields = [
            "slug",
            "name",
            "topic",
            "trigger",
            "trigger_event",
            "length",
            "unit",
            "counting",
            "end_meaning",
            "legal_source",
            "verification",
            "needs_source_check",
            "note",
            "variants",
            "disputed_start",
            "jurisdiction",
        ]
        read_only_fields = fields

    @extend_schema_field(DisputedStartSerializer(allow_null=True))
    def get_disputed_start(self, rule: DeadlineRule) -> dict | None:
        other = disputed_start_pick(rule.disputed_start)
        return None if other is None else other.as_dict()

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, rule: DeadlineRule) -> list[dict]:
        try:
            variants = variants_check(rule.variants, counting=rule.counting)
        except ValueError:
            return []
        return [{**v.as_dict(), "reason": v.reason} for v in variants]


KEY_DATE_ID = OpenApiParameter("key_date_id", OpenApiTypes.INT, OpenApiParameter.PATH)
RULE_SLUG = OpenApiParameter(
    "rule",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The clock's slug (a deadline's `rule`), e.g. acv-review-decision.",
)


class ClockInputSerializer(serializers.Serializer):
    rule = serializers.SlugField(help_text="A rule's slug (GET /api/v1/deadline-rules/).")
    start = serializers.DateField(help_text="The day the clock starts (YYYY-MM-DD).")
    conditions = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(CONDITIONS)),
        required=False,
        default=list,
        help_text='Facts that pick a rule variant, e.g. ["several_councils"].',
    )

    other_start = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For a rule whose start is disputed (`disputed_start`), the other "
        "reading's start (acv-compensation-claim: the day the moratorium ended): both "
        "readings are worked out and `end` is the earlier.",
    )

    def validate_rule(self, value: str) -> DeadlineRule:
        rule = selectors.deadline_rule_get(slug=value)
        if rule is None:
            raise serializers.ValidationError("No active clock has this slug.")
        return rule

    def validate_start(self, value: date) -> date:
        try:
            calculator_start_check(value, today=timezone.localdate())
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return value

    def validate_other_start(self, value: date | None) -> date | None:
        return None if value is None else self.validate_start(value)


class ReadingSerializer(serializers.Serializer):
    """One reading of a rule whose start is disputed."""

    trigger_event = serializers.CharField(help_text="What starts the clock on this reading.")
    start = serializers.DateField()
    end = serializers.DateField()
    explanation = serializers.CharField()
    legal_source = serializers.CharField(help_text="The source that reads it this way.")


READINGS_HELP = (
    "A rule whose start is disputed, worked from both starts (the rule's own first); `end` "
    "is the earlier. Empty when there is one start, or the other is not recorded."
)


class ExtensionSerializer(serializers.Serializer):
    """One agreement that extended a deadline (oldest first; the latest wins)."""

    agreed_by = serializers.CharField()
    agreed_on = serializers.DateField()
    extended_to = serializers.DateField()
    previous_end = serializers.DateField()
    evidence = serializers.CharField()
    document = serializers.CharField(source="document.original_name", allow_null=True)
    recorded_at = serializers.DateTimeField()


class DeadlineSerializer(serializers.Serializer):
    """One computed deadline (the earlier reading for a disputed rule)."""

    rule = serializers.CharField(source="rule.slug")
    name = serializers.CharField(source="rule.name")
    start = serializers.DateField()
    end = serializers.DateField()
    days_left = serializers.IntegerField(help_text="From today; negative once passed.")
    status = serializers.CharField(
        help_text='"passed", "due within 7 days", "due within 14 days" or "later".'
    )
    explanation = serializers.CharField()
    end_meaning = serializers.CharField(source="rule.end_meaning")
    legal_source = serializers.CharField(
        help_text="The rule's source, or the variant's with why when one applies."
    )
    verification = serializers.CharField(source="rule.verification")
    needs_source_check = serializers.BooleanField()
    earlier_reading = serializers.BooleanField(
        help_text="True when the wording allows two readings and the earlier end is shown."
    )
    variant = serializers.SerializerMethodField(
        help_text="The condition that changed the length (null: the rule's own length)."
    )
    extended_to = serializers.DateField(
        allow_null=True, help_text="The latest end agreed; null when not extended."
    )
    extensions = ExtensionSerializer(many=True, help_text="Every agreement, oldest first.")
    readings = ReadingSerializer(many=True, help_text=READINGS_HELP)

    @extend_schema_field(VariantSerializer(allow_null=True))
    def get_variant(self, view: selectors.DeadlineView) -> dict | None:
        return _variant_data(view)


class ClockResultSerializer(serializers.Serializer):
    rule = serializers.CharField(source="rule.slug")
    start = serializers.DateField()
    end = serializers.DateField()
    explanation = serializers.CharField()
    legal_source = serializers.CharField()
    verification = serializers.CharField(source="rule.verification")
    needs_source_check = serializers.BooleanField()
    earlier_reading = serializers.BooleanField()
    variant = serializers.SerializerMethodField(
        help_text="The condition that changed the length (null: the rule's own length)."
    )
    readings = ReadingSerializer(many=True, help_text=READINGS_HELP)

    @extend_schema_field(VariantSerializer(allow_null=True))
    def get_variant(self, view: selectors.DeadlineView) -> dict | None:
        return _variant_data(view)


class DeadlineExtensionInputSerializer(serializers.Serializer):
    """An agreement that extends a deadline. The service checks that the new end is after
    the current due date and that the agreement is not dated in the future."""

    agreed_by = serializers.CharField(
        max_length=max_length(DeadlineExtension, "agreed_by"),
        help_text='Who agreed, for example "the owner and the council".',
    )
    agreed_on = serializers.DateField(help_text="When it was agreed (YYYY-MM-DD).")
    extended_to = serializers.DateField(
        help_text="The new end date (YYYY-MM-DD): after the current due date."
    )
    evidence = serializers.CharField(
        max_length=max_length(DeadlineExtension, "evidence"),
        required=False,
        allow_blank=True,
        default="",
        help_text="Where the agreement is recorded.",
    )
    document = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="The id of a document on this enquiry that records the agreement.",
    )
    current_end = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The due date you saw (`extended_to`, else `end`): if someone extended the "
        "deadline since, nothing is saved and the answer is 409 with `current_end`.",
    )


class KeyDateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key_date.pk")
    trigger = serializers.CharField(source="key_date.trigger")
    label = serializers.CharField()  # type: ignore[assignment]  # a field: DRF's metaclass takes it out of the class
    date = serializers.DateField(source="key_date.date")
    note = serializers.CharField(source="key_date.note")
    councils_involved = serializers.IntegerField(
        source="key_date.councils_involved",
        help_text="How many councils: the number named, or the count given before councils "
        "were named.",
    )
    councils = serializers.SerializerMethodField(
        help_text="The councils named (local authority slugs); empty if none were."
    )
    recorded_by = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField(source="key_date.recorded_at")
    deadlines = DeadlineSerializer(many=True)

    def get_councils(self, view: selectors.KeyDateView) -> list[str]:
        return [c.slug for c in view.councils]

    def get_recorded_by(self, view: selectors.KeyDateView) -> str:
        user = view.key_date.recorded_by
        return user.get_full_name() or user.get_username()


class KeyDateInputSerializer(serializers.Serializer):
    trigger = serializers.SlugField(
        help_text="What happened: a rule's `trigger` (GET /api/v1/deadline-rules/)."
    )
    date = serializers.DateField(help_text="When it happened (YYYY-MM-DD).")
    note = serializers.CharField(
        max_length=max_length(KeyDate, "note"),
        required=False,
        allow_blank=True,
        default="",
    )
    # Built by hand so the message for an unknown slug reaches the child field.
    councils = serializers.ManyRelatedField(
        child_relation=serializers.SlugRelatedField(
            slug_field="slug",
            queryset=LocalAuthority.objects.filter(is_active=True),
            error_messages={"does_not_exist": "No local authority in use has the slug {value}."},
        ),
        required=False,
        help_text="The councils whose areas the area falls within (local authority slugs); "
        "more than one picks a variant (20 weeks for np-area-decision and np-forum-decision).",
    )
    councils_involved = serializers.IntegerField(
        min_value=1,
        max_value=99,
        required=False,
        allow_null=True,
        default=None,
        help_text="Deprecated: how many councils, for a client that cannot name them. With "
        "`councils`, it must be their number.",
    )


class CaseKeyDateSerializer(KeyDateSerializer):
    enquiry = serializers.CharField(
        source="key_date.enquiry.reference", help_text="The enquiry whose clocks it starts."
    )


class CaseKeyDateInputSerializer(KeyDateInputSerializer):
    enquiry = serializers.CharField(
        max_length=20, help_text="The reference of one of the case's enquiries that you hold."
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="deadline_rules_list",
        summary="Statutory clocks and how each is counted (staff)",
    )
)
class DeadlineRuleListView(generics.ListAPIView):
    permission_classes = STAFF
    serializer_class = DeadlineRuleSerializer

    def get_queryset(self):
        return (
            DeadlineRule.objects.filter(is_active=True)
            .select_related("topic")
            .order_by("position", "pk")
        )


class ClockView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="clock_compute",
        summary="When a clock started on a day ends, with the sum in words (staff)",
        request=ClockInputSerializer,
        responses={200: ClockResultSerializer, 400: FIELD_ERRORS, 403: ERROR},
    )
    def post(self, request: Request) -> Response:
        serializer = ClockInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = selectors.deadline_compute(
            rule=data["rule"],
            start=data["start"],
            conditions=frozenset(data["conditions"]),
            other_starts=selectors.other_start_of(data["rule"], data["other_start"]),
        )
        return Response(ClockResultSerializer(result).data)


@extend_schema_view(
    post=extend_schema(
        operation_id="enquiries_key_dates_create",
        summary="Record a key date; every clock it starts is computed (its adviser, or a manager)",
        parameters=[REFERENCE_PARAMETER],
        request=KeyDateInputSerializer,
        responses={
            201: KeyDateSerializer(many=True),
            400: FIELD_ERRORS,
            403: ERROR,
            404: ERROR,
        },
        description="Returns all the enquiry's key dates, the new one included.",
    )
)
class KeyDateCollectionView(EnquiryCommandView):
    input_serializer = KeyDateInputSerializer

    def _list(self, enquiry: Enquiry) -> list[dict]:
        # many=True makes a ListSerializer, whose data is a list; drf-stubs says a dict.
        return KeyDateSerializer(selectors.key_date_list(enquiry=enquiry), many=True).data  # type: ignore[return-value]

    @extend_schema(
        operation_id="enquiries_key_dates_list",
        summary="An enquiry's key dates with the deadlines each starts (staff)",
        parameters=[REFERENCE_PARAMETER],
        responses={200: KeyDateSerializer(many=True), 403: ERROR, 404: ERROR},
    )
    def get(self, request: Request, reference: str) -> Response:
        return Response(self._list(enquiry_for_request(request, reference)))

    def act(self, enquiry: Enquiry, data: dict[str, Any], actor: User) -> None:
        services.key_date_record(enquiry=enquiry, actor=actor, **data)

    def answer(self, enquiry: Enquiry, result: None) -> Response:
        return Response(self._list(enquiry), status=status.HTTP_201_CREATED)


class KeyDateDetailView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_key_dates_destroy",
        summary="Remove a key date entered in error, and its deadlines (its adviser or a manager)",
        parameters=[REFERENCE_PARAMETER, KEY_DATE_ID],
        responses={204: None, 403: ERROR, 404: ERROR},
    )
    def delete(self, request: AuthenticatedRequest, reference: str, key_date_id: int) -> Response:
        enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
        key_date = selectors.key_date_get(enquiry=enquiry, key_date_id=key_date_id)
        services.key_date_remove(key_date=key_date, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeadlineExtensionView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_deadlines_extensions_create",
        summary="Extend a deadline by agreement (its adviser, or a manager)",
        description="Who agreed, when, the new end and the evidence. Earlier agreements are "
        "kept; the latest wins. Returns the deadline with every extension.",
        parameters=[REFERENCE_PARAMETER, KEY_DATE_ID, RULE_SLUG],
        request=DeadlineExtensionInputSerializer,
        responses={
            201: DeadlineSerializer,
            400: FIELD_ERRORS,
            403: ERROR,
            404: ERROR,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Someone extended it since the due date you sent: `detail`, "
                "`current_end`. Nothing was saved.",
            ),
        },
    )
    def post(
        self, request: AuthenticatedRequest, reference: str, key_date_id: int, rule: str
    ) -> Response:
        enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
        deadline = selectors.deadline_get_by_rule(
            enquiry=enquiry, key_date_id=key_date_id, rule=rule
        )
        serializer = DeadlineExtensionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        document_id = data.pop("document")
        document = None
        if document_id is not None:
            document = (
                publishing_selectors.attachment_list(enquiry=enquiry).filter(pk=document_id).first()
            )
            if document is None:
                raise ValidationError({"document": ["Choose a document on this enquiry."]})
        services.deadline_extend(
            deadline=deadline,
            document=document,
            expected_end=data.pop("current_end"),
            actor=request.user,
            **data,
        )
        view = selectors.deadline_view_get(enquiry=enquiry, deadline=deadline)
        return Response(DeadlineSerializer(view).data, status=status.HTTP_201_CREATED)


class CaseKeyDateCollectionView(APIView):
    """Key dates on a case are recorded on one of its enquiries, whose clocks they start."""

    permission_classes = STAFF

    def _list(self, case) -> list[dict]:
        enquiries = cases.case_enquiries(case=case)
        views = selectors.key_date_list_for_case(enquiries=enquiries)
        # many=True makes a ListSerializer, whose data is a list; drf-stubs says a dict.
        return CaseKeyDateSerializer(views, many=True).data  # type: ignore[return-value]

    @extend_schema(
        operation_id="cases_key_dates_list",
        summary="The key dates of a case's enquiries, with the deadlines each starts (staff)",
        parameters=[CASE_ID],
        responses={200: CaseKeyDateSerializer(many=True), 403: ERROR, 404: ERROR},
    )
    def get(self, request: Request, case_id: int) -> Response:
        return Response(self._list(cases.case_get_for_user(user=request.user, case_id=case_id)))

    @extend_schema(
        operation_id="cases_key_dates_create",
        summary="Record a key date on one of a case's enquiries (its adviser, or a manager)",
        parameters=[CASE_ID],
        request=CaseKeyDateInputSerializer,
        responses={
            201: CaseKeyDateSerializer(many=True),
            400: FIELD_ERRORS,
            403: ERROR,
            404: ERROR,
        },
        description="Returns all the case's key dates, the new one included.",
    )
    def post(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = cases.case_get_for_user(user=request.user, case_id=case_id)
        serializer = CaseKeyDateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reference = data.pop("enquiry")
        enquiry = next(
            (e for e in cases.case_enquiries(case=case) if e.reference == reference), None
        )
        if enquiry is None:
            raise ValidationError({"enquiry": ["That enquiry is not part of this case."]})
        services.key_date_record(enquiry=enquiry, actor=request.user, **data)
        return Response(self._list(case), status=status.HTTP_201_CREATED)
