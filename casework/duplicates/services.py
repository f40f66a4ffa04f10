"""Finding likely duplicates and merging records (docs/duplicates.md).

A merge is one transaction. Both records are locked (in id order, so two merges of the
same pair wait for each other), checked, and everything that pointed at the record
merged away is moved to the one that stays. The merged-away record keeps a pointer
(``merged_into``) so its old links and API ids lead to the survivor, and loses its
personal data. A merge is refused while either record is under a legal hold, or
anonymised or erased; an enquiry merge is refused if either enquiry changed since the
page was loaded (its version). Every merge is recorded (``MergeRecord``), and each
enquiry that moved gets a line on its timeline.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from casework import policies
from casework.clocks import services as clocks_services
from casework.data_protection.selectors import held_enquiry_q
from casework.duplicates import selectors
from casework.models import (
    CaseEnquiry,
    Deadline,
    DuplicatePair,
    KeyDate,
    Letter,
    MergeRecord,
    Note,
    Outcome,
    Task,
    TimeEntry,
)
from casework.outcomes import OutcomeCode
from enquiries.models import (
    Attachment,
    Contact,
    Enquiry,
    EnquiryEvent,
    Message,
    Organisation,
    PersonalDataAccess,
    PublicDate,
    Status,
    TrackingLink,
)
from enquiries.services import secondary_topics_check, stale_edit_for
from knowledgebase.models import Topic

logger = logging.getLogger(__name__)

CONTACT_FIELDS = ["name", "email", "phone", "organisation", "accessibility_needs"]
ORGANISATION_FIELDS = ["name", "org_type", "local_authority", "postcode", "registered_contact"]
MERGED_NAME = "(merged)"


class MergeRefused(Exception):
    """The merge cannot be done; the message says why, for the person asking."""


# Finding ---------------------------------------------------------------------------------


def _record_pairs(kind: str, record: Any, likely: Iterable[selectors.Likely[Any]]) -> int:
    made = 0
    for found in likely:
        newer, older = sorted((record.pk, found.record.pk), reverse=True)
        pair, created = DuplicatePair.objects.get_or_create(
            kind=kind,
            record_id=newer,
            other_id=older,
            defaults={"score": found.score, "reasons": found.reasons},
        )
        if not created and pair.dismissed_at is None:
            DuplicatePair.objects.filter(pk=pair.pk).update(
                score=found.score, reasons=found.reasons, found_at=timezone.now()
            )
        made += created
    return made


def duplicates_find(*, since: datetime | None = None) -> dict[str, int]:
    """Look for likely duplicates of every live contact and organisation (or those made
    since ``since``) and keep the pairs for the managers' page. Safe to run again: a pair
    is kept once, and a dismissed pair stays dismissed."""
    found = {"contacts": 0, "organisations": 0}
    contacts = selectors.live_contacts().order_by("pk")
    organisations = selectors.live_organisations().order_by("pk")
    if since is not None:
        contacts, organisations = (
            contacts.filter(created_at__gte=since),
            organisations.filter(created_at__gte=since),
        )
    for contact in contacts.iterator(chunk_size=500):
        found["contacts"] += _record_pairs(
            DuplicatePair.Kind.CONTACT, contact, selectors.contact_duplicates(contact)
        )
    for organisation in organisations.iterator(chunk_size=500):
        found["organisations"] += _record_pairs(
            DuplicatePair.Kind.ORGANISATION,
            organisation,
            selectors.organisation_duplicates(organisation),
        )
    logger.info("duplicates found %s", found)
    return found


def pair_dismiss(*, pair: DuplicatePair, actor: User) -> None:
    """Not duplicates: the pair is not shown, nor found, again."""
    if not policies.is_manager(actor):
        raise PermissionDenied("Only managers can dismiss likely duplicates.")
    DuplicatePair.objects.filter(pk=pair.pk, dismissed_at__isnull=True).update(
        dismissed_at=timezone.now(), dismissed_by=actor
    )


# Merging: shared steps ------------------------------------------------------------------


def _lock[T: models.Model](model: type[T], *pks: int) -> list[T]:
    rows = model._default_manager.select_for_update().filter(pk__in=pks).order_by("pk")
    by_pk = {row.pk: row for row in rows}
    if len(by_pk) != len(set(pks)):
        raise MergeRefused("One of the records no longer exists.")
    return [by_pk[pk] for pk in pks]


def _held(enquiries: Q) -> bool:
    """Whether any of these enquiries is under an active legal hold (on itself or its
    case), as data protection decides it."""
    return Enquiry.objects.filter(enquiries).filter(held_enquiry_q()).exists()


def _taken(chosen: dict[str, str], fields: list[str]) -> list[str]:
    unknown = set(chosen) - set(fields)
    if unknown or any(side not in ("survivor", "merged") for side in chosen.values()):
        raise ValidationError("Choose, for each field, the value to keep.")
    return [name for name in fields if chosen.get(name) == "merged"]


def _timeline(enquiry_ids: Iterable[int], actor: User, data: dict[str, Any]) -> None:
    EnquiryEvent.objects.bulk_create(
        [
            EnquiryEvent(enquiry_id=pk, kind=EnquiryEvent.Kind.MERGED, actor=actor, data=data)
            for pk in enquiry_ids
        ]
    )


def _recorded(
    kind: str, survivor: int, merged: int, taken: list[str], moved: dict[str, int], actor: User
) -> MergeRecord:
    """The merge's record; the pair it settles leaves the duplicates list."""
    DuplicatePair.objects.filter(
        kind=kind, record_id__in=[survivor, merged], other_id__in=[survivor, merged]
    ).delete()
    logger.info("%s %s merged into %s by %s", kind, merged, survivor, actor.pk)
    return MergeRecord.objects.create(
        kind=kind,
        survivor_id=survivor,
        merged_id=merged,
        taken_from_merged=taken,
        moved=moved,
        actor=actor,
    )


# Contacts -------------------------------------------------------------------------------


@transaction.atomic
def contacts_merge(
    *, survivor: Contact, merged: Contact, chosen: dict[str, str], actor: User
) -> MergeRecord:
    """Merge ``merged`` into ``survivor``: ``chosen`` says, per field of
    ``CONTACT_FIELDS``, which record's value to keep ("survivor" or "merged"). Every
    enquiry, access-log entry and group registration moves; consents add up (either
    given is kept, with the later time); an opt-out from surveys is kept."""
    if survivor.pk == merged.pk:
        raise MergeRefused("A record cannot be merged with itself.")
    survivor, merged = _lock(Contact, survivor.pk, merged.pk)
    if not policies.can_merge_contacts(actor, survivor, merged):
        raise PermissionDenied(
            "Only a manager, or the adviser holding an enquiry of each, can merge contacts."
        )
    for contact in (survivor, merged):
        if contact.merged_into_id:
            raise MergeRefused(f"{contact.name} was merged into another contact already.")
        if contact.erased_at:
            raise MergeRefused("One of the contacts has been erased.")
    if _held(Q(contact__in=[survivor.pk, merged.pk])):
        raise MergeRefused("An enquiry of one of them is under a legal hold: no merge.")
    taken = _taken(chosen, CONTACT_FIELDS)
    for name in taken:
        setattr(survivor, name, getattr(merged, name))
    if "accessibility_needs" in taken:
        survivor.accessibility_consent = merged.accessibility_consent
    survivor.consent_to_store = survivor.consent_to_store or merged.consent_to_store
    survivor.consent_to_refer = survivor.consent_to_refer or merged.consent_to_refer
    survivor.feedback_opt_out = survivor.feedback_opt_out or merged.feedback_opt_out
    if merged.consent_recorded_at and (
        not survivor.consent_recorded_at
        or merged.consent_recorded_at > survivor.consent_recorded_at
    ):
        survivor.consent_recorded_at = merged.consent_recorded_at
        survivor.consent_basis = merged.consent_basis or survivor.consent_basis
    survivor.save()
    enquiry_ids = list(merged.enquiries.values_list("pk", flat=True))
    moved = {
        "enquiries": Enquiry.objects.filter(pk__in=enquiry_ids).update(contact=survivor),
        "access_log": PersonalDataAccess.objects.filter(contact=merged).update(contact=survivor),
        "registrations": Organisation.objects.filter(registered_contact=merged).update(
            registered_contact=survivor
        ),
    }
    Contact.objects.filter(pk=merged.pk).update(
        merged_into=survivor,
        name=MERGED_NAME,
        email="",
        phone="",
        accessibility_needs="",
        organisation=None,
    )
    Contact.objects.filter(merged_into=merged).update(merged_into=survivor)
    _timeline(enquiry_ids, actor, {"what": "contact", "into": survivor.pk, "from": merged.pk})
    return _recorded(MergeRecord.Kind.CONTACT, survivor.pk, merged.pk, taken, moved, actor)


# Organisations --------------------------------------------------------------------------


@transaction.atomic
def organisations_merge(
    *, survivor: Organisation, merged: Organisation, chosen: dict[str, str], actor: User
) -> MergeRecord:
    """Merge ``merged`` into ``survivor`` (managers): its enquiries and contacts move."""
    if survivor.pk == merged.pk:
        raise MergeRefused("A record cannot be merged with itself.")
    if not policies.is_manager(actor):
        raise PermissionDenied("Only managers can merge organisations.")
    survivor, merged = _lock(Organisation, survivor.pk, merged.pk)
    for organisation in (survivor, merged):
        if organisation.merged_into_id:
            raise MergeRefused(f"{organisation.name} was merged into another already.")
        if organisation.anonymised_at:
            raise MergeRefused("One of the organisations has been anonymised.")
    if _held(Q(organisation__in=[survivor.pk, merged.pk])):
        raise MergeRefused("An enquiry of one of them is under a legal hold: no merge.")
    taken = _taken(chosen, ORGANISATION_FIELDS)
    for name in taken:
        setattr(survivor, name, getattr(merged, name))
    survivor.save()
    enquiry_ids = list(merged.enquiries.values_list("pk", flat=True))
    moved = {
        "enquiries": Enquiry.objects.filter(pk__in=enquiry_ids).update(organisation=survivor),
        "contacts": Contact.objects.filter(organisation=merged).update(organisation=survivor),
    }
    Organisation.objects.filter(pk=merged.pk).update(
        merged_into=survivor, name=MERGED_NAME, postcode="", registered_contact=None
    )
    Organisation.objects.filter(merged_into=merged).update(merged_into=survivor)
    _timeline(enquiry_ids, actor, {"what": "organisation", "into": survivor.pk, "from": merged.pk})
    return _recorded(MergeRecord.Kind.ORGANISATION, survivor.pk, merged.pk, taken, moved, actor)


# Enquiries ------------------------------------------------------------------------------


def _secondary_topics_carry(survivor: Enquiry, merged: Enquiry) -> dict[str, list[str]]:
    """Carry what the merged enquiry was about to the survivor's secondary topics: its topic,
    then its secondary topics, after the survivor's own, each once, never the survivor's
    topic, topics in use only, and at most ``Enquiry.SECONDARY_TOPICS_MAX`` (the rule of
    ``enquiries.services.secondary_topics_check``). What did not fit is left, by name, in
    the merge's history line. A survivor whose topic is not known takes none (choose its
    topic first). Returns the topic names added and left out."""
    own = list(survivor.secondary_topics.order_by("pk"))
    offered: list[Topic] = [merged.topic] if merged.topic is not None else []
    offered += list(merged.secondary_topics.order_by("pk"))
    if survivor.topic_id is None:
        return {"added": [], "left": []}
    seen = {survivor.topic_id, *(t.pk for t in own)}
    candidates = []
    for topic in offered:
        if topic.pk not in seen and topic.is_active:
            seen.add(topic.pk)
            candidates.append(topic)
    room = max(0, Enquiry.SECONDARY_TOPICS_MAX - len(own))
    added, left = candidates[:room], candidates[room:]
    after = own + added
    if problem := secondary_topics_check(survivor.topic, after):  # the same rule as an edit
        raise MergeRefused(f"The secondary topics could not be combined: {problem}")
    if added:
        survivor.secondary_topics.add(*added)
    return {"added": [str(t) for t in added], "left": [str(t) for t in left]}


@transaction.atomic
def enquiries_merge(
    *,
    survivor: Enquiry,
    merged: Enquiry,
    actor: User,
    survivor_version: int,
    merged_version: int,
) -> MergeRecord:
    """Merge two enquiries about the same matter: the second's messages, documents,
    dates, notes, tasks, time, letters and outcomes join the first, and its topic and
    secondary topics become the first's secondary topics where they fit
    (``_secondary_topics_carry``); the second is closed
    as a duplicate and its reference leads to the first. The versions are those the
    person saw: if either enquiry changed since, nothing is merged (``StaleEdit``)."""
    if survivor.pk == merged.pk:
        raise MergeRefused("An enquiry cannot be merged with itself.")
    survivor, merged = _lock(Enquiry, survivor.pk, merged.pk)
    for enquiry, version in ((survivor, survivor_version), (merged, merged_version)):
        if enquiry.version != version:
            raise stale_edit_for(enquiry, noun="enquiry")
    if not policies.can_merge_enquiries(actor, survivor, merged):
        raise PermissionDenied(
            "Only a manager, or the adviser holding both enquiries, can merge them."
        )
    for enquiry in (survivor, merged):
        if enquiry.merged_into_id:
            raise MergeRefused(f"{enquiry.reference} was merged into another enquiry already.")
        if enquiry.anonymised_at:
            raise MergeRefused(f"{enquiry.reference} has been anonymised.")
    if _held(Q(pk__in=[survivor.pk, merged.pk])):
        raise MergeRefused("One of the enquiries is under a legal hold: no merge.")
    links = {
        link.enquiry_id: link
        for link in CaseEnquiry.objects.filter(enquiry__in=[survivor.pk, merged.pk])
    }
    if (
        merged.pk in links
        and survivor.pk in links
        and (links[merged.pk].case_id != links[survivor.pk].case_id)
    ):
        raise MergeRefused("The enquiries are in two different cases: merge the cases first.")

    # Key dates the survivor already has (same trigger and date) are not copied twice.
    theirs = set(survivor.key_dates.values_list("trigger", "date"))
    twins = [kd for kd in merged.key_dates.all() if (kd.trigger, kd.date) in theirs]
    for twin in twins:
        PublicDate.objects.filter(enquiry=merged).filter(
            Q(source__startswith=f"deadline:{twin.pk}:") | Q(source=f"key_date:{twin.pk}")
        ).delete()
        twin.delete()
    moving: dict[str, Any] = {
        "messages": Message.objects.filter(enquiry=merged),
        "documents": Attachment.objects.filter(enquiry=merged),
        "public_dates": PublicDate.objects.filter(enquiry=merged),
        "key_dates": KeyDate.objects.filter(enquiry=merged),
        "deadlines": Deadline.objects.filter(enquiry=merged),
        "notes": Note.objects.filter(enquiry=merged),
        "tasks": Task.objects.filter(enquiry=merged),
        "time_entries": TimeEntry.objects.filter(enquiry=merged),
        "letters": Letter.objects.filter(enquiry=merged),
        "tracking_links": TrackingLink.objects.filter(enquiry=merged),
    }
    moved = {name: rows.update(enquiry=survivor) for name, rows in moving.items()}
    moved["outcomes"] = Outcome.objects.filter(enquiry=merged).update(
        enquiry=survivor, is_closing=False
    )
    if moved["key_dates"]:  # an end of a moratorium may give a disputed clock its other reading
        clocks_services.deadlines_other_readings_refresh(enquiry=survivor, actor=actor)
    topics = _secondary_topics_carry(survivor, merged)
    if topics["added"]:
        moved["secondary_topics"] = len(topics["added"])
    if merged.pk in links and survivor.pk not in links:
        CaseEnquiry.objects.filter(pk=links[merged.pk].pk).update(enquiry=survivor)
    elif merged.pk in links:
        CaseEnquiry.objects.filter(pk=links[merged.pk].pk).delete()
    now = timezone.now()
    Outcome.objects.create(
        enquiry=merged,
        code=OutcomeCode.CLOSED_DUPLICATE,
        detail=f"Merged into {survivor.reference}.",
        is_closing=True,
        recorded_by=actor,
    )
    merged._history_user = actor
    Enquiry.objects.filter(pk=merged.pk).update(
        merged_into=survivor,
        status=Status.CLOSED,
        closed_at=merged.closed_at or now,
        resolved_at=merged.resolved_at or now,
        version=merged.version + 1,
    )
    Enquiry.objects.filter(merged_into=merged).update(merged_into=survivor)
    Enquiry.objects.filter(pk=survivor.pk).update(version=survivor.version + 1)
    _timeline(
        [survivor.pk],
        actor,
        {
            "what": "enquiry",
            "from": merged.reference,
            "into": survivor.reference,
            **({"secondary_topics": topics} if topics["added"] or topics["left"] else {}),
        },
    )
    _timeline(
        [merged.pk],
        actor,
        {"what": "enquiry", "from": merged.reference, "into": survivor.reference},
    )
    return _recorded(MergeRecord.Kind.ENQUIRY, survivor.pk, merged.pk, [], moved, actor)


def since_days(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)
