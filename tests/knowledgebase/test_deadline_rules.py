"""The clocks of DOMAIN.md are loaded as data, and give its worked example's dates."""

from datetime import date

import pytest
from django.db import IntegrityError

from knowledgebase.models import DeadlineRule
from knowledgebase.periods import period_end

pytestmark = pytest.mark.django_db

DOMAIN_CLOCKS = {
    # slug: (length, unit, counting, verification)
    "acv-nomination-decision": (8, "weeks", "from", "C"),
    "acv-listing": (5, "years", "beginning_with", "V"),
    "acv-review-request": (8, "weeks", "beginning_with", "C"),
    "acv-review-decision": (8, "weeks", "beginning_with", "C"),
    "acv-tribunal-appeal": (28, "days", "from", "V"),
    "acv-interim-moratorium": (6, "weeks", "beginning_with", "V"),
    "acv-full-moratorium": (6, "months", "beginning_with", "V"),
    "acv-protected-period": (18, "months", "beginning_with", "V"),
    "acv-compensation-claim": (13, "weeks", "from", "U"),
    "crtc-timescale-notice": (30, "days", "from", "U"),
    "np-area-representations": (6, "weeks", "not_less_than", "V"),
    "np-area-decision": (13, "weeks", "after", "C"),
    "np-forum-representations": (6, "weeks", "not_less_than", "V"),
    "np-forum-decision": (13, "weeks", "after", "U"),
    "np-forum-expiry": (5, "years", "beginning_with", "C"),
    "np-reg14-consultation": (6, "weeks", "not_less_than", "V"),
    "np-reg16-publicity": (6, "weeks", "not_less_than", "C"),
    "np-examiner-decision": (5, "weeks", "from", "C"),
    "np-plan-made": (8, "weeks", "after", "C"),
    "retention-review": (6, "years", "from", "policy"),
}
# The triggers issue 19 added (migration knowledgebase/0022; docs/deadlines.md, "Triggers
# added for issue 19"): the end of a Right to Challenge EOI window, and orders (NDO, CRtBO).
ADDED_CLOCKS = {
    "crtc-timescale-notice-window": (30, "days", "from", "U"),
    "np-order-reg21-consultation": (6, "weeks", "not_less_than", "V"),
    "np-order-reg23-publicity": (6, "weeks", "not_less_than", "C"),
    "np-order-examiner-decision": (5, "weeks", "from", "U"),
}


def test_every_domain_clock_is_loaded_with_its_values_and_a_source():
    rules = {r.slug: r for r in DeadlineRule.objects.all()}
    assert set(rules) == set(DOMAIN_CLOCKS) | set(ADDED_CLOCKS)
    for slug, expected in {**DOMAIN_CLOCKS, **ADDED_CLOCKS}.items():
        rule = rules[slug]
        assert (rule.length, rule.unit, rule.counting, rule.verification) == expected, slug
        assert rule.legal_source and rule.trigger_event and rule.end_meaning, slug
    assert rules["crtc-timescale-notice"].needs_source_check
    assert not rules["acv-interim-moratorium"].needs_source_check


def test_rules_give_the_worked_example_for_a_listed_pub():
    received = date(2026, 3, 2)
    ends = {
        r.slug: period_end(received, r.length, r.unit, r.counting)
        for r in DeadlineRule.objects.filter(
            slug__in=["acv-interim-moratorium", "acv-full-moratorium", "acv-protected-period"]
        )
    }
    assert ends == {
        "acv-interim-moratorium": date(2026, 4, 12),
        "acv-full-moratorium": date(2026, 9, 1),
        "acv-protected-period": date(2027, 9, 1),
    }


def test_database_refuses_a_month_rule_counted_as_a_minimum_window():
    with pytest.raises(IntegrityError):
        DeadlineRule.objects.create(
            slug="bad",
            name="Bad",
            trigger_event="x",
            length=2,
            unit="months",
            counting="not_less_than",
            end_meaning="x",
            legal_source="x",
            verification="U",
        )
