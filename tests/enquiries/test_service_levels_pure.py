"""Service-level arithmetic without the database (enquiries.service_levels).

2026 bank holidays in England used here: Good Friday 3 April, Easter Monday 6 April,
Late Summer 31 August, Christmas 25 December, Boxing Day observed 28 December.
"""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from enquiries import service_levels as sl

LONDON = ZoneInfo("Europe/London")


def enquiry(**values):
    fields = {
        "first_response_due": None,
        "resolution_due": None,
        "first_response_at": None,
        "resolved_at": None,
        "sla_paused_since": None,
    }
    return SimpleNamespace(**(fields | values))


# --- due dates ----------------------------------------------------------------------------------


def test_due_dates_count_working_days_after_the_day_received():
    # Monday 9 March 2026: 2 working days -> Wednesday, 20 -> Monday 6 April is Easter
    # Monday and Good Friday is skipped too, so Wednesday 8 April.
    due = sl.due_dates(date(2026, 3, 9), 2, 20)
    assert due.first_response_due == date(2026, 3, 11)
    assert due.resolution_due == date(2026, 4, 8)


def test_due_dates_skip_the_weekend():
    due = sl.due_dates(date(2026, 3, 13), 1, 2)  # a Friday
    assert due == sl.DueDates(date(2026, 3, 16), date(2026, 3, 17))


def test_an_enquiry_received_on_a_weekend_starts_on_the_next_working_day():
    due = sl.due_dates(date(2026, 3, 14), 1, 2)  # Saturday: starts Monday 16th
    assert due == sl.DueDates(date(2026, 3, 17), date(2026, 3, 18))


def test_an_enquiry_received_on_good_friday_starts_after_easter_monday():
    due = sl.due_dates(date(2026, 4, 3), 1, 1)
    assert due.first_response_due == date(2026, 4, 8)  # starts Tue 7th, due Wed 8th


def test_due_dates_skip_christmas_and_the_boxing_day_substitute():
    due = sl.due_dates(date(2026, 12, 24), 1, 2)  # Thursday
    assert due == sl.DueDates(date(2026, 12, 29), date(2026, 12, 30))


# --- pauses -------------------------------------------------------------------------------------


def test_a_pause_on_the_same_day_moves_nothing():
    assert sl.shift_for_pause(date(2026, 3, 20), date(2026, 3, 10), date(2026, 3, 10)) == date(
        2026, 3, 20
    )


def test_a_pause_across_a_weekend_counts_only_the_working_days():
    # Paused Friday 13th, resumed Tuesday 17th: Monday and Tuesday = 2 working days.
    assert sl.paused_working_days(date(2026, 3, 13), date(2026, 3, 17)) == 2
    assert sl.shift_for_pause(date(2026, 3, 18), date(2026, 3, 13), date(2026, 3, 17)) == date(
        2026, 3, 20
    )


def test_a_pause_across_easter_skips_both_bank_holidays():
    # Paused Thursday 2 April, resumed Tuesday 7 April: only the 7th is a working day.
    assert sl.paused_working_days(date(2026, 4, 2), date(2026, 4, 7)) == 1
    # Due Wednesday 1 April + 1 working day = Thursday 2 April.
    assert sl.shift_for_pause(date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 7)) == date(
        2026, 4, 2
    )


def test_a_shift_that_lands_on_a_bank_holiday_moves_past_it():
    # Due Friday 28 August; paused 1 working day -> Monday 31st is a bank holiday -> 1 Sept.
    assert sl.shift_for_pause(date(2026, 8, 28), date(2026, 8, 26), date(2026, 8, 27)) == date(
        2026, 9, 1
    )


def test_no_due_date_stays_none_after_a_pause():
    assert sl.shift_for_pause(None, date(2026, 3, 13), date(2026, 3, 17)) is None


# --- working days taken -------------------------------------------------------------------------


def test_working_days_taken_excludes_pauses():
    # Received Monday 9th, resolved Friday 20th: 9 working days, 3 of them paused.
    assert sl.working_days_taken(date(2026, 3, 9), date(2026, 3, 20)) == 9
    assert sl.working_days_taken(date(2026, 3, 9), date(2026, 3, 20), 3) == 6


def test_working_days_taken_on_the_day_received_is_zero():
    assert sl.working_days_taken(date(2026, 3, 9), date(2026, 3, 9)) == 0


def test_working_days_taken_from_a_weekend_counts_from_the_next_working_day():
    assert sl.working_days_taken(date(2026, 3, 14), date(2026, 3, 16)) == 0
    assert sl.working_days_taken(date(2026, 3, 14), date(2026, 3, 17)) == 1


def test_working_days_taken_over_easter():
    assert sl.working_days_taken(date(2026, 4, 2), date(2026, 4, 7)) == 1


# --- the state shown to people -----------------------------------------------------------------


TODAY = date(2026, 3, 16)  # a Monday


def test_first_response_on_track_in_words():
    state = sl.sla_state(
        enquiry(first_response_due=date(2026, 3, 18), resolution_due=date(2026, 4, 10)),
        TODAY,
        at_risk_days=1,
    )
    assert (state.state, state.clock, state.days_left) == (sl.ON_TRACK, sl.FIRST_RESPONSE, 2)
    assert state.words == "2 working days left to first response"


def test_one_working_day_before_breach_is_at_risk():
    state = sl.sla_state(
        enquiry(first_response_due=date(2026, 3, 17), resolution_due=date(2026, 4, 10)),
        TODAY,
        at_risk_days=1,
    )
    assert state.state == sl.AT_RISK
    assert state.words == "At risk: 1 working day left to first response"


def test_at_risk_counts_working_days_not_calendar_days():
    # Friday, due Monday: one working day left.
    state = sl.sla_state(
        enquiry(first_response_due=date(2026, 3, 16), resolution_due=date(2026, 4, 10)),
        date(2026, 3, 13),
        at_risk_days=1,
    )
    assert (state.state, state.days_left) == (sl.AT_RISK, 1)


def test_due_today_is_at_risk():
    state = sl.sla_state(
        enquiry(first_response_due=TODAY, resolution_due=date(2026, 4, 10)), TODAY, at_risk_days=0
    )
    assert state.state == sl.AT_RISK
    assert state.words == "At risk: first response due today"


def test_resolution_overdue_is_breached_with_working_days_overdue():
    state = sl.sla_state(
        enquiry(
            first_response_due=date(2026, 3, 2),
            first_response_at=datetime(2026, 3, 2, 10, tzinfo=LONDON),
            resolution_due=date(2026, 3, 11),
        ),
        TODAY,
        at_risk_days=1,
    )
    assert (state.state, state.clock, state.days_left) == (sl.BREACHED, sl.RESOLUTION, -3)
    assert state.words == "Breached: resolution 3 working days overdue"


def test_overdue_on_a_weekend_is_breached():
    state = sl.sla_state(
        enquiry(first_response_due=date(2026, 3, 13), resolution_due=date(2026, 4, 10)),
        date(2026, 3, 14),
        at_risk_days=1,
    )
    assert state.state == sl.BREACHED
    assert state.words == "Breached: first response was due on 13 March"


def test_paused_says_so_whatever_the_dates():
    state = sl.sla_state(
        enquiry(
            first_response_due=date(2026, 3, 2),
            resolution_due=date(2026, 3, 11),
            sla_paused_since=datetime(2026, 3, 10, 9, tzinfo=LONDON),
        ),
        TODAY,
        at_risk_days=1,
    )
    assert state.paused and state.state == sl.PAUSED
    assert state.words == "Paused: waiting for the group"


def test_resolved_in_time_is_met():
    state = sl.sla_state(
        enquiry(
            first_response_due=date(2026, 3, 11),
            resolution_due=date(2026, 4, 8),
            resolved_at=datetime(2026, 4, 8, 16, tzinfo=LONDON),
        ),
        date(2026, 5, 1),
        at_risk_days=1,
    )
    assert state.state == sl.MET


def test_resolved_late_is_breached():
    state = sl.sla_state(
        enquiry(resolution_due=date(2026, 4, 1), resolved_at=datetime(2026, 4, 7, tzinfo=LONDON)),
        date(2026, 5, 1),
        at_risk_days=1,
    )
    assert state.state == sl.BREACHED
    assert state.words == "Breached: resolved 2 working days late"  # 2 April and 7 April


def test_no_due_dates_means_no_service_level():
    assert sl.sla_state(enquiry(), TODAY, at_risk_days=1).state == sl.NO_TARGET


@pytest.mark.parametrize(("due", "expected"), [(date(2026, 3, 17), 1), (date(2026, 3, 18), 2)])
def test_at_risk_until_is_the_last_at_risk_due_date(due, expected):
    assert sl.at_risk_until(TODAY, at_risk_days=expected) == due
