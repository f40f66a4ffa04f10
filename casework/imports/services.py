"""Importing a service's earlier records (docs/import.md).

A file is uploaded to a source, its columns are matched to desk fields (the mapping is
saved with the source), then every row is checked: the check writes nothing but a verdict
per row (new, already imported, error with its column and reason). The import then reads
the file again and writes in batches, each batch in one transaction with the run's
checkpoint, so a fault leaves whole batches and the next attempt resumes after the last
one. Every record an import makes is keyed by its source and the key the source gave it
(``ImportedRecord``): importing the same file again finds them and changes nothing.

Imported enquiries are history: they are not routed, nobody is emailed, no webhook is
sent. Each gets a desk reference in the year it was received, keeps its old reference
(desk search finds it), and its timeline and change history say it was imported, from
which source and row.
"""

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from casework.imports.columns import mapping_errors, mapping_for, normalise
from casework.imports.reading import ImportFileError, Row, read_table
from casework.imports.rows import Lookups, Planned, RowCleaner
from casework.models import ImportedRecord, ImportRun, ImportSource, Note, Outcome
from enquiries import service_levels
from enquiries.intake.services import references_reserve
from enquiries.models import Channel, Contact, Enquiry, EnquiryEvent, Organisation, Status
from enquiries.validation import normalise_postcode
from knowledgebase.models import LocalAuthority, ServiceLevelTarget, Topic
from knowledgebase.selectors import service_level_for

logger = logging.getLogger(__name__)

BATCH_SIZE = 1_000
# The check keeps the verdict of every row that is not plainly new, up to this many.
VERDICTS_KEPT = 100_000
MAX_FILE_BYTES = 50 * 1024 * 1024
Kind = ImportedRecord.Kind


class ImportRefused(Exception):
    """The run is not in a state to do what was asked; the message says why."""


# Sources and uploads -------------------------------------------------------------------


def source_for(*, name: str, actor: User) -> ImportSource:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"source_name": "Name the source the records come from."})
    existing = ImportSource.objects.filter(name__iexact=name).first()
    return existing or ImportSource.objects.create(name=name, created_by=actor)


def run_upload(*, source: ImportSource, upload: UploadedFile[bytes], actor: User) -> ImportRun:
    """Keep the file and read its headings; nothing is imported yet."""
    if upload.size and upload.size > MAX_FILE_BYTES:
        raise ValidationError(
            {"file": f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB: split it."}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    try:
        headings, _ = read_table(upload)
    except ImportFileError as error:
        raise ValidationError({"file": str(error)}) from error
    upload.seek(0)
    run = ImportRun(
        source=source,
        original_name=(upload.name or "upload")[:200],
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        headers=headings,
        started_by=actor,
    )
    run.file.save("upload", upload, save=False)
    run.save()
    logger.info("import uploaded run=%s source=%s", run.pk, source.pk)
    return run


def run_choose_columns(
    *, run: ImportRun, mapping: dict[str, str], default_channel: str, actor: User
) -> ImportRun:
    """Save the columns chosen for each field, on the run's source for its next file."""
    if run.state not in (ImportRun.State.UPLOADED, ImportRun.State.CHECKED):
        raise ImportRefused("This file has been imported: its columns can no longer change.")
    mapping = {name: heading for name, heading in mapping.items() if heading}
    if errors := mapping_errors(mapping, run.headers):
        raise ValidationError(errors)
    if default_channel not in Channel.values:
        raise ValidationError({"default_channel": "Choose a channel from the list."})
    source = run.source
    source.mapping = {**source.mapping, **mapping}
    for name in list(source.mapping):
        if name not in mapping and source.mapping[name] in run.headers:
            del source.mapping[name]  # deliberately left out for this source's files
    source.default_channel = default_channel
    source.save(update_fields=["mapping", "default_channel"])
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.CHECKING)
    run.state = ImportRun.State.CHECKING
    return run


def run_mapping(run: ImportRun) -> dict[str, str]:
    return mapping_for(run.headers, run.source.mapping)


# Lookups --------------------------------------------------------------------------------


def _words(rows: Iterable[tuple[int, Iterable[str]]]) -> dict[str, int | None]:
    words: dict[str, int | None] = {}
    for pk, names in rows:
        for name in names:
            if not name:
                continue
            word = normalise(name)
            words[word] = pk if words.get(word, pk) == pk else None
    return words


def load_lookups() -> Lookups:
    topics = Topic.objects.values_list("pk", "name", "slug")
    areas = LocalAuthority.objects.values_list("pk", "name", "slug")
    advisers = User.objects.filter(adviser__isnull=False).values_list(
        "pk", "username", "email", "first_name", "last_name"
    )
    return Lookups(
        topics=_words((pk, (name, slug)) for pk, name, slug in topics),
        areas=_words((pk, (name, slug)) for pk, name, slug in areas),
        advisers=_words(
            (pk, (username, email, f"{first} {last}"))
            for pk, username, email, first, last in advisers
        ),
    )


# Checking and importing -----------------------------------------------------------------


@dataclass
class Verdict:
    row: int
    verdict: str  # new | existing | error | blank
    field: str = ""
    reason: str = ""


class RowResolver:
    """Decides what each clean row becomes, the same way for the check and the import:
    rows already imported from this source are skipped; the group and the person are found
    among those imported before, then among the desk's own (same name and postcode; same
    email and name), else made."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.source = run.source
        # (kind, key) -> object id; enquiries: key -> (run id, row).
        self.ids: dict[tuple[str, str], int] = {}
        self.enquiries: dict[str, tuple[int, int]] = {}
        records = ImportedRecord.objects.filter(source=self.source).values_list(
            "kind", "key", "object_id", "run_id", "row"
        )
        for kind, key, object_id, run_id, row in records.iterator(chunk_size=5_000):
            if kind == Kind.ENQUIRY:
                self.enquiries[key] = (run_id, row)
            else:
                self.ids[kind, key] = object_id
        self.placeholder = 0
        self.in_file: dict[str, int] = {}  # old reference -> the first row with it

    def enquiry_verdict(self, plan: Planned) -> Verdict | None:
        """``existing`` or a duplicate within the file; None for a row to write."""
        first = self.in_file.setdefault(plan.key, plan.row)
        if first != plan.row:
            reason = f"The same old reference as row {first}, which is the one imported."
            return Verdict(plan.row, "error", "source_key", reason)
        seen = self.enquiries.get(plan.key)
        if seen is None:
            return None
        run_id, row = seen
        if run_id == self.run.pk and row != plan.row:
            reason = f"The same old reference as row {row}, which is the one imported."
            return Verdict(plan.row, "error", "source_key", reason)
        if run_id == self.run.pk:
            return Verdict(plan.row, "existing", "", "Imported by this run already.")
        return Verdict(plan.row, "existing", "", "Imported before: nothing changes.")

    def match_organisations(self, plans: list[Planned]) -> dict[str, int]:
        wanted = {
            p.organisation_key: p
            for p in plans
            if p.organisation_key and (Kind.ORGANISATION, p.organisation_key) not in self.ids
        }
        found: dict[str, int] = {}
        if wanted:
            names = {p.organisation["name"].casefold() for p in wanted.values()}
            rows = (
                Organisation.objects.annotate(lname=Lower("name"))
                .filter(lname__in=names, anonymised_at__isnull=True)
                .order_by("pk")
                .values_list("pk", "name", "postcode")
            )
            for pk, name, postcode in rows:
                found.setdefault(f"{normalise(name)}|{_postcode(postcode)}", pk)
        return {key: found[key] for key in wanted if key in found}

    def match_contacts(self, plans: list[Planned]) -> dict[str, int]:
        wanted = {
            p.contact_key: p
            for p in plans
            if (Kind.CONTACT, p.contact_key) not in self.ids and p.contact["email"]
        }
        found: dict[str, int] = {}
        if wanted:
            emails = {p.contact["email"] for p in wanted.values()}
            rows = (
                Contact.objects.annotate(lemail=Lower("email"))
                .filter(lemail__in=emails, erased_at__isnull=True)
                .order_by("pk")
                .values_list("pk", "email", "name")
            )
            for pk, email, name in rows:
                found.setdefault(f"{email.lower()}|{normalise(name)}", pk)
        return {key: found[key] for key in wanted if key in found}


def _postcode(value: str) -> str:
    try:
        return normalise_postcode(value)
    except ValidationError:
        return value.strip().upper()


def _clean_rows(rows: Iterator[Row], cleaner: RowCleaner) -> Iterator[Any]:
    for row in rows:
        yield row if row.is_blank else cleaner.clean(row.number, row.cells)


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(items, size)):
        yield batch


def _open_rows(run: ImportRun) -> tuple[IO[bytes], Iterator[Row]]:
    if not run.file:
        raise ImportRefused("The file is no longer kept: upload it again.")
    stream = run.file.open("rb")
    try:
        _, rows = read_table(stream)
    except ImportFileError:
        stream.close()
        raise
    return stream, rows


def _cleaner(run: ImportRun) -> RowCleaner:
    return RowCleaner(
        mapping=run_mapping(run),
        lookups=load_lookups(),
        default_channel=run.source.default_channel,
        tz=timezone.get_default_timezone(),
        now=timezone.now(),
    )


def _sort_out(
    batch: list[Any], resolver: RowResolver, counts: Counter[str], verdicts: list[Verdict]
) -> list[Planned]:
    """Count blank rows, record errors and rows already imported; the rest are to write."""
    to_write = []
    for item in batch:
        if isinstance(item, Row):
            counts["blank"] += 1
            verdicts.append(Verdict(item.number, "blank", "", "Nothing in this row."))
            continue
        if item.problems:
            counts["error"] += 1
            verdicts.extend(Verdict(item.row, "error", f, reason) for f, reason in item.problems)
            continue
        verdict = resolver.enquiry_verdict(item)
        if verdict is not None:
            counts[verdict.verdict] += 1
            verdicts.append(verdict)
            continue
        to_write.append(item)
    return to_write


def run_check(*, run_id: int) -> ImportRun:
    """The dry run: every row's verdict and the counts, nothing written but the run."""
    run = ImportRun.objects.select_related("source").get(pk=run_id)
    if run.state != ImportRun.State.CHECKING:
        return run
    resolver = RowResolver(run)
    counts: Counter[str] = Counter()
    verdicts: list[Verdict] = []
    total = 0
    try:
        stream, rows = _open_rows(run)
        with stream:
            for batch in _batches(_clean_rows(rows, _cleaner(run)), BATCH_SIZE):
                total += len(batch)
                plans = _sort_out(batch, resolver, counts, verdicts)
                organisations = resolver.match_organisations(plans)
                contacts = resolver.match_contacts(plans)
                for plan in plans:
                    counts["new"] += 1
                    matched = _matched_words(plan, organisations, contacts)
                    if matched:
                        verdicts.append(Verdict(plan.row, "new", "", matched))
                    _pretend_made(plan, resolver, organisations, contacts, counts)
    except (ImportFileError, ImportRefused) as error:
        return _fail(run, str(error))
    run.rows_total = total
    run.checked = dict(counts)
    run.verdicts = [[v.row, v.verdict, v.field, v.reason] for v in verdicts[:VERDICTS_KEPT]]
    run.checked_at = timezone.now()
    run.state = ImportRun.State.CHECKED
    run.save(update_fields=["rows_total", "checked", "verdicts", "checked_at", "state"])
    logger.info("import checked run=%s counts=%s", run.pk, dict(counts))
    return run


def _matched_words(plan: Planned, organisations: dict[str, int], contacts: dict[str, int]) -> str:
    said = []
    if plan.organisation_key in organisations:
        said.append("its organisation is already on the desk")
    if plan.contact_key in contacts:
        said.append("its contact is already on the desk")
    return ("New enquiry; " + " and ".join(said) + ".") if said else ""


def _pretend_made(
    plan: Planned,
    resolver: RowResolver,
    organisations: dict[str, int],
    contacts: dict[str, int],
    counts: Counter[str],
) -> None:
    """The check notes what the import would make, so later rows see it as made."""
    for kind, key, matched in (
        (Kind.ORGANISATION, plan.organisation_key, organisations),
        (Kind.CONTACT, plan.contact_key, contacts),
    ):
        if key and (kind, key) not in resolver.ids:
            resolver.placeholder -= 1
            resolver.ids[kind, key] = matched.get(key, resolver.placeholder)
            counts[f"{kind}s_{'matched' if key in matched else 'new'}"] += 1


def import_begin(*, run: ImportRun, actor: User) -> ImportRun:
    """Start (or carry on after a fault) the real run of a checked file."""
    with transaction.atomic():
        ImportSource.objects.select_for_update().get(pk=run.source_id)
        busy = ImportRun.objects.filter(
            source_id=run.source_id, state=ImportRun.State.IMPORTING
        ).exclude(pk=run.pk)
        if busy.exists():
            raise ImportRefused(
                "Another file from this source is being imported: wait until it finishes."
            )
        started = ImportRun.objects.filter(
            pk=run.pk,
            state__in=[ImportRun.State.CHECKED, ImportRun.State.FAILED],
            checked_at__isnull=False,
        ).update(state=ImportRun.State.IMPORTING, failure="")
        if not started:
            raise ImportRefused("This file is not waiting to be imported (check it first).")
    run.refresh_from_db()
    logger.info("import started run=%s by=%s", run.pk, actor.pk)
    return run


class Superseded(Exception):
    """Another worker has written past this one's place (a task handed back while it was
    still running): this one stops and leaves the run to it."""


def run_import(*, run_id: int, seconds: float | None = None) -> ImportRun:
    """Write the file's rows in batches, resuming after the last batch written. With
    ``seconds``, stop after the batch that passes that long (the run stays "importing";
    the worker's task queues the rest), so no task runs long enough to look abandoned."""
    run = ImportRun.objects.select_related("source", "started_by").get(pk=run_id)
    if run.state != ImportRun.State.IMPORTING:
        return run
    started = time.monotonic()
    resolver = RowResolver(run)
    writer = BatchWriter(run, resolver)
    finished = True
    try:
        stream, rows = _open_rows(run)
        with stream:
            remaining = (row for row in rows if row.number > run.rows_done)
            for batch in _batches(_clean_rows(remaining, _cleaner(run)), BATCH_SIZE):
                writer.write(batch)
                if seconds is not None and time.monotonic() - started > seconds:
                    finished = False
                    break
    except Superseded:
        logger.warning("import superseded run=%s", run.pk)
        run.refresh_from_db()
        return run
    except (ImportFileError, ImportRefused) as error:
        return _fail(run, str(error))
    except Exception as error:
        _fail(run, f"Stopped by a fault ({type(error).__name__}): carry on to resume.")
        raise
    run.refresh_from_db()
    if not finished:
        return run
    run.state = ImportRun.State.DONE
    run.finished_at = timezone.now()
    run.file.delete(save=False)
    run.save(update_fields=["state", "finished_at", "file"])
    logger.info("import done run=%s counts=%s", run.pk, run.imported)
    return run


def _fail(run: ImportRun, reason: str) -> ImportRun:
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.FAILED, failure=reason)
    run.refresh_from_db()
    logger.warning("import failed run=%s", run.pk)
    return run


class BatchWriter:
    def __init__(self, run: ImportRun, resolver: RowResolver) -> None:
        self.run = run
        self.resolver = resolver
        self.actor = run.started_by
        self.rows_done = run.rows_done
        self.targets: dict[int | None, ServiceLevelTarget] = {}
        self.topics = {t.pk: t for t in Topic.objects.only("pk", "parent_id")}

    def write(self, batch: list[Any]) -> None:
        with transaction.atomic():
            run = ImportRun.objects.select_for_update().get(pk=self.run.pk)
            if run.rows_done != self.rows_done or run.state != ImportRun.State.IMPORTING:
                raise Superseded
            counts: Counter[str] = Counter(run.imported)
            plans = _sort_out(batch, self.resolver, counts, [])
            organisations = self._organisations(plans, counts)
            contacts = self._contacts(plans, organisations, counts)
            self._enquiries(plans, organisations, contacts)
            counts["new"] += len(plans)
            last = max(item.row if isinstance(item, Planned) else item.number for item in batch)
            ImportRun.objects.filter(pk=run.pk).update(rows_done=last, imported=dict(counts))
        self.rows_done = last

    def _records(self, kind: str, made: list[tuple[Planned, str, int, bool]]) -> None:
        ImportedRecord.objects.bulk_create(
            [
                ImportedRecord(
                    source=self.run.source,
                    run=self.run,
                    kind=kind,
                    key=key,
                    row=plan.row,
                    object_id=object_id,
                    created=created,
                )
                for plan, key, object_id, created in made
            ],
            batch_size=BATCH_SIZE,
        )
        for _, key, object_id, _ in made:
            self.resolver.ids[kind, key] = object_id

    def _organisations(self, plans: list[Planned], counts: Counter[str]) -> dict[str, int]:
        matched = self.resolver.match_organisations(plans)
        new: dict[str, tuple[Planned, Organisation]] = {}
        for plan in plans:
            key = plan.organisation_key
            if key and (Kind.ORGANISATION, key) not in self.resolver.ids and key not in matched:
                new.setdefault(key, (plan, Organisation(**plan.organisation)))
        Organisation.objects.bulk_create([o for _, o in new.values()], batch_size=BATCH_SIZE)
        self._records(
            Kind.ORGANISATION,
            [(p, key, o.pk, True) for key, (p, o) in new.items()]
            + [(_first(plans, "organisation_key", k), k, pk, False) for k, pk in matched.items()],
        )
        counts["organisations_new"] += len(new)
        counts["organisations_matched"] += len(matched)
        return {
            p.organisation_key: self.resolver.ids[Kind.ORGANISATION, p.organisation_key]
            for p in plans
            if p.organisation_key
        }

    def _contacts(
        self, plans: list[Planned], organisations: dict[str, int], counts: Counter[str]
    ) -> dict[str, int]:
        matched = self.resolver.match_contacts(plans)
        new: dict[str, tuple[Planned, Contact]] = {}
        now = timezone.now()
        for plan in plans:
            key = plan.contact_key
            if (Kind.CONTACT, key) not in self.resolver.ids and key not in matched:
                contact = Contact(
                    **plan.contact,
                    organisation_id=organisations.get(plan.organisation_key),
                    consent_recorded_at=now,
                )
                new.setdefault(key, (plan, contact))
        Contact.objects.bulk_create([c for _, c in new.values()], batch_size=BATCH_SIZE)
        self._records(
            Kind.CONTACT,
            [(p, key, c.pk, True) for key, (p, c) in new.items()]
            + [(_first(plans, "contact_key", k), k, pk, False) for k, pk in matched.items()],
        )
        counts["contacts_new"] += len(new)
        counts["contacts_matched"] += len(matched)
        return {p.contact_key: self.resolver.ids[Kind.CONTACT, p.contact_key] for p in plans}

    def _target(self, topic_id: int | None) -> ServiceLevelTarget:
        if topic_id not in self.targets:
            self.targets[topic_id] = service_level_for(topic=self.topics.get(topic_id or 0))
        return self.targets[topic_id]

    def _enquiries(
        self, plans: list[Planned], organisations: dict[str, int], contacts: dict[str, int]
    ) -> None:
        if not plans:
            return
        by_year: dict[int, list[Planned]] = {}
        for plan in plans:
            by_year.setdefault(timezone.localtime(plan.enquiry["received_at"]).year, []).append(
                plan
            )
        references = {
            plan.row: reference
            for year, group in sorted(by_year.items())
            for plan, reference in zip(group, references_reserve(year, len(group)), strict=True)
        }
        enquiries = []
        for plan in plans:
            fields = plan.enquiry
            received: datetime = fields["received_at"]
            target = self._target(fields["topic_id"])
            due = service_levels.due_dates(
                timezone.localdate(received), target.first_response_days, target.resolution_days
            )
            enquiries.append(
                Enquiry(
                    **fields,
                    reference=references[plan.row],
                    organisation_id=organisations.get(plan.organisation_key),
                    contact_id=contacts[plan.contact_key],
                    first_response_due=due.first_response_due,
                    resolution_due=due.resolution_due,
                )
            )
        Enquiry.objects.bulk_create(enquiries, batch_size=BATCH_SIZE)
        Enquiry.history.bulk_history_create(
            enquiries, default_user=self.actor, default_change_reason="imported"
        )
        source = self.run.source
        EnquiryEvent.objects.bulk_create(
            [
                EnquiryEvent(
                    enquiry=enquiry,
                    kind=EnquiryEvent.Kind.IMPORTED,
                    actor=self.actor,
                    data={
                        "source": source.name,
                        "run": self.run.pk,
                        "row": plan.row,
                        "legacy_reference": plan.key,
                    },
                )
                for plan, enquiry in zip(plans, enquiries, strict=True)
            ],
            batch_size=BATCH_SIZE,
        )
        outcomes = [
            Outcome(
                enquiry=enquiry,
                code=plan.outcome,
                detail=plan.outcome_detail,
                is_closing=enquiry.status == Status.CLOSED,
                recorded_by=self.actor,
            )
            for plan, enquiry in zip(plans, enquiries, strict=True)
            if plan.outcome
        ]
        Outcome.objects.bulk_create(outcomes, batch_size=BATCH_SIZE)
        if outcomes:  # dated when the enquiry closed (else when received), as reports count it
            when = Enquiry.objects.filter(pk=OuterRef("enquiry_id"))
            Outcome.objects.filter(pk__in=[o.pk for o in outcomes]).update(
                recorded_at=Coalesce(
                    Subquery(when.values("closed_at")), Subquery(when.values("received_at"))
                )
            )
        Note.objects.bulk_create(
            [
                Note(enquiry=enquiry, author=self.actor, body=plan.note)
                for plan, enquiry in zip(plans, enquiries, strict=True)
                if plan.note
            ],
            batch_size=BATCH_SIZE,
        )
        self._records(
            Kind.ENQUIRY,
            [(plan, plan.key, e.pk, True) for plan, e in zip(plans, enquiries, strict=True)],
        )


def _first(plans: list[Planned], attribute: str, key: str) -> Planned:
    return next(p for p in plans if getattr(p, attribute) == key)
