"""The triggers that were missing (issue 19): the end of a council's Right to Challenge
expression-of-interest window, and the periods for Neighbourhood Development Orders and
Community Right to Build Orders. Each rule carries its source and status (DOMAIN.md: V
verified against the legislation text, C corroborated, U unverified: "check the source").

* ``crtc-timescale-notice-window`` (U): the council's 30-day notice of when it will decide
  can run from the end of the window the council set (Localism Act 2011 s.82: a relevant
  authority may specify periods during which expressions of interest may be submitted, and
  must publish them; Explanatory Notes para 220). DOMAIN.md: "EOI received, or end of the
  EOI window ... 30 days ... U". The same length and status as ``crtc-timescale-notice``;
  only the start differs, so it is a rule of its own with its own trigger.
* ``np-order-reg21-consultation`` (V): before submitting an order proposal the qualifying
  body publicises it with "the date by which those representations must be received, being
  not less than 6 weeks from the date on which details of the proposals are first
  publicised" (SI 2012/637, reg 21(a)(iv), read on legislation.gov.uk). Part 6 of the
  Regulations covers both Neighbourhood Development Orders and Community Right to Build
  Orders.
* ``np-order-reg23-publicity`` (C): the council publicises the submitted order proposal for
  at least 6 weeks (reg 23, "Publicising an order proposal"; the six weeks are corroborated
  by council guidance, the regulation's wording was not read here).
* ``np-order-examiner-decision`` (U): reg 24A ("Decision on examiner's recommendations",
  inserted by SI 2017/1243) prescribes when the council decides on the examiner's report
  for an order; 5 weeks mirrors reg 17A for plans, but reg 24A's own text was not read, so
  it is shown with "check the source".

No rule is added for making an order after a yes vote: Part 6 was not read far enough to
find a prescribed period (the plans' 8 weeks are reg 18A, which applies to plans only).
"""

from django.db import migrations

CRTC, NP = "right-to-challenge", "neighbourhood-planning"
NP_REGS = "Neighbourhood Planning (General) Regulations 2012 (SI 2012/637), as amended"

# slug, name, topic, trigger, trigger event, length, unit, counting, end meaning, source,
# status, note, position (beside the rule it extends: the plan's equivalent, or the EOI one)
RULES = [
    (
        "crtc-timescale-notice-window",
        "Council tells the challenger when it will decide (EOI window)",
        CRTC,
        "eoi-window-closed",
        "End of the council's expression-of-interest window",
        30,
        "days",
        "from",
        "Notification is due",
        "Localism Act 2011 s.82 (periods the council specifies and publishes) and s.84; "
        "Community Right to Challenge (Expressions of Interest and Excluded Services) "
        "(England) Regulations 2012 (SI 2012/1313)",
        "U",
        "For an expression of interest submitted within a window the council set under s.82. "
        "Where the wording allows two readings, the desk shows the earlier end date.",
        9,
    ),
    (
        "np-order-reg21-consultation",
        "Order pre-submission consultation (NDO or Community Right to Build Order)",
        NP,
        "order-draft-publicised",
        "Order proposals first publicised by the qualifying body",
        6,
        "weeks",
        "not_less_than",
        "Earliest date the consultation may close",
        f"{NP_REGS}, reg 21(a)(iv)",
        "V",
        "Part 6 of the Regulations: Neighbourhood Development Orders and Community Right to "
        "Build Orders.",
        15,
    ),
    (
        "np-order-reg23-publicity",
        "Council publicises a submitted order proposal (NDO or Community Right to Build Order)",
        NP,
        "order-proposal-publicised",
        "Order proposal first publicised by the council",
        6,
        "weeks",
        "not_less_than",
        "Earliest date the publicity period may close",
        f"{NP_REGS}, reg 23",
        "C",
        "Six weeks corroborated by council guidance; the regulation's wording not yet read.",
        16,
    ),
    (
        "np-order-examiner-decision",
        "Council decides on the examiner's report on an order",
        NP,
        "order-examiner-report-received",
        "Examiner's report on the order received",
        5,
        "weeks",
        "from",
        "Decision statement due",
        f"{NP_REGS}, reg 24A",
        "U",
        "Unverified: 5 weeks as for plans (reg 17A); check reg 24A's own text. No period is "
        "encoded for making an order after the referendum (none found for orders).",
        17,
    ),
]


def load(apps, schema_editor):
    DeadlineRule = apps.get_model("knowledgebase", "DeadlineRule")
    Topic = apps.get_model("knowledgebase", "Topic")
    topics = {t.slug: t for t in Topic.objects.filter(parent=None)}
    for row in RULES:
        (slug, name, topic, trigger, event, length, unit, counting, end, source, status, note,
         position) = row
        DeadlineRule.objects.update_or_create(
            slug=slug,
            defaults=dict(
                name=name, topic=topics.get(topic), trigger=trigger, trigger_event=event,
                length=length, unit=unit, counting=counting, end_meaning=end,
                legal_source=source, verification=status, note=note, position=position,
            ),
        )


def unload(apps, schema_editor):
    DeadlineRule = apps.get_model("knowledgebase", "DeadlineRule")
    DeadlineRule.objects.filter(slug__in=[row[0] for row in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0021_challenge_windows")]
    operations = [migrations.RunPython(load, unload)]
