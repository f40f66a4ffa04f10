"""Rule variants as data: a condition that changes a rule's length, with its source.

An area or forum application whose area falls within the areas of two or more local
planning authorities is decided within 20 weeks, not 13 (DOMAIN.md, "Clocks to encode":
"13 weeks (20 if several councils)"): Neighbourhood Planning (General) Regulations 2012
(SI 2012/637), reg 6A (area applications, inserted by SI 2015/20) and reg 9A (forum
applications, inserted by SI 2016/873).
"""

from django.db import migrations, models

NP_REGS = "Neighbourhood Planning (General) Regulations 2012 (SI 2012/637), as amended"
VARIANTS = {
    "np-area-decision": [
        {
            "condition": "several_councils",
            "length": 20,
            "unit": "weeks",
            "legal_source": f"{NP_REGS}, reg 6A",
        }
    ],
    "np-forum-decision": [
        {
            "condition": "several_councils",
            "length": 20,
            "unit": "weeks",
            "legal_source": f"{NP_REGS}, reg 9A",
        }
    ],
}


def add(apps, schema_editor):
    rules = apps.get_model("knowledgebase", "DeadlineRule").objects
    for slug, variants in VARIANTS.items():
        rules.filter(slug=slug).update(variants=variants)


def remove(apps, schema_editor):
    rules = apps.get_model("knowledgebase", "DeadlineRule").objects
    rules.filter(slug__in=list(VARIANTS)).update(variants=[])


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0019_shipped_snippets")]

    operations = [
        migrations.AddField(
            model_name="deadlinerule",
            name="variants",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Conditions that change the length, as a list of objects: condition (one "
                    "of knowledgebase.periods.CONDITIONS), length, unit, legal_source. For "
                    'example [{"condition": "several_councils", "length": 20, "unit": '
                    '"weeks", "legal_source": "..."}].'
                ),
            ),
        ),
        migrations.RunPython(add, remove),
    ]
