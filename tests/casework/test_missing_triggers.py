"""The triggers issue 19 found missing: the end of a council's Right to Challenge
expression-of-interest window (with the windows managers keep per council area), and the
periods for Neighbourhood Development Orders and Community Right to Build Orders
(Neighbourhood Planning (General) Regulations 2012, Part 6). Each rule's worked examples
(a month end, 29 February, a bank holiday), the calculator, the rules API, the key date on
an enquiry (offered from the window on file), the stored deadline and its reminder.

Dates that depend on today move the clock with ``time_machine``.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from casework.clocks import selectors as clocks_selectors
from casework.clocks import services as clocks_services
from casework.models import Deadline, KeyDate
from enquiries.models import Notification
from knowledgebase.models import ChallengeWindow, DeadlineRule
from knowledgebase.selectors import challenge_window_for_area
from knowledgebase.working_days import is_working_day

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
WINDOW_CLOSED = "eoi-window-closed"
NEW_RULES = {
    "crtc-timescale-notice-window": ("eoi-window-closed", "U"),
    "np-order-reg21-consultation": ("order-draft-publicised", "V"),
    "np-order-reg23-publicity": ("order-proposal-publicised", "C"),
    "np-order-examiner-decision": ("order-examiner-report-received", "U"),
}

# rule, start, end shown, what the example is about
WORKED_EXAMPLES = [
    # 30 days "from" the end of the window, a U rule: the earlier reading (the day the
    # window closed counted as day 1) is shown, a day before the other.
    ("crtc-timescale-notice-window", date(2026, 1, 31), date(2026, 3, 1), "month end"),
    ("crtc-timescale-notice-window", date(2028, 1, 31), date(2028, 2, 29), "leap day"),
    ("crtc-timescale-notice-window", date(2026, 11, 26), date(2026, 12, 25), "bank holiday"),
    # Not less than 6 weeks: the earliest close is D + 42 days.
    ("np-order-reg21-consultation", date(2026, 1, 31), date(2026, 3, 14), "month end"),
    ("np-order-reg21-consultation", date(2028, 1, 18), date(2028, 2, 29), "leap day"),
    ("np-order-reg21-consultation", date(2027, 2, 15), date(2027, 3, 29), "bank holiday"),
    ("np-order-reg23-publicity", date(2026, 11, 30), date(2027, 1, 11), "month end"),
    ("np-order-reg23-publicity", date(2028, 2, 29), date(2028, 4, 11), "from a leap day"),
    ("np-order-reg23-publicity", date(2026, 7, 20), date(2026, 8, 31), "bank holiday"),
    # 5 weeks "from" the report, a U rule: the earlier reading (D + 34 days) is shown.
    ("np-order-examiner-decision", date(2026, 3, 31), date(2026, 5, 4), "month end, May holiday"),
    ("np-order-examiner-decision", date(2028, 1, 26), date(2028, 2, 29), "leap day"),
]


@pytest.fixture
def in_2026(time_machine):
    time_machine.move_to(datetime(2026, 4, 20, 10, tzinfo=LONDON), tick=False)


@pytest.fixture
def window(mine):
    """West Lindsey's published window (Ada's enquiry ``mine`` is in West Lindsey)."""
    assert mine.local_authority.slug == "west-lindsey"
    return ChallengeWindow.objects.create(
        local_authority=mine.local_authority,
        opens_on=date(2026, 2, 1),
        closes_on=date(2026, 3, 31),
        services="Leisure and libraries",
        source_url="https://www.west-lindsey.gov.uk/right-to-challenge",
    )


def _rule(slug: str) -> DeadlineRule:
    return DeadlineRule.objects.get(slug=slug)


# --- the rule data ---------------------------------------------------------------------------


def test_each_new_rule_has_its_trigger_source_and_status():
    for slug, (trigger, status) in NEW_RULES.items():
        rule = _rule(slug)
        assert (rule.trigger, rule.verification) == (trigger, status), slug
        assert rule.is_active and rule.legal_source and rule.end_meaning, slug
    assert "s.82" in _rule("crtc-timescale-notice-window").legal_source
    assert _rule("np-order-reg21-consultation").legal_source.endswith("reg 21(a)(iv)")
    assert _rule("np-order-reg23-publicity").legal_source.endswith("reg 23")
    assert _rule("np-order-examiner-decision").legal_source.endswith("reg 24A")
    # Unverified rules say "check the source" wherever they are shown.
    assert _rule("np-order-examiner-decision").needs_source_check
    assert not _rule("np-order-reg21-consultation").needs_source_check


def test_the_window_end_is_a_key_date_beside_the_eoi_received_one():
    triggers = {t.slug: t for t in clocks_selectors.key_date_triggers()}
    assert [r.slug for r in triggers[WINDOW_CLOSED].rules] == ["crtc-timescale-notice-window"]
    assert [r.slug for r in triggers["eoi-received"].rules] == ["crtc-timescale-notice"]
    for trigger in ("order-draft-publicised", "order-proposal-publicised"):
        assert trigger in triggers


@pytest.mark.parametrize(("slug", "start", "end", "about"), WORKED_EXAMPLES)
def test_worked_examples(slug, start, end, about):
    view = clocks_selectors.deadline_compute(rule=_rule(slug), start=start, today=start)
    assert view.end == end, about
    assert f"{end:%A %-d %B %Y}" in view.explanation


def test_calendar_periods_are_not_moved_off_a_bank_holiday():
    """None of these periods counts working days: an end on Christmas Day, Easter Monday,
    the August or the May bank holiday stays there (the explanation says the date)."""
    for slug, start, end, about in WORKED_EXAMPLES:
        if "holiday" in about:
            assert not is_working_day(end), (slug, end)
            view = clocks_selectors.deadline_compute(rule=_rule(slug), start=start, today=start)
            assert view.end == end


def test_unverified_rules_show_the_earlier_reading_and_say_so():
    view = clocks_selectors.deadline_compute(
        rule=_rule("crtc-timescale-notice-window"), start=date(2028, 1, 31), today=date(2028, 1, 31)
    )
    assert view.earlier_reading and view.needs_source_check
    assert "Read the other way, 30 days from 31 January 2028" in view.explanation
    assert "ends on Wednesday 1 March 2028" in view.explanation


# --- the calculator and the API ---------------------------------------------------------


def test_calculator_works_each_new_clock(client, adviser):
    client.force_login(adviser.user)
    form = client.get(reverse("casework:clock")).content.decode()
    for slug, start, end, _ in WORKED_EXAMPLES:
        assert f'value="{slug}"' in form, slug
        body = client.get(
            reverse("casework:clock"), {"rule": slug, "start": start.isoformat()}
        ).content.decode()
        assert f"{end:%A %-d %B %Y}" in body, slug
    body = client.get(
        reverse("casework:clock"), {"rule": "np-order-examiner-decision", "start": "2026-03-31"}
    ).content.decode()
    assert "reg 24A" in body and "Check the source" in body


def test_rules_api_lists_the_new_rules(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    results = {r["slug"]: r for r in api_client.get("/api/v1/deadline-rules/").json()["results"]}
    for slug, (trigger, status) in NEW_RULES.items():
        assert results[slug]["trigger"] == trigger
        assert results[slug]["verification"] == status
        assert results[slug]["needs_source_check"] is (status == "U")
    reg21 = results["np-order-reg21-consultation"]
    assert (reg21["length"], reg21["unit"], reg21["counting"]) == (6, "weeks", "not_less_than")


def test_clock_api_works_the_new_rules(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    for slug, start, end, _ in WORKED_EXAMPLES:
        body = {"rule": slug, "start": start.isoformat()}
        result = api_client.post("/api/v1/clock/", body, format="json").json()
        assert result["end"] == end.isoformat(), slug
    result = api_client.post(
        "/api/v1/clock/",
        {"rule": "crtc-timescale-notice-window", "start": "2026-01-31"},
        format="json",
    ).json()
    assert result["earlier_reading"] and result["needs_source_check"]


# --- the council-set window (reference data) -----------------------------------------------


def test_a_window_cannot_close_before_it_opens(areas):
    bad = ChallengeWindow(
        local_authority=areas["west-lindsey"], opens_on=date(2026, 3, 1), closes_on=date(2026, 2, 1)
    )
    with pytest.raises(ValidationError, match="cannot close before it opens"):
        bad.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()


def test_the_window_offered_is_the_latest_that_has_opened(areas):
    area = areas["west-lindsey"]
    make = ChallengeWindow.objects.create
    make(local_authority=area, opens_on=date(2025, 2, 1), closes_on=date(2025, 3, 31))
    current = make(local_authority=area, opens_on=date(2026, 2, 1), closes_on=date(2026, 3, 31))
    make(local_authority=area, opens_on=date(2027, 2, 1), closes_on=date(2027, 3, 31))
    found = challenge_window_for_area(local_authority_id=area.pk, today=date(2026, 4, 20))
    assert found == current
    # Before this year's window opens, last year's is the one whose end could matter.
    earlier = challenge_window_for_area(local_authority_id=area.pk, today=date(2026, 1, 5))
    assert earlier.closes_on == date(2025, 3, 31)
    other = next(a for slug, a in areas.items() if slug != "west-lindsey")
    assert challenge_window_for_area(local_authority_id=other.pk, today=date(2026, 4, 20)) is None
    assert challenge_window_for_area(local_authority_id=None, today=date(2026, 4, 20)) is None


def test_managers_keep_windows_in_the_admin_and_advisers_may_read_them(manager, adviser, window):
    for verb in ("view", "add", "change", "delete"):
        assert manager.user.has_perm(f"knowledgebase.{verb}_challengewindow"), verb
    assert adviser.user.has_perm("knowledgebase.view_challengewindow")
    assert not adviser.user.has_perm("knowledgebase.change_challengewindow")


def test_the_admin_lists_windows(admin_client, window):
    response = admin_client.get(reverse("admin:knowledgebase_challengewindow_changelist"))
    assert response.status_code == 200
    assert "West Lindsey" in response.content.decode()
    add = admin_client.get(reverse("admin:knowledgebase_challengewindow_add"))
    assert add.status_code == 200


# --- the key date on an enquiry ------------------------------------------------------------


def test_the_enquiry_page_offers_the_window_on_file(in_2026, client, mine, adviser, window):
    client.force_login(adviser.user)
    body = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert "West Lindsey's expression-of-interest window on file" in body
    assert 'name="date" value="2026-03-31"' in body
    assert "Record the end of this window (31 March 2026)" in body


def test_recording_the_offered_window_end_starts_the_notice_clock(
    in_2026, client, mine, adviser, window
):
    client.force_login(adviser.user)
    note = clocks_selectors.challenge_window_note(window)
    response = client.post(
        reverse("casework:key_date_record", args=[mine.reference]),
        {"trigger": WINDOW_CLOSED, "date": "2026-03-31", "note": note},
    )
    assert response.status_code == 302
    key_date = KeyDate.objects.get(enquiry=mine, trigger=WINDOW_CLOSED)
    assert key_date.date == date(2026, 3, 31)
    assert key_date.note == (
        "West Lindsey's expression-of-interest window, 1 February 2026 to 31 March 2026 "
        "(Leisure and libraries): https://www.west-lindsey.gov.uk/right-to-challenge"
    )
    stored = Deadline.objects.get(key_date=key_date)
    # 30 days from 31 Mar: 30 Apr; the earlier reading (31 Mar as day 1): 29 Apr.
    assert (stored.rule.slug, stored.ends_on) == ("crtc-timescale-notice-window", date(2026, 4, 29))
    body = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert "Wednesday 29 April 2026" in body and "Check the source" in body


def test_no_offer_without_a_window_for_the_area(in_2026, client, mine, adviser, areas):
    other = next(a for slug, a in areas.items() if slug != "west-lindsey")
    ChallengeWindow.objects.create(
        local_authority=other, opens_on=date(2026, 2, 1), closes_on=date(2026, 3, 31)
    )
    client.force_login(adviser.user)
    body = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    assert "expression-of-interest window on file" not in body
    assert "challenge-window-record" not in body


def test_no_offer_to_someone_who_cannot_record_key_dates(in_2026, client, mine, teammate, window):
    client.force_login(teammate.user)
    response = client.get(reverse("casework:enquiry", args=[mine.reference]))
    assert response.status_code == 200
    assert "challenge-window-record" not in response.content.decode()


def test_order_key_dates_on_an_enquiry_and_their_reminder(in_2026, mine, adviser):
    key_date = clocks_services.key_date_record(
        enquiry=mine,
        trigger="order-examiner-report-received",
        date=date(2026, 3, 31),
        actor=adviser.user,
    )
    stored = Deadline.objects.get(key_date=key_date)
    assert (stored.rule.slug, stored.ends_on) == ("np-order-examiner-decision", date(2026, 5, 4))
    clocks_services.deadline_reminders_send(today=date(2026, 4, 30))
    reminder = Notification.objects.get(dedupe_key=f"deadline:{stored.pk}:due")
    assert reminder.data["end_label"] == "Monday 4 May 2026"
    assert reminder.data["legal_source"].endswith("reg 24A")
    assert reminder.data["needs_source_check"] is True
