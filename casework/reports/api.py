"""The report figures as JSON under /api/v1/reports/<name>/: the same ``Report`` the pages
render, with the same filters (query parameters) and the same permissions."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.desk.api import ERROR, FIELD_ERRORS, IsDeskStaff
from casework.reports.params import BUCKET_CHOICES, QUICK_CHOICES, ReportFilterForm
from casework.reports.registry import REPORTS, build_report, report_kind


class CellSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text="A number, a text or null.")
    href = serializers.CharField(
        help_text="The desk queue listing the enquiries behind the figure; empty if none."
    )


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=CellSerializer()))


class SourceSerializer(serializers.Serializer):
    database = serializers.ChoiceField(
        choices=["primary", "replica"],
        help_text="Where the figures were read: the read replica, or the main database.",
    )
    as_of = serializers.DateTimeField(help_text="The moment the figures reflect.")
    fallback = serializers.CharField(
        help_text="Why the main database was read although a replica is configured "
        "(it is too far behind, or unreachable); empty otherwise."
    )


class ReportSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    date_from = serializers.DateField(source="params.date_from")
    date_to = serializers.DateField(source="params.date_to")
    bucket = serializers.CharField(source="params.bucket")
    notes = serializers.ListField(child=serializers.CharField())
    read_from = SourceSerializer(
        source="source",
        help_text="Also in the headers X-Report-Source, X-Report-As-Of and X-Report-Fallback.",
    )
    tables = TableSerializer(many=True)


class ReportQuerySerializer(serializers.Serializer):
    """The filters (for the schema; ``ReportFilterForm`` validates them)."""

    period = serializers.ChoiceField(choices=[c for c, _ in QUICK_CHOICES if c], required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    bucket = serializers.ChoiceField(choices=BUCKET_CHOICES, required=False)
    team = serializers.SlugField(required=False, help_text="A team's slug.")
    adviser = serializers.IntegerField(required=False, help_text="An adviser's id.")
    topic = serializers.SlugField(required=False, help_text="A topic's slug (with sub-topics).")
    area = serializers.SlugField(required=False, help_text="A local authority area's slug.")
    region = serializers.SlugField(required=False, help_text="A region's slug.")
    channel = serializers.CharField(required=False)


class ReportView(APIView):
    permission_classes = [IsAuthenticated, IsDeskStaff]
    report_name = ""

    def get(self, request: Request) -> Response:
        if not report_kind(self.report_name).allowed(request.user):
            raise PermissionDenied("Only managers can see this report.")
        form = ReportFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        # When PostgreSQL is busy with reports: ReportUnavailable, a 503 with Retry-After.
        report = build_report(self.report_name, form.params(), user=request.user)
        headers = report.source.headers() if report.source else None
        return Response(ReportSerializer(report).data, headers=headers)


def _view(name: str) -> type[ReportView]:
    kind = REPORTS[name]
    who = "staff: advisers see themselves and their teams" if kind.advisers_may_see else "managers"
    view = type(f"{name.title()}ReportView", (ReportView,), {"report_name": name})
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"reports_{name}",
            summary=f"{kind.title} ({who})",
            description=kind.summary,
            parameters=[ReportQuerySerializer],
            responses={200: ReportSerializer, 400: FIELD_ERRORS, 403: ERROR, 503: ERROR},
            tags=["reports"],
        )
    )(view)


VIEWS = {name: _view(name) for name in REPORTS}
