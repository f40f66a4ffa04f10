"""Load the topic taxonomy (DOMAIN.md, "Topics") and England's local authority areas."""

from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

# (slug, name, concerns_asset, [(slug, name), ...])
TAXONOMY = [
    ("right-to-bid", "Right to Bid (assets of community value)", True, [
        ("acv-eligibility", "Eligibility to nominate"),
        ("acv-nomination", "Preparing a nomination"),
        ("acv-decision", "Awaiting or refused decision"),
        ("acv-owner", "Owner enquiry: review, appeal, compensation"),
        ("acv-notice-of-sale", "Notice of sale and interim moratorium"),
        ("acv-full-moratorium", "Full moratorium and bidding"),
        ("acv-expiry", "Listing expiry and re-nomination"),
        ("acv-planning", "ACV in planning"),
    ]),
    ("right-to-challenge", "Right to Challenge", False, [
        ("crtc-eoi", "Preparing an expression of interest"),
        ("crtc-decision", "Awaiting decision or rejected"),
        ("crtc-procurement", "Procurement readiness"),
    ]),
    ("neighbourhood-planning", "Neighbourhood planning", False, [
        ("np-getting-started", "Getting started"),
        ("np-area-designation", "Area designation"),
        ("np-forum-designation", "Forum designation or renewal"),
        ("np-evidence-policies", "Evidence and policies"),
        ("np-regulation-14", "Regulation 14 consultation"),
        ("np-submission", "Submission and Regulation 16"),
        ("np-examination", "Examination"),
        ("np-referendum", "Referendum"),
        ("np-made-plan", "Made plan and CIL share"),
        ("np-modifying", "Modifying a plan"),
        ("np-ndo", "Neighbourhood Development Order"),
        ("np-crtbo", "Community Right to Build Order"),
    ]),
    ("asset-transfer", "Community asset transfer", True, [
        ("cat-policy", "Council policy and process"),
        ("cat-business-case", "Business case"),
        ("cat-lease", "Lease terms"),
        ("cat-undervalue", "Undervalue"),
    ]),
    ("community-led-housing", "Community-led housing", True, [
        ("clh-clt", "Community land trusts"),
        ("clh-coops", "Housing co-operatives"),
        ("clh-self-build", "Self-build and custom build"),
    ]),
    ("funding", "Funding", False, [
        ("funding-np-grants", "Neighbourhood planning grants and technical support"),
        ("funding-capital", "Capital for buying an asset"),
        ("funding-revenue", "Revenue grants"),
    ]),
    ("governance", "Governance and legal structure", False, [
        ("gov-structure", "Choosing a structure"),
        ("gov-constitution", "Constitution, membership and asset lock"),
        ("gov-charity-registration", "Charity registration"),
        ("gov-conflicts", "Conflicts of interest"),
    ]),
    ("social-value", "Social value and commissioning", False, []),
    ("other-powers", "Other community powers", True, [
        ("other-new-parish", "New parish councils"),
        ("other-local-green-space", "Local Green Space"),
        ("other-village-greens", "Village greens"),
    ]),
    ("out-of-scope", "Out of scope / referral", False, []),
]


def load(apps, schema_editor):
    Topic = apps.get_model("knowledgebase", "Topic")
    for position, (slug, name, asset, children) in enumerate(TAXONOMY):
        parent = Topic.objects.create(slug=slug, name=name, concerns_asset=asset, position=position)
        for child_position, (child_slug, child_name) in enumerate(children):
            Topic.objects.create(
                parent=parent, slug=child_slug, name=child_name,
                concerns_asset=asset, position=child_position,
            )

    Region = apps.get_model("knowledgebase", "Region")
    LocalAuthority = apps.get_model("knowledgebase", "LocalAuthority")
    source = Path(__file__).resolve().parent.parent / "data" / "local_authorities.txt"
    region = None
    for line in source.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("## "):
            name = line[3:]
            region = Region.objects.create(name=name, slug=slugify(name))
        elif line and not line.startswith("#"):
            LocalAuthority.objects.create(name=line, slug=slugify(line), region=region)


def unload(apps, schema_editor):
    apps.get_model("knowledgebase", "LocalAuthority").objects.all().delete()
    apps.get_model("knowledgebase", "Region").objects.all().delete()
    Topic = apps.get_model("knowledgebase", "Topic")
    Topic.objects.exclude(parent=None).delete()
    Topic.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
