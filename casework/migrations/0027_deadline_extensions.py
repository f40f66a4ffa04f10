"""Deadlines extended by agreement: the history of agreements, and the latest on the row."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0026_key_date_councils_involved"),
        ("enquiries", "0024_email_preferences"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="deadline",
            name="extended_to",
            field=models.DateField(
                blank=True,
                help_text="The latest end agreed (``DeadlineExtension``); empty: not extended.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="deadline",
            name="ends_on",
            field=models.DateField(
                help_text="The date the desk works to: the computed end, or the latest extension."
            ),
        ),
        migrations.CreateModel(
            name="DeadlineExtension",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "agreed_by",
                    models.CharField(
                        help_text='Who agreed, for example "the owner and the council".',
                        max_length=200,
                    ),
                ),
                ("agreed_on", models.DateField()),
                ("extended_to", models.DateField()),
                ("previous_end", models.DateField(help_text="The due date it replaced.")),
                ("evidence", models.CharField(blank=True, max_length=500)),
                ("recorded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "deadline",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="extensions",
                        to="casework.deadline",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        blank=True,
                        help_text="The letter or email that records the agreement, if on file.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="enquiries.attachment",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["recorded_at", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("extended_to__gt", models.F("previous_end"))),
                        name="deadline_extension_later",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("agreed_by", ""), _negated=True),
                        name="deadline_extension_agreed_by_not_empty",
                    ),
                ],
            },
        ),
    ]
