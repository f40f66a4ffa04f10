"""A rule whose start is disputed, worked from both starts (knowledgebase.periods).

The owner's compensation claim: 13 weeks from the loss or expense being incurred (ACV
Regulations 2012, reg 14) or, on the government's advice note, from the end of the
moratorium (DOMAIN.md, acv-compensation-claim, U). Each reading is itself the earlier of
"from" and "beginning with"; the earlier end of the two readings wins.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from knowledgebase.models import DeadlineRule
from knowledgebase.periods import disputed_start_check, disputed_start_end

LOSS = "Loss or expense incurred (or finished)"
ENDED = "The moratorium ended"


def _both(loss: date, ended: date):
    return disputed_start_end(
        (LOSS, loss, "ACV Regulations 2012, reg 14"),
        (ENDED, ended, "advice note"),
        13,
        "weeks",
        "from",
    )


def test_leap_year_the_loss_reading_is_earlier():
    # 13 weeks from 30 Nov 2027 is Tue 29 Feb 2028 (a leap day); beginning with it, Mon 28
    # Feb. From the moratorium's end on 31 Jan 2028: Sun 30 Apr (beginning with).
    computed = _both(date(2027, 11, 30), date(2028, 1, 31))
    assert [(r.start, r.end) for r in computed.readings] == [
        (date(2027, 11, 30), date(2028, 2, 28)),
        (date(2028, 1, 31), date(2028, 4, 30)),
    ]
    assert computed.end == date(2028, 2, 28)
    assert computed.earlier_reading
    assert "Tuesday 29 February 2028" in computed.explanation
    assert "The desk works to the earlier end, Monday 28 February 2028" in computed.explanation
    assert [r.legal_source for r in computed.readings] == [
        "ACV Regulations 2012, reg 14",
        "advice note",
    ]


def test_month_end_the_moratorium_reading_is_earlier():
    # DOMAIN.md's worked example: the full moratorium ends 1 Sep 2026. 13 weeks beginning
    # with it end Mon 30 Nov 2026 (from it, Tue 1 Dec); the loss finished 14 Oct 2026
    # gives Tue 12 Jan 2027. The moratorium's reading is earlier.
    computed = _both(date(2026, 10, 14), date(2026, 9, 1))
    assert computed.end == date(2026, 11, 30)
    assert [r.end for r in computed.readings] == [date(2027, 1, 12), date(2026, 11, 30)]
    assert "Reading 2, from the moratorium ended (advice note)" in computed.explanation


def test_the_last_day_of_august_and_the_first_of_september_end_a_day_apart():
    computed = _both(date(2026, 8, 31), date(2026, 9, 1))
    assert [r.end for r in computed.readings] == [date(2026, 11, 29), date(2026, 11, 30)]
    assert computed.end == date(2026, 11, 29)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], None),
        ({}, None),
        ("x", "is an object"),
        ({"trigger": "moratorium-ended", "trigger_event": "Ended"}, "legal source"),
        ({"trigger": "Not A Slug", "trigger_event": "E", "legal_source": "S"}, "is a slug"),
    ],
)
def test_disputed_start_data_is_checked(raw, message):
    if message is None:
        assert disputed_start_check(raw) is None
    else:
        with pytest.raises(ValueError, match=message):
            disputed_start_check(raw)


@pytest.mark.django_db
def test_the_compensation_claim_ships_with_its_disputed_start():
    rule = DeadlineRule.objects.get(slug="acv-compensation-claim")
    other = disputed_start_check(rule.disputed_start)
    assert other is not None and other.trigger == "moratorium-ended"
    assert "advice note" in other.legal_source
    rule.full_clean()


@pytest.mark.django_db
def test_a_rule_cannot_dispute_its_start_with_its_own_trigger():
    rule = DeadlineRule.objects.get(slug="acv-compensation-claim")
    rule.disputed_start = {**rule.disputed_start, "trigger": rule.trigger}
    with pytest.raises(ValidationError, match="another key date"):
        rule.full_clean()
