"""Reference data the rest of the desk relies on: topics, areas and statutory clocks."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce


class Topic(models.Model):
    """A two-level taxonomy of what enquiries are about (DOMAIN.md, "Topics")."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    concerns_asset = models.BooleanField(
        default=False, help_text="Enquiries on this topic usually concern a building or land."
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="topic_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name}: {self.name}" if self.parent else self.name

    def clean(self) -> None:
        if self.parent and self.parent.parent_id:
            raise ValidationError({"parent": "Topics have two levels: pick a top-level parent."})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "A topic cannot be its own parent."})

    @property
    def root_id(self) -> int:
        return self.parent_id or self.pk


class Nation(models.TextChoices):
    ENGLAND = "england", "England"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"


class Region(models.Model):
    """A region (ITL1), used to group local authority areas: England's nine, and Wales,
    Scotland and Northern Ireland each as one, where the desk's rights do not apply
    (``knowledgebase.jurisdiction``)."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    nation = models.CharField(max_length=20, choices=Nation.choices, default=Nation.ENGLAND)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LocalAuthority(models.Model):
    """A local authority area: where the group and its asset are."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="authorities")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name


class DeadlineRule(models.Model):
    """A statutory (or policy) clock: what starts it, how long it runs, how it is counted.

    The values and their sources are DOMAIN.md's "Clocks to encode"; the
    arithmetic is ``knowledgebase.periods.period_end``.
    """

    class Unit(models.TextChoices):
        DAYS = "days", "days"
        WORKING_DAYS = "working_days", "working days"
        WEEKS = "weeks", "weeks"
        MONTHS = "months", "months"
        YEARS = "years", "years"

    class Counting(models.TextChoices):
        BEGINNING_WITH = "beginning_with", "beginning with the start date (day 1)"
        FROM = "from", "from the start date (not counted)"
        AFTER = "after", "beginning with the day after the start date"
        NOT_LESS_THAN = "not_less_than", "not less than, from the start date"

    class Verification(models.TextChoices):
        VERIFIED = "V", "Verified against the legislation"
        CORROBORATED = "C", "Corroborated by official guidance"
        UNVERIFIED = "U", "Unverified or disputed: check the source"
        POLICY = "policy", "The desk's own policy"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="deadline_rules"
    )
    trigger = models.SlugField(
        max_length=60,
        help_text="The key date that starts the clock; rules sharing one start together.",
    )
    trigger_event = models.CharField(max_length=200, help_text="What starts the clock.")
    length = models.PositiveSmallIntegerField()
    unit = models.CharField(max_length=16, choices=Unit.choices)
    counting = models.CharField(max_length=16, choices=Counting.choices)
    end_meaning = models.CharField(max_length=200, help_text="What the end date means.")
    legal_source = models.CharField(max_length=300)
    verification = models.CharField(max_length=8, choices=Verification.choices)
    note = models.TextField(blank=True, help_text="Variants and disputes, in plain words.")
    variants = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Conditions that change the length, as a list of objects: condition (one of "
            "knowledgebase.periods.CONDITIONS), length, unit, legal_source. For example "
            '[{"condition": "several_councils", "length": 20, "unit": "weeks", '
            '"legal_source": "..."}].'
        ),
    )
    disputed_start = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "For a rule whose start is disputed: the other reading's start, as an object "
            "with trigger (the key date that starts it), trigger_event and legal_source. "
            'For example {"trigger": "moratorium-ended", "trigger_event": "The moratorium '
            'ended", "legal_source": "..."}. Both readings are shown; the earlier end wins.'
        ),
    )
    jurisdiction = models.CharField(max_length=20, default="england")
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        indexes = [models.Index(fields=["trigger", "position"], name="deadline_rule_trigger_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(length__gt=0), name="deadline_rule_positive_length"
            ),
            models.CheckConstraint(
                condition=~models.Q(trigger=""), name="deadline_rule_trigger_not_empty"
            ),
            models.CheckConstraint(
                condition=~models.Q(unit="working_days") | models.Q(counting="from"),
                name="deadline_rule_working_days_counted_from",
            ),
            models.CheckConstraint(
                condition=~models.Q(unit__in=["months", "years"])
                | models.Q(counting__in=["beginning_with", "from"]),
                name="deadline_rule_months_years_counting",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Each variant names a known condition, a positive length and a unit the rule's
        counting allows, and its source (``knowledgebase.periods.variants_check``); a
        disputed start names another key date and its source."""
        from knowledgebase.periods import disputed_start_check, variants_check

        try:
            variants_check(self.variants, counting=self.counting)
        except ValueError as error:
            raise ValidationError({"variants": str(error)}) from None
        try:
            other = disputed_start_check(self.disputed_start)
        except ValueError as error:
            raise ValidationError({"disputed_start": str(error)}) from None
        if other is not None and other.trigger == self.trigger:
            raise ValidationError(
                {"disputed_start": "The other reading starts from another key date."}
            )

    @property
    def needs_source_check(self) -> bool:
        return self.verification == self.Verification.UNVERIFIED

    @property
    def is_policy(self) -> bool:
        """The desk's own clocks (retention) run by themselves: advisers do not record them."""
        return self.verification == self.Verification.POLICY


class ChallengeWindow(models.Model):
    """A period a council set during which expressions of interest under the Community
    Right to Challenge may be submitted (Localism Act 2011 s.82: the authority may specify
    such periods and must publish them; where it specifies none, an expression of interest
    may be submitted at any time). Reference data managers keep per council area.

    Its closing date can start the council's 30-day notice of when it will decide
    (rule ``crtc-timescale-notice-window``, key date ``eoi-window-closed``): the desk
    offers it when an adviser records that key date for an enquiry in the area.
    """

    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="challenge_windows"
    )
    opens_on = models.DateField(help_text="First day expressions of interest may be submitted.")
    closes_on = models.DateField(help_text="Last day of the window, as the council published it.")
    services = models.CharField(
        max_length=200,
        blank=True,
        help_text="The services the window is for, if not all of the council's services.",
    )
    source_url = models.URLField(
        max_length=500, blank=True, help_text="Where the council published the window."
    )
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["local_authority__name", "-closes_on"]
        indexes = [
            models.Index(fields=["local_authority", "closes_on"], name="challenge_window_close_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="challenge_window_closes_after_opening",
            ),
            models.UniqueConstraint(
                fields=["local_authority", "opens_on", "closes_on", "services"],
                name="challenge_window_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.local_authority}: {self.opens_on:%-d %b %Y} to {self.closes_on:%-d %b %Y}"

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "The window cannot close before it opens."})


class ServiceLevelTarget(models.Model):
    """The desk's own promise: first response within N working days, resolution within M.

    One row has no topic: the default. A row for a top-level topic covers its sub-topics
    unless a sub-topic has its own. Managers edit these; changes apply to enquiries
    received afterwards (each enquiry keeps the due dates it was given).

    ``clean`` holds the rule for the numbers, for every writer (the desk's service, so its
    page and its API, and the admin's form); the check constraint keeps the lower bounds in
    the database as well.
    """

    # More than a working year is a typing slip, not a promise.
    MAX_WORKING_DAYS = 250

    topic = models.OneToOneField(
        Topic,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_level",
        help_text="Empty for the default that applies to every other topic.",
    )
    first_response_days = models.PositiveSmallIntegerField(
        help_text="Working days to the first public reply or logged call."
    )
    resolution_days = models.PositiveSmallIntegerField(
        help_text="Working days to answer or close the enquiry."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["topic__position", "topic__name"]
        constraints = [
            # One default (no topic): NULLs are distinct in a plain unique index.
            models.UniqueConstraint(
                Coalesce("topic", models.Value(0)), name="service_level_single_default"
            ),
            models.CheckConstraint(
                condition=models.Q(first_response_days__gte=1)
                & models.Q(resolution_days__gte=models.F("first_response_days")),
                name="service_level_sensible_days",
            ),
        ]

    def __str__(self) -> str:
        what = self.topic or "Default"
        return f"{what}: respond in {self.first_response_days}, resolve in {self.resolution_days}"

    def clean(self) -> None:
        """Whole working days, 1 to ``MAX_WORKING_DAYS`` each, and resolution no sooner
        than first response. A missing number is left to the field's own check."""
        errors = {}
        for field, what in [
            ("first_response_days", "first response"),
            ("resolution_days", "resolution"),
        ]:
            value = getattr(self, field)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                errors[field] = f"Enter the working days to {what} as a whole number."
            elif value < 1:
                errors[field] = f"The working days to {what} must be at least 1."
            elif value > self.MAX_WORKING_DAYS:
                errors[field] = (
                    f"The working days to {what} can be at most {self.MAX_WORKING_DAYS}."
                )
        first, resolution = self.first_response_days, self.resolution_days
        if not errors and None not in (first, resolution) and resolution < first:
            errors["resolution_days"] = (
                "The working days to resolution cannot be fewer than the working days to "
                "first response."
            )
        if errors:
            raise ValidationError(errors)

    def unique_error_message(self, model_class, unique_check) -> ValidationError:
        if tuple(unique_check) == ("topic",) and self.topic is not None:
            return ValidationError(
                f"{self.topic.name} already has a target: change that one.", code="unique"
            )
        return super().unique_error_message(model_class, unique_check)


class LetterTemplate(models.Model):
    """A guidance letter advisers can issue. Its text lives in numbered versions:
    editing makes a new version, and every letter records the version it used."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letter_templates",
        help_text="Offered first for enquiries on this topic.",
    )
    description = models.CharField(
        max_length=300, blank=True, help_text="When to use it, for advisers choosing one."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LetterTemplateVersion(models.Model):
    """One immutable text of a letter template (see ``knowledgebase.letter_engine``)."""

    template = models.ForeignKey(LetterTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, help_text="The letter's heading.")
    body = models.TextField(help_text="Letter text with placeholders, e.g. {{ contact.name }}.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="letter_template_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="letter_template_version_from_one"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"
