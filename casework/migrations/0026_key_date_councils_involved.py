"""The number of councils an area falls within, recorded with a key date: more than one
picks a rule variant (20 weeks for np-area-decision and np-forum-decision)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0025_scheduled_runs"),
        ("enquiries", "0024_email_preferences"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="keydate",
            name="councils_involved",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text=(
                    "How many councils (local planning authorities) the area falls within: "
                    "more than one changes some clocks (``DeadlineRule.variants``, condition "
                    "several_councils)."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="keydate",
            constraint=models.CheckConstraint(
                condition=models.Q(("councils_involved__gte", 1)),
                name="key_date_councils_at_least_one",
            ),
        ),
    ]
