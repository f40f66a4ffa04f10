"""The filter shared by every report: period, bucket, team, adviser, topic, area, channel.

``ReportFilterForm`` checks shape only; ``ReportParams`` is what the selectors take. The
same names as the queue's ``EnquiryFilter`` are used where they mean the same thing, so a
report's filters carry over to the list of enquiries behind each figure.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone

from casework.models import Adviser, Team
from config.widgets import QuickSelect
from enquiries.intake.forms import grouped_topic_choices
from enquiries.models import Channel
from knowledgebase.models import LocalAuthority, Region, Topic

MAX_BUCKETS = 60
MAX_PERIOD_DAYS = 3 * 366

QUICK_CHOICES = [
    ("", "Choose dates below"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("this_year", "This year"),
    ("last_12_months", "Last 12 months"),
]
BUCKET_CHOICES = [("day", "Day"), ("week", "Week"), ("month", "Month")]
BUCKET_DAYS = {"day": 1, "week": 7, "month": 28}


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def quick_period(choice: str, today: date) -> tuple[date, date]:
    """The dates (inclusive) of a quick choice, relative to ``today``."""
    month = today.replace(day=1)
    if choice == "this_month":
        return month, today
    if choice == "last_month":
        return _months_back(month, 1), month - timedelta(days=1)
    if choice == "this_quarter":
        return _quarter_start(today), today
    if choice == "last_quarter":
        start = _months_back(_quarter_start(today), 3)
        return start, _quarter_start(today) - timedelta(days=1)
    if choice == "this_year":
        return date(today.year, 1, 1), today
    if choice == "last_12_months":
        return _months_back(month, 11), today
    raise ValueError(choice)


@dataclass(frozen=True)
class ReportParams:
    date_from: date
    date_to: date
    bucket: str = "week"
    team: Team | None = None
    adviser: Adviser | None = None
    topic: Topic | None = None
    area: LocalAuthority | None = None
    region: Region | None = None
    channel: str = ""

    @property
    def start(self) -> datetime:
        """The period's first moment (local midnight), aware."""
        return timezone.make_aware(datetime.combine(self.date_from, time.min))

    @property
    def end(self) -> datetime:
        """The moment after the period (exclusive), aware."""
        return timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> "ReportParams":
        """The equal period just before this one (for growth)."""
        length = timedelta(days=self.days)
        return ReportParams(
            date_from=self.date_from - length,
            date_to=self.date_from - timedelta(days=1),
            bucket=self.bucket,
        )

    def queue_query(self) -> dict[str, str]:
        """The filters as the desk queue's parameters (for the links behind figures)."""
        query = {}
        if self.team:
            query["team"] = self.team.slug
        if self.adviser:
            query["adviser"] = str(self.adviser.pk)
        if self.topic:
            query["topic"] = self.topic.slug
        if self.area:
            query["area"] = self.area.slug
        if self.region:
            query["region"] = self.region.slug
        if self.channel:
            query["channel"] = self.channel
        return query

    def report_query(self) -> dict[str, str]:
        """The filters as this form's parameters (to keep them across reports)."""
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "bucket": self.bucket,
            **self.queue_query(),
        }

    def describe(self) -> str:
        return f"{self.date_from:%-d %b %Y} to {self.date_to:%-d %b %Y}"


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(
        label="Period",
        choices=QUICK_CHOICES,
        required=False,
        help_text="A quick choice overrides the dates.",
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    bucket = forms.ChoiceField(
        label="Group by",
        choices=[("", "Automatic (by the period's length)"), *BUCKET_CHOICES],
        required=False,
    )
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.all(), to_field_name="slug", required=False
    )
    adviser = forms.ModelChoiceField(
        label="Adviser", queryset=Adviser.objects.select_related("user"), required=False
    )
    topic = forms.ModelChoiceField(
        label="Topic",
        queryset=Topic.objects.filter(is_active=True),
        to_field_name="slug",
        required=False,
    )
    area = forms.ModelChoiceField(
        label="Local authority area",
        queryset=LocalAuthority.objects.all(),
        to_field_name="slug",
        required=False,
    )
    region = forms.ModelChoiceField(
        label="Region", queryset=Region.objects.all(), to_field_name="slug", required=False
    )
    channel = forms.ChoiceField(
        label="Channel", choices=[("", "Any channel"), *Channel.choices], required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = QuickSelect(choices=field.widget.choices)
        self.fields["topic"].widget.choices = [("", "Any topic")] + grouped_topic_choices()[1:]
        for name, anything in [
            ("team", "Any team"),
            ("adviser", "Any adviser"),
            ("area", "Any area"),
            ("region", "Any region"),
        ]:
            field = cast("forms.ModelChoiceField[Any]", self.fields[name])
            field.empty_label = anything
            field.widget.choices = field.choices

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        today = timezone.localdate()
        if data.get("period"):
            data["date_from"], data["date_to"] = quick_period(data["period"], today)
        else:
            data.setdefault("date_from", None)
            data["date_from"] = data.get("date_from") or _quarter_start(today)
            data["date_to"] = data.get("date_to") or today
        if data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end of the period must be on or after its start.")
            return data
        days = (data["date_to"] - data["date_from"]).days + 1
        if days > MAX_PERIOD_DAYS:
            self.add_error("date_from", "Choose a period of at most three years.")
            return data
        bucket = data.get("bucket") or ("month" if days > 120 else "week" if days > 31 else "day")
        data["bucket"] = bucket
        if days / BUCKET_DAYS[bucket] > MAX_BUCKETS:
            self.add_error(
                "bucket",
                f"That makes more than {MAX_BUCKETS} columns: group by a longer unit "
                "or choose a shorter period.",
            )
        return data

    def params(self) -> ReportParams:
        data = self.cleaned_data
        return ReportParams(
            date_from=data["date_from"],
            date_to=data["date_to"],
            bucket=data["bucket"],
            team=data.get("team"),
            adviser=data.get("adviser"),
            topic=data.get("topic"),
            area=data.get("area"),
            region=data.get("region"),
            channel=data.get("channel") or "",
        )


def default_params() -> ReportParams:
    """The unfiltered current quarter (used when the filters could not be read)."""
    today = timezone.localdate()
    return ReportParams(date_from=_quarter_start(today), date_to=today, bucket="week")
