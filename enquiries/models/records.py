"""Organisations, contacts and enquiries, with the workflow an enquiry moves through and
its event history."""

from datetime import datetime
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace, Right, Upper
from simple_history.models import HistoricalRecords

from enquiries.signals import enquiry_rows_written

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class EnquirerType(models.TextChoices):
    PARISH_COUNCIL = "parish_council", "Town or parish council"
    NEIGHBOURHOOD_FORUM = "neighbourhood_forum", "Neighbourhood forum or steering group"
    COMMUNITY_GROUP = "community_group", "Community group (residents, friends-of, association)"
    CHARITY = "charity", "Charity"
    COMMUNITY_BUSINESS = "community_business", "Community business or social enterprise"
    HOUSING_GROUP = "housing_group", "Community land trust or housing group"
    INDIVIDUAL = "individual", "Individual resident"
    LOCAL_AUTHORITY = "local_authority", "Local authority officer or councillor"
    ASSET_OWNER = "asset_owner", "Asset owner or agent"
    PROFESSIONAL = "professional", "Professional or intermediary"


class Channel(models.TextChoices):
    WEB = "web", "Web form"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    LETTER = "letter", "Letter"
    WALK_IN = "walk_in", "Walk-in"
    WEBCHAT = "webchat", "Webchat"
    EVENT = "event", "Event"
    REFERRAL = "referral", "Referral from a partner"
    API = "api", "API"

    @classmethod
    def staff_logged(cls) -> list["Channel"]:
        """Channels an adviser records by hand from the desk."""
        return [cls.PHONE, cls.EMAIL, cls.LETTER, cls.WALK_IN, cls.WEBCHAT, cls.EVENT, cls.REFERRAL]


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_PROGRESS = "in_progress", "With an adviser"
    AWAITING_GROUP = "awaiting_group", "Waiting for the group"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"

    @classmethod
    def open_values(cls) -> list[str]:
        return [s.value for s in cls if s != cls.CLOSED]


# Which status may follow which. Anything else is refused by the service.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset(
        {Status.IN_PROGRESS, Status.AWAITING_GROUP, Status.ANSWERED, Status.CLOSED}
    ),
    Status.IN_PROGRESS: frozenset({Status.AWAITING_GROUP, Status.ANSWERED, Status.CLOSED}),
    Status.AWAITING_GROUP: frozenset({Status.IN_PROGRESS, Status.ANSWERED, Status.CLOSED}),
    Status.ANSWERED: frozenset({Status.IN_PROGRESS, Status.AWAITING_GROUP, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
}


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    org_type = models.CharField("type", max_length=32, choices=EnquirerType.choices)
    local_authority = models.ForeignKey(
        "knowledgebase.LocalAuthority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    postcode = models.CharField(max_length=10, blank=True)
    anonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="Its identity was removed under the retention policy."
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Merged into this organisation: old links and ids lead there.",
    )
    registered_contact = models.ForeignKey(
        "Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The group's registered contact sees all the organisation's enquiries.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="org_name_idx"),
            models.Index(fields=["postcode"], condition=~Q(postcode=""), name="org_postcode_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    # The column is unbounded: the limit is this, read by every form, serializer and service.
    ACCESSIBILITY_NEEDS_MAX_LENGTH = 1_000

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    # The number's last ten digits, whatever its spacing and prefix (+44 1234 567890 and
    # 01234-567890 agree): how duplicates are found by phone (``casework.duplicates``).
    phone_key = models.GeneratedField(
        expression=Right(
            Replace(
                Replace(
                    Replace(Replace(Replace("phone", Value(" ")), Value("-")), Value("(")),
                    Value(")"),
                ),
                Value("+"),
            ),
            10,
        ),
        output_field=models.CharField(max_length=40),
        db_persist=True,
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    accessibility_needs = models.TextField(blank=True)

    class ConsentBasis(models.TextChoices):
        FORM = "form", "Agreed to it on the enquiry form"
        EMAIL = "email", "Contacted us by email"
        IMPORTED = "imported", "In the service's earlier records (imported)"

    consent_to_store = models.BooleanField(default=False)
    consent_basis = models.CharField(
        max_length=8,
        choices=ConsentBasis.choices,
        blank=True,
        help_text="Why we hold the details: the group agreed, or wrote to us by email.",
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_to_refer = models.BooleanField(
        default=False, help_text="The group agreed we may pass their details to a partner."
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Merged into this contact: old links and ids lead there.",
    )
    feedback_opt_out = models.BooleanField(
        default=False, help_text="Asked not to be sent surveys about how the desk helped."
    )
    accessibility_consent = models.BooleanField(
        default=False,
        help_text="Explicit consent to keep access needs, which may be health data "
        "(special category): without it none are kept.",
    )
    email_failing_since = models.DateTimeField(
        null=True, blank=True, help_text="Our mail to this address bounced."
    )
    email_failure = models.CharField(max_length=200, blank=True)
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Identity removed: none of their enquiries is inside retention any more.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["email"], name="contact_email_idx"),
            # The portal and "send me a new link" match addresses case-insensitively
            # (``email__iexact`` is ``UPPER(email) = UPPER(%s)`` on PostgreSQL).
            models.Index(Upper("email"), name="contact_email_upper_idx"),
            models.Index(
                fields=["phone_key"], condition=~Q(phone=""), name="contact_phone_key_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReferenceCounter(models.Model):
    """The last sequence number issued for a year; its row lock serialises references."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class EnquiryQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        """``QuerySet.update()`` sends no save signal, so the history would miss it:
        write a history record for every enquiry it changed, in the same transaction."""
        with transaction.atomic(using=self.db, savepoint=False):
            rows = list(self.order_by().values_list("pk", "received_at"))
            count = super().update(**kwargs)
            if rows:
                pks = [pk for pk, _ in rows]
                changed = list(Enquiry.objects.filter(pk__in=pks))
                Enquiry.history.bulk_history_create(
                    changed, update=True, default_change_reason="bulk update"
                )
                enquiry_rows_written.send(
                    sender=Enquiry,
                    pks=pks,
                    received_at=[received for _, received in rows],
                    fields=set(kwargs),
                    using=self.db,
                )
        return count

    def bulk_create(self, objs, *args, **kwargs) -> list:
        """No save signal either: say which rows were written (for report rollups). Not
        as an upsert: the rows it would change could not be told apart from new ones."""
        if kwargs.get("update_conflicts"):
            raise ValueError("Enquiry rows are updated with update(), not bulk_create().")
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            enquiry_rows_written.send(
                sender=Enquiry,
                pks=[e.pk for e in created],
                received_at=[e.received_at for e in cast("list[Enquiry]", created)],
                fields=None,
                using=self.db,
            )
        return created


class Enquiry(models.Model):
    # Limits of the unbounded text columns, read by every form, serializer and service.
    MESSAGE_MAX_LENGTH = 10_000
    ASSET_ADDRESS_MAX_LENGTH = 2_000  # as the desk edits it (a case copies it)
    # A group gives at most this much at intake (the public form, the API, the desk's log
    # form): less than the desk may edit it to. Both kept as they were.
    ASSET_ADDRESS_INTAKE_MAX_LENGTH = 1_000
    # Secondary topics an adviser may add at triage: a few, so that each one still says
    # something to routing (a tie-breaker) and to the demand report ("also about").
    SECONDARY_TOPICS_MAX = 3

    reference = models.CharField(max_length=20, unique=True, editable=False)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    topic = models.ForeignKey(
        "knowledgebase.Topic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enquiries",
        help_text="Empty when the group was not sure.",
    )
    secondary_topics = models.ManyToManyField(
        "knowledgebase.Topic",
        blank=True,
        related_name="secondary_enquiries",
        help_text="What else it is about, set by an adviser at triage; never the topic itself "
        "(enquiries.services.secondary_topics_check).",
    )
    subject = models.CharField(max_length=200)
    message = models.TextField()
    legacy_reference = models.CharField(
        max_length=60,
        blank=True,
        db_index=True,
        help_text="Its reference in the system it was imported from; desk search finds it.",
    )
    asset_name = models.CharField(max_length=200, blank=True)
    asset_address = models.TextField(blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="enquiries"
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="enquiries")
    local_authority = models.ForeignKey(
        "knowledgebase.LocalAuthority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enquiries",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    received_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_enquiries",
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Merged into this enquiry about the same matter: its reference leads there.",
    )
    follows_up = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        help_text="The closed enquiry the group wrote back about.",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="logged_enquiries",
        help_text="The adviser who recorded it by hand.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Personal data and free text removed under the retention policy; the "
        "figures reports count are kept.",
    )
    # Optimistic concurrency: an edit form carries the version it was loaded at and the
    # save is refused if the row has moved on (``enquiries.services.enquiry_edit``).
    version = models.PositiveIntegerField(default=1)

    # Service levels (``knowledgebase.ServiceLevelTarget``), in working days. Due dates are
    # fixed at intake and pushed back by the working days spent waiting for the group.
    first_response_due = models.DateField(null=True, blank=True)
    resolution_due = models.DateField(null=True, blank=True)
    sla_paused_since = models.DateTimeField(
        null=True, blank=True, help_text="Set while the desk waits for the group."
    )
    resolved_at = models.DateTimeField(
        null=True, blank=True, help_text="First time it was answered or closed."
    )
    first_response_working_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Working days to first response, pauses excluded."
    )
    resolution_working_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Working days to resolution, pauses excluded."
    )

    objects = EnquiryQuerySet.as_manager()
    # Every change: who, when, which fields, old and new values (managers see it).
    history = HistoricalRecords(excluded_fields=["updated_at"], cascade_delete_history=True)
    # Who simple_history records as making the next change; services set it before save().
    _history_user: "User | None"
    # The reason simple_history records with the next change (e.g. secondary topics, which
    # it does not track itself); services set it before save().
    _change_reason: str

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "enquiries"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="enquiry_closed_has_closed_at",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-received_at"], name="enquiry_status_received_idx"),
            models.Index(fields=["assigned_to", "status"], name="enquiry_assignee_status_idx"),
            models.Index(fields=["topic", "-received_at"], name="enquiry_topic_received_idx"),
            models.Index(
                fields=["local_authority", "-received_at"], name="enquiry_la_received_idx"
            ),
            models.Index(fields=["channel", "-received_at"], name="enquiry_channel_received_idx"),
            models.Index(fields=["-received_at"], name="enquiry_received_idx"),
            # The queue's default order, per status and for open enquiries (measured at 1M
            # rows: 2.9 s -> 3 ms and 63 ms -> 2 ms; docs/performance.md).
            models.Index(
                fields=["status", "-priority", "received_at", "id"], name="enquiry_status_queue_idx"
            ),
            models.Index(
                fields=["-priority", "received_at", "id"],
                condition=Q(status__in=Status.open_values()),
                name="enquiry_open_queue_idx",
            ),
            # "At risk" / "breached" queue filters.
            models.Index(
                fields=["first_response_due"],
                condition=Q(first_response_at__isnull=True, status__in=Status.open_values()),
                name="enquiry_sla_response_idx",
            ),
            models.Index(
                fields=["resolution_due"],
                condition=Q(status__in=Status.open_values()),
                name="enquiry_sla_resolution_idx",
            ),
            # Reports (casework.reports): closures in a period, and outcomes grouped by their
            # enquiry's topic or area, read from these indexes alone (docs/performance.md).
            models.Index(
                fields=["closed_at", "id"],
                condition=Q(closed_at__isnull=False),
                name="enquiry_closed_idx",
            ),
            # The retention job: closed enquiries not yet anonymised, oldest first.
            models.Index(
                fields=["closed_at", "id"],
                condition=Q(closed_at__isnull=False, anonymised_at__isnull=True),
                name="enquiry_retention_due_idx",
            ),
            models.Index(
                fields=["id", "topic", "local_authority"], name="enquiry_report_place_idx"
            ),
            # Reports over the enquiries received in a period read only these columns, so
            # PostgreSQL answers from this index alone (index-only scans; ``id`` included
            # because the reports count it). At 1M: 12-month flow 0.76 -> 0.56 s of SQL.
            models.Index(
                fields=["received_at"],
                include=[
                    "id",
                    "channel",
                    "topic",
                    "organisation",
                    "local_authority",
                    "contact",
                    "assigned_to",
                    "first_response_at",
                    "first_response_due",
                    "first_response_working_days",
                    "resolved_at",
                    "resolution_due",
                    "resolution_working_days",
                ],
                name="enquiry_report_received_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    def can_move_to(self, status: str) -> bool:
        return status in STATUS_TRANSITIONS.get(self.status, frozenset())

    def age_days(self, now: datetime) -> int:
        return (now - self.received_at).days


class EnquiryEvent(models.Model):
    """The audit trail of an enquiry: who did what, when (status changes, claims...)."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Received"
        STATUS_CHANGED = "status_changed", "Status changed"
        ASSIGNED = "assigned", "Assigned"
        UNASSIGNED = "unassigned", "Returned to queue"
        ACKNOWLEDGED = "acknowledged", "Acknowledgement sent"
        KEY_DATE_RECORDED = "key_date_recorded", "Key date recorded"
        KEY_DATE_REMOVED = "key_date_removed", "Key date removed"
        DEADLINE_EXTENDED = "deadline_extended", "Deadline extended by agreement"
        NOTE_ADDED = "note_added", "Internal note added"
        TASK_ADDED = "task_added", "Task added"
        TASK_DONE = "task_done", "Task done"
        TIME_RECORDED = "time_recorded", "Time recorded"
        DETAILS_EDITED = "details_edited", "Details edited"
        MESSAGE_PUBLISHED = "message_published", "Update published to the group"
        CALL_LOGGED = "call_logged", "Call logged"
        REPLY_RECEIVED = "reply_received", "Reply from the group"
        ATTACHMENT_ADDED = "attachment_added", "Document attached"
        LETTER_ISSUED = "letter_issued", "Letter issued"
        LETTER_PUBLISHED = "letter_published", "Letter published to the group"
        LETTER_EMAILED = "letter_emailed", "Letter emailed"
        LETTER_DOWNLOADED = "letter_downloaded", "Letter downloaded to print"
        DATE_PUBLISHED = "date_published", "Date published to the group"
        LINK_SENT = "link_sent", "Tracking link sent"
        LINK_REVOKED = "link_revoked", "Tracking links revoked"
        ANONYMISED = "anonymised", "Anonymised under the retention policy"
        IMPORTED = "imported", "Imported from earlier records"
        FEEDBACK_RECEIVED = "feedback_received", "Feedback from the group"
        MERGED = "merged", "Records merged"

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the desk itself acted (routing, intake).",
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["enquiry", "-created_at"], name="event_enquiry_created_idx")
        ]

    def __str__(self) -> str:
        return f"{self.enquiry_id} {self.kind}"
