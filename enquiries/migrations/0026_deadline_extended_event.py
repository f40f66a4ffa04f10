"""A deadline extended by agreement is its own kind of event ("Deadline extended by
agreement"), no longer a key-date event carrying an ``extension`` id: the events recorded
that way before are moved to the new kind (and back on reversal)."""

from django.db import migrations, models


def _rekind(apps, old: str, new: str) -> None:
    EnquiryEvent = apps.get_model("enquiries", "EnquiryEvent")
    ids = [
        pk
        for pk, data in EnquiryEvent.objects.filter(kind=old).values_list("pk", "data")
        if isinstance(data, dict) and data.get("extension")
    ]
    EnquiryEvent.objects.filter(pk__in=ids).update(kind=new)


def forwards(apps, schema_editor):
    _rekind(apps, "key_date_recorded", "deadline_extended")


def backwards(apps, schema_editor):
    _rekind(apps, "deadline_extended", "key_date_recorded")


class Migration(migrations.Migration):

    dependencies = [
        ('enquiries', '0025_secondary_topics'),
    ]

    operations = [
        migrations.AlterField(
            model_name='enquiryevent',
            name='kind',
            field=models.CharField(choices=[('received', 'Received'), ('status_changed', 'Status changed'), ('assigned', 'Assigned'), ('unassigned', 'Returned to queue'), ('acknowledged', 'Acknowledgement sent'), ('key_date_recorded', 'Key date recorded'), ('key_date_removed', 'Key date removed'), ('deadline_extended', 'Deadline extended by agreement'), ('note_added', 'Internal note added'), ('task_added', 'Task added'), ('task_done', 'Task done'), ('time_recorded', 'Time recorded'), ('details_edited', 'Details edited'), ('message_published', 'Update published to the group'), ('call_logged', 'Call logged'), ('reply_received', 'Reply from the group'), ('attachment_added', 'Document attached'), ('letter_issued', 'Letter issued'), ('letter_published', 'Letter published to the group'), ('letter_emailed', 'Letter emailed'), ('letter_downloaded', 'Letter downloaded to print'), ('date_published', 'Date published to the group'), ('link_sent', 'Tracking link sent'), ('link_revoked', 'Tracking links revoked'), ('anonymised', 'Anonymised under the retention policy'), ('imported', 'Imported from earlier records'), ('feedback_received', 'Feedback from the group'), ('merged', 'Records merged')], max_length=32),
        ),
        migrations.RunPython(forwards, backwards),
    ]
