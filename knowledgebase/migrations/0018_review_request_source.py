"""The owner's request for a review of a listing is regulation 10 (with Schedule 2) of the
Assets of Community Value (England) Regulations 2012, not regulation 6 (the contents of a
nomination), as 0004 cited it."""

from django.db import migrations

ACV_REGS = "Assets of Community Value (England) Regulations 2012 (SI 2012/2421)"
OLD, NEW = f"{ACV_REGS}, reg 6 and Sch 2", f"{ACV_REGS}, reg 10 and Sch 2"


def _set(source_from, source_to):
    def run(apps, schema_editor):
        apps.get_model("knowledgebase", "DeadlineRule").objects.filter(
            slug="acv-review-request", legal_source=source_from
        ).update(legal_source=source_to)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0017_load_guidance_articles")]

    operations = [migrations.RunPython(_set(OLD, NEW), _set(NEW, OLD))]
