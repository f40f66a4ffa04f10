"""Load the statutory clocks of DOMAIN.md ("Clocks to encode"), with their sources."""

from django.db import migrations

R2B, CRTC, NP = "right-to-bid", "right-to-challenge", "neighbourhood-planning"
ACV_REGS = "Assets of Community Value (England) Regulations 2012 (SI 2012/2421)"
NP_REGS = "Neighbourhood Planning (General) Regulations 2012 (SI 2012/637), as amended"

# slug, name, topic, trigger, length, unit, counting, end meaning, source, status, note
RULES = [
    ("acv-nomination-decision", "Council decides nomination", R2B,
     "Council receives the nomination", 8, "weeks", "from",
     "The council must have decided the nomination", f"{ACV_REGS}, reg 7", "C", ""),
    ("acv-listing", "Listing lasts", R2B, "Date the asset is entered on the list", 5, "years",
     "beginning_with", "The entry is removed from the list",
     f"Localism Act 2011 s.87(3); {ACV_REGS}, reg 2", "V", ""),
    ("acv-review-request", "Owner may request a review", R2B,
     "Notice of listing given to the owner", 8, "weeks", "beginning_with",
     "The owner's right to ask for a review lapses", f"{ACV_REGS}, reg 6 and Sch 2", "C", ""),
    ("acv-review-decision", "Council completes review", R2B,
     "Council receives the review request", 8, "weeks", "beginning_with", "The review is due",
     f"{ACV_REGS}, Sch 2", "C", "Or a longer period agreed in writing with the owner."),
    ("acv-tribunal-appeal", "Owner appeals to the First-tier Tribunal", R2B,
     "Review decision notice sent", 28, "days", "from", "An appeal is out of time",
     f"{ACV_REGS}, reg 11; Tribunal Procedure (First-tier Tribunal) (General Regulatory "
     "Chamber) Rules 2009, r.22", "V", ""),
    ("acv-interim-moratorium",
     "Interim moratorium: last day for a community interest group to ask in writing to be "
     "treated as a potential bidder", R2B,
     "Council receives the owner's notice of intended disposal", 6, "weeks", "beginning_with",
     "No request in time: the owner may sell", "Localism Act 2011 s.95(6)", "V", ""),
    ("acv-full-moratorium", "Full moratorium (only if a group asked in time)", R2B,
     "Council receives the owner's notice of intended disposal (not the group's request)", 6,
     "months", "beginning_with", "The owner may sell to anyone", "Localism Act 2011 s.95(6)",
     "V", ""),
    ("acv-protected-period", "Protected period: no new moratorium", R2B,
     "Council receives the owner's notice of intended disposal", 18, "months",
     "beginning_with", "A new notice can start a new moratorium", "Localism Act 2011 s.95(6)",
     "V", ""),
    ("acv-compensation-claim", "Owner's compensation claim", R2B,
     "Loss or expense incurred (or finished)", 13, "weeks", "from", "A claim is out of time",
     f"{ACV_REGS}, reg 14", "U",
     "Disputed: the government's advice note counts from the end of the moratorium."),
    ("crtc-timescale-notice", "Council tells the challenger when it will decide", CRTC,
     "Expression of interest received, or the end of the council's EOI window", 30, "days",
     "from", "Notification is due",
     "Localism Act 2011 Part 5 Ch 2; Community Right to Challenge (Expressions of Interest "
     "and Excluded Services) (England) Regulations 2012 (SI 2012/1313)", "U",
     "Where the wording allows two readings, the desk shows the earlier end date."),
    ("np-area-representations", "Area application open for comments", NP,
     "Area application first publicised", 6, "weeks", "not_less_than",
     "Earliest date the comment period may close", f"{NP_REGS}, reg 6", "V", ""),
    ("np-area-decision", "Council decides area designation", NP,
     "Area application first publicised (counted from the day after)", 13, "weeks", "after",
     "Decision due, else the area is deemed designated", f"{NP_REGS}, reg 6A", "C",
     "20 weeks where the area falls in more than one council's area."),
    ("np-forum-representations", "Forum application open for comments", NP,
     "Forum application first publicised", 6, "weeks", "not_less_than",
     "Earliest date the comment period may close", f"{NP_REGS}, reg 9", "V", ""),
    ("np-forum-decision", "Council decides forum designation", NP,
     "Forum application first publicised (counted from the day after)", 13, "weeks", "after",
     "Decision due", NP_REGS, "U",
     "20 weeks where the area falls in more than one council's area."),
    ("np-forum-expiry", "Forum designation lasts", NP, "Forum designated", 5, "years",
     "beginning_with", "The designation lapses", "Town and Country Planning Act 1990 s.61F(8)",
     "C", ""),
    ("np-reg14-consultation", "Regulation 14 pre-submission consultation", NP,
     "Draft plan first publicised", 6, "weeks", "not_less_than",
     "Earliest date the consultation may close", f"{NP_REGS}, reg 14", "V", ""),
    ("np-reg16-publicity", "Regulation 16 publicity by the council", NP,
     "Plan proposal first publicised by the council", 6, "weeks", "not_less_than",
     "Earliest date the publicity period may close", f"{NP_REGS}, reg 16", "C", ""),
    ("np-examiner-decision", "Council decides on the examiner's report", NP,
     "Examiner's report received", 5, "weeks", "from", "Decision statement due",
     f"{NP_REGS}, reg 18A", "C", ""),
    ("np-plan-made", "Council makes the plan after a yes vote", NP,
     "Referendum held (counted from the day after)", 8, "weeks", "after",
     "The plan must be made", f"{NP_REGS}, reg 18A", "C", ""),
    ("retention-review", "Case record retention review", None, "Case closed", 6, "years",
     "from", "Anonymise or delete the personal data",
     "The desk's retention policy (UK GDPR art. 5(1)(e), storage limitation)", "policy",
     "Configurable; six years is the default."),
]


def load(apps, schema_editor):
    DeadlineRule = apps.get_model("knowledgebase", "DeadlineRule")
    Topic = apps.get_model("knowledgebase", "Topic")
    topics = {t.slug: t for t in Topic.objects.filter(parent=None)}
    for position, row in enumerate(RULES):
        (slug, name, topic, trigger, length, unit, counting, end, source, status, note) = row
        DeadlineRule.objects.create(
            slug=slug, name=name, topic=topics.get(topic), trigger_event=trigger,
            length=length, unit=unit, counting=counting, end_meaning=end, legal_source=source,
            verification=status, note=note, position=position,
        )


def unload(apps, schema_editor):
    apps.get_model("knowledgebase", "DeadlineRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0003_deadline_rules")]
    operations = [migrations.RunPython(load, unload)]
