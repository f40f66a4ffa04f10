"""Say when the owner's eight weeks to ask for a review of a listing start, and how long the
council then has, in the nomination letter (a new version; DOMAIN.md, acv-review-request
and acv-review-decision: 8 weeks *beginning with* the day the owner is given notice of the
listing, and 8 weeks, or longer if agreed, beginning with the day the council receives the
request; Assets of Community Value (England) Regulations 2012, reg 6 and Sch 2, as the
clocks in 0004 cite them).

Applied and reversed exactly as 0011's corrections are (same functions, these fixes).
"""

import importlib
from functools import partial

from django.db import migrations

corrections = importlib.import_module(
    "knowledgebase.migrations.0011_letter_templates_legal_wording"
)

FIXES: dict[str, list[tuple[str, str]]] = {
    corrections.NOMINATE: [
        (
            "The owner is told and may ask the council to review the listing within eight "
            "weeks.",
            "The owner is told, and may ask the council to review the listing within eight "
            "weeks beginning with the day they are given notice of it; the council then has "
            "eight weeks, beginning with the day it receives the request (or longer if the "
            "owner agrees), to complete the review.",
        ),
    ],
}


class Migration(migrations.Migration):
    dependencies = [
        ("knowledgebase", "0011_letter_templates_legal_wording"),
    ]
    operations = [
        migrations.RunPython(
            partial(corrections.publish_corrections, fixes_by_slug=FIXES),
            partial(corrections.withdraw_corrections, fixes_by_slug=FIXES),
        )
    ]
