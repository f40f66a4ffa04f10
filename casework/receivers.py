"""Casework's answers to signals: the one that comes up from enquiries (a new enquiry to
route), the one that comes up from knowledgebase (a deadline rule saved), migrations that
may have changed rules, staff signing in and out (their sessions are remembered), and every
write that can move a report's received figures (the rollups' dirty days)."""

import logging

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from casework.clocks import services as clocks_services
from casework.factors import services as factors_services
from casework.models import Assignment, Outcome, Team
from casework.queue import remits
from casework.queue import services as queue_services
from casework.rollups import services as rollups_services
from casework.rollups.days import local_day
from casework.sessions import services as sessions_services
from casework.signals import outcome_rows_written
from casework.webhooks import services as webhooks_services
from enquiries.models import Enquiry, EnquiryEvent, Organisation
from enquiries.signals import enquiry_received, enquiry_rows_written
from knowledgebase.models import Topic
from knowledgebase.signals import deadline_rule_changed

logger = logging.getLogger(__name__)


@receiver(enquiry_received, dispatch_uid="casework.route_new_enquiry")
def route_new_enquiry(
    sender, enquiry, route: bool = True, triage_reason: str = "", **kwargs
) -> None:
    if not route:  # the caller places it (an adviser keeping what they logged)
        return
    # A routing fault must never lose the group's enquiry: undo only the routing
    # (savepoint) and leave the enquiry unassigned, where the "all" queue shows it.
    try:
        with transaction.atomic():
            queue_services.enquiry_route(enquiry=enquiry, triage_reason=triage_reason)
    except Exception:
        logger.exception("routing failed for reference=%s", enquiry.reference)
        # Routing writes on the instance it was given (no re-read by the sender): put back
        # what the database kept.
        enquiry.refresh_from_db()


@receiver(deadline_rule_changed, dispatch_uid="casework.resync_deadlines")
def resync_deadlines(sender, rule, actor=None, **kwargs) -> None:
    """A rule saved (in the admin, naming who, or anywhere else): its stored deadlines
    follow, in the same transaction."""
    clocks_services.deadlines_resync(rule=rule, actor=actor)


def resync_after_rule_migrations(sender, plan=None, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Migrations change rules through historical models, whose saves no receiver hears:
    after a ``migrate`` that ran a knowledgebase migration forwards, every rule's stored
    deadlines are brought in line (no one named). Not after a migration backwards (the
    tables may be behind the models), nor after a partial migrate (a warning says to run
    ``resync_deadlines``), nor on a flush (no plan)."""
    if using != DEFAULT_DB_ALIAS or not plan or any(backwards for _, backwards in plan):
        return
    if not any(migration.app_label == "knowledgebase" for migration, _ in plan):
        return
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        # A partial migrate: the models may be ahead of tables not yet migrated.
        logger.warning(
            "Deadline rules may have changed: run manage.py resync_deadlines once every "
            "migration has been applied."
        )
        return
    clocks_services.deadlines_resync_all()


def staff_signed_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` (connected in ``CaseworkConfig.ready``): remember the session."""
    if request is not None and hasattr(request, "session"):
        sessions_services.staff_session_started(user=user, request=request)


def staff_signed_out(sender, request, user=None, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        sessions_services.staff_session_ended(request=request)


def second_factor_owed(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        factors_services.sign_in_started(user=user, request=request)


@receiver(post_save, sender=EnquiryEvent, dispatch_uid="casework.webhooks_from_timeline")
def webhooks_from_timeline(sender, instance: EnquiryEvent, created: bool, **kwargs) -> None:
    if created:
        webhooks_services.timeline_event_recorded(
            enquiry_id=instance.enquiry_id, kind=instance.kind, data=instance.data
        )


# Which team a topic goes to, held per process (``casework.queue.remits``): a new version
# when a team, its topics or a topic (its rows in remits go with it) change.
post_save.connect(remits.remits_changed, sender=Team, dispatch_uid="casework.remits_team_saved")
post_delete.connect(remits.remits_changed, sender=Team, dispatch_uid="casework.remits_team_deleted")
m2m_changed.connect(
    remits.remits_changed, sender=Team.topics.through, dispatch_uid="casework.remits_topics"
)
post_delete.connect(
    remits.remits_changed, sender=Topic, dispatch_uid="casework.remits_topic_deleted"
)


# --- report rollups: the days whose figures a write may have moved -----------------------------
# Each receiver runs after the write, in its transaction (casework.rollups.services).

ROLLUP_ENQUIRY_COLUMNS = (
    "received_at",  # first: its day is marked
    # What its outcomes' rows are grouped by too (OUTCOME_GROUPING), then the clocks.
    "channel",
    "topic_id",
    "local_authority_id",
    "organisation_id",
    "assigned_to_id",
    "first_response_at",
    "first_response_due",
    "first_response_working_days",
    "resolved_at",
    "resolution_due",
    "resolution_working_days",
    "closed_at",
)
OUTCOME_GROUPING = slice(1, 6)  # channel to assigned_to_id


# An enquiry inserted in the transaction still open: the days its insert marked. Until
# that transaction commits no other one can see the row, let alone change it, and every
# mark made meanwhile commits with it; so later saves of the new enquiry in it (intake
# routes it and gives it an adviser) need no stored values read and no marks, unless its
# received day moves. Dropped when the transaction commits.
CREATED_DAYS = "_rollup_created_days"


def _created_days(enquiry: Enquiry | None) -> set | None:
    return None if enquiry is None else enquiry.__dict__.get(CREATED_DAYS)


@receiver(pre_save, sender=Enquiry, dispatch_uid="casework.rollups_enquiry_before")
def rollups_enquiry_before(sender, instance: Enquiry, update_fields=None, **kwargs) -> None:
    """Remember what the rollup groups by as stored, when the save may change it (a new
    enquiry has nothing stored, unless it was given the id of one that has: a fixture)."""
    if (
        (instance._state.adding and instance.pk is None)
        or (update_fields is not None and not set(update_fields) & rollups_services.ENQUIRY_FIELDS)
        or _created_days(instance) is not None
    ):
        return
    using = kwargs.get("using") or instance._state.db
    instance._rollup_before = (  # type: ignore[attr-defined]
        Enquiry.objects.using(using)
        .filter(pk=instance.pk)
        .values_list(*ROLLUP_ENQUIRY_COLUMNS)
        .first()
    )


@receiver(post_save, sender=Enquiry, dispatch_uid="casework.rollups_enquiry_saved")
def rollups_enquiry_saved(sender, instance: Enquiry, created: bool, using: str, **kwargs) -> None:
    before = instance.__dict__.pop("_rollup_before", None)
    now = tuple(getattr(instance, column) for column in ROLLUP_ENQUIRY_COLUMNS)
    marked = _created_days(instance)
    if created or marked is not None:
        day = local_day(instance.received_at)
        if marked is None or day not in marked:
            rollups_services.days_dirty(days=[day], using=using)
        if created and connections[using].in_atomic_block:
            instance.__dict__[CREATED_DAYS] = {day}
            transaction.on_commit(
                lambda: instance.__dict__.pop(CREATED_DAYS, None), using=using, robust=True
            )
        elif marked is not None:
            marked.add(day)
        return
    if before is None:
        return
    if before == now:
        return
    days = {local_day(before[0]), local_day(instance.received_at)}
    if before[OUTCOME_GROUPING] != now[OUTCOME_GROUPING]:
        # Its received day and its outcomes' days in one statement; a day it left apart.
        rollups_services.enquiries_dirty(pks=[instance.pk], using=using)
        days.discard(local_day(instance.received_at))
        if not days:
            return
    rollups_services.days_dirty(days=days, using=using)


@receiver(post_delete, sender=Enquiry, dispatch_uid="casework.rollups_enquiry_deleted")
def rollups_enquiry_deleted(sender, instance: Enquiry, using: str, **kwargs) -> None:
    rollups_services.days_dirty(days=[local_day(instance.received_at)], using=using)


@receiver(enquiry_rows_written, sender=Enquiry, dispatch_uid="casework.rollups_enquiry_rows")
def rollups_enquiry_rows(sender, pks, received_at, fields, using: str, **kwargs) -> None:
    """``update()`` and ``bulk_create()``: the days the rows were on, and for a new
    received time the days they are on now."""
    if fields is not None and not fields & rollups_services.ENQUIRY_FIELDS:
        return
    rollups_services.days_dirty(days=[local_day(r) for r in received_at], using=using)
    if fields is not None and "received_at" in fields:
        rollups_services.enquiries_dirty(pks=pks, using=using)
    elif fields is not None and fields & rollups_services.OUTCOME_ENQUIRY_FIELDS:
        rollups_services.outcomes_dirty(enquiry_pks=pks, using=using)


@receiver(pre_save, sender=Organisation, dispatch_uid="casework.rollups_organisation_before")
def rollups_organisation_before(sender, instance: Organisation, update_fields=None, **kwargs):
    if instance._state.adding or (update_fields is not None and "org_type" not in update_fields):
        return
    using = kwargs.get("using") or instance._state.db
    instance._rollup_before = (  # type: ignore[attr-defined]
        Organisation.objects.using(using)
        .filter(pk=instance.pk)
        .values_list("org_type", flat=True)
        .first()
    )


@receiver(post_save, sender=Organisation, dispatch_uid="casework.rollups_organisation_saved")
def rollups_organisation_saved(sender, instance: Organisation, using: str, **kwargs) -> None:
    """A new type moves the enquirer-type figures of every day its enquiries came in."""
    before = instance.__dict__.pop("_rollup_before", None)
    if before is not None and before != instance.org_type:
        pks = (
            Enquiry.objects.using(using).filter(organisation=instance).values_list("pk", flat=True)
        )
        rollups_services.enquiries_dirty(pks=list(pks), using=using)


@receiver(post_save, sender=Assignment, dispatch_uid="casework.rollups_assignment_saved")
@receiver(post_delete, sender=Assignment, dispatch_uid="casework.rollups_assignment_deleted")
def rollups_assignment_written(sender, instance: Assignment, using: str, **kwargs) -> None:
    """A new current assignment (or one ended, or its team changed) moves the team figures
    of the day its enquiry came in (nothing to mark for an enquiry inserted in the same
    transaction and given with it: ``CREATED_DAYS``)."""
    if _created_days(instance._state.fields_cache.get("enquiry")) is not None:
        return
    rollups_services.enquiries_dirty(pks=[instance.enquiry_id], using=using)


@receiver(pre_save, sender=Outcome, dispatch_uid="casework.rollups_outcome_before")
def rollups_outcome_before(sender, instance: Outcome, update_fields=None, **kwargs) -> None:
    if instance._state.adding or (
        update_fields is not None and not set(update_fields) & rollups_services.OUTCOME_FIELDS
    ):
        return
    using = kwargs.get("using") or instance._state.db
    instance._rollup_before = (  # type: ignore[attr-defined]
        Outcome.objects.using(using)
        .filter(pk=instance.pk)
        .values_list("enquiry_id", "recorded_at")
        .first()
    )


@receiver(post_save, sender=Outcome, dispatch_uid="casework.rollups_outcome_saved")
def rollups_outcome_saved(sender, instance: Outcome, created: bool, using: str, **kwargs) -> None:
    """A new or changed outcome: the days of its enquiry's outcomes (and of the day and
    enquiry it had)."""
    before = instance.__dict__.pop("_rollup_before", None)
    if not created and before is None:
        return
    enquiries = {instance.enquiry_id}
    if before is not None:
        enquiries.add(before[0])
        rollups_services.days_dirty(days=[local_day(before[1])], using=using)
    rollups_services.outcomes_dirty(enquiry_pks=enquiries, using=using)


@receiver(post_delete, sender=Outcome, dispatch_uid="casework.rollups_outcome_deleted")
def rollups_outcome_deleted(sender, instance: Outcome, using: str, **kwargs) -> None:
    rollups_services.days_dirty(days=[local_day(instance.recorded_at)], using=using)
    rollups_services.outcomes_dirty(enquiry_pks=[instance.enquiry_id], using=using)


@receiver(outcome_rows_written, sender=Outcome, dispatch_uid="casework.rollups_outcome_rows")
def rollups_outcome_rows(
    sender, pks, enquiry_pks, recorded_at, fields, using: str, **kwargs
) -> None:
    """``update()`` and ``bulk_create()`` of outcomes: the days they were on, and the days
    of every outcome of the enquiries they were and are on."""
    if fields is not None and not fields & rollups_services.OUTCOME_FIELDS:
        return
    rollups_services.days_dirty(days=[local_day(r) for r in recorded_at], using=using)
    enquiries = set(enquiry_pks)
    if fields is not None and fields & {"enquiry", "enquiry_id"}:  # moved: where they are now
        moved = Outcome.objects.using(using).filter(pk__in=pks)
        enquiries.update(moved.values_list("enquiry_id", flat=True))
    rollups_services.outcomes_dirty(enquiry_pks=enquiries, using=using)


@receiver(
    m2m_changed, sender=Enquiry.secondary_topics.through, dispatch_uid="casework.rollups_also"
)
def rollups_secondary_topics_changed(
    sender, instance, action: str, reverse: bool, pk_set, using: str, **kwargs
) -> None:
    """Secondary topics added, removed or cleared: the day of each enquiry they belong to
    (from a topic's side, ``pk_set`` holds the enquiries; a clear, read before it)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        rollups_services.days_dirty(days=[local_day(instance.received_at)], using=using)
    elif action == "pre_clear":
        pks = instance.secondary_enquiries.using(using).values_list("pk", flat=True)
        rollups_services.enquiries_dirty(pks=list(pks), using=using)
    elif pk_set:
        rollups_services.enquiries_dirty(pks=pk_set, using=using)


@receiver(pre_delete, sender=Topic, dispatch_uid="casework.rollups_topic_deleted")
def rollups_topic_deleted(sender, instance: Topic, using: str, **kwargs) -> None:
    """A topic deleted takes its rows in the secondary topics with it, without a signal:
    the days of the enquiries it was a secondary topic of (the delete's transaction)."""
    pks = instance.secondary_enquiries.using(using).values_list("pk", flat=True)
    rollups_services.enquiries_dirty(pks=list(pks), using=using)
