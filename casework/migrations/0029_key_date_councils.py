"""The councils a key date's area falls within, named (issue 19), not only counted.

``KeyDate.councils`` lists the local authorities; ``councils_involved`` stays as their
number, written with the list, so that the "several councils" condition (more than one)
is read without a query wherever deadlines are computed.

No data is moved: a count cannot name councils, and guessing (the enquiry's own council,
say) would put a council in the record that nobody chose. Key dates recorded before this
keep the count they were given, and with it the deadlines they compute (a count above one
still picks the 20-week variant); the page says their councils were not named. Reversal
drops the list and keeps the counts.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0028_rollups"),
        ("knowledgebase", "0023_deadline_rule_disputed_start"),
    ]

    operations = [
        migrations.AddField(
            model_name="keydate",
            name="councils",
            field=models.ManyToManyField(
                blank=True,
                help_text=(
                    "The councils (local planning authorities) whose areas the area falls "
                    "within; more than one changes some clocks (``DeadlineRule.variants``, "
                    "condition several_councils)."
                ),
                related_name="+",
                to="knowledgebase.localauthority",
            ),
        ),
        migrations.AlterField(
            model_name="keydate",
            name="councils_involved",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text=(
                    "How many councils the area falls within: the number of ``councils`` "
                    "named (at least 1), kept with the list so that ``conditions`` needs no "
                    "query. A key date recorded before councils were named keeps the count "
                    "it was given."
                ),
            ),
        ),
    ]
