"""The adviser's workspace on an enquiry: one timeline of events, messages, documents, notes,
outcomes, tasks and time (bounded, fixed queries), the tasks and time themselves, and the
tasks due for the desk's front page."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission, User
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Field, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from casework.desk import selectors as desk_selectors
from casework.desk.selectors import person
from casework.models import Note, Outcome, Task, TimeEntry
from casework.publishing import selectors as publishing_selectors
from casework.publishing.selectors import attachment_list
from config.rows import as_prefetched, read_together
from enquiries.models import (
    Attachment,
    Channel,
    Enquiry,
    EnquiryEvent,
    FeedbackRequest,
    InboundMail,
    Message,
    Status,
)

TIMELINE_LIMIT = 200


# What the timeline can be filtered to (``?show=``), in the order the page offers them.
SHOW_CHOICES = [
    ("all", "Everything"),
    ("notes", "Internal notes"),
    ("messages", "Messages"),
    ("documents", "Documents"),
    ("status", "Status changes"),
    ("assignments", "Assignments"),
    ("tasks", "Tasks"),
    ("time", "Time recorded"),
    ("key_dates", "Key dates"),
    ("letters", "Letters"),
    ("outcomes", "Outcomes"),
    ("events", "Other events"),
]


Kind = EnquiryEvent.Kind


# Events shown under a filter. Events about a note, a task or a time entry being added are
# left out: the note, task or entry itself is on the timeline.
EVENT_FILTERS: dict[str, list[str]] = {
    "status": [Kind.STATUS_CHANGED],
    "assignments": [Kind.ASSIGNED, Kind.UNASSIGNED],
    "tasks": [Kind.TASK_DONE],
    "key_dates": [Kind.KEY_DATE_RECORDED, Kind.KEY_DATE_REMOVED, Kind.DEADLINE_EXTENDED],
    "letters": [
        Kind.LETTER_ISSUED,
        Kind.LETTER_PUBLISHED,
        Kind.LETTER_EMAILED,
        Kind.LETTER_DOWNLOADED,
    ],
}


DUPLICATED_EVENTS = [
    Kind.NOTE_ADDED,
    Kind.TASK_ADDED,
    Kind.TIME_RECORDED,
    Kind.MESSAGE_PUBLISHED,
    Kind.ATTACHMENT_ADDED,
]


# What the group itself knows about (its messages, its status, that it was received).
PUBLIC_EVENTS = {Kind.RECEIVED, Kind.ACKNOWLEDGED, Kind.STATUS_CHANGED}


def minutes_in_words(minutes: int) -> str:
    hours, rest = divmod(minutes or 0, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: what kind of thing, when, who, in words."""

    kind: str  # a ``SHOW_CHOICES`` key
    label: str  # the kind in words, e.g. "Internal note"
    at: datetime
    actor: str | None  # None: the desk itself
    text: str
    internal: bool  # staff only: never shown to the group
    ident: str  # unique on the page, e.g. "note-12"
    documents: tuple[
        Attachment, ...
    ] = ()  # Attachments to link to (a message's, or a staff document)
    email: InboundMail | None = None  # the email a message arrived as


def event_describe(event: EnquiryEvent) -> str:
    """One audit event in words."""
    data: dict[str, Any] = event.data or {}
    if event.kind == Kind.STATUS_CHANGED:
        labels: dict[str | None, str] = dict(Status.choices)
        before, after = data.get("from"), data.get("to")
        return f"Status changed from {labels.get(before, before)} to {labels.get(after, after)}"
    if event.kind == Kind.ASSIGNED and data.get("assignee"):
        return f"Assigned to {data['assignee']}"
    if event.kind == Kind.DEADLINE_EXTENDED and data.get("date"):
        return (
            f"{event.get_kind_display()}: {data.get('label')} to {data.get('date')} "
            f"(was {data.get('previous_end')}; agreed by {data.get('agreed_by')} on "
            f"{data.get('agreed_on')})"
        )
    if event.kind in (Kind.KEY_DATE_RECORDED, Kind.KEY_DATE_REMOVED) and data.get("date"):
        what = data.get("label") or data.get("trigger", "")
        councils = data.get("councils_involved") or 1
        named = data.get("councils") or []  # council names: public reference data
        also = f", area covers {councils} councils" if councils > 1 else ""
        also += f": {', '.join(named)}" if councils > 1 and named else ""
        return f"{event.get_kind_display()}: {what} ({data['date']}{also})"
    if event.kind == Kind.RECEIVED and data.get("channel"):
        channel = data["channel"]
        return f"Received ({dict(Channel.choices).get(channel, channel)})"
    if event.kind == Kind.IMPORTED and data.get("source"):
        return (
            f"Imported from {data['source']} (row {data.get('row')}, old reference "
            f"{data.get('legacy_reference')})"
        )
    if event.kind == Kind.FEEDBACK_RECEIVED and data.get("score"):
        steps = dict(FeedbackRequest.NextStep.choices)
        said = f"Feedback from the group: helped {data['score']} out of 5"
        return f"{said}; {steps[data['next_step']]}" if data.get("next_step") in steps else said
    if event.kind == Kind.MERGED and data.get("what") == "enquiry":
        said = f"Records merged: {data.get('from')} into {data.get('into')}"
        topics = data.get("secondary_topics") or {}  # topic names: not personal data
        if topics.get("added"):
            said += f"; secondary topics added: {', '.join(topics['added'])}"
        if topics.get("left"):
            said += (
                f"; not added (at most {Enquiry.SECONDARY_TOPICS_MAX} secondary topics): "
                f"{', '.join(topics['left'])}"
            )
        return said
    if event.kind == Kind.TASK_DONE and data.get("title"):
        return f"Task done: {data['title']}"
    if event.kind in EVENT_FILTERS["letters"] and data.get("title"):
        return f"{event.get_kind_display()}: {data['title']}"
    if event.kind == Kind.DETAILS_EDITED and data.get("fields"):
        names = [_field_label(name) for name in data["fields"]]
        said = f"Details edited: {', '.join(names)}"
        if moved := data.get("secondary_topics"):  # topic names: not personal data
            now = "; ".join(moved.get("to") or []) or "none"
            said += f" (secondary topics now: {now})"
        return said
    return event.get_kind_display()


def _field_label(name: str) -> str:
    try:
        return str(cast("Field[Any, Any]", Enquiry._meta.get_field(name)).verbose_name)
    except FieldDoesNotExist:
        return name


def _event_filter_kind(kind: str) -> str:
    for show, kinds in EVENT_FILTERS.items():
        if kind in kinds:
            return show
    return "events"


def timeline_entries(
    rows: QuerySet[Any],
    *,
    ident: str,
    line: Callable[[Any], dict[str, Any]],
    at: str = "created_at",
    **fixed: Any,
) -> list[TimelineEntry]:
    """The newest ``TIMELINE_LIMIT`` of ``rows`` as timeline entries (one query, and one a
    prefetch): each at its ``at`` field, identified as "<ident>-<pk>", with what ``line``
    says of it (its label, actor, text...) and the ``fixed`` fields every entry shares."""
    return timeline_entries_from(newest(rows, at=at), ident=ident, line=line, at=at, **fixed)


def newest(rows: QuerySet[Any], *, at: str = "created_at") -> QuerySet[Any]:
    """The newest ``TIMELINE_LIMIT`` of ``rows`` by their ``at`` field, newest first."""
    return rows.order_by(f"-{at}", "-id")[:TIMELINE_LIMIT]


def timeline_entries_from(
    rows: Iterable[Any],
    *,
    ident: str,
    line: Callable[[Any], dict[str, Any]],
    at: str = "created_at",
    **fixed: Any,
) -> list[TimelineEntry]:
    """``timeline_entries`` of rows already read (``newest``), in their order."""
    return [
        TimelineEntry(at=getattr(row, at), ident=f"{ident}-{row.pk}", **fixed, **line(row))
        for row in rows
    ]


def _event_rows(enquiry: Enquiry, show: str) -> QuerySet[EnquiryEvent]:
    events = EnquiryEvent.objects.filter(enquiry=enquiry).exclude(kind__in=DUPLICATED_EVENTS)
    if show == "events":
        mapped = [k for kinds in EVENT_FILTERS.values() for k in kinds]
        events = events.exclude(kind__in=mapped)
    elif show != "all":
        events = events.filter(kind__in=EVENT_FILTERS[show])
    return events.select_related("actor")


def _event_line(e: EnquiryEvent) -> dict[str, Any]:
    return {
        "kind": _event_filter_kind(e.kind),
        "label": e.get_kind_display(),
        "actor": person(e.actor),
        "text": event_describe(e),
        "internal": e.kind not in PUBLIC_EVENTS,
    }


@dataclass(frozen=True)
class RowSource:
    """One kind of row on an enquiry's timeline: which rows, and what each says."""

    ident: str  # each entry's id is "<ident>-<pk>"
    rows: Callable[[Enquiry], QuerySet[Any]]  # the enquiry's rows, with what ``line`` reads
    line: Callable[[Any], dict[str, Any]]  # label, actor and text (and documents) of one row
    at: str = "created_at"  # when it happened
    internal: bool = True  # staff only


def _message_line(m: Message) -> dict[str, Any]:
    sender = f"the {m.get_sender_display().lower()}"
    by_email = " by email" if m.channel == Message.Channel.EMAIL else ""
    return {
        "label": f"Message from {sender}{by_email}",
        "actor": person(m.author) or sender,
        "text": m.body,
        "documents": tuple(m.attachments.all()),
        "email": getattr(m, "email", None),
    }


def _time_line(t: TimeEntry) -> dict[str, Any]:
    spent = f"{minutes_in_words(t.minutes)}, {t.get_activity_display().lower()}"
    return {
        "label": "Time recorded",
        "actor": person(t.adviser),
        "text": f"{spent}, on {t.spent_on:%-d %B %Y}" + (f": {t.note}" if t.note else ""),
    }


# The timeline's kinds that come from their own tables (``SHOW_CHOICES`` keys).
ROW_SOURCES: dict[str, RowSource] = {
    # Messages with the group, each with its documents.
    "messages": RowSource(
        ident="message",
        # Their documents are a part of their own (``timeline_parts``).
        rows=lambda enquiry: publishing_selectors.public_message_list(
            enquiry=enquiry
        ).prefetch_related(None),
        line=_message_line,
        internal=False,
    ),
    # Staff-only documents (a public one is on the timeline with its message).
    "documents": RowSource(
        ident="document",
        rows=lambda enquiry: attachment_list(enquiry=enquiry).filter(message__isnull=True),
        line=lambda a: {
            "label": "Document (staff only)",
            "actor": person(a.uploaded_by),
            "text": a.original_name,
            "documents": (a,),
        },
    ),
    "notes": RowSource(
        ident="note",
        rows=lambda enquiry: Note.objects.filter(enquiry=enquiry).select_related("author"),
        line=lambda n: {"label": "Internal note", "actor": person(n.author), "text": n.body},
    ),
    "tasks": RowSource(
        ident="task",
        rows=lambda enquiry: Task.objects.filter(enquiry=enquiry).select_related(
            "assignee", "created_by"
        ),
        line=lambda t: {
            "label": "Task added",
            "actor": person(t.created_by),
            "text": f"{t.title} (for {person(t.assignee)}, due {t.due_on:%-d %B %Y})",
        },
    ),
    "time": RowSource(
        ident="time",
        rows=lambda enquiry: TimeEntry.objects.filter(enquiry=enquiry).select_related("adviser"),
        line=_time_line,
    ),
    "outcomes": RowSource(
        ident="outcome",
        rows=lambda enquiry: Outcome.objects.filter(enquiry=enquiry).select_related("recorded_by"),
        line=lambda o: {
            "label": "Closing outcome" if o.is_closing else "Outcome",
            "actor": person(o.recorded_by),
            "text": o.describe() + (f" — {o.detail}" if o.detail else ""),
        },
        at="recorded_at",
    ),
}


def timeline_parts(*, enquiry: Enquiry, show: str = "all") -> dict[str, QuerySet[Any]]:
    """The rows ``enquiry_timeline`` reads, by name (``timeline_<kind>``), the newest
    ``TIMELINE_LIMIT`` of each kind: to read with a page's others, or on their own."""
    show = show if show in dict(SHOW_CHOICES) else "all"
    parts: dict[str, QuerySet[Any]] = {}
    if show == "all" or show in EVENT_FILTERS or show == "events":
        parts["timeline_events"] = newest(_event_rows(enquiry, show))
    for name, source in ROW_SOURCES.items():
        if show in ("all", name):
            parts[f"timeline_{name}"] = newest(source.rows(enquiry), at=source.at)
    if "timeline_messages" in parts:
        parts["timeline_message_documents"] = Attachment.objects.filter(
            message__in=parts["timeline_messages"].values("pk")
        ).order_by("created_at", "id")
    return parts


def enquiry_timeline(
    *, enquiry: Enquiry, show: str = "all", rows: Mapping[str, list[Any]] | None = None
) -> list[TimelineEntry]:
    """Everything that happened on an enquiry, newest first, bounded to the newest 200.

    Internal notes, messages with the group, tasks and time entries come from their own
    tables, everything else (status changes, assignments, key dates, tasks done, intake)
    from the audit trail: read in one query (``timeline_parts``; ``rows``: those parts
    already read with a page's others), merged here. ``show`` narrows it to one kind (a
    ``SHOW_CHOICES`` key; anything else means everything).
    """
    if show not in dict(SHOW_CHOICES):
        show = "all"
    if rows is None:
        rows = read_together(timeline_parts(enquiry=enquiry, show=show))
    entries: list[TimelineEntry] = []
    if "timeline_events" in rows:
        entries += timeline_entries_from(rows["timeline_events"], ident="event", line=_event_line)
    if "timeline_messages" in rows:
        documents: dict[int, list[Attachment]] = {}
        for attachment in rows["timeline_message_documents"]:
            documents.setdefault(attachment.message_id, []).append(attachment)
        for message in rows["timeline_messages"]:
            as_prefetched(message, "attachments", documents.get(message.pk, []))
    for name, source in ROW_SOURCES.items():
        if f"timeline_{name}" in rows:
            entries += timeline_entries_from(
                rows[f"timeline_{name}"],
                ident=source.ident,
                line=source.line,
                at=source.at,
                kind=name,
                internal=source.internal,
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:TIMELINE_LIMIT]


def task_list(*, enquiry: Enquiry) -> list[Task]:
    """The enquiry's tasks, open ones first (soonest due first), at most 200."""
    return list(task_queryset(enquiry=enquiry)[:TIMELINE_LIMIT])


def task_get(*, enquiry: Enquiry, task_id: int) -> Task:
    """One of ``enquiry``'s tasks (the caller has checked the enquiry is visible)."""
    task = (
        Task.objects.filter(enquiry=enquiry, pk=task_id)
        .select_related("assignee", "created_by", "done_by")
        .first()
    )
    if task is None:
        raise Http404("No such task")
    return task


def note_list(*, enquiry: Enquiry) -> QuerySet[Note]:
    return (
        Note.objects.filter(enquiry=enquiry).select_related("author").order_by("-created_at", "-id")
    )


def task_queryset(*, enquiry: Enquiry) -> QuerySet[Task]:
    """Open tasks first, soonest due first; then done ones."""
    return (
        Task.objects.filter(enquiry=enquiry)
        .select_related("assignee", "created_by", "done_by")
        .order_by(F("done_at").asc(nulls_first=True), "due_on", "id")
    )


def task_list_for_user(*, user: User) -> QuerySet[Task]:
    """The user's tasks on enquiries they can still see, ordered as ``task_queryset``."""
    return (
        Task.objects.filter(
            assignee=user,
            enquiry__in=desk_selectors.enquiry_visible_queryset(user=user).values("pk"),
        )
        .select_related("enquiry", "assignee", "created_by", "done_by")
        .order_by(F("done_at").asc(nulls_first=True), "due_on", "id")
    )


def time_entry_list(*, enquiry: Enquiry) -> QuerySet[TimeEntry]:
    return (
        TimeEntry.objects.filter(enquiry=enquiry)
        .select_related("adviser")
        .order_by("-spent_on", "-created_at", "-id")
    )


def time_total_minutes(*, enquiry: Enquiry) -> int:
    """All the time recorded on the enquiry, summed in SQL."""
    return TimeEntry.objects.filter(enquiry=enquiry).aggregate(total=Sum("minutes"))["total"] or 0


def desk_staff_users() -> QuerySet[User]:
    """Active users with a desk role: the people a task can be given to."""
    permission = Permission.objects.filter(
        codename="work_enquiries", content_type__app_label="casework"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=permission)
            | Q(user_permissions__in=permission)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@dataclass(frozen=True)
class TasksDue:
    tasks: list[Task]
    count: int  # all of them, listed or not


def tasks_due_for_user(
    *, user: User, today: date | None = None, within_days: int = 7, limit: int = 10
) -> TasksDue:
    """The user's open tasks due within ``within_days`` or overdue, soonest first, on
    enquiries they can still see (two queries, on ``task_assignee_open_due_idx``)."""
    today = today or timezone.localdate()
    tasks = Task.objects.filter(
        assignee=user,
        done_at__isnull=True,
        due_on__lte=today + timedelta(days=within_days),
        enquiry__in=desk_selectors.enquiry_visible_queryset(user=user).values("pk"),
    )
    listed = list(tasks.select_related("enquiry").order_by("due_on", "id")[:limit])
    return TasksDue(tasks=listed, count=tasks.count())
