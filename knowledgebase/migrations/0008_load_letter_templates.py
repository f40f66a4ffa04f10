"""Ship six guidance letters (version 1 each) and let managers edit letter templates."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SIGN_OFF = """

If anything here is unclear, or your situation changes, reply to this letter or contact us quoting {{ enquiry.reference }}.

Yours sincerely,

{{ adviser.name }}
{{ service.name }}"""

ACV_NOMINATE = """Dear {{ contact.name }},

Thank you for asking us how {{ group.name }} can nominate {% if asset.name %}{{ asset.name }}{% else %}a building or piece of land{% endif %} as an asset of community value. This letter explains who can nominate, what the nomination must contain, and what happens next.

Who can nominate
A nomination can be made by a parish council for its area, or by a voluntary or community body with a local connection: a neighbourhood forum; an unincorporated group of at least 21 members who are registered to vote in the council's area or a neighbouring one; a charity; a company limited by guarantee that does not distribute profits to its members; a co-operative or community benefit society; or a community interest company.

What the nomination must include
The Assets of Community Value (England) Regulations 2012 require a nomination to include: a description of the land or building and its proposed boundaries; the names of the current occupants and of everyone holding a freehold or leasehold, as far as you know them; your reasons for thinking the council should list it, showing how its current (or recent) main use furthers the social wellbeing or social interests of the local community and how that could continue; and evidence that your group is eligible to nominate. Most councils have a form; use it if they do.

What happens next
The council must decide within eight weeks of receiving the nomination. If the asset is listed, it stays on the list for five years. The owner is told and may ask the council to review the listing within eight weeks. Listing does not give your group a right to buy: it means that if the owner wants to sell, they must tell the council, and your group then has six weeks to ask to be treated as a potential bidder, which pauses the sale for up to six months so that you can raise the money to bid.

What we recommend
Start gathering evidence of how the community uses the asset now (events, groups that meet there, numbers of users, letters of support), and check your group's constitution meets the eligibility rules above before you submit.""" + SIGN_OFF

ACV_INTERIM = """Dear {{ contact.name }},

Thank you for telling us that the owner of {% if asset.name %}{{ asset.name }}{% else %}the listed asset{% endif %}{% if asset.address %}, {{ asset.address }},{% endif %} intends to sell. Because it is listed as an asset of community value, the sale is paused while your group decides whether to bid. The dates below matter.

You have six weeks to ask to be treated as a potential bidder
The interim moratorium lasts six weeks, beginning with the day the council received the owner's notice (Localism Act 2011, section 95). The last day for a community interest group to ask, in writing, to be treated as a potential bidder is {{ deadlines.acv_interim_moratorium|date:"j F Y" }}. If no group asks by then, the owner may sell to anyone once the six weeks end.

Who can make the request
Only a community interest group can trigger the full moratorium: a parish council, a charity, a community interest company, or a company limited by guarantee or community benefit society that does not distribute profits to its members. An unincorporated group cannot, so check your structure now.

If your group asks in time
The full moratorium then runs until {{ deadlines.acv_full_moratorium|date:"j F Y" }}, six months from the date the council received the owner's notice. During it the owner may only sell to a community interest group. The owner does not have to sell to you, or accept your price. After that date the owner may sell to anyone, and a further notice of sale cannot start a new moratorium before {{ deadlines.acv_protected_period|date:"j F Y" }}. Some sales are exempt from all of this (for example some transfers within a family, or the sale of a business as a going concern), so tell us if the owner says the sale is exempt.

What to do now
1. Write to the council's assets of community value team before {{ deadlines.acv_interim_moratorium|date:"j F Y" }}, saying that your group wants to be treated as a potential bidder, with evidence that it is a community interest group. Ask them to confirm receipt.
2. Start on the money: an independent valuation, a business plan, and a fundraising plan (community shares, grants and social investment are all common).
3. Open a conversation with the owner or their agent about price and timing.""" + SIGN_OFF

NP_REG14 = """Dear {{ contact.name }},

Thank you for asking what the Regulation 14 pre-submission consultation needs. This is the last consultation your group runs before it submits the neighbourhood plan to the council, and the examiner will check that it was done properly.

What the regulations require
Under Regulation 14 of the Neighbourhood Planning (General) Regulations 2012, before submitting the plan you must:
1. publicise the draft plan in a way likely to bring it to the attention of people who live, work or carry on business in the neighbourhood area, with details of the proposals, where and when they can be inspected, how to make comments, and the date by which comments must be received, which must be not less than six weeks from the date the draft is first publicised;
2. consult each of the consultation bodies (listed in Schedule 1 to the regulations) whose interests you consider may be affected; and
3. send a copy of the draft plan to the local planning authority.

Your dates
{% if deadlines.np_reg14_consultation %}You first publicised the draft on the date we recorded, so the consultation can close no earlier than {{ deadlines.np_reg14_consultation|date:"j F Y" }}.{% else %}Tell us the date you first publicise the draft and we will confirm the earliest closing date.{% endif %} Many groups allow a little longer than six weeks, especially over holidays.

What we recommend
Keep a record of everything you do and every comment you receive, and how the plan changed as a result: you will need it for the consultation statement that must accompany the submitted plan.""" + SIGN_OFF

CRTC_EOI = """Dear {{ contact.name }},

Thank you for asking how {{ group.name }} can express an interest in running a council service under the Community Right to Challenge (Localism Act 2011, Part 5, Chapter 2).

Who can express an interest
A voluntary or community body, a charity, a parish council, or two or more employees of the council.

What to include
The Community Right to Challenge (Expressions of Interest and Excluded Services) (England) Regulations 2012 require an expression of interest to include information about: your group's financial resources; evidence that, by the time the council runs a procurement exercise, you will be able to provide (or help to provide) the service; the service and the outcomes you would achieve; how you would meet the needs of the people who use it; and how your bid would promote or improve the social, economic or environmental well-being of the area. Employee-led bids must also say how other staff will be engaged. Check whether the council has set a window for expressions of interest for this service: it may only accept them at certain times.

What happens next
The council must tell you when it will decide, then accept or reject your expression of interest (it may agree changes with you). If it accepts, it must run a procurement exercise for the service, which your group can bid in alongside others. The Right to Challenge does not guarantee that your group will win the contract.

What we recommend
Talk to the council's commissioning team early, and start preparing for procurement now (governance, insurance, financial systems and the evidence of your track record).""" + SIGN_OFF

CAT_FIRST_STEPS = """Dear {{ contact.name }},

Thank you for asking about taking over {% if asset.name %}{{ asset.name }}{% else %}a council building or piece of land{% endif %}. Community asset transfer is not a statutory right: it depends on the council's own policy and its decision. This letter sets out the usual first steps.

1. Ask for the council's community asset transfer policy, and who the contact is in its property team.
2. Be ready to show a business case: who will use the asset, how you will pay for running costs, repairs and insurance, and what difference it will make locally.
3. Think about the terms. Transfers are usually by lease; many funders want a lease of 25 years or more before they will invest. Ask who will be responsible for repairs, and commission a condition survey before you agree.
4. Price. Councils must normally get the best price reasonably obtainable (Local Government Act 1972, section 123), but the General Disposal Consent (England) 2003 lets them dispose at up to GBP 2 million below market value where this helps the economic, social or environmental well-being of the area.

If the asset is at risk of being sold, ask us also about nominating it as an asset of community value.""" + SIGN_OFF

GENERAL = """Dear {{ contact.name }},

Thank you for contacting {{ service.name }} about "{{ enquiry.subject }}".

[Write your advice here in plain English: what the group asked, what the law or practice is, what they should do next, and by when.]""" + SIGN_OFF

NP_AREA = """Dear {{ contact.name }},

Thank you for asking how to apply for a neighbourhood area, the first formal step in writing a neighbourhood plan.

Who applies
A parish or town council applies for its area. Where there is no parish council, a group seeking to become the designated neighbourhood forum applies.

What the application must include
A map of the proposed area, a statement explaining why it is appropriate, and a statement that the applicant is a relevant body (Neighbourhood Planning (General) Regulations 2012, regulation 5).

What happens next
Where a parish council applies for the whole of its parish, the council must designate the area without consulting on it. Otherwise the council publicises the application and invites comments for at least six weeks{% if deadlines.np_area_representations %} (here, until at least {{ deadlines.np_area_representations|date:"j F Y" }}){% endif %}, and should decide within 13 weeks, beginning with the day after it first publicised the application (20 weeks if the area falls within more than one council's area){% if deadlines.np_area_decision %}: here, by {{ deadlines.np_area_decision|date:"j F Y" }}{% endif %}. If a parish council applied and the council has not decided by then, it must designate the area.""" + SIGN_OFF

# slug, name, topic, description, title, body
TEMPLATES = [
    ("acv-how-to-nominate", "How to nominate an asset of community value", "acv-nomination",
     "Who can nominate, what a nomination must contain, what happens next.",
     "Nominating an asset of community value", ACV_NOMINATE),
    ("acv-interim-moratorium", "Six weeks to ask to be treated as a potential bidder",
     "acv-notice-of-sale", "After the owner's notice of intended disposal: the moratorium dates.",
     "The sale of {% if asset.name %}{{ asset.name }}{% else %}your listed asset{% endif %}: "
     "your deadlines", ACV_INTERIM),
    ("np-regulation-14", "What the Regulation 14 consultation needs", "np-regulation-14",
     "The pre-submission consultation on a draft neighbourhood plan.",
     "Your Regulation 14 consultation", NP_REG14),
    ("np-area-application", "Applying for a neighbourhood area", "np-area-designation",
     "The first formal step in neighbourhood planning.",
     "Applying for a neighbourhood area", NP_AREA),
    ("crtc-expression-of-interest", "Expressing an interest under the Right to Challenge",
     "crtc-eoi", "Who can challenge, what an expression of interest contains, what follows.",
     "Expressing an interest in running a council service", CRTC_EOI),
    ("cat-first-steps", "Community asset transfer: first steps", "cat-policy",
     "Taking over a council building or land: policy, business case, lease, undervalue.",
     "Taking over a council asset", CAT_FIRST_STEPS),
    ("general-reply", "A general reply", None, "A plain letter for any topic; write the advice.",
     "Your enquiry {{ enquiry.reference }}", GENERAL),
]


def load(apps, schema_editor):
    Topic = apps.get_model("knowledgebase", "Topic")
    LetterTemplate = apps.get_model("knowledgebase", "LetterTemplate")
    Version = apps.get_model("knowledgebase", "LetterTemplateVersion")
    for slug, name, topic, description, title, body in TEMPLATES:
        template = LetterTemplate.objects.create(
            slug=slug, name=name, description=description,
            topic=Topic.objects.filter(slug=topic).first() if topic else None,
        )
        Version.objects.create(template=template, number=1, title=title, body=body)

    app_config = apps.get_app_config("knowledgebase")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    managers, _ = Group.objects.get_or_create(name="Managers")
    managers.permissions.add(*Permission.objects.filter(
        content_type__app_label="knowledgebase",
        codename__in=["view_lettertemplate", "add_lettertemplate", "change_lettertemplate",
                      "view_lettertemplateversion", "add_lettertemplateversion"],
    ))


def unload(apps, schema_editor):
    apps.get_model("knowledgebase", "LetterTemplate").objects.filter(
        slug__in=[row[0] for row in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("knowledgebase", "0007_letter_templates"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(load, unload)]
