"""A disputed start as data: the owner's compensation claim runs 13 weeks from the loss
or expense being incurred (Assets of Community Value (England) Regulations 2012, reg 14),
or, as the government's advice note reads it, from the end of the moratorium (DOMAIN.md,
acv-compensation-claim, status U). The other reading starts from its own key date,
"moratorium-ended"; the desk shows both and works to the earlier end.
"""

from django.db import migrations, models

DISPUTED_START = {
    "acv-compensation-claim": {
        "trigger": "moratorium-ended",
        "trigger_event": "The moratorium ended",
        "legal_source": (
            "DCLG, Community Right to Bid: non-statutory advice note for local authorities "
            "(October 2012)"
        ),
    }
}


def add(apps, schema_editor):
    rules = apps.get_model("knowledgebase", "DeadlineRule").objects
    for slug, start in DISPUTED_START.items():
        rules.filter(slug=slug).update(disputed_start=start)


def remove(apps, schema_editor):
    rules = apps.get_model("knowledgebase", "DeadlineRule").objects
    rules.filter(slug__in=list(DISPUTED_START)).update(disputed_start={})


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0022_order_and_challenge_window_rules")]

    operations = [
        migrations.AddField(
            model_name="deadlinerule",
            name="disputed_start",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text=(
                    "For a rule whose start is disputed: the other reading's start, as an "
                    "object with trigger (the key date that starts it), trigger_event and "
                    'legal_source. For example {"trigger": "moratorium-ended", '
                    '"trigger_event": "The moratorium ended", "legal_source": "..."}. Both '
                    "readings are shown; the earlier end wins."
                ),
            ),
        ),
        migrations.RunPython(add, remove),
    ]
