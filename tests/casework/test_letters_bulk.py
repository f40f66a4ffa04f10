"""Bulk letters: a manager's batch made by workers, each letter exactly once.

The task is safe to run twice (row lock + conditional update), a task left running by a dead
worker is reaped and run again without a second letter, and a failing render marks its letter
failed with the reason while the rest of the batch carries on.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from casework.clocks.services import key_date_record
from casework.desk.pdf import RenderError
from casework.letters import batches as letters_batches
from casework.letters import compose as letters_compose
from casework.letters import services as letters_services
from casework.letters.tasks import make_letter, make_letters
from casework.models import Letter, LetterBatch
from config.tasks import ReapResult, reap_stale_tasks
from enquiries.models import Message
from knowledgebase.models import LetterTemplateVersion
from tests.enquiries.test_tasks import (  # the worker harness of the enquiries tasks
    _restore_signal_handlers,  # noqa: F401  (autouse fixture)
    _work,
    database_tasks,  # noqa: F401  (fixture)
    worker_db,
)

pytestmark = pytest.mark.django_db

SLUG = "acv-interim-moratorium"


def version() -> LetterTemplateVersion:
    return LetterTemplateVersion.objects.filter(template__slug=SLUG).order_by("-number").first()


@pytest.fixture
def notices(submit, adviser, manager):
    """Three groups whose interim moratorium ends within two weeks (notice 5 weeks ago)."""
    return [
        with_notice(
            submit(
                organisation_name=f"Friends of pub {n}",
                contact_name=f"Contact {n}",
                email=f"group{n}@example.org",
                subject=f"Pub {n} for sale",
            ),
            manager,
        )
        for n in range(3)
    ]


def with_notice(enquiry, manager):
    """The enquiry, with the owner's notice of sale recorded five weeks ago."""
    key_date_record(
        enquiry=enquiry,
        trigger="disposal-notice-received",
        date=timezone.localdate() - timedelta(weeks=5),
        actor=manager.user,
    )
    return enquiry


def pdf_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "letters"
    return sorted(p for p in root.rglob("*.pdf")) if root.exists() else []


def only_letter_tasks() -> None:
    """Forget the acknowledgement emails the intake queued: these tests are about letters."""
    DBTaskResult.objects.exclude(task_path=make_letters.module_path).delete()


def abandon_letter_tasks(settings) -> None:
    """Leave the letter tasks as a killed worker leaves them: running, long ago."""
    DBTaskResult.objects.filter(task_path=make_letters.module_path).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - timedelta(seconds=settings.TASK_STALE_AFTER_SECONDS + 60),
        worker_ids=["dead-worker"],
    )


def batch_of(enquiries, manager, publish=True) -> LetterBatch:
    return letters_batches.letter_batch_create(
        template_version=version(), enquiries=enquiries, publish=publish, actor=manager.user
    )


# --- the task, run by hand -------------------------------------------------------------------


def test_running_the_task_twice_makes_one_letter_and_one_message(
    notices, manager, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # made by hand below
        batch = batch_of(notices[:1], manager)
    letter = batch.letters.get()

    assert letters_batches.letter_make(letter_id=letter.pk) == "issued"
    assert letters_batches.letter_make(letter_id=letter.pk) == "already issued"

    letter.refresh_from_db()
    assert letter.state == Letter.State.ISSUED and letter.sha256
    assert Message.objects.filter(enquiry=notices[0]).count() == 1
    assert len(pdf_files(settings)) == 1


def test_a_twin_that_finishes_first_leaves_one_pdf(
    notices, manager, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Two runs at once: the one that loses the race removes its own file."""
    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_of(notices[:1], manager)
    letter = batch.letters.get()
    real_render = letters_batches.render_pdf_documents
    calls = []

    def render_while_a_twin_runs(documents):
        calls.append(1)
        if len(calls) == 1:  # the twin starts and finishes while we render
            assert letters_batches.letter_make(letter_id=letter.pk) == "issued"
        return real_render(documents)

    monkeypatch.setattr(letters_batches, "render_pdf_documents", render_while_a_twin_runs)
    assert letters_batches.letter_make(letter_id=letter.pk) == "already made"

    assert len(pdf_files(settings)) == 1
    letter.refresh_from_db()
    assert letter.pdf.name == str(pdf_files(settings)[0].relative_to(settings.MEDIA_ROOT))
    assert Message.objects.filter(enquiry=notices[0]).count() == 1


def test_failing_render_marks_failed_with_a_reason_and_the_batch_carries_on(
    notices, manager, monkeypatch, django_capture_on_commit_callbacks
):
    real_render = letters_batches.render_pdf_documents

    def render(documents):
        answers = real_render(documents)
        return [
            RenderError("the document has 41 pages; at most 40") if "Contact 1" in html else answer
            for (html, _css), answer in zip(documents, answers, strict=True)
        ]

    monkeypatch.setattr(letters_batches, "render_pdf_documents", render)
    with django_capture_on_commit_callbacks(execute=True):  # immediate backend: tasks run
        batch = batch_of(notices, manager)

    states = dict(batch.letters.values_list("enquiry__contact__name", "state"))
    assert states == {"Contact 0": "issued", "Contact 1": "failed", "Contact 2": "issued"}
    failed = batch.letters.get(state=Letter.State.FAILED)
    assert "41 pages" in failed.error and not failed.pdf


def test_a_refused_render_marks_failed_with_a_reason_not_pending_for_ever(
    notices, manager, monkeypatch, django_capture_on_commit_callbacks
):
    """The renderer refusing a fetch (the letterhead asking for a local file) is recorded on
    the letter by the task; the rest of the batch is made."""
    real = letters_services.letter_html

    def letter_html(**kwargs):
        html = real(**kwargs)
        if "Contact 1" in html:
            html = html.replace("</body>", '<img src="file:///etc/passwd"></body>')
        return html

    monkeypatch.setattr(letters_batches, "letter_html", letter_html)
    with django_capture_on_commit_callbacks(execute=True):  # immediate backend: tasks run
        batch = batch_of(notices, manager)

    states = dict(batch.letters.values_list("enquiry__contact__name", "state"))
    assert states == {"Contact 0": "issued", "Contact 1": "failed", "Contact 2": "issued"}
    failed = batch.letters.get(state=Letter.State.FAILED)
    assert failed.error.startswith("Could not render: refused to fetch") and not failed.pdf
    assert make_letter.call(letter_id=failed.pk) == "already failed"


def test_missing_data_marks_failed_naming_it(
    notices, submit, manager, django_capture_on_commit_callbacks
):
    no_notice = submit(email="nodates@example.org", contact_name="No Dates")
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_of([notices[0], no_notice], manager)

    failed = batch.letters.get(state=Letter.State.FAILED)
    assert failed.enquiry == no_notice
    assert "deadlines.acv_interim_moratorium" in failed.error
    assert batch.letters.filter(state=Letter.State.ISSUED).count() == 1


def test_only_managers_make_batches(notices, adviser):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        letters_batches.letter_batch_create(
            template_version=version(), enquiries=notices, publish=True, actor=adviser.user
        )
    assert not LetterBatch.objects.exists()


def test_a_letter_that_would_print_a_note_to_the_adviser_is_failed_not_made(
    notices, manager, settings, django_capture_on_commit_callbacks
):
    """A batch cannot be made from such a template; should a pending letter hold one all the
    same (a value filled in, a row made another way), the worker refuses it with the reason."""
    general = (
        LetterTemplateVersion.objects.filter(template__slug="general-reply")
        .order_by("-number")
        .first()
    )
    batch = LetterBatch.objects.create(template_version=general, created_by=manager.user, total=1)
    letter = Letter.objects.create(
        enquiry=notices[0],
        template_version=general,
        batch=batch,
        state=Letter.State.PENDING,
        title="A general reply",
        issued_by=manager.user,
    )

    assert letters_batches.letter_make(letter_id=letter.pk) == "failed"

    letter.refresh_from_db()
    assert letter.state == Letter.State.FAILED and not letter.pdf
    assert "“[Write your advice here" in letter.error and "replace it" in letter.error
    assert pdf_files(settings) == []
    assert not Message.objects.filter(enquiry=notices[0]).exists()


# --- through a worker --------------------------------------------------------------------------


@worker_db
def test_worker_makes_the_batch(database_tasks, notices, manager, settings):  # noqa: F811
    only_letter_tasks()
    batch = batch_of(notices, manager)
    assert DBTaskResult.objects.count() == 1  # one chunk, queued with the batch, not made yet
    assert not batch.letters.filter(state=Letter.State.ISSUED).exists()

    _work()

    assert batch.letters.filter(state=Letter.State.ISSUED).count() == 3
    assert Message.objects.count() == 3
    assert len(pdf_files(settings)) == 3


@worker_db
def test_worker_killed_mid_task_is_reaped_and_still_makes_one_letter(
    database_tasks,  # noqa: F811
    notices,
    manager,
    settings,
):
    only_letter_tasks()
    batch = batch_of(notices[:1], manager)
    letter = batch.letters.get()
    # The dead worker got as far as making the letter, then died before recording the task.
    assert letters_batches.letter_make(letter_id=letter.pk) == "issued"
    abandon_letter_tasks(settings)

    assert reap_stale_tasks() == ReapResult(requeued=1, failed=0)
    _work()

    result = DBTaskResult.objects.get(task_path=make_letters.module_path)
    assert result.return_value == {"already issued": 1}
    assert Letter.objects.filter(state=Letter.State.ISSUED).count() == 1
    assert Message.objects.count() == 1
    assert len(pdf_files(settings)) == 1


@worker_db
def test_worker_killed_before_making_it_is_reaped_and_makes_it(
    database_tasks,  # noqa: F811
    notices,
    manager,
    settings,
):
    only_letter_tasks()
    batch_of(notices[:1], manager)
    abandon_letter_tasks(settings)

    assert reap_stale_tasks() == ReapResult(requeued=1, failed=0)
    _work()

    assert Letter.objects.get().state == Letter.State.ISSUED
    assert Message.objects.count() == 1
    assert len(pdf_files(settings)) == 1


def test_task_for_an_issued_letter_does_nothing(
    notices, manager, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_of(notices[:1], manager)
    letter = batch.letters.get()
    before = (letter.sha256, letter.pdf.name)

    result = make_letters.enqueue(letter_ids=[letter.pk])

    assert result.return_value == {"already issued": 1}
    letter.refresh_from_db()
    assert (letter.sha256, letter.pdf.name) == before
    assert Message.objects.count() == 1 and len(pdf_files(settings)) == 1


def test_a_one_letter_task_queued_by_an_older_release_still_makes_its_letter(
    notices, manager, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_of(notices[:1], manager)
    letter = batch.letters.get()

    assert make_letter.call(letter_id=letter.pk) == "issued"
    assert make_letter.call(letter_id=letter.pk) == "already issued"
    assert Message.objects.count() == 1 and len(pdf_files(settings)) == 1


# --- chunks -------------------------------------------------------------------------------------


def test_a_batch_is_queued_in_chunks(notices, manager, settings, monkeypatch):
    from casework.letters import tasks as letters_tasks

    settings.LETTER_BATCH_CHUNK = 2
    queued = []
    monkeypatch.setattr(
        letters_tasks, "enqueue_on_commit", lambda task, **kwargs: queued.append((task, kwargs))
    )
    batch = batch_of(notices, manager)
    assert {task for task, _ in queued} == {make_letters}
    chunks = [kwargs["letter_ids"] for _, kwargs in queued]
    assert [len(c) for c in chunks] == [2, 1]
    assert sorted(pk for c in chunks for pk in c) == sorted(
        batch.letters.values_list("pk", flat=True)
    )


def make_enquiries_with_notices(submit, manager, count, start=0):
    return [
        with_notice(submit(email=f"chunk{n}@example.org", contact_name=f"Chunk {n}"), manager)
        for n in range(start, start + count)
    ]


def test_a_chunk_is_read_in_the_same_number_of_queries_whatever_its_size(
    submit, manager, django_capture_on_commit_callbacks, monkeypatch
):
    """Reading and filling a chunk takes a fixed number of queries (not two per letter);
    recording each letter (event, attachment, message, email owed) is what grows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Render nothing: this counts the database work around the render.
    fake = letters_batches.RenderedPdf(content=b"%PDF-1.7 fake", pages=1)
    monkeypatch.setattr(
        letters_batches, "render_pdf_documents", lambda documents: [fake] * len(documents)
    )
    real_record = letters_batches._record
    counts = []
    for size, start in ((2, 0), (6, 10)):
        enquiries = make_enquiries_with_notices(submit, manager, size, start)
        with django_capture_on_commit_callbacks(execute=False):
            batch = batch_of(enquiries, manager)
        ids = list(batch.letters.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:

            def record(made, outcomes, queries=queries):
                counts.append(len(queries.captured_queries))  # read and filled so far
                real_record(made, outcomes)

            monkeypatch.setattr(letters_batches, "_record", record)
            outcomes = letters_batches.letters_make(letter_ids=ids)
        assert set(outcomes.values()) == {"issued"}
        counts.append(len(queries.captured_queries))
    read_2, all_2, read_6, all_6 = counts
    # The letters, their key dates, the rules in force, the deadlines as stored (an end
    # extended by agreement is the one a letter states), and the councils named.
    assert read_2 == read_6 == 5
    # Recording is per letter (event, attachment, message, first response, email owed).
    assert (all_6 - read_6) - (all_2 - read_2) == 4 * ((all_2 - read_2 - 3) // 2)


def test_a_fault_recording_one_letter_fails_that_letter_alone(
    notices, manager, settings, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_of(notices, manager)
    real_publish = letters_batches._publish

    def publish(*, letter, content, actor):
        if letter.enquiry == notices[1]:
            raise ValueError("a bug in publishing")
        return real_publish(letter=letter, content=content, actor=actor)

    monkeypatch.setattr(letters_batches, "_publish", publish)
    outcomes = letters_batches.letters_make(
        letter_ids=list(batch.letters.order_by("pk").values_list("pk", flat=True))
    )

    assert list(outcomes.values()) == ["issued", "failed", "issued"]
    failed = batch.letters.get(enquiry=notices[1])
    assert failed.state == Letter.State.FAILED and failed.error == "Unexpected fault (ValueError)"
    assert not failed.pdf and Message.objects.count() == 2
    assert len(pdf_files(settings)) == 2  # the failed letter's file was removed


def test_a_passing_fault_keeps_nothing_of_the_chunk_and_the_task_tries_again(
    notices, manager, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import OperationalError

    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_of(notices, manager)
    ids = list(batch.letters.order_by("pk").values_list("pk", flat=True))
    real_publish = letters_batches._publish

    def publish(*, letter, content, actor):
        if letter.enquiry == notices[2]:
            raise OperationalError("the database went away")
        return real_publish(letter=letter, content=content, actor=actor)

    monkeypatch.setattr(letters_batches, "_publish", publish)
    with pytest.raises(OperationalError):
        letters_batches.letters_make(letter_ids=ids)

    assert set(batch.letters.values_list("state", flat=True)) == {Letter.State.PENDING}
    assert Message.objects.count() == 0 and pdf_files(settings) == []

    monkeypatch.undo()
    assert set(letters_batches.letters_make(letter_ids=ids).values()) == {"issued"}
    assert Message.objects.count() == 3 and len(pdf_files(settings)) == 3


# --- pages and API ------------------------------------------------------------------------------


def test_manager_picks_enquiries_by_deadline_and_follows_progress(
    client, notices, submit, manager, django_capture_on_commit_callbacks
):
    later = submit(email="later@example.org")  # notice yesterday: ends in ~6 weeks
    key_date_record(
        enquiry=later,
        trigger="disposal-notice-received",
        date=timezone.localdate() - timedelta(days=1),
        actor=manager.user,
    )
    client.force_login(manager.user)
    choose = {"template": SLUG, "rule": "acv-interim-moratorium", "within_days": 14}
    page = client.get(reverse("casework:letter_bulk"), choose)
    assert page.status_code == 200
    assert {e.reference for e in page.context["candidates"]} == {e.reference for e in notices}

    chosen = [notices[0].reference, notices[2].reference]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("casework:letter_bulk"), {**choose, "enquiries": chosen, "publish": "on"}
        )
    batch = LetterBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:letter_batch", args=[batch.pk])
    assert sorted(batch.letters.values_list("enquiry__reference", flat=True)) == sorted(chosen)

    progress = client.get(response["Location"])
    assert "Made 2 of 2" in progress.content.decode()
    assert "Refresh" not in progress  # finished: no more refreshing


def test_bulk_page_does_not_offer_letters_that_need_the_advisers_own_text(client, notices, manager):
    client.force_login(manager.user)
    page = client.get(reverse("casework:letter_bulk"))
    offered = [slug for slug, _ in page.context["select_form"].fields["template"].choices]
    assert "general-reply" not in offered and SLUG in offered

    asked = client.get(
        reverse("casework:letter_bulk"),
        {"template": "general-reply", "rule": "acv-interim-moratorium", "within_days": 14},
    )
    assert asked.status_code == 400
    assert asked.context["select_form"].errors["template"]  # the visible "Letter" choice
    assert asked.context["issue_form"] is None
    assert '<a href="#id_template">Letter:' in asked.content.decode()
    assert not LetterBatch.objects.exists()


def test_a_refusal_about_the_template_is_shown_on_the_visible_choice(
    client, notices, manager, monkeypatch
):
    """Should the service refuse the template at issue (say it changed since the list was
    made), the error is on the "Letter" choice, not on the issue form's hidden copy."""
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError({"template": letters_compose.BULK_NEEDS_ADVISER_TEXT})

    monkeypatch.setattr(letters_batches, "letter_batch_create", refuse)
    client.force_login(manager.user)
    choose = {"template": SLUG, "rule": "acv-interim-moratorium", "within_days": 14}
    response = client.post(
        reverse("casework:letter_bulk"), {**choose, "enquiries": [notices[0].reference]}
    )

    assert response.status_code == 400
    assert response.context["select_form"].errors["template"] == [
        letters_compose.BULK_NEEDS_ADVISER_TEXT
    ]
    assert not response.context["issue_form"].errors
    page = response.content.decode()
    assert '<a href="#id_template">Letter: This letter needs the adviser' in page


def test_progress_page_refreshes_while_letters_are_pending(
    client, notices, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        batch = batch_of(notices, manager)
    client.force_login(manager.user)
    response = client.get(reverse("casework:letter_batch", args=[batch.pk]))
    assert response["Refresh"] == "5"
    assert "Made 0 of 3" in response.content.decode()
    stopped = client.get(reverse("casework:letter_batch", args=[batch.pk]), {"refresh": "off"})
    assert "Refresh" not in stopped


def test_advisers_cannot_use_bulk_pages(client, notices, adviser, manager):
    client.force_login(adviser.user)
    assert client.get(reverse("casework:letter_bulk")).status_code == 403
    batch = LetterBatch.objects.create(template_version=version(), created_by=manager.user, total=0)
    assert client.get(reverse("casework:letter_batch", args=[batch.pk])).status_code == 404


def test_api_batch_create_and_status(
    api_client, notices, manager, adviser, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(adviser.user)
    body = {"template": SLUG, "enquiries": [e.reference for e in notices]}
    assert api_client.post(reverse("api:letter-batches"), body, format="json").status_code == 403

    api_client.force_authenticate(manager.user)
    unknown = api_client.post(
        reverse("api:letter-batches"), {**body, "enquiries": ["CR-2026-999999"]}, format="json"
    )
    assert unknown.status_code == 400 and "enquiries" in unknown.json()
    needs_text = api_client.post(
        reverse("api:letter-batches"), {**body, "template": "general-reply"}, format="json"
    )
    assert needs_text.status_code == 400
    assert needs_text.json()["template"] == [letters_compose.BULK_NEEDS_ADVISER_TEXT]
    assert not LetterBatch.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post(reverse("api:letter-batches"), body, format="json")
    assert created.status_code == 201, created.json()
    status = api_client.get(reverse("api:letter-batch-detail", args=[created.json()["id"]]))
    assert status.json()["issued"] == 3 and status.json()["pending"] == 0
