"""Rule variants as data: a condition (several councils) that changes a rule's length.

Neighbourhood Planning (General) Regulations 2012: an area application (reg 6A) or a
forum application (reg 9A) is decided within 13 weeks beginning with the day after
first publicity, or 20 weeks where the area falls within the areas of two or more
local planning authorities (DOMAIN.md: "13 weeks (20 if several councils)").
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from knowledgebase.models import DeadlineRule
from knowledgebase.periods import Variant, cautious_end, variant_pick, variants_check

SEVERAL = Variant("several_councils", 20, DeadlineRule.Unit.WEEKS, "NP regs, reg 6A")


@pytest.mark.parametrize(
    ("start", "thirteen", "twenty"),
    [
        # A year end into a leap year: 31 Dec 2027 + 91 / 140 days.
        (date(2027, 12, 31), date(2028, 3, 31), date(2028, 5, 19)),
        # Leap day itself.
        (date(2028, 2, 29), date(2028, 5, 30), date(2028, 7, 18)),
        # A month end in a common year.
        (date(2026, 1, 31), date(2026, 5, 2), date(2026, 6, 20)),
        # Weeks are calendar weeks: an end on a bank holiday (Spring bank holiday,
        # Monday 29 May 2028) is not moved.
        (date(2028, 1, 10), date(2028, 4, 10), date(2028, 5, 29)),
    ],
)
def test_twenty_weeks_with_several_councils_thirteen_without(start, thirteen, twenty):
    plain = cautious_end(start, 13, "weeks", "after", disputed=False)
    varied = cautious_end(start, 13, "weeks", "after", disputed=False, variant=SEVERAL)
    assert (plain.end, plain.variant) == (thirteen, None)
    assert (varied.end, varied.variant) == (twenty, SEVERAL)


def test_the_explanation_says_why_and_names_the_source():
    varied = cautious_end(date(2027, 12, 31), 13, "weeks", "after", disputed=True, variant=SEVERAL)
    assert varied.explanation == (
        "20 weeks because the area covers more than one council (NP regs, reg 6A): "
        "20 weeks beginning with the day after 31 December 2027 ends on Friday 19 May 2028."
    )
    # "after" has one reading: a disputed rule shows no second one.
    assert not varied.earlier_reading


def test_a_variant_applies_only_when_its_condition_holds():
    data = [SEVERAL.as_dict()]
    assert variant_pick(data, frozenset()) is None
    assert variant_pick(data, {"something_else"}) is None
    assert variant_pick(data, {"several_councils"}) == SEVERAL
    assert variant_pick([], {"several_councils"}) is None


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ({"condition": "several_councils"}, "a list"),
        ([{"condition": "lots", "length": 20, "unit": "weeks", "legal_source": "x"}], "Unknown"),
        (
            [{"condition": "several_councils", "length": 0, "unit": "weeks", "legal_source": "x"}],
            "at least 1",
        ),
        (
            [
                {
                    "condition": "several_councils",
                    "length": 20,
                    "unit": "fortnights",
                    "legal_source": "x",
                }
            ],
            "Unknown unit",
        ),
        (
            [{"condition": "several_councils", "length": 20, "unit": "weeks", "legal_source": ""}],
            "legal source",
        ),
        ([SEVERAL.as_dict(), SEVERAL.as_dict()], "twice"),
    ],
)
def test_malformed_variants_are_refused_with_the_reason(variants, message):
    with pytest.raises(ValueError, match=message):
        variants_check(variants, counting="after")


def test_a_variant_unit_must_suit_the_rules_counting():
    months = {"condition": "several_councils", "length": 5, "unit": "months", "legal_source": "x"}
    with pytest.raises(ValueError):
        variants_check([months], counting="after")


@pytest.mark.django_db
def test_the_rule_model_checks_its_variants():
    rule = DeadlineRule.objects.get(slug="np-area-decision")
    rule.variants = [{"condition": "lots", "length": 20, "unit": "weeks", "legal_source": "x"}]
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "variants" in error.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("slug", "regulation"), [("np-area-decision", "reg 6A"), ("np-forum-decision", "reg 9A")]
)
def test_the_data_migration_gives_both_decisions_the_twenty_week_variant(slug, regulation):
    rule = DeadlineRule.objects.get(slug=slug)
    assert (rule.length, rule.unit, rule.counting) == (13, "weeks", "after")
    [variant] = variants_check(rule.variants, counting=rule.counting)
    assert (variant.condition, variant.length, variant.unit) == ("several_councils", 20, "weeks")
    assert variant.legal_source.startswith("Neighbourhood Planning (General) Regulations 2012")
    assert variant.legal_source.endswith(regulation)
    rule.full_clean()


@pytest.mark.django_db
def test_no_other_rule_has_a_variant():
    with_variants = [r.slug for r in DeadlineRule.objects.all() if r.variants]
    assert sorted(with_variants) == ["np-area-decision", "np-forum-decision"]
