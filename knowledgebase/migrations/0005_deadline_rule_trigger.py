"""Name the key date that starts each clock (``trigger``): add it empty and fill it.

0006 then makes it required (a separate migration: PostgreSQL refuses to alter a
table with row updates pending in the same transaction).

Several clocks share one start: the council receiving the owner's notice of
intended disposal starts the interim moratorium, the full moratorium and the
protected period (Localism Act 2011 s.95(6)).
"""

from django.db import migrations, models

TRIGGERS = {
    "acv-nomination-decision": "nomination-received",
    "acv-listing": "asset-listed",
    "acv-review-request": "listing-notice-given",
    "acv-review-decision": "review-request-received",
    "acv-tribunal-appeal": "review-decision-sent",
    "acv-interim-moratorium": "disposal-notice-received",
    "acv-full-moratorium": "disposal-notice-received",
    "acv-protected-period": "disposal-notice-received",
    "acv-compensation-claim": "loss-incurred",
    "crtc-timescale-notice": "eoi-received",
    "np-area-representations": "area-application-publicised",
    "np-area-decision": "area-application-publicised",
    "np-forum-representations": "forum-application-publicised",
    "np-forum-decision": "forum-application-publicised",
    "np-forum-expiry": "forum-designated",
    "np-reg14-consultation": "reg14-draft-publicised",
    "np-reg16-publicity": "reg16-proposal-publicised",
    "np-examiner-decision": "examiner-report-received",
    "np-plan-made": "referendum-held",
    "retention-review": "case-closed",
}


def fill(apps, schema_editor):
    DeadlineRule = apps.get_model("knowledgebase", "DeadlineRule")
    for rule in DeadlineRule.objects.all():
        # A rule added by hand since 0004 starts on its own key date, named after it.
        rule.trigger = TRIGGERS.get(rule.slug, rule.slug)
        rule.save(update_fields=["trigger"])


def empty(apps, schema_editor):
    apps.get_model("knowledgebase", "DeadlineRule").objects.update(trigger=None)


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0004_load_deadline_rules")]

    operations = [
        migrations.AddField(
            model_name="deadlinerule",
            name="trigger",
            field=models.SlugField(max_length=60, null=True, blank=True),
        ),
        migrations.RunPython(fill, empty),
    ]
