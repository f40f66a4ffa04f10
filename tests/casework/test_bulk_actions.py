"""Bulk actions on the queue: the ticked rows, one action, each through its own service
(one audit trail each); a row refused says why and the others are done. A letter to each is
one letter batch instead, refused as a whole."""

import pytest
from django.urls import reverse

from casework.models import Assignment, Letter, LetterBatch
from casework.queue import services
from enquiries.models import Enquiry, EnquiryEvent, Status
from tests.casework.test_desk_views import messages_of, unlabelled_controls
from tests.casework.test_letters_bulk import with_notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]


def queue_rows(submit, count, **data):
    return [submit(subject=f"Pub {n}", **data) for n in range(count)]


def test_a_manager_assigns_twenty_at_once(client, manager, other_adviser, submit):
    rows = queue_rows(submit, 20)
    events = EnquiryEvent.objects.filter(kind="assigned")
    before = {e.pk: events.filter(enquiry=e).count() for e in rows}
    client.force_login(manager.user)
    response = client.post(
        reverse("casework:queue_bulk"),
        {
            "bulk-selected": [e.pk for e in rows],
            "bulk-action": "assign",
            "bulk-adviser": other_adviser.pk,
            "query": "queue=all&status=received",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:queue") + "?queue=all&status=received"
    assert Enquiry.objects.filter(assigned_to=other_adviser.user).count() >= 20
    for enquiry in rows:
        current = Assignment.objects.get(enquiry=enquiry, is_current=True)
        assert current.adviser == other_adviser and current.assigned_by == manager.user
        assert events.filter(enquiry=enquiry).count() == before[enquiry.pk] + 1  # one each
    said = messages_of(client.get(response["Location"]))
    assert any(m.startswith("Done for 20 enquiries") for m in said)


def test_a_refused_row_says_why_and_the_others_are_done(adviser, other_adviser, submit):
    rows = queue_rows(submit, 3, topic="np-getting-started")  # Omar's team
    Enquiry.objects.filter(pk__in=[e.pk for e in rows]).update(assigned_to=None)
    services.enquiry_claim(enquiry=rows[1], actor=other_adviser.user)  # taken meanwhile
    result = services.enquiries_bulk(enquiries=rows, action="claim", actor=adviser.user)
    assert result.done == [rows[0].reference, rows[2].reference]
    assert result.refused[0][0] == rows[1].reference
    assert "already taken" in result.refused[0][1]
    assert Enquiry.objects.get(pk=rows[1].pk).assigned_to == other_adviser.user


def test_a_status_the_enquiry_cannot_move_to_is_refused_for_that_row(adviser, mine, submit):
    other = submit(subject="Another")
    Enquiry.objects.filter(pk=other.pk).update(status=Status.IN_PROGRESS)
    result = services.enquiries_bulk(
        enquiries=[mine, other], action="status", status=Status.CLOSED, actor=adviser.user
    )
    assert result.done == []
    assert all("closing outcome" in why for _, why in result.refused)
    result = services.enquiries_bulk(
        enquiries=[mine, other], action="status", status=Status.AWAITING_GROUP, actor=adviser.user
    )
    assert result.done == [mine.reference, other.reference]


def test_an_adviser_cannot_bulk_assign_or_touch_what_she_cannot_see(client, adviser, mine, theirs):
    client.force_login(adviser.user)
    response = client.post(
        reverse("casework:queue_bulk"),
        {"bulk-selected": [mine.pk], "bulk-action": "unassign"},
        follow=True,
    )
    assert any("Select a valid choice" in m for m in messages_of(response))
    assert Enquiry.objects.get(pk=mine.pk).assigned_to == adviser.user
    response = client.post(
        reverse("casework:queue_bulk"),
        {
            "bulk-selected": [mine.pk, theirs.pk],
            "bulk-action": "status",
            "bulk-status": "awaiting_group",
        },
        follow=True,
    )
    said = messages_of(response)
    assert any("1 of the selected enquiries are not yours to change" in m for m in said)
    assert Enquiry.objects.get(pk=theirs.pk).status == theirs.status  # untouched


def test_nothing_ticked_or_too_many_is_a_clear_error(client, adviser):
    client.force_login(adviser.user)
    response = client.post(reverse("casework:queue_bulk"), {"bulk-action": "claim"}, follow=True)
    assert "Tick at least one enquiry in the list." in messages_of(response)
    with pytest.raises(Exception, match="at most 100"):
        services.enquiries_bulk(enquiries=[Enquiry()] * 101, action="claim", actor=adviser.user)


def test_the_queue_page_offers_the_bulk_form(client, adviser, mine):
    client.force_login(adviser.user)
    page = client.get(reverse("casework:queue")).content.decode()
    assert (
        f'<label for="select-{mine.pk}" class="visually-hidden">Tick {mine.reference}</label>'
        in page
    )
    assert "Assign them to an adviser" not in page  # managers only


# --- a letter to each: one batch ----------------------------------------------------------------

LETTER = "acv-interim-moratorium"  # needs the interim moratorium's end: a notice on record


def issue_letters(client, rows, template=LETTER, **extra):
    return client.post(
        reverse("casework:queue_bulk"),
        {
            "bulk-selected": [e.pk for e in rows],
            "bulk-action": "letter",
            "bulk-template": template,
            "bulk-publish": "on",
            "query": "queue=all",
            **extra,
        },
    )


def test_a_manager_issues_a_letter_to_each_ticked_enquiry_as_one_batch(
    client, manager, submit, django_capture_on_commit_callbacks
):
    rows = [with_notice(e, manager) for e in queue_rows(submit, 3)]
    client.force_login(manager.user)
    with django_capture_on_commit_callbacks(execute=True):  # the immediate backend: made now
        response = issue_letters(client, rows)

    assert response.status_code == 302
    assert response["Location"] == reverse("casework:queue") + "?queue=all"
    batch = LetterBatch.objects.get()
    assert batch.total == 3 and batch.created_by == manager.user and batch.publish
    for enquiry in rows:  # exactly one letter each, made, and one audit event for it
        letter = Letter.objects.get(enquiry=enquiry)
        assert letter.batch == batch and letter.state == Letter.State.ISSUED
        issued = EnquiryEvent.objects.filter(enquiry=enquiry, kind="letter_issued")
        assert [(e.actor, e.data["letter"]) for e in issued] == [(manager.user, letter.pk)]
        assert EnquiryEvent.objects.filter(enquiry=enquiry, kind="letter_published").count() == 1
    page = client.get(response["Location"])
    assert any(m.startswith("3 letters are being made.") for m in messages_of(page))
    progress = reverse("casework:letter_batch", args=[batch.pk])
    assert f'<a href="{progress}">Follow the batch\'s progress</a>' in page.content.decode()
    assert "Made 3 of 3" in client.get(progress).content.decode()


def test_issuing_without_choosing_a_letter_is_refused_and_saves_nothing(client, manager, mine):
    client.force_login(manager.user)
    response = issue_letters(client, [mine], template="")
    assert response.status_code == 400
    assert response.context["bulk_form"].errors["template"] == ["Choose the letter to issue."]
    page = response.content.decode()
    assert '<a href="#id_bulk-template">Letter to issue: Choose the letter to issue.</a>' in page
    assert f'id="select-{mine.pk}" checked>' in page  # still ticked, to try again
    assert not LetterBatch.objects.exists() and not Letter.objects.exists()


@pytest.mark.parametrize(
    "template",
    ["general-reply", "no-such-letter"],  # needs the adviser's own words; unknown
)
def test_a_letter_that_cannot_be_issued_in_bulk_is_refused(client, manager, mine, template):
    client.force_login(manager.user)
    response = issue_letters(client, [mine], template=template)
    assert response.status_code == 400
    assert response.context["bulk_form"].errors["template"] == [
        "That letter cannot be issued in bulk: choose one from the list."
    ]
    assert not LetterBatch.objects.exists() and not Letter.objects.exists()


def test_a_ticked_enquiry_the_manager_may_not_act_on_refuses_the_whole_batch(
    client, manager, mine, submit
):
    gone = submit(subject="Withdrawn")
    gone_pk = gone.pk
    gone.delete()  # removed since the queue was shown
    client.force_login(manager.user)
    response = client.post(
        reverse("casework:queue_bulk"),
        {
            "bulk-selected": [mine.pk, gone_pk],
            "bulk-action": "letter",
            "bulk-template": LETTER,
        },
    )
    assert response.status_code == 400
    assert "1 of the ticked enquiries are not yours to act on" in str(
        response.context["bulk_form"].non_field_errors()
    )
    assert not LetterBatch.objects.exists() and not Letter.objects.exists()


def test_too_many_ticked_is_refused_as_a_whole(client, manager, mine, monkeypatch):
    monkeypatch.setattr(services, "BULK_LIMIT", 0)
    client.force_login(manager.user)
    response = issue_letters(client, [mine])
    assert response.status_code == 400
    assert "Choose at most 0 enquiries" in str(response.context["bulk_form"].non_field_errors())
    assert not LetterBatch.objects.exists()


def test_an_adviser_may_not_issue_letters_in_bulk(client, adviser, mine):
    client.force_login(adviser.user)
    page = client.get(reverse("casework:queue")).content.decode()
    assert "Issue each of them a letter" not in page and "bulk-template" not in page
    response = issue_letters(client, [mine])  # her own enquiry: still a manager's action
    assert response.status_code == 403
    assert not LetterBatch.objects.exists() and not Letter.objects.exists()


def test_the_queue_offers_managers_only_the_letters_that_can_go_in_bulk(client, manager, mine):
    client.force_login(manager.user)
    response = client.get(reverse("casework:queue"), {"queue": "all"})
    form = response.context["bulk_form"]
    offered = [slug for slug, _ in form.fields["template"].choices]
    assert LETTER in offered and "general-reply" not in offered
    page = response.content.decode()
    assert "Issue each of them a letter" in page
    assert unlabelled_controls(page) == []


def test_a_letter_to_each_costs_the_same_queries_for_two_or_twenty(
    client, manager, submit, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(manager.user)
    counts = []
    for size in (2, 20):
        rows = queue_rows(submit, size)
        with (
            django_capture_on_commit_callbacks(execute=False),  # made later, by the workers
            django_assert_max_num_queries(15) as captured,
        ):
            response = issue_letters(client, rows)
        assert response.status_code == 302
        assert Letter.objects.filter(enquiry__in=rows).count() == size
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
