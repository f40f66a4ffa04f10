"""Three canned replies to start from; managers change or retire them on the desk."""

from django.db import migrations

SNIPPETS = [
    ("We are looking into your enquiry", None,
     "Dear {{ contact.name }},\n\nThank you for your enquiry {{ enquiry.reference }} about "
     "{{ enquiry.subject }}. {{ adviser.name }} is looking into it and will write to you "
     "again soon. You can follow your enquiry with the private link in our first email."),
    ("Interim moratorium: ask in writing now", "acv-notice-of-sale",
     "The owner has told the council they want to sell. If your group wants to bid, a "
     "community interest group must ask the council in writing to be treated as a potential "
     "bidder before the interim moratorium ends"
     "{% if deadlines.acv_interim_moratorium %}, on "
     "{{ deadlines.acv_interim_moratorium|date:'j F Y' }}{% endif %}. "
     "If no group asks in time, the owner may sell to anyone."),
    ("This is not legal advice", None,
     "This is general guidance, not legal advice. For advice on your own situation, speak to "
     "a solicitor or another qualified adviser."),
]


def load(apps, schema_editor):
    Snippet = apps.get_model("knowledgebase", "Snippet")
    Version = apps.get_model("knowledgebase", "SnippetVersion")
    Topic = apps.get_model("knowledgebase", "Topic")
    for title, topic, body in SNIPPETS:
        if Snippet.objects.filter(title=title).exists():
            continue
        snippet = Snippet.objects.create(
            title=title, topic=Topic.objects.filter(slug=topic).first() if topic else None
        )
        Version.objects.create(snippet=snippet, number=1, body=body)


def unload(apps, schema_editor):
    titles = [title for title, _, _ in SNIPPETS]
    apps.get_model("knowledgebase", "Snippet").objects.filter(title__in=titles).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0018_review_request_source")]

    operations = [migrations.RunPython(load, unload)]
