"""The owner's compensation claim, whose start is disputed, shown both ways on the enquiry
page, the calculator, the APIs, and worked to the earlier end by reminders (issue 19).

DOMAIN.md's worked example: the full moratorium ends 1 September 2026. The owner's loss
finished on 14 October 2026. From the loss (ACV Regulations 2012, reg 14) the claim is out
of time after Tue 12 January 2027; from the end of the moratorium (the advice note's
reading) after Mon 30 November 2026. The desk works to 30 November.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from casework.clocks import selectors as clocks_selectors
from casework.clocks import services as clocks_services
from casework.models import Deadline
from enquiries.models import Notification

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
LOSS, ENDED = date(2026, 10, 14), date(2026, 9, 1)
FROM_LOSS, FROM_END = date(2027, 1, 12), date(2026, 11, 30)


@pytest.fixture
def in_november(time_machine):
    time_machine.move_to(datetime(2026, 11, 2, 10, tzinfo=LONDON), tick=False)


def _record(enquiry, adviser, trigger, day):
    return clocks_services.key_date_record(
        enquiry=enquiry, trigger=trigger, date=day, actor=adviser.user
    )


@pytest.fixture
def claim(in_november, mine, adviser) -> Deadline:
    key_date = _record(mine, adviser, "loss-incurred", LOSS)
    return Deadline.objects.get(key_date=key_date, rule__slug="acv-compensation-claim")


def test_without_the_moratorium_end_one_reading_and_a_pointer_to_the_other(claim, mine):
    assert claim.ends_on == FROM_LOSS
    [kd] = clocks_selectors.key_date_list(enquiry=mine)
    [view] = kd.deadlines
    assert view.readings == ()
    assert "record that date as a key date to see both readings" in view.explanation


def test_recording_the_end_of_the_moratorium_gives_both_readings_and_the_earlier_end(
    claim, mine, adviser
):
    _record(mine, adviser, "moratorium-ended", ENDED)
    claim.refresh_from_db()
    assert claim.ends_on == FROM_END  # the queue and reminders work to the earlier
    views = clocks_selectors.key_date_list(enquiry=mine)
    view = next(d for kd in views for d in kd.deadlines)
    assert view.end == FROM_END
    assert [(r.start, r.end) for r in view.readings] == [(LOSS, FROM_LOSS), (ENDED, FROM_END)]
    assert "advice note" in view.legal_source and "reg 14" in view.legal_source
    ended = next(kd for kd in views if kd.key_date.trigger == "moratorium-ended")
    assert [r.slug for r in ended.also] == ["acv-compensation-claim"]


def test_removing_the_end_of_the_moratorium_goes_back_to_one_reading(claim, mine, adviser):
    ended = _record(mine, adviser, "moratorium-ended", ENDED)
    clocks_services.key_date_remove(key_date=ended, actor=adviser.user)
    claim.refresh_from_db()
    assert claim.ends_on == FROM_LOSS


def test_the_moratorium_end_recorded_first_is_used_when_the_loss_is_recorded(
    in_november, mine, adviser
):
    _record(mine, adviser, "moratorium-ended", ENDED)
    key_date = _record(mine, adviser, "loss-incurred", LOSS)
    assert Deadline.objects.get(key_date=key_date).ends_on == FROM_END


def test_the_enquiry_page_shows_both_readings_with_their_sources(claim, client, mine, adviser):
    _record(mine, adviser, "moratorium-ended", ENDED)
    client.force_login(adviser.user)
    body = client.get(reverse("casework:enquiry", args=[mine.reference])).content.decode()
    for text in (
        "The start is disputed: two readings",
        'ends <time datetime="2027-01-12">Tuesday 12 January 2027</time>',
        'ends <time datetime="2026-11-30">Monday 30 November 2026</time>',
        "Source: Assets of Community Value (England) Regulations 2012 (SI 2012/2421), reg 14",
        "Source: DCLG, Community Right to Bid: non-statutory advice note",
        "This date starts the other reading of: Owner&#x27;s compensation claim",
    ):
        assert text in body, text


def test_the_calculator_page_and_api_show_both_readings(in_november, client, api_client, adviser):
    client.force_login(adviser.user)
    body = client.get(
        reverse("casework:clock"),
        {"rule": "acv-compensation-claim", "start": "2026-10-14", "other_start": "2026-09-01"},
    ).content.decode()
    assert "The start is disputed: two readings" in body
    assert "Monday 30 November 2026" in body and "Tuesday 12 January 2027" in body
    api_client.force_authenticate(adviser.user)
    answer = api_client.post(
        "/api/v1/clock/",
        {"rule": "acv-compensation-claim", "start": "2026-10-14", "other_start": "2026-09-01"},
        format="json",
    ).json()
    assert answer["end"] == "2026-11-30" and answer["earlier_reading"] is True
    assert [(r["start"], r["end"]) for r in answer["readings"]] == [
        ("2026-10-14", "2027-01-12"),
        ("2026-09-01", "2026-11-30"),
    ]
    assert answer["readings"][1]["trigger_event"] == "The moratorium ended"
    bad = api_client.post(
        "/api/v1/clock/",
        {"rule": "acv-compensation-claim", "start": "2026-10-14", "other_start": "26-09"},
        format="json",
    )
    assert bad.status_code == 400 and "other_start" in bad.json()


def test_the_key_date_and_rule_apis_give_the_readings(claim, api_client, mine, adviser):
    _record(mine, adviser, "moratorium-ended", ENDED)
    api_client.force_authenticate(adviser.user)
    key_dates = api_client.get(f"/api/v1/enquiries/{mine.reference}/key-dates/").json()
    [found] = [d for kd in key_dates for d in kd["deadlines"]]
    assert found["end"] == "2026-11-30"
    assert [r["end"] for r in found["readings"]] == ["2027-01-12", "2026-11-30"]
    rules = api_client.get("/api/v1/deadline-rules/", {"page_size": 100}).json()["results"]
    rule = next(r for r in rules if r["slug"] == "acv-compensation-claim")
    assert rule["disputed_start"]["trigger"] == "moratorium-ended"
    assert next(r for r in rules if r["slug"] == "acv-listing")["disputed_start"] is None


def test_reminders_use_the_earlier_end(claim, mine, adviser):
    _record(mine, adviser, "moratorium-ended", ENDED)
    clocks_services.deadline_reminders_send(today=date(2026, 11, 27))
    reminder = Notification.objects.get(dedupe_key=f"deadline:{claim.pk}:due")
    assert reminder.data["end_label"] == "Monday 30 November 2026"
    assert "The start is disputed." in reminder.data["explanation"]


def test_a_merge_that_brings_the_end_of_the_moratorium_moves_the_stored_end(
    claim, mine, adviser, submit
):
    from casework.duplicates.services import enquiries_merge

    other = submit(subject="The Red Lion again")
    _record(other, adviser, "moratorium-ended", ENDED)
    mine.refresh_from_db()
    other.refresh_from_db()
    enquiries_merge(
        survivor=mine,
        merged=other,
        actor=adviser.user,
        survivor_version=mine.version,
        merged_version=other.version,
    )
    claim.refresh_from_db()
    assert claim.ends_on == FROM_END


def test_bank_holiday_ends_stay_put_because_the_claim_counts_calendar_weeks(
    in_november, mine, adviser
):
    """A bank-holiday worked example: the claim counts 13 calendar weeks (reg 14 says
    nothing of working days), so an end on an English bank holiday is not moved.

    The moratorium ended Tue 29 Sep 2026: 13 weeks "from" it (read as "beginning with",
    the earlier) ends Mon 28 Dec 2026, the substitute day for Boxing Day, not Tue 29 Dec.
    The loss finished Mon 26 Oct 2026: Sun 24 Jan 2027. The desk works to 28 December.
    """
    from knowledgebase.working_days import is_working_day

    boxing_day_substitute = date(2026, 12, 28)
    assert not is_working_day(boxing_day_substitute)  # a bank holiday in England
    _record(mine, adviser, "moratorium-ended", date(2026, 9, 29))
    loss = _record(mine, adviser, "loss-incurred", date(2026, 10, 26))
    claim = Deadline.objects.get(key_date=loss, rule__slug="acv-compensation-claim")
    assert claim.ends_on == boxing_day_substitute  # stored (queue, reminders) unmoved
    view = next(
        d
        for kd in clocks_selectors.key_date_list(enquiry=mine)
        for d in kd.deadlines
        if d.rule.slug == "acv-compensation-claim"
    )
    assert [(r.start, r.end) for r in view.readings] == [
        (date(2026, 10, 26), date(2027, 1, 24)),
        (date(2026, 9, 29), boxing_day_substitute),
    ]
    assert view.end == boxing_day_substitute
    assert "Monday 28 December 2026" in view.explanation
    assert "bank holiday" not in view.explanation.lower()  # nothing was moved for one


def test_a_reading_ending_on_good_friday_is_not_moved_either():
    """The loss finished Sat 26 Dec 2026: from it, 13 calendar weeks (the earlier
    reading) end Fri 26 Mar 2027, Good Friday, left there; the moratorium's end on
    Fri 1 Jan 2027 (New Year's Day) gives Thu 1 Apr 2027, so Good Friday is worked to."""
    from knowledgebase.models import DeadlineRule
    from knowledgebase.working_days import is_working_day

    good_friday = date(2027, 3, 26)
    assert not is_working_day(good_friday)
    rule = DeadlineRule.objects.get(slug="acv-compensation-claim")
    view = clocks_selectors.deadline_compute(
        rule=rule,
        start=date(2026, 12, 26),
        today=date(2027, 1, 4),
        other_starts={"moratorium-ended": date(2027, 1, 1)},
    )
    assert [r.end for r in view.readings] == [good_friday, date(2027, 4, 1)]
    assert view.end == good_friday and view.days_left == 81


def _publish(enquiry, adviser, claim):
    from casework.publishing.services import deadline_publish

    return deadline_publish(
        enquiry=enquiry,
        key_date_id=claim.key_date_id,
        rule_id=claim.rule_id,
        is_group_deadline=True,
        actor=adviser.user,
    )


REG_14 = "Assets of Community Value (England) Regulations 2012 (SI 2012/2421), reg 14"
ADVICE_NOTE = "DCLG, Community Right to Bid: non-statutory advice note"
EARLIER_OF_TWO = "Its start is disputed, so this is the earlier of two dates"


def test_the_portal_shows_the_earlier_reading_with_both_sources_and_says_so(
    claim, client, mine, adviser
):
    from tests.enquiries.portal import track_url

    _record(mine, adviser, "moratorium-ended", ENDED)
    shown = _publish(mine, adviser, claim)
    assert shown.date == FROM_END
    _, path = track_url(mine)
    page = client.get(path, follow=True).content.decode()
    for text in (
        '<time datetime="2026-11-30">Monday 30 November 2026</time>',
        REG_14,
        f"from the moratorium ended: {ADVICE_NOTE}",
        f"{EARLIER_OF_TWO} (counted from: the moratorium ended)",
        "The other date is Tuesday 12 January 2027 (counted from: loss or expense incurred",
    ):
        assert text in page, text
    assert '<time datetime="2027-01-12">' not in page  # the later date is only named


def test_recording_and_removing_the_moratorium_end_refreshes_what_the_group_sees(
    claim, mine, adviser
):
    from enquiries.models import PublicDate

    shown = _publish(mine, adviser, claim)
    # One reading: reg 14 alone, and no "earlier of two" line.
    assert (shown.date, shown.legal_source) == (FROM_LOSS, REG_14)
    assert EARLIER_OF_TWO not in shown.meaning

    ended = _record(mine, adviser, "moratorium-ended", ENDED)
    shown = PublicDate.objects.get(pk=shown.pk)
    assert shown.date == FROM_END
    assert REG_14 in shown.legal_source and ADVICE_NOTE in shown.legal_source
    assert EARLIER_OF_TWO in shown.meaning and "12 January 2027" in shown.meaning

    clocks_services.key_date_remove(key_date=ended, actor=adviser.user)
    shown = PublicDate.objects.get(pk=shown.pk)
    assert (shown.date, shown.legal_source) == (FROM_LOSS, REG_14)
    assert EARLIER_OF_TWO not in shown.meaning


def test_a_moratorium_end_that_moves_nothing_still_adds_its_reading_to_the_portal(
    in_november, mine, adviser
):
    """The end of the moratorium recorded after the loss's reading ends earlier: the stored
    end stays the loss's, but what the group sees names both readings."""
    from enquiries.models import PublicDate

    loss = _record(mine, adviser, "loss-incurred", date(2026, 9, 1))  # ends Mon 30 Nov 2026
    claim = Deadline.objects.get(key_date=loss, rule__slug="acv-compensation-claim")
    shown = _publish(mine, adviser, claim)
    _record(mine, adviser, "moratorium-ended", date(2026, 10, 1))  # ends Wed 30 Dec 2026
    shown = PublicDate.objects.get(pk=shown.pk)
    assert shown.date == date(2026, 11, 30)
    assert ADVICE_NOTE in shown.legal_source
    assert f"{EARLIER_OF_TWO} (counted from: loss or expense incurred" in shown.meaning
    assert "The other date is Wednesday 30 December 2026 (counted from: the moratorium" in (
        shown.meaning
    )
