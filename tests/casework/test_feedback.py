"""Feedback from groups: a survey owed when an enquiry closes with an outcome, emailed
once after the delay through the tracking link, answered once without an account."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casework.cases import services as outcomes
from casework.enquiry import services as enquiry_services
from casework.webhooks import services as webhooks
from casework.workspace.selectors import event_describe
from enquiries.feedback import services
from enquiries.models import Contact, EnquiryEvent, FeedbackRequest, Status
from tests.casework.webhook_receiver import verify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("working_day")]


def close(enquiry, adviser, code="signposted"):
    return outcomes.enquiry_close_with_outcome(enquiry=enquiry, actor=adviser.user, code=code)


def send(time_machine, days=7):
    time_machine.shift(timedelta(days=days, minutes=1))
    mail.outbox.clear()
    return services.feedback_requests_send()


def survey_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/track/\S+/feedback/)", message.body)[1]


def test_closing_with_an_outcome_owes_one_survey_after_the_delay(mine, adviser):
    close(mine, adviser)
    survey = FeedbackRequest.objects.get(enquiry=mine)
    assert survey.send_after == pytest.approx(
        timezone.now() + timedelta(days=7), abs=timedelta(seconds=60)
    )
    # Reopened and closed again: still the one survey.
    enquiry_services.enquiry_set_status(enquiry=mine, status=Status.IN_PROGRESS, actor=adviser.user)
    enquiry_services.enquiry_set_status(enquiry=mine, status=Status.CLOSED, actor=adviser.user)
    assert FeedbackRequest.objects.filter(enquiry=mine).count() == 1


@pytest.mark.parametrize("code", ["closed_no_response", "closed_out_of_scope", "closed_duplicate"])
def test_an_enquiry_closed_without_help_is_not_surveyed(mine, adviser, code):
    close(mine, adviser, code)
    assert not FeedbackRequest.objects.exists()


def test_the_survey_is_emailed_once_when_due(
    mine, adviser, time_machine, django_capture_on_commit_callbacks
):
    close(mine, adviser)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.feedback_requests_send()["sent"] == 0  # not yet due
    with django_capture_on_commit_callbacks(execute=True):
        assert send(time_machine)["sent"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [mine.contact.email]
    assert "Did we help?" in message.subject
    assert f"/enquiries/{mine.reference}/feedback/" in message.body
    with django_capture_on_commit_callbacks(execute=True):
        assert services.feedback_requests_send() == {}
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("why", ["opted_out", "anonymised", "reopened", "no_email"])
def test_a_survey_is_skipped_when_it_should_not_be_sent(mine, adviser, time_machine, why):
    close(mine, adviser)
    if why == "opted_out":
        Contact.objects.filter(pk=mine.contact_id).update(feedback_opt_out=True)
    elif why == "anonymised":
        type(mine).objects.filter(pk=mine.pk).update(anonymised_at=timezone.now())
    elif why == "no_email":
        Contact.objects.filter(pk=mine.contact_id).update(email="")
    else:
        enquiry_services.enquiry_set_status(
            enquiry=mine, status=Status.IN_PROGRESS, actor=adviser.user
        )
    counts = send(time_machine)
    assert counts == {"skipped": 1}
    assert FeedbackRequest.objects.get().skipped
    assert not mail.outbox


def test_the_group_answers_once_without_an_account(
    client, mine, adviser, time_machine, django_capture_on_commit_callbacks
):
    close(mine, adviser)
    with django_capture_on_commit_callbacks(execute=True):
        send(time_machine)
    path = survey_path(mail.outbox[0])
    exchanged = client.get(path)
    assert exchanged.status_code == 303  # the token leaves the address bar
    page = client.get(exchanged["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<legend>How much did we help?</legend>" in html
    assert "Please do not ask me for feedback again" in html

    refused = client.post(exchanged["Location"], {"comment": "Thanks"})
    assert refused.status_code == 400
    assert "Choose how much we helped, from 1 to 5." in refused.content.decode()
    assert FeedbackRequest.objects.get().answered_at is None

    done = client.post(
        exchanged["Location"],
        {"score": "4", "next_step": "asset_listed", "comment": "Very useful.", "opt_out": "on"},
    )
    assert done.status_code == 302
    survey = FeedbackRequest.objects.get()
    assert (survey.score, survey.next_step, survey.comment) == (4, "asset_listed", "Very useful.")
    assert Contact.objects.get(pk=mine.contact_id).feedback_opt_out
    event = EnquiryEvent.objects.get(kind=EnquiryEvent.Kind.FEEDBACK_RECEIVED)
    assert event_describe(event) == (
        "Feedback from the group: helped 4 out of 5; It was listed as an asset of community value"
    )

    again = client.post(exchanged["Location"], {"score": "1"})
    assert "You told us how it went on" in again.content.decode()
    survey.refresh_from_db()
    assert survey.score == 4
    with pytest.raises(ValidationError, match="already told us"):
        services.feedback_answer(request=survey, score=2, next_step="", comment="", opt_out=False)


def test_no_survey_page_before_one_is_sent(client, mine, adviser):
    from tests.enquiries.portal import track_url

    close(mine, adviser)  # owed, not sent
    token, _ = track_url(mine)
    response = client.get(
        reverse("enquiries:track_feedback", args=[token, mine.reference]), follow=True
    )
    assert response.status_code == 404


def test_an_answer_is_sent_to_webhooks_without_the_comment(
    mine, adviser, manager, receiver, time_machine, django_capture_on_commit_callbacks
):
    endpoint = webhooks.endpoint_create(
        url=receiver.url, events=["feedback.received"], description="", actor=manager.user
    )
    close(mine, adviser)
    send(time_machine)
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_answer(
            request=FeedbackRequest.objects.get(),
            score=5,
            next_step="nothing_yet",
            comment="Sam Green says thanks",
            opt_out=False,
        )
    assert len(receiver.received) == 1
    body = verify(endpoint.secret, receiver.received[0])
    assert body["event"] == "feedback.received"
    assert body["feedback"] == {"score": 5, "next_step": "nothing_yet"}
    assert b"Sam" not in receiver.received[0]["body"]


def test_the_command_says_what_it_did(mine, adviser, time_machine, capsys):
    close(mine, adviser)
    time_machine.shift(timedelta(days=8))
    call_command("send_feedback_requests")
    assert "Feedback surveys: 1 sent, 0 skipped" in capsys.readouterr().out


def test_the_survey_answers_match_the_outcome_codes():
    from casework.outcomes import RESULT_CODES

    results = {code.value for code in RESULT_CODES}
    assert set(FeedbackRequest.NextStep.values) - {"nothing_yet"} <= results


def test_the_outcomes_report_counts_feedback_exactly(
    client, mine, theirs, adviser, manager, submit, teams, topics
):
    from casework.reports.registry import build_report
    from tests.casework.test_reports import figures, period

    extra = submit(subject="Another pub")  # Ada's too: sent, not answered
    now = timezone.now()
    for enquiry, score, step in [(mine, 4, "asset_listed"), (theirs, 2, ""), (extra, None, "")]:
        FeedbackRequest.objects.create(
            enquiry=enquiry,
            send_after=now,
            sent_at=now - timedelta(days=1),
            answered_at=now if score else None,
            score=score,
            next_step=step,
        )
    # Sent before the period: not counted.
    old = submit(subject="Old")
    FeedbackRequest.objects.create(enquiry=old, send_after=now, sent_at=now - timedelta(days=90))

    report = build_report("outcomes", period(), user=manager.user)
    assert figures(report.table("feedback")) == {
        "All surveys sent in the period": [3, 2, 66.7, 3.0]
    }
    by_team = figures(report.table("feedback_team"))
    assert by_team[teams["assets"].name] == [2, 1, 50.0, 4.0]
    assert by_team[teams["planning"].name] == [1, 1, 100.0, 2.0]
    by_topic = figures(report.table("feedback_topic"))
    assert by_topic[topics["neighbourhood-planning"].name] == [1, 1, 100.0, 2.0]
    happened = figures(report.table("feedback_next"))
    assert happened["It was listed as an asset of community value"] == [1]
    assert happened["Nothing yet"] == [0]
    assert len(report.table("feedback_month").rows) == 1

    # An adviser's report counts only what she may see.
    own = build_report("outcomes", period(), user=adviser.user)
    assert figures(own.table("feedback"))["All surveys sent in the period"][0] == 2

    client.force_login(manager.user)
    page = client.get(reverse("reports:report", args=["outcomes"])).content.decode()
    assert "Feedback from groups" in page and "Feedback by team" in page
    csv_url = reverse("reports:csv", args=["outcomes", "feedback_team"])
    assert "Average score (1 to 5)" in client.get(csv_url).content.decode()


def test_anonymising_an_enquiry_removes_the_comment_and_keeps_the_figures(mine, adviser):
    from enquiries.retention.services import enquiries_anonymise

    close(mine, adviser)
    FeedbackRequest.objects.filter(enquiry=mine).update(
        sent_at=timezone.now(), answered_at=timezone.now(), score=5, comment="Sam was great"
    )
    enquiries_anonymise(enquiry_ids=[mine.pk], now=timezone.now())
    survey = FeedbackRequest.objects.get(enquiry=mine)
    assert (survey.comment, survey.score) == ("", 5)


def test_the_enquiry_page_shows_the_answer(client, mine, adviser):
    close(mine, adviser)
    FeedbackRequest.objects.filter(enquiry=mine).update(
        sent_at=timezone.now(),
        answered_at=timezone.now(),
        score=3,
        next_step="nothing_yet",
        comment="Helpful guide.",
    )
    client.force_login(adviser.user)
    page = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert "Feedback from the group" in page
    assert "3 out of 5" in page and "Helpful guide." in page and "Nothing yet" in page
