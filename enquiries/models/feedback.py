"""Asking a group, once its enquiry is closed, whether the desk helped (docs/feedback.md)."""

from django.db import models
from django.db.models import Q

from enquiries.models.records import Enquiry


class FeedbackRequest(models.Model):
    """One survey per enquiry: owed when it closes with an outcome worth asking about,
    emailed once after a delay (``FEEDBACK_DELAY_DAYS``) through the group's tracking
    link, answered at most once."""

    COMMENT_MAX_LENGTH = 2_000

    class NextStep(models.TextChoices):
        # The values are the result codes of ``casework.outcomes.OutcomeCode`` they match.
        NOMINATION_MADE = "nomination_made", "We nominated the building or land"
        ASSET_LISTED = "asset_listed", "It was listed as an asset of community value"
        REQUEST_TO_BID = "request_to_bid", "We asked to bid, or made a bid"
        EOI_SUBMITTED = "eoi_submitted", "We sent an expression of interest"
        PLAN_STAGE_REACHED = "plan_stage_reached", "Our neighbourhood plan moved on"
        ASSET_TRANSFERRED = "asset_transferred", "The community now owns or runs it"
        RIGHT_NOT_USED = "right_not_used", "We decided not to go ahead"
        NOTHING_YET = "nothing_yet", "Nothing yet"

    SCORES = [
        (1, "1: not at all"),
        (2, "2: a little"),
        (3, "3: somewhat"),
        (4, "4: a lot"),
        (5, "5: very much"),
    ]

    enquiry = models.OneToOneField(Enquiry, on_delete=models.CASCADE, related_name="feedback")
    send_after = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the email was owed.")
    skipped = models.CharField(
        max_length=80, blank=True, help_text="Why it was not sent (opted out, anonymised...)."
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, choices=SCORES)
    next_step = models.CharField(max_length=32, choices=NextStep.choices, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="feedback_score_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(score__isnull=False),
                name="feedback_answer_has_score",
            ),
        ]
        indexes = [
            # The daily job: surveys owed and not yet sent, oldest first.
            models.Index(
                fields=["send_after"],
                condition=Q(sent_at__isnull=True, skipped=""),
                name="feedback_due_idx",
            ),
            models.Index(fields=["sent_at"], name="feedback_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"feedback on {self.enquiry_id}"
