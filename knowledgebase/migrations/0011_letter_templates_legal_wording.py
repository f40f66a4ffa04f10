"""Correct the legal wording of three shipped letters, as a new version of each.

Letters already issued keep the version they used (0008 is never edited). Each fix replaces
one exact passage of the template's newest version; a passage a manager has already
rewritten is left alone, and a template with none of them left gets no new version.

- acv-interim-moratorium: write to the council *no later than* the last day (not "before"
  it); no new moratorium *until after* the last day of the protected period (18 months
  beginning with the date the council received the notice), not "before" it; the full
  moratorium is six months *beginning with* that date, not "from" it (Localism Act 2011
  s.95(6): the day of receipt is day 1).
- acv-how-to-nominate: only a community interest group (parish council, charity, CIC,
  non-profit company limited by guarantee or community benefit society) can trigger the
  full moratorium; an unincorporated group of 21 may nominate but cannot.
- np-area-application: the council *must* decide within 13 weeks, or 20 if the area spans
  more than one council's; the date printed is the 13-week one.

Reversing removes the version made here while it is still the newest and unchanged; it is
refused (PROTECT) once a letter has been issued from it.
"""

from django.db import migrations

INTERIM = "acv-interim-moratorium"
NOMINATE = "acv-how-to-nominate"
NP_AREA = "np-area-application"

FIXES: dict[str, list[tuple[str, str]]] = {
    INTERIM: [
        (
            "1. Write to the council's assets of community value team before "
            '{{ deadlines.acv_interim_moratorium|date:"j F Y" }}, saying',
            "1. Write to the council's assets of community value team no later than "
            '{{ deadlines.acv_interim_moratorium|date:"j F Y" }} (the last day), saying',
        ),
        (
            "and a further notice of sale cannot start a new moratorium before "
            '{{ deadlines.acv_protected_period|date:"j F Y" }}.',
            "and a further notice of sale cannot start a new moratorium until after "
            '{{ deadlines.acv_protected_period|date:"j F Y" }}, the last day of the protected '
            "period (18 months beginning with the date the council received the owner's "
            "notice).",
        ),
        (
            "six months from the date the council received the owner's notice.",
            "six months beginning with the date the council received the owner's notice.",
        ),
    ],
    NOMINATE: [
        (
            "Listing does not give your group a right to buy: it means that if the owner wants "
            "to sell, they must tell the council, and your group then has six weeks to ask to "
            "be treated as a potential bidder, which pauses the sale for up to six months so "
            "that you can raise the money to bid.",
            "Listing does not give your group a right to buy: it means that if the owner wants "
            "to sell, they must tell the council. A community interest group then has six "
            "weeks, beginning with the day the council received the owner's notice, to ask in "
            "writing to be treated as a potential bidder. If one does, the full moratorium "
            "runs for six months beginning with that same day: during it the owner may only "
            "sell to a community interest group, which gives local groups time to raise the "
            "money to bid.\n"
            "\n"
            "Who can trigger the full moratorium\n"
            "Only a community interest group can: a parish council, a charity, a community "
            "interest company, or a company limited by guarantee or community benefit society "
            "that does not distribute profits to its members. Not every group that can "
            "nominate is one: an unincorporated group of at least 21 members registered to "
            "vote locally may nominate an asset, but cannot trigger the full moratorium. If "
            "that is your group, talk to us about its structure before the asset comes up "
            "for sale.",
        ),
    ],
    NP_AREA: [
        (
            ", and should decide within 13 weeks, beginning with the day after it first "
            "publicised the application (20 weeks if the area falls within more than one "
            "council's area){% if deadlines.np_area_decision %}: here, by "
            '{{ deadlines.np_area_decision|date:"j F Y" }}{% endif %}.',
            ", and must decide within 13 weeks, beginning with the day after it first "
            "publicised the application, or within 20 weeks if the area falls within more "
            "than one council's area.{% if deadlines.np_area_decision %} If the area is within "
            "a single council's area, that is by "
            '{{ deadlines.np_area_decision|date:"j F Y" }}; if it falls within more than one, '
            "the council has 20 weeks, so its deadline is seven weeks later.{% endif %}",
        ),
    ],
}


def corrected(body: str, fixes: list[tuple[str, str]]) -> str:
    for old, new in fixes:
        body = body.replace(old, new)
    return body


def publish_corrections(apps, schema_editor, fixes_by_slug=FIXES):
    """A new version (the next number, as ``letter_template_publish`` numbers them) of each
    template whose newest text still has a passage to correct. Later corrections (0012)
    pass their own ``fixes_by_slug``."""
    Version = apps.get_model("knowledgebase", "LetterTemplateVersion")
    for slug, fixes in fixes_by_slug.items():
        latest = Version.objects.filter(template__slug=slug).order_by("-number").first()
        if latest is None:
            continue
        body = corrected(latest.body, fixes)
        if body != latest.body:
            Version.objects.create(
                template_id=latest.template_id,
                number=latest.number + 1,
                title=latest.title,
                body=body,
            )


def withdraw_corrections(apps, schema_editor, fixes_by_slug=FIXES):
    """Remove the version made above while it is the newest and exactly as made."""
    Version = apps.get_model("knowledgebase", "LetterTemplateVersion")
    for slug, fixes in fixes_by_slug.items():
        newest = list(Version.objects.filter(template__slug=slug).order_by("-number")[:2])
        if len(newest) != 2:
            continue
        latest, previous = newest
        body = corrected(previous.body, fixes)
        if (
            latest.created_by_id is None
            and body != previous.body
            and (latest.title, latest.body) == (previous.title, body)
        ):
            latest.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("knowledgebase", "0010_default_service_levels"),
    ]
    operations = [migrations.RunPython(publish_corrections, withdraw_corrections)]
