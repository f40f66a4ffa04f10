"""Date arithmetic for statutory clocks, checked against DOMAIN.md's examples."""

from datetime import date

import pytest

from knowledgebase.periods import Counting, Unit, add_months, explain, period_end
from knowledgebase.working_days import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    ("start", "length", "unit", "counting", "expected"),
    [
        # 6 weeks beginning with 27 May 2016 ends 7 Jul 2016 (a council notice).
        (date(2016, 5, 27), 6, Unit.WEEKS, Counting.BEGINNING_WITH, date(2016, 7, 7)),
        # 8 weeks from 2 Mar 2026 ends 27 Apr 2026.
        (date(2026, 3, 2), 8, Unit.WEEKS, Counting.FROM, date(2026, 4, 27)),
        # 6 months beginning with 27 May 2016 ends 26 Nov 2016.
        (date(2016, 5, 27), 6, Unit.MONTHS, Counting.BEGINNING_WITH, date(2016, 11, 26)),
        # ... beginning with 31 Aug 2024 ends 28 Feb 2025 (clamped to the month's end).
        (date(2024, 8, 31), 6, Unit.MONTHS, Counting.BEGINNING_WITH, date(2025, 2, 28)),
        # Reg 14 publicised 15 Jan 2018: close no earlier than 26 Feb 2018.
        (date(2018, 1, 15), 6, Unit.WEEKS, Counting.NOT_LESS_THAN, date(2018, 2, 26)),
        # 13 weeks beginning with the day after first publicity.
        (date(2026, 1, 5), 13, Unit.WEEKS, Counting.AFTER, date(2026, 4, 6)),
        # 28 days from a review decision notice (tribunal appeal).
        (date(2026, 1, 31), 28, Unit.DAYS, Counting.FROM, date(2026, 2, 28)),
        # Five-year listing beginning with 1 Mar 2024 (leap year) ends 28 Feb 2029.
        (date(2024, 3, 1), 5, Unit.YEARS, Counting.BEGINNING_WITH, date(2029, 2, 28)),
        # Retention: six years from closure on 29 Feb 2024 -> 28 Feb 2030.
        (date(2024, 2, 29), 6, Unit.YEARS, Counting.FROM, date(2030, 2, 28)),
    ],
)
def test_period_end_matches_domain_examples(start, length, unit, counting, expected):
    assert period_end(start, length, unit, counting) == expected


def test_worked_example_of_a_listed_pub_notice():
    """Notice of intended disposal received 2 March 2026 (DOMAIN.md worked example)."""
    received = date(2026, 3, 2)
    assert period_end(received, 6, Unit.WEEKS, Counting.BEGINNING_WITH) == date(2026, 4, 12)
    assert period_end(received, 6, Unit.MONTHS, Counting.BEGINNING_WITH) == date(2026, 9, 1)
    assert period_end(received, 18, Unit.MONTHS, Counting.BEGINNING_WITH) == date(2027, 9, 1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),  # across a year end
        (date(2024, 11, 30), 15, date(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_working_days_skip_weekends_and_english_bank_holidays():
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday (needs subdiv ENG)
    assert not is_working_day(date(2026, 8, 31))  # Late summer bank holiday (England)
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day substitute
    assert is_working_day(date(2026, 4, 7))
    # Thursday 2 April 2026 + 2 working days skips Good Friday, the weekend, Easter Monday.
    assert add_working_days(date(2026, 4, 2), 2) == date(2026, 4, 8)
    assert period_end(date(2026, 4, 2), 2, Unit.WORKING_DAYS, Counting.FROM) == date(2026, 4, 8)
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 8)) == 2
    assert working_days_between(date(2026, 4, 8), date(2026, 4, 2)) == 0


def test_invalid_combinations_are_refused():
    with pytest.raises(ValueError, match="working days"):
        period_end(date(2026, 1, 1), 3, Unit.WORKING_DAYS, Counting.BEGINNING_WITH)
    with pytest.raises(ValueError, match="months"):
        period_end(date(2026, 1, 1), 3, Unit.MONTHS, Counting.NOT_LESS_THAN)
    with pytest.raises(ValueError):
        period_end(date(2026, 1, 1), -1, Unit.DAYS, Counting.FROM)
    with pytest.raises(ValueError):
        period_end(date(2026, 1, 1), 1, "fortnights", Counting.FROM)


def test_explanation_states_the_counting_and_the_end():
    text = explain(date(2026, 3, 2), 6, Unit.WEEKS, Counting.BEGINNING_WITH)
    assert text == (
        "6 weeks beginning with 2 March 2026 (that day is day 1) ends on Sunday 12 April 2026."
    )
    assert "can close no earlier than Monday 26 February 2018" in explain(
        date(2018, 1, 15), 6, Unit.WEEKS, Counting.NOT_LESS_THAN
    )
