"""The manager's home: today's figures, each counted by the queue's own filters so a
figure and the list behind its link always agree, and the last twelve weeks."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Min
from django.db.models.functions import TruncWeek
from django.http import QueryDict
from django.utils import timezone

from casework.queue import selectors as queue_selectors
from enquiries.models import Enquiry

WEEKS = 12


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    query: str  # the queue's query string that lists them
    hint: str = ""


@dataclass(frozen=True)
class Week:
    starts: date
    received: int
    closed: int


# label, the queue's filters, what the figure means
FIGURES = [
    ("Open", "", "Every enquiry not closed."),
    ("Unassigned", "unassigned=true", "Waiting in a team queue for an adviser."),
    ("At risk", "sla=at_risk", "A service level due within the at-risk window."),
    ("Breached", "sla=breached", "A service level overdue."),
    ("Statutory deadline this week", "deadline_within=7", "A group's deadline within 7 days."),
]


def figures(*, user: User) -> list[Figure]:
    """One count per figure, through the queue's selector and filters."""
    found = []
    for label, filters, hint in FIGURES:
        query = f"queue=all&{filters}" if filters else "queue=all"
        enquiries = queue_selectors.enquiry_list(
            user=user, queue=queue_selectors.Queue.ALL, filters=QueryDict(filters)
        )
        found.append(Figure(label, enquiries.order_by().count(), query, hint))
    return found


def oldest_waiting(*, user: User) -> datetime | None:
    """When the longest-waiting unassigned enquiry came in."""
    waiting = queue_selectors.enquiry_list(
        user=user, queue=queue_selectors.Queue.ALL, filters=QueryDict("unassigned=true")
    )
    return waiting.order_by().aggregate(first=Min("received_at"))["first"]


def weeks(*, today: date | None = None) -> list[Week]:
    """Enquiries received and closed in each of the last twelve weeks (Monday first), this
    week last; two grouped queries."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=WEEKS - 1)
    start = timezone.make_aware(datetime.combine(first, time()))
    received = dict(
        Enquiry.objects.filter(received_at__gte=start)
        .annotate(week=TruncWeek("received_at"))
        .values_list("week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    closed = dict(
        Enquiry.objects.filter(closed_at__gte=start)
        .annotate(week=TruncWeek("closed_at"))
        .values_list("week")
        .annotate(n=Count("pk"))
        .order_by()
    )

    def on(counts: dict[datetime, int], week: date) -> int:
        return sum(n for moment, n in counts.items() if timezone.localdate(moment) == week)

    return [
        Week(week, on(received, week), on(closed, week))
        for week in (first + timedelta(weeks=i) for i in range(WEEKS))
    ]
