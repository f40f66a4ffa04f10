"""Every clock names the key date that starts it (filled in by 0005)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0005_deadline_rule_trigger")]

    operations = [
        migrations.AlterField(
            model_name="deadlinerule",
            name="trigger",
            field=models.SlugField(
                help_text="The key date that starts the clock; rules sharing one start together.",
                max_length=60,
            ),
        ),
        migrations.AddIndex(
            model_name="deadlinerule",
            index=models.Index(fields=["trigger", "position"], name="deadline_rule_trigger_idx"),
        ),
        migrations.AddConstraint(
            model_name="deadlinerule",
            constraint=models.CheckConstraint(
                condition=~models.Q(trigger=""), name="deadline_rule_trigger_not_empty"
            ),
        ),
    ]
