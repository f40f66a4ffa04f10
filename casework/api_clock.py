"""Staff REST API for statutory clocks: the rules, a calculator, and an enquiry's key dates.

Reads go through selectors and writes through services, as in ``casework.api``:
someone else's enquiry is a 404, a wrong role a 403, unusable input a 400 with
field detail.
"""

from datetime import date

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import selectors, services
from casework.api import ERROR, FIELD_ERRORS, REFERENCE_PARAMETER, STAFF
from casework.deadlines import calculator_start_check
from knowledgebase.models import DeadlineRule


class DeadlineRuleSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    needs_source_check = serializers.BooleanField(
        read_only=True, help_text="True for unverified or disputed rules: check the source."
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
            "jurisdiction",
        ]
        read_only_fields = fields


class ClockInputSerializer(serializers.Serializer):
    rule = serializers.SlugField(help_text="A rule's slug (GET /api/v1/deadline-rules/).")
    start = serializers.DateField(help_text="The day the clock starts (YYYY-MM-DD).")

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
    legal_source = serializers.CharField(source="rule.legal_source")
    verification = serializers.CharField(source="rule.verification")
    needs_source_check = serializers.BooleanField()
    earlier_reading = serializers.BooleanField(
        help_text="True when the wording allows two readings and the earlier end is shown."
    )


class ClockResultSerializer(serializers.Serializer):
    rule = serializers.CharField(source="rule.slug")
    start = serializers.DateField()
    end = serializers.DateField()
    explanation = serializers.CharField()
    legal_source = serializers.CharField(source="rule.legal_source")
    verification = serializers.CharField(source="rule.verification")
    needs_source_check = serializers.BooleanField()
    earlier_reading = serializers.BooleanField()


class KeyDateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key_date.pk")
    trigger = serializers.CharField(source="key_date.trigger")
    label = serializers.CharField()
    date = serializers.DateField(source="key_date.date")
    note = serializers.CharField(source="key_date.note")
    recorded_by = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField(source="key_date.recorded_at")
    deadlines = DeadlineSerializer(many=True)

    def get_recorded_by(self, view: selectors.KeyDateView) -> str:
        user = view.key_date.recorded_by
        return user.get_full_name() or user.get_username()


class KeyDateInputSerializer(serializers.Serializer):
    trigger = serializers.SlugField(
        help_text="What happened: a rule's `trigger` (GET /api/v1/deadline-rules/)."
    )
    date = serializers.DateField(help_text="When it happened (YYYY-MM-DD).")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


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
        result = selectors.deadline_compute(
            rule=serializer.validated_data["rule"], start=serializer.validated_data["start"]
        )
        return Response(ClockResultSerializer(result).data)


class KeyDateCollectionView(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="enquiries_key_dates_list",
        summary="An enquiry's key dates with the deadlines each starts (staff)",
        parameters=[REFERENCE_PARAMETER],
        responses={200: KeyDateSerializer(many=True), 403: ERROR, 404: ERROR},
    )
    def get(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        return Response(KeyDateSerializer(selectors.key_date_list(enquiry=enquiry), many=True).data)

    @extend_schema(
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
    def post(self, request: Request, reference: str) -> Response:
        enquiry = selectors.enquiry_get_for_user(user=request.user, reference=reference)
        serializer = KeyDateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.key_date_record(
                enquiry=enquiry, actor=request.user, **serializer.validated_data
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(
            KeyDateSerializer(selectors.key_date_list(enquiry=enquiry), many=True).data,
            status=status.HTTP_201_CREATED,
        )
