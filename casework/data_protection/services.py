"""Data protection: carrying out the retention policy (change it, hold records back, the job
that anonymises what is past it), erasure on request, and subject access requests
(docs/data-protection.md)."""

import json
import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from casework import policies
from casework.data_protection import selectors
from casework.desk.pdf import RenderError, render_pdf
from casework.models import (
    Case,
    ErasureRequest,
    KeyDate,
    LegalHold,
    Letter,
    Note,
    Outcome,
    RetentionRun,
    SubjectAccessRequest,
    SubjectAccessWithholding,
    Task,
    TimeEntry,
)
from config.tasks import enqueue_on_commit
from enquiries.models import Enquiry, RetentionPolicy
from enquiries.retention.services import (
    ANONYMISED,
    delete_files_after_commit,
    enquiries_anonymise,
    people_erase,
    unlinked_mail_scrub,
)
from knowledgebase.working_days import add_months

logger = logging.getLogger(__name__)


def _require_manager(actor: User) -> None:
    policies.require_manager(actor, "Only managers can change retention and legal holds.")


@transaction.atomic
def retention_policy_set(*, years: int, actor: User) -> RetentionPolicy:
    _require_manager(actor)
    if not RetentionPolicy.MIN_YEARS <= years <= RetentionPolicy.MAX_YEARS:
        raise ValidationError(
            {
                "years": f"Choose between {RetentionPolicy.MIN_YEARS} and "
                f"{RetentionPolicy.MAX_YEARS} years."
            }
        )
    policy = RetentionPolicy.objects.select_for_update().order_by("pk").first()
    if policy is None:
        policy = RetentionPolicy(years=years)
    policy.years = years
    policy.updated_by = actor
    policy.save()
    return policy


@transaction.atomic
def legal_hold_place(
    *,
    actor: User,
    reason: str,
    until: date | None = None,
    enquiry: Enquiry | None = None,
    case: Case | None = None,
) -> LegalHold:
    _require_manager(actor)
    reason = " ".join((reason or "").split())
    errors = {}
    if not reason:
        errors["reason"] = "Say why the records must be kept."
    if until is not None and until < timezone.localdate():
        errors["until"] = "The hold cannot end in the past."
    if (enquiry is None) == (case is None):
        errors["reference"] = "Name one enquiry or one case."
    if enquiry is not None and enquiry.anonymised_at is not None:
        errors["reference"] = "That enquiry has already been anonymised."
    if errors:
        raise ValidationError(errors)
    return LegalHold.objects.create(
        enquiry=enquiry, case=case, reason=reason[:300], until=until, placed_by=actor
    )


def legal_hold_place_by_reference(
    *, reference: str, reason: str, until: date | None, actor: User
) -> LegalHold:
    """A hold on the case numbered, or the enquiry referenced, by ``reference``."""
    _require_manager(actor)
    target = selectors.hold_target(reference)
    if isinstance(target, Case):
        return legal_hold_place(actor=actor, reason=reason, until=until, case=target)
    if isinstance(target, Enquiry):
        return legal_hold_place(actor=actor, reason=reason, until=until, enquiry=target)
    what = "case with that number" if reference.strip().isdigit() else "enquiry with that reference"
    raise ValidationError({"reference": f"There is no {what}."})


@transaction.atomic
def legal_hold_release(*, hold: LegalHold, actor: User) -> LegalHold:
    _require_manager(actor)
    locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if locked.released_at is None:
        locked.released_at = timezone.now()
        locked.released_by = actor
        locked.save(update_fields=["released_at", "released_by"])
    return locked


def _casework_text_remove(enquiry_ids: list[int]) -> None:
    """Casework's free text on these enquiries: notes, tasks, time and key-date notes,
    outcome details, letters (text and PDF). Who did what, when, and every code stay."""
    Note.objects.filter(enquiry_id__in=enquiry_ids).update(body=ANONYMISED)
    Task.objects.filter(enquiry_id__in=enquiry_ids).update(title=ANONYMISED)
    TimeEntry.objects.filter(enquiry_id__in=enquiry_ids).update(note="")
    KeyDate.objects.filter(enquiry_id__in=enquiry_ids).update(note="")
    Outcome.objects.filter(enquiry_id__in=enquiry_ids).update(detail="")
    letters = Letter.objects.filter(enquiry_id__in=enquiry_ids)
    delete_files_after_commit(letters.exclude(pdf="").values_list("pdf", flat=True))
    letters.update(body="", pdf="")


def _anonymise(enquiry_ids: list[int], now: datetime) -> tuple[list[int], int, int]:
    """Retention's and erasure's one step, on enquiries already locked: their free text
    here and in enquiries, then the people left with nothing inside retention. Returns
    the enquiries anonymised and the contacts and organisations erased."""
    _casework_text_remove(enquiry_ids)
    done = enquiries_anonymise(enquiry_ids=enquiry_ids, now=now)
    contacts, organisations = people_erase(enquiry_ids=done, now=now)
    return done, contacts, organisations


def _cases_anonymise(case_ids: list[int], now: datetime) -> int:
    text = {"title": ANONYMISED, "asset_name": "", "asset_address": "", "plan_name": ""}
    count = models.QuerySet.update(
        Case.objects.filter(pk__in=case_ids, anonymised_at__isnull=True), anonymised_at=now, **text
    )
    Case.history.model.objects.filter(id__in=case_ids).update(**text)
    return count


@transaction.atomic
def erasure_carry_out(
    *, email: str, received_on: date, actor: User, note: str = ""
) -> ErasureRequest:
    """A person's request to erase their data, carried out at once: every enquiry of theirs
    that nothing holds back (``selectors.erasure_preview``) is anonymised as retention
    would, then the person's contact records are erased if none is left inside
    retention. Recorded with counts only."""
    _require_manager(actor)
    if not email.strip():
        raise ValidationError({"email": "Enter the person's email address."})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "The request cannot have come in the future."})
    items = selectors.erasure_preview(email=email)
    if not items:
        raise ValidationError({"email": "No enquiry with personal data has this address."})
    now = timezone.now()
    ids = [item.enquiry.pk for item in items if not item.held_back]
    locked = list(
        Enquiry.objects.filter(pk__in=ids).select_for_update().values_list("pk", flat=True)
    )
    done, contacts, _ = _anonymise(locked, now)
    sar_addresses_remove(email=email, now=now)
    return ErasureRequest.objects.create(
        received_on=received_on,
        recorded_by=actor,
        enquiries_anonymised=len(done),
        enquiries_held_back=len(items) - len(done),
        contacts_erased=contacts,
        note=" ".join(note.split())[:300],
    )


def retention_run(
    *,
    now: datetime | None = None,
    batch: int | None = None,
    on_batch: Callable[[int, float], None] | None = None,
) -> RetentionRun:
    """Anonymise every closed enquiry and case past retention and not under a legal hold.

    Batched: each batch of ``RETENTION_BATCH`` enquiries is one short transaction (its rows
    locked while they change), so a large desk is never locked for long and a run that
    stops is resumed by the next (anonymised rows are skipped). The run's record keeps
    counts only. ``on_batch`` hears each batch's size and seconds (the benchmark).
    """
    now = now or timezone.now()
    batch = batch or settings.RETENTION_BATCH
    years = selectors.policy_years()
    before = selectors.cutoff(now, years)
    run = RetentionRun.objects.create(cutoff=before, years=years)
    while True:
        started = time.perf_counter()
        with transaction.atomic():
            ids = list(
                selectors.enquiries_due(before=before)
                .select_for_update(of=("self",))
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            done, contacts, organisations = _anonymise(ids, now)
            run.enquiries_anonymised += len(done)
            run.contacts_erased += contacts
            run.organisations_anonymised += organisations
            run.save(
                update_fields=[
                    "enquiries_anonymised",
                    "contacts_erased",
                    "organisations_anonymised",
                ]
            )
        if on_batch is not None:
            on_batch(len(ids), time.perf_counter() - started)
    with transaction.atomic():
        case_ids = list(selectors.cases_due(before=before).values_list("pk", flat=True))
        run.cases_anonymised = _cases_anonymise(case_ids, now)
        unlinked_mail_scrub(before=before)
        run.access_addresses_removed = sar_addresses_remove(
            released_before=now - timedelta(days=settings.SUBJECT_ACCESS_KEEP_DAYS), now=now
        )
        run.held_back = selectors.held_back_count(before=before)
        run.finished_at = timezone.now()
        run.save()
    logger.info(
        "retention run id=%s enquiries=%d cases=%d contacts=%d held_back=%d",
        run.pk,
        run.enquiries_anonymised,
        run.cases_anonymised,
        run.contacts_erased,
        run.held_back,
    )
    return run


def one_month_after(day: date) -> date:
    """The same day next month, or its last day (31 January -> 28 or 29 February), as
    the ICO counts a month for a subject access request."""
    return add_months(day, 1)


SAR_MANAGERS_ONLY = "Only managers handle subject access requests."


def sar_record(*, email: str, received_on: date, actor: User) -> SubjectAccessRequest:
    policies.require_manager(actor, SAR_MANAGERS_ONLY)
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "The request cannot have come in the future."})
    return SubjectAccessRequest.objects.create(
        email=email.strip(),
        received_on=received_on,
        due_on=one_month_after(received_on),
        recorded_by=actor,
    )


@transaction.atomic
def sar_release(*, request: SubjectAccessRequest, actor: User) -> SubjectAccessRequest:
    """The manager has checked the export and sent it to the person."""
    policies.require_manager(actor, SAR_MANAGERS_ONLY)
    locked = SubjectAccessRequest.objects.select_for_update().get(pk=request.pk)
    if locked.released_at is None:
        locked.released_at = timezone.now()
        locked.released_by = actor
        locked.save(update_fields=["released_at", "released_by"])
    return locked


def sar_addresses_remove(
    *, now: datetime, released_before: datetime | None = None, email: str = ""
) -> int:
    """Remove the person's address from released requests: those released before
    ``released_before`` (the retention job), or those for ``email`` (erasure). A request
    not yet released keeps it: the answer is still owed."""
    released = SubjectAccessRequest.objects.filter(
        released_at__isnull=False, address_removed_at__isnull=True
    )
    if released_before is not None:
        released = released.filter(released_at__lt=released_before)
    elif email.strip():
        released = released.filter(email__iexact=email.strip())
    else:
        return 0
    _export_files_delete(released)
    return released.update(
        email="",
        address_removed_at=now,
        export_json="",
        export_pdf="",
        export_state=SubjectAccessRequest.ExportState.NONE,
    )


def _export_files_delete(requests: QuerySet[SubjectAccessRequest]) -> None:
    names = [
        name for pair in requests.values_list("export_json", "export_pdf") for name in pair if name
    ]
    delete_files_after_commit(names)


class AddressRemoved(Exception):
    """The request's address is gone (released and past keeping): no export can be made."""


def _subject_data(
    request: SubjectAccessRequest, on_progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    if request.address_removed_at is not None:
        raise AddressRemoved
    return selectors.subject_data(
        email=request.email,
        withheld={
            pk: SubjectAccessWithholding.Reason(code).label
            for pk, code in selectors.withheld_notes(request).items()
        },
        on_progress=on_progress,
    )


def _export_open_to_change(request: SubjectAccessRequest, actor: User) -> SubjectAccessRequest:
    """The request, locked, while its export may still change: a manager's, not released,
    the person's address still held."""
    policies.require_manager(actor, SAR_MANAGERS_ONLY)
    locked = SubjectAccessRequest.objects.select_for_update().get(pk=request.pk)
    if locked.released_at is not None:
        raise ValidationError("This request has been released: its export can no longer change.")
    if locked.address_removed_at is not None:
        raise AddressRemoved
    return locked


@transaction.atomic
def sar_withhold(*, request: SubjectAccessRequest, reasons: dict[int, str], actor: User) -> int:
    """A manager's review before release: ``reasons`` maps each internal note of the
    person's to the exemption it is withheld under, or to "" to release it. Only notes the
    export holds can be withheld, and only until the request is released. Returns how
    many are withheld."""
    locked = _export_open_to_change(request, actor)
    valid = set(SubjectAccessWithholding.Reason.values)
    theirs = {note.pk for note in selectors.subject_notes(email=locked.email)}
    unknown = set(reasons) - theirs
    if unknown or not set(reasons.values()) <= valid | {""}:
        raise ValidationError("Choose a listed reason for notes in this person's export only.")
    withheld = {pk: reason for pk, reason in reasons.items() if reason}
    SubjectAccessWithholding.objects.filter(request=locked).exclude(note_id__in=withheld).delete()
    for pk, reason in withheld.items():
        SubjectAccessWithholding.objects.update_or_create(
            request=locked, note_id=pk, defaults={"reason": reason, "decided_by": actor}
        )
    _export_forget(locked)  # a prepared export no longer matches the review
    return len(withheld)


def _export_forget(request: SubjectAccessRequest) -> None:
    delete_files_after_commit([request.export_json.name or "", request.export_pdf.name or ""])
    SubjectAccessRequest.objects.filter(pk=request.pk).update(
        export_state=SubjectAccessRequest.ExportState.NONE,
        export_progress=0,
        export_json="",
        export_pdf="",
        export_note="",
        export_made_at=None,
    )


@transaction.atomic
def sar_export_prepare(*, request: SubjectAccessRequest, actor: User) -> None:
    """Queue the export for a worker (a large record: many enquiries, a long PDF). The page
    shows its progress; the downloads then serve the prepared files."""
    from casework.data_protection.tasks import build_subject_access_export  # tasks import us

    locked = _export_open_to_change(request, actor)
    if locked.export_state in (
        SubjectAccessRequest.ExportState.QUEUED,
        SubjectAccessRequest.ExportState.RUNNING,
    ):
        return  # already on its way
    _export_forget(locked)
    SubjectAccessRequest.objects.filter(pk=locked.pk).update(
        export_state=SubjectAccessRequest.ExportState.QUEUED
    )
    enqueue_on_commit(build_subject_access_export, request_id=locked.pk)


def sar_export_build(*, request_id: int) -> SubjectAccessRequest:
    """The worker's part: the JSON, then the PDF, saved as private files, with progress
    recorded as it goes (the data up to 60%, the JSON 70%, the PDF 100%). A PDF too long
    to render leaves the JSON ready, with a note. Safe to run again."""
    sar = SubjectAccessRequest.objects.get(pk=request_id)
    rows = SubjectAccessRequest.objects.filter(pk=request_id)
    if sar.export_state == SubjectAccessRequest.ExportState.NONE or sar.released_at:
        return sar  # withdrawn since it was queued: the review changed, or it was released
    rows.update(export_state=SubjectAccessRequest.ExportState.RUNNING, export_progress=0)
    last = [0]

    def progress(done: int, total: int) -> None:
        percent = 60 * done // max(total, 1)
        if percent >= last[0] + 5:
            last[0] = percent
            rows.update(export_progress=percent)

    try:
        data = {
            "request": {"received_on": sar.received_on.isoformat()},
            **_subject_data(sar, on_progress=progress),
        }
        content = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        sar.export_json.save("export.json", ContentFile(content), save=False)
        rows.update(export_json=sar.export_json.name, export_progress=70)
        note = ""
        html = render_to_string("casework/subject_access_pdf.html", {"data": data, "request": sar})
        try:
            pdf = render_pdf(html)
        except RenderError as error:
            note = f"The PDF could not be made ({error}): the JSON holds everything."
        else:
            sar.export_pdf.save("export.pdf", ContentFile(pdf), save=False)
    except Exception as error:
        rows.update(
            export_state=SubjectAccessRequest.ExportState.FAILED,
            export_note=f"Failed: {type(error).__name__}. Prepare it again, or ask an admin.",
        )
        raise
    rows.update(
        export_pdf=sar.export_pdf.name,
        export_state=SubjectAccessRequest.ExportState.READY,
        export_progress=100,
        export_note=note,
        export_made_at=timezone.now(),
    )
    sar.refresh_from_db()
    return sar


def sar_json(request: SubjectAccessRequest) -> bytes:
    data = {
        "request": {"received_on": request.received_on.isoformat()},
        **_subject_data(request),
    }
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def sar_pdf(request: SubjectAccessRequest) -> bytes:
    """The same contents as a tagged PDF, for reading (and for screen readers)."""
    html = render_to_string(
        "casework/subject_access_pdf.html",
        {"data": _subject_data(request), "request": request},
    )
    return render_pdf(html)


SAR_REMINDER_DAYS = 7


def sar_reminders_send(*, today: date | None = None) -> int:
    """Email every manager about each request not yet released: once when it is due
    within ``SAR_REMINDER_DAYS``, once more when the due date has passed. The email names
    the request's number and dates, never the person. Returns how many emails were sent."""
    today = today or timezone.localdate()
    managers = list(
        User.objects.filter(policies.managers_q(), is_active=True)
        .exclude(email="")
        .distinct()
        .values_list("email", flat=True)
    )
    if not managers:
        return 0  # owed still: a later run, once a manager has an address, sends it
    owed = SubjectAccessRequest.objects.filter(
        released_at__isnull=True, address_removed_at__isnull=True
    )
    sent = 0
    stages = [
        (
            owed.filter(due_on__lt=today, reminded_overdue_at__isnull=True),
            "reminded_overdue_at",
            "is overdue: it was due on",
        ),
        (
            owed.filter(
                due_on__gte=today,
                due_on__lte=today + timedelta(days=SAR_REMINDER_DAYS),
                reminded_due_soon_at__isnull=True,
            ),
            "reminded_due_soon_at",
            "is due on",
        ),
    ]
    for requests, field, wording in stages:
        for sar in requests:
            # Claimed first, so two runs at once send it once.
            claimed = SubjectAccessRequest.objects.filter(
                pk=sar.pk, **{f"{field}__isnull": True}
            ).update(**{field: timezone.now()})
            if not claimed:
                continue
            try:
                _sar_reminder_mail(sar, wording, managers)
            except Exception:
                # Not sent: the next run owes it again.
                SubjectAccessRequest.objects.filter(pk=sar.pk).update(**{field: None})
                raise
            sent += 1
    return sent


def _sar_reminder_mail(sar: SubjectAccessRequest, wording: str, managers: list[str]) -> None:
    page = settings.SITE_URL.rstrip("/") + reverse("casework:data_protection")
    send_mail(
        subject=f"Subject access request {sar.pk} {wording} {sar.due_on:%-d %B %Y}",
        message=(
            f"Subject access request {sar.pk}, received on "
            f"{sar.received_on:%-d %B %Y}, {wording} {sar.due_on:%-d %B %Y} and has "
            "not been recorded as released.\n\n"
            f"Review it, send the export and record its release: {page}\n"
        ),
        from_email=None,
        recipient_list=managers,
    )
