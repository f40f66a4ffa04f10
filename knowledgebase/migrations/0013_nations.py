"""Regions know their nation, and Wales, Scotland and Northern Ireland join England's nine
with their councils, so a group there can say where it is and the desk can tell it that
these rights do not apply there (``knowledgebase.jurisdiction``)."""

from django.db import migrations, models
from django.utils.text import slugify

COUNCILS = {
    ("Wales", "wales"): [
        "Blaenau Gwent", "Bridgend", "Caerphilly", "Cardiff", "Carmarthenshire", "Ceredigion",
        "Conwy", "Denbighshire", "Flintshire", "Gwynedd", "Isle of Anglesey",
        "Merthyr Tydfil", "Monmouthshire", "Neath Port Talbot", "Newport", "Pembrokeshire",
        "Powys", "Rhondda Cynon Taf", "Swansea", "Torfaen", "Vale of Glamorgan", "Wrexham",
    ],
    ("Scotland", "scotland"): [
        "Aberdeen City", "Aberdeenshire", "Angus", "Argyll and Bute", "City of Edinburgh",
        "Clackmannanshire", "Dumfries and Galloway", "Dundee City", "East Ayrshire",
        "East Dunbartonshire", "East Lothian", "East Renfrewshire", "Falkirk", "Fife",
        "Glasgow City", "Highland", "Inverclyde", "Midlothian", "Moray",
        "Na h-Eileanan Siar", "North Ayrshire", "North Lanarkshire", "Orkney Islands",
        "Perth and Kinross", "Renfrewshire", "Scottish Borders", "Shetland Islands",
        "South Ayrshire", "South Lanarkshire", "Stirling", "West Dunbartonshire",
        "West Lothian",
    ],
    ("Northern Ireland", "northern_ireland"): [
        "Antrim and Newtownabbey", "Ards and North Down",
        "Armagh City, Banbridge and Craigavon", "Belfast", "Causeway Coast and Glens",
        "Derry City and Strabane", "Fermanagh and Omagh", "Lisburn and Castlereagh",
        "Mid and East Antrim", "Mid Ulster", "Newry, Mourne and Down",
    ],
}


def load(apps, schema_editor):
    Region = apps.get_model("knowledgebase", "Region")
    LocalAuthority = apps.get_model("knowledgebase", "LocalAuthority")
    for (name, nation), councils in COUNCILS.items():
        region, _ = Region.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "nation": nation}
        )
        for council in councils:
            LocalAuthority.objects.get_or_create(
                slug=slugify(council), defaults={"name": council, "region": region}
            )


def unload(apps, schema_editor):
    Region = apps.get_model("knowledgebase", "Region")
    LocalAuthority = apps.get_model("knowledgebase", "LocalAuthority")
    for (name, _nation), councils in COUNCILS.items():
        LocalAuthority.objects.filter(
            slug__in=[slugify(c) for c in councils], region__slug=slugify(name)
        ).delete()
        Region.objects.filter(slug=slugify(name), authorities__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0012_nomination_letter_review_periods")]

    operations = [
        migrations.AddField(
            model_name="region",
            name="nation",
            field=models.CharField(
                choices=[
                    ("england", "England"),
                    ("wales", "Wales"),
                    ("scotland", "Scotland"),
                    ("northern_ireland", "Northern Ireland"),
                ],
                default="england",
                max_length=20,
            ),
        ),
        migrations.RunPython(load, unload),
    ]
