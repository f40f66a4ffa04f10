"""The staff desk in HTML: queue, enquiry page, claim, reassign, status, logging by hand.

For every page: success, anonymous (sign in), someone else's record (404),
a signed-in user without a desk role (403), and invalid input (400, nothing saved).
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.enquiry import services as enquiry_services
from casework.models import Assignment
from casework.queue import services as queue_services
from casework.workspace.selectors import minutes_in_words
from enquiries.models import Channel, Enquiry, EnquiryEvent, Priority, Status
from enquiries.services import enquiry_change_status
from tests.factories import AdviserFactory, EnquiryFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("casework:queue")
LOG = reverse("casework:enquiry_log")


@pytest.fixture
def team_unassigned(submit, adviser):
    """In Ada's team queue: nobody has expertise in asset transfer."""
    enquiry = submit(topic="asset-transfer", subject="The old library")
    assert enquiry.assigned_to is None
    return enquiry


def page_url(enquiry, action: str = "") -> str:
    name = f"casework:enquiry_{action}" if action else "casework:enquiry"
    return reverse(name, args=[enquiry.reference])


def rows(response) -> list[str]:
    return [e.reference for e in response.context["page"].object_list]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


class FormAudit(HTMLParser):
    """Collects form controls and labels, to check every control is labelled."""

    def __init__(self):
        super().__init__()
        self.controls, self.label_for, self.open_labels, self.wrapped = [], set(), 0, set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in {"input", "select", "textarea"} and attrs.get("type") not in {
            "hidden",
            "submit",
        }:
            self.controls.append(attrs)
            if self.open_labels:
                self.wrapped.add(attrs.get("id"))

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1

    def unlabelled(self) -> list[str]:
        return [
            c.get("name")
            for c in self.controls
            if c.get("id") not in self.label_for and c.get("id") not in self.wrapped
        ]


def unlabelled_controls(html: str) -> list[str]:
    audit = FormAudit()
    audit.feed(html)
    assert audit.controls
    return audit.unlabelled()


# --- the queue -------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={QUEUE}"


def test_signed_in_user_without_a_desk_role_is_refused(client, outsider):
    client.force_login(outsider)
    assert client.get(QUEUE).status_code == 403


def test_my_queue_shows_only_my_open_enquiries(client, adviser, mine, team_unassigned, theirs):
    closed = EnquiryFactory(
        assigned_to=adviser.user, status=Status.CLOSED, closed_at=timezone.now()
    )
    client.force_login(adviser.user)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert rows(response) == [mine.reference]
    assert closed.reference not in response.content.decode()


def test_team_queue_shows_my_teams_unassigned_enquiries(
    client, adviser, mine, team_unassigned, theirs
):
    client.force_login(adviser.user)
    response = client.get(QUEUE, {"queue": "team"})
    assert rows(response) == [team_unassigned.reference]


def test_all_queue_is_everything_for_a_manager_and_visible_ones_for_an_adviser(
    client, adviser, manager, mine, team_unassigned, theirs
):
    client.force_login(adviser.user)
    assert set(rows(client.get(QUEUE, {"queue": "all"}))) == {
        mine.reference,
        team_unassigned.reference,
    }
    client.force_login(manager.user)
    response = client.get(QUEUE, {"queue": "all"})
    assert set(rows(response)) == {mine.reference, team_unassigned.reference, theirs.reference}
    assert "All enquiries" in response.content.decode()


def test_an_unknown_queue_name_falls_back_to_mine(client, adviser, mine, team_unassigned):
    client.force_login(adviser.user)
    response = client.get(QUEUE, {"queue": "everything"})
    assert response.status_code == 200
    assert response.context["current_queue"] == "mine"


def test_queue_filters_by_status_topic_area_channel_and_age(
    client, manager, submit, topics, mine, team_unassigned, theirs
):
    old_phone = submit(topic="acv-nomination", local_authority="cornwall")
    Enquiry.objects.filter(pk=old_phone.pk).update(
        channel=Channel.PHONE, received_at=timezone.now() - timedelta(days=20)
    )
    enquiry_change_status(enquiry=theirs, status=Status.CLOSED, actor=manager.user)
    client.force_login(manager.user)

    def refs(**params):
        response = client.get(QUEUE, {"queue": "all", **params})
        assert response.status_code == 200, response.context["form"].errors
        return set(rows(response))

    assert refs() == {mine.reference, team_unassigned.reference, old_phone.reference}
    assert refs(status="closed") == {theirs.reference}
    assert refs(status=["closed", "in_progress"]) == {
        theirs.reference,
        mine.reference,
        old_phone.reference,
    }
    # A top-level topic includes its sub-topics.
    assert refs(topic="right-to-bid") == {mine.reference, old_phone.reference}
    assert refs(topic="acv-nomination") == {old_phone.reference}
    assert refs(area="cornwall") == {old_phone.reference}
    assert refs(channel="phone") == {old_phone.reference}
    assert refs(age="15-30") == {old_phone.reference}
    assert refs(age="0-7") == {mine.reference, team_unassigned.reference}
    assert refs(q=mine.reference) == {mine.reference}
    assert refs(unassigned="true") == {team_unassigned.reference}


def test_queue_sorts_by_the_chosen_order(client, manager, submit, mine):
    urgent = submit(subject="Urgent one", priority=Priority.URGENT)
    low = submit(subject="Low one", priority=Priority.LOW)
    client.force_login(manager.user)
    default = rows(client.get(QUEUE, {"queue": "all"}))
    assert default == [urgent.reference, mine.reference, low.reference]
    newest = rows(client.get(QUEUE, {"queue": "all", "ordering": "-received"}))
    assert newest == [low.reference, urgent.reference, mine.reference]
    by_reference = rows(client.get(QUEUE, {"queue": "all", "ordering": "reference"}))
    assert by_reference == sorted(by_reference)


def test_invalid_filters_are_a_400_with_the_queue_unfiltered(client, adviser, mine):
    client.force_login(adviser.user)
    response = client.get(QUEUE, {"status": "nonsense", "topic": "no-such-topic", "age": "9"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "These filters could not be used" in body
    assert 'href="#id_topic"' in body
    assert 'aria-invalid="true"' in body
    assert rows(response) == [mine.reference]


def test_an_email_address_in_the_queue_filter_points_to_search(client, adviser, mine):
    """The queue's filters are in its address, which a proxy may log: not an address."""
    client.force_login(adviser.user)
    response = client.get(QUEUE, {"q": "sam@example.org"})
    assert response.status_code == 400
    assert "Look up an email address in Search" in response.content.decode()


def test_every_filter_control_has_a_label_and_the_form_works_without_javascript(
    client, manager, mine
):
    client.force_login(manager.user)
    body = client.get(QUEUE).content.decode()
    assert unlabelled_controls(body) == []
    assert '<form method="get"' in body
    # The only scripts are the optional enhancements, loaded from files (no inline code):
    # the notices count and the j/k keys. The filters are a plain GET form.
    scripts = re.findall(r"<script[^>]*>", body)
    assert scripts == [
        '<script src="/static/js/notices.js" defer>',
        '<script src="/static/js/queue-keys.js" defer>',
    ]
    assert 'name="adviser"' in body  # managers may filter by adviser


def test_advisers_do_not_get_the_adviser_filter(client, adviser, mine):
    client.force_login(adviser.user)
    assert 'name="adviser"' not in client.get(QUEUE).content.decode()


def test_queue_is_paginated_and_links_keep_the_filters(client, adviser):
    EnquiryFactory.create_batch(55, assigned_to=adviser.user, channel=Channel.EMAIL)
    client.force_login(adviser.user)
    first = client.get(QUEUE, {"channel": "email"})
    assert len(rows(first)) == 50
    assert "channel=email&amp;page=2" in first.content.decode()
    second = client.get(QUEUE, {"channel": "email", "page": 2})
    assert len(rows(second)) == 5
    assert not set(rows(first)) & set(rows(second))
    assert client.get(QUEUE, {"page": "nonsense"}).status_code == 200


def make_queue(adviser, topics, areas, count):
    for i in range(count):
        EnquiryFactory(
            assigned_to=adviser.user,
            topic=topics["acv-notice-of-sale"],
            local_authority=areas["west-lindsey"],
            channel=Channel.PHONE if i % 2 else Channel.WEB,
        )


@pytest.mark.parametrize("who", ["adviser", "manager"])
def test_queue_runs_a_constant_number_of_queries(
    client, request, who, topics, areas, django_assert_num_queries
):
    person = request.getfixturevalue(who)
    client.force_login(person.user)
    make_queue(person, topics, areas, 3)
    client.get(QUEUE)  # the topic list is read once, then held (knowledgebase.reference_data)
    with CaptureQueriesContext(connection) as small:
        assert len(rows(client.get(QUEUE, {"topic": "right-to-bid"}))) == 3
    # 16, the saved views (none here), and the unread replies on the page (two); for a
    # manager, the letters the bulk form offers (one).
    assert len(small.captured_queries) <= (20 if who == "manager" else 19)
    make_queue(person, topics, areas, 57)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(rows(client.get(QUEUE, {"topic": "right-to-bid"}))) == 50


# --- the enquiry page ------------------------------------------------------------------------


def test_enquiry_page_shows_message_contact_organisation_and_why_it_was_assigned(
    client, adviser, mine
):
    client.force_login(adviser.user)
    response = client.get(page_url(mine))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    for text in (
        mine.message,
        mine.contact.name,
        mine.contact.email,
        "Friends of the Red Lion",
        mine.organisation.postcode,
        "Routed automatically",
        "The desk (automatic)",
        f"Routed to {adviser.name}: has expertise in Right to Bid",
        "Received (Web form), by the desk",
        "Assigned to ada",
    ):
        assert text in body, text
    assert "Why this adviser?" not in body  # the per-adviser table is for managers
    assert unlabelled_controls(body) == []


def test_manager_sees_why_each_adviser_would_or_would_not_be_chosen(
    client, manager, adviser, other_adviser, mine
):
    client.force_login(manager.user)
    response = client.get(page_url(mine))
    body = response.content.decode()
    assert "Why this adviser?" in body
    verdicts = {v.candidate.name: v for v in response.context["routing"].verdicts}
    assert verdicts[adviser.name].eligible
    assert verdicts[other_adviser.name].reason == "no expertise in " + str(mine.topic)
    assert verdicts[other_adviser.name].reason in body


def test_enquiry_page_of_someone_elses_enquiry_is_not_found(client, adviser, theirs):
    client.force_login(adviser.user)
    assert client.get(page_url(theirs)).status_code == 404


@pytest.mark.parametrize("reference", ["CR-2020-999999", "not-a-reference", "CR-2026-00001%00"])
def test_unknown_or_malformed_references_are_not_found(client, adviser, reference):
    client.force_login(adviser.user)
    assert client.get(f"/desk/enquiries/{reference}/").status_code == 404


def test_enquiry_page_needs_sign_in_and_a_desk_role(client, outsider, mine):
    response = client.get(page_url(mine))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(page_url(mine)).status_code == 403


def test_enquiry_page_runs_a_constant_number_of_queries_however_long_its_history(
    client, manager, adviser, other_adviser, mine, django_assert_num_queries
):
    client.force_login(manager.user)
    client.get(page_url(mine))  # the reference lists are read once, then held
    with CaptureQueriesContext(connection) as short:
        client.get(page_url(mine))
    for _ in range(4):
        queue_services.enquiry_assign(enquiry=mine, adviser=other_adviser, actor=manager.user)
        enquiry_services.enquiry_set_status(
            enquiry=mine, status=Status.AWAITING_GROUP, actor=manager.user
        )
        queue_services.enquiry_assign(enquiry=mine, adviser=adviser, actor=manager.user)
        enquiry_services.enquiry_set_status(
            enquiry=mine, status=Status.IN_PROGRESS, actor=manager.user
        )
    assert Assignment.objects.filter(enquiry=mine).count() == 9
    with django_assert_num_queries(len(short.captured_queries)):
        response = client.get(page_url(mine))
    assert len(response.context["assignments"]) == 9


def add_to_the_record(enquiry, adviser, count):
    """``count`` each of notes, replies from the group, letters, tasks and time entries,
    and a key date (with the deadlines it starts)."""
    from datetime import date

    from django.db import transaction

    from casework.clocks import services as clocks_services
    from casework.workspace import services as workspace_services
    from enquiries.conversation import services as conversation_services
    from tests.casework.test_letters_views import issue

    today = timezone.localdate()
    for i in range(count):
        workspace_services.note_add(enquiry=enquiry, body=f"Note {i}", actor=adviser.user)
        with transaction.atomic():
            conversation_services.group_message_add(enquiry=enquiry, body=f"Reply {i}")
        issue(enquiry, adviser.user)
        workspace_services.task_add(
            enquiry=enquiry, title=f"Task {i}", due_on=today, assignee=adviser.user,
            actor=adviser.user,
        )  # fmt: skip
        workspace_services.time_record(
            enquiry=enquiry, minutes=10, activity="research", spent_on=today, actor=adviser.user
        )
    clocks_services.key_date_record(
        enquiry=enquiry,
        trigger="disposal-notice-received",
        date=date(2026, 3, count),
        actor=adviser.user,
    )


@pytest.mark.parametrize(("who", "most"), [("adviser", 9), ("manager", 10)])
def test_the_enquiry_page_reads_a_full_record_in_a_fixed_number_of_queries(
    client, adviser, mine, request, who, most, django_assert_max_num_queries,
    django_assert_num_queries,
):  # fmt: skip
    """Issue 12: the page with its timeline and every panel, for a record with notes,
    replies, letters, tasks, time and deadlines: 42 queries before, 37 after issue 12's
    first cuts, 40 with issue 19's panels; now the session, the user with their role, the
    enquiry, the access log and presence writes, every panel's rows in one statement
    (``SharedPage.reads``) and the guidance suggestions' searches (docs/performance.md,
    "The enquiry page in a fixed number of queries"); a manager's routing verdict is one
    more. Not one more with five times as much on the record (no query per item)."""
    add_to_the_record(mine, adviser, 2)
    client.force_login(request.getfixturevalue(who).user)
    client.get(page_url(mine))  # the reference lists are read once, then held
    with django_assert_max_num_queries(most) as two:
        response = client.get(page_url(mine))
    assert len(response.context["enquiry_letters"]) == 2
    add_to_the_record(mine, adviser, 8)
    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(page_url(mine))
    assert len(response.context["enquiry_letters"]) == 10
    assert len(response.context["tasks"]) == 10
    assert response.content.decode().count('/pdf/">Download') == 10
    assert response.context["time_total"] == minutes_in_words(100)  # ten times ten minutes


# --- claim -----------------------------------------------------------------------------------


def test_adviser_claims_from_the_team_queue(client, adviser, team_unassigned):
    client.force_login(adviser.user)
    response = client.post(page_url(team_unassigned, "claim"), follow=True)
    assert response.redirect_chain[-1] == (page_url(team_unassigned), 302)
    assert f"{team_unassigned.reference} is now in your queue." in messages_of(response)
    team_unassigned.refresh_from_db()
    assert team_unassigned.assigned_to == adviser.user


def test_claiming_what_someone_else_has_taken_is_a_conflict_with_a_message(
    client, adviser, team_unassigned, teams
):
    colleague = AdviserFactory(first_name="Col", teams=[teams["assets"]])
    queue_services.enquiry_claim(enquiry=team_unassigned, actor=colleague.user)
    client.force_login(adviser.user)
    response = client.post(page_url(team_unassigned, "claim"))
    assert response.status_code == 409
    assert any("has already taken this enquiry" in m for m in messages_of(response))
    assert "has already taken this enquiry" in response.content.decode()
    team_unassigned.refresh_from_db()
    assert team_unassigned.assigned_to == colleague.user


def test_claim_of_another_teams_enquiry_is_not_found(client, adviser, theirs):
    queue_services.enquiry_assign(
        enquiry=theirs,
        adviser=None,
        actor=AdviserFactory(first_name="Boss", manager=True).user,
    )
    client.force_login(adviser.user)
    assert client.post(page_url(theirs, "claim")).status_code == 404


def test_claim_needs_post_sign_in_and_a_desk_role(client, outsider, team_unassigned):
    url = page_url(team_unassigned, "claim")
    assert client.post(url).status_code == 302
    client.force_login(outsider)
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    assert Enquiry.objects.get(pk=team_unassigned.pk).assigned_to is None


# --- reassign --------------------------------------------------------------------------------


def test_manager_reassigns_with_a_reason(client, manager, other_adviser, mine):
    client.force_login(manager.user)
    response = client.post(
        page_url(mine, "assign"), {"adviser": other_adviser.pk, "reason": "Planning question"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.assigned_to == other_adviser.user
    assignment = Assignment.objects.get(enquiry=mine, is_current=True)
    assert assignment.assigned_by == manager.user
    assert assignment.reason.endswith("Reason: Planning question")


def test_an_adviser_cannot_reassign(client, adviser, other_adviser, mine):
    client.force_login(adviser.user)
    response = client.post(page_url(mine, "assign"), {"adviser": other_adviser.pk})
    assert response.status_code == 403
    assert Enquiry.objects.get(pk=mine.pk).assigned_to == adviser.user


def test_reassign_to_an_unknown_adviser_is_a_form_error_and_nothing_changes(
    client, manager, adviser, mine
):
    client.force_login(manager.user)
    response = client.post(page_url(mine, "assign"), {"adviser": "999999", "reason": "x"})
    assert response.status_code == 400
    assert response.context["assign_form"].errors["adviser"]
    assert 'href="#id_adviser"' in response.content.decode()
    assert Assignment.objects.filter(enquiry=mine).count() == 1
    assert Enquiry.objects.get(pk=mine.pk).assigned_to == adviser.user


def test_reassign_of_an_unknown_enquiry_is_not_found(client, manager):
    client.force_login(manager.user)
    assert client.post("/desk/enquiries/CR-2020-000001/assign/", {}).status_code == 404


def test_reassign_needs_sign_in(client, mine):
    response = client.post(page_url(mine, "assign"), {})
    assert response.status_code == 302


# --- status ----------------------------------------------------------------------------------


def test_adviser_changes_the_status_and_it_is_recorded(client, adviser, mine):
    client.force_login(adviser.user)
    response = client.post(page_url(mine, "status"), {"status": "awaiting_group"}, follow=True)
    assert "Status is now waiting for the group." in messages_of(response)
    event = EnquiryEvent.objects.get(enquiry=mine, kind=EnquiryEvent.Kind.STATUS_CHANGED)
    assert event.actor == adviser.user
    assert "Status changed from With an adviser to Waiting for the group, by" in (
        response.content.decode()
    )


def test_the_status_form_offers_only_the_allowed_next_statuses(client, adviser, mine):
    client.force_login(adviser.user)
    form = client.get(page_url(mine)).context["status_form"]
    offered = [value for value, _ in form.fields["status"].choices if value]
    assert offered == ["awaiting_group", "answered", "closed"]


@pytest.mark.parametrize("value", ["", "nonsense", "received", "in_progress"])
def test_an_invalid_status_is_a_form_error_and_nothing_changes(client, adviser, mine, value):
    client.force_login(adviser.user)
    response = client.post(page_url(mine, "status"), {"status": value})
    assert response.status_code == 400
    assert response.context["status_form"].errors["status"]
    assert "There is a problem" in response.content.decode()
    assert Enquiry.objects.get(pk=mine.pk).status == Status.IN_PROGRESS
    assert not EnquiryEvent.objects.filter(kind=EnquiryEvent.Kind.STATUS_CHANGED).exists()


def test_a_status_change_that_lost_a_race_is_a_conflict(client, adviser, mine, monkeypatch):
    from enquiries.services import TransitionError

    def moved_on(**kwargs):
        raise TransitionError("An enquiry that is closed cannot become answered.")

    monkeypatch.setattr(enquiry_services, "enquiry_set_status", moved_on)
    client.force_login(adviser.user)
    response = client.post(page_url(mine, "status"), {"status": "answered"})
    assert response.status_code == 409
    assert "cannot become answered" in response.content.decode()


def test_a_teammate_who_does_not_hold_the_enquiry_cannot_change_its_status(client, mine, teams):
    colleague = AdviserFactory(first_name="Col", teams=[teams["assets"]])
    client.force_login(colleague.user)
    assert client.get(page_url(mine)).status_code == 200  # may see it, in the team
    assert client.post(page_url(mine, "status"), {"status": "closed"}).status_code == 403
    assert Enquiry.objects.get(pk=mine.pk).status == Status.IN_PROGRESS


def test_status_of_someone_elses_enquiry_is_not_found(client, adviser, theirs):
    client.force_login(adviser.user)
    assert client.post(page_url(theirs, "status"), {"status": "closed"}).status_code == 404


def test_status_needs_sign_in_and_a_desk_role(client, outsider, mine):
    url = page_url(mine, "status")
    assert client.post(url, {"status": "closed"}).status_code == 302
    client.force_login(outsider)
    assert client.post(url, {"status": "closed"}).status_code == 403
    assert Enquiry.objects.get(pk=mine.pk).status == Status.IN_PROGRESS


# --- logging an enquiry by hand --------------------------------------------------------------


@pytest.fixture
def log_data(enquiry_data):
    return {
        **enquiry_data,
        "channel": "phone",
        "consent_to_store": "on",
        "keep": "on",
        "priority": "3",
    }


def test_log_form_is_labelled_and_offers_the_staff_channels(client, adviser):
    client.force_login(adviser.user)
    response = client.get(LOG)
    assert response.status_code == 200
    body = response.content.decode()
    assert unlabelled_controls(body) == []
    for value in ("phone", "email", "letter", "walk_in"):
        assert f'value="{value}"' in body
    assert 'value="web"' not in body
    assert 'name="website"' not in body


@pytest.mark.parametrize("channel", ["phone", "email", "letter", "walk_in"])
def test_adviser_logs_an_enquiry_and_keeps_it(client, adviser, log_data, channel):
    client.force_login(adviser.user)
    response = client.post(LOG, {**log_data, "channel": channel, "topic": "np-examination"})
    enquiry = Enquiry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(enquiry)
    assert enquiry.channel == channel
    assert enquiry.logged_by == adviser.user
    assert enquiry.assigned_to == adviser.user
    assert enquiry.priority == Priority.HIGH
    assert list(Assignment.objects.values_list("method", flat=True)) == ["claimed"]


def test_a_logged_enquiry_not_kept_is_routed_and_the_logger_is_told_where(
    client, adviser, other_adviser, log_data
):
    client.force_login(adviser.user)
    data = {**log_data, "topic": "np-examination"}
    del data["keep"]
    response = client.post(LOG, data, follow=True)
    enquiry = Enquiry.objects.get()
    assert enquiry.assigned_to == other_adviser.user
    # Omar's team is not Ada's, so she goes back to her queue rather than to a 404.
    assert response.redirect_chain[-1] == (QUEUE, 302)
    assert any(f"routed to {other_adviser.name}" in m for m in messages_of(response))


def test_the_time_received_can_be_given_but_not_in_the_future(client, adviser, log_data):
    client.force_login(adviser.user)
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(LOG, {**log_data, "received_at": future})
    assert response.status_code == 400
    assert response.context["form"].errors["received_at"]
    assert not Enquiry.objects.exists()
    past = timezone.localtime() - timedelta(days=2)
    client.post(LOG, {**log_data, "received_at": past.strftime("%Y-%m-%dT%H:%M")})
    received = timezone.localtime(Enquiry.objects.get().received_at)
    assert received.replace(second=0, microsecond=0) == past.replace(second=0, microsecond=0)


@pytest.mark.parametrize(
    "change",
    [
        {"channel": "web"},
        {"channel": ""},
        {"email": "not-an-email"},
        {"consent_to_store": ""},
        {"topic": "no-such-topic"},
        {"message": ""},
        {"message": "x" * 10_001},
    ],
)
def test_invalid_log_input_is_a_form_error_and_nothing_is_saved(client, adviser, log_data, change):
    client.force_login(adviser.user)
    response = client.post(LOG, {**log_data, **change})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not Enquiry.objects.exists()


def test_an_empty_post_is_a_form_error(client, adviser):
    client.force_login(adviser.user)
    response = client.post(LOG, {})
    assert response.status_code == 400
    assert response.context["form"].errors["channel"]


def test_logging_needs_sign_in_and_a_desk_role(client, outsider, log_data):
    assert client.get(LOG).status_code == 302
    client.force_login(outsider)
    assert client.get(LOG).status_code == 403
    assert client.post(LOG, log_data).status_code == 403
    assert not Enquiry.objects.exists()


def test_the_reassign_form_starts_at_the_current_holder(client, manager, adviser, mine):
    client.force_login(manager.user)
    form = client.get(page_url(mine)).context["assign_form"]
    assert form.initial == {"adviser": adviser.pk}
