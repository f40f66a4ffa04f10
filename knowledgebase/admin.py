from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from knowledgebase.letter_engine import published_placeholders, validate_letter_template
from knowledgebase.models import (
    ChallengeWindow,
    DeadlineRule,
    LetterTemplate,
    LetterTemplateVersion,
    LocalAuthority,
    Region,
    Topic,
)
from knowledgebase.selectors import letter_template_current, letter_template_placeholders
from knowledgebase.services import deadline_rule_save, letter_template_publish


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "slug", "concerns_asset", "is_active", "position"]
    list_filter = ["parent", "is_active", "concerns_asset"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "is_active"]
    list_filter = ["region", "is_active"]
    search_fields = ["name"]
    list_select_related = ["region"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ChallengeWindow)
class ChallengeWindowAdmin(admin.ModelAdmin):
    """Managers keep each council's published Right to Challenge expression-of-interest
    windows (Localism Act 2011 s.82); advisers are offered the closing date when they record
    the end of a window for an enquiry in that area."""

    list_display = ["local_authority", "opens_on", "closes_on", "services", "updated_at"]
    list_filter = ["local_authority__region"]
    search_fields = ["local_authority__name", "services", "note"]
    list_select_related = ["local_authority"]
    autocomplete_fields = ["local_authority"]
    date_hierarchy = "closes_on"


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "trigger",
        "length",
        "unit",
        "counting",
        "verification",
        "is_active",
    ]
    list_filter = ["trigger", "verification", "unit", "counting", "topic", "is_active"]
    search_fields = ["name", "slug", "legal_source"]
    list_select_related = ["topic"]

    def save_model(self, request, obj, form, change) -> None:
        # Through the service: the deadlines stored from the rule follow, naming this user.
        deadline_rule_save(rule=obj, actor=request.user)


class LetterTemplateForm(forms.ModelForm):
    """Edits a template's details; a changed title or body is saved as a new version."""

    title = forms.CharField(max_length=200, help_text="The letter's heading.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100}),
        help_text="The placeholders you can use, and what each holds, are listed under "
        "“Placeholders you can use” below. A note to the adviser in "
        "square brackets starting Write, Add, Insert, Replace or Explain, e.g. “[Write your "
        "advice here]”, is for them to replace in each letter: the composer flags it, a letter "
        "still carrying it cannot be issued, and the template is not offered for bulk letters. "
        "Saving a changed text creates a new version; letters already issued keep theirs.",
    )

    class Meta:
        model = LetterTemplate
        fields = ["name", "slug", "topic", "description", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = letter_template_current(self.instance) if self.instance.pk else None
        if current:
            self.fields["title"].initial, self.fields["body"].initial = current.title, current.body

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        for field in ("title", "body"):
            if cleaned.get(field):
                try:
                    validate_letter_template(cleaned[field], letter_template_placeholders())
                except ValidationError as error:
                    self.add_error(field, error)
        return cleaned


class LetterTemplateVersionInline(admin.TabularInline):
    model = LetterTemplateVersion
    fields = readonly_fields = ("number", "title", "created_by", "created_at")
    extra = 0
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = LetterTemplateForm
    list_display = ["name", "topic", "is_active"]
    list_filter = ["is_active", "topic"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LetterTemplateVersionInline]
    readonly_fields = ["placeholder_list"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "topic", "description", "is_active"]}),
        ("The letter (saving a changed text makes a new version)", {"fields": ["title", "body"]}),
        ("Placeholders you can use", {"fields": ["placeholder_list"]}),
    ]

    @admin.display(description="Placeholders")
    def placeholder_list(self, obj=None) -> str:
        """Every placeholder a template may use, with what it holds, as a table (the same
        list ``validate_letter_template`` checks against: fixed ones, one per active clock)."""
        rules = DeadlineRule.objects.filter(is_active=True).values_list("slug", "name")
        rows = format_html_join(
            "",
            '<tr><th scope="row"><code>{}</code></th><td>{}</td></tr>',
            (
                ("{{ " + placeholder.name + " }}", placeholder.description)
                for placeholder in published_placeholders(rules)
            ),
        )
        return format_html(
            '<table class="letter-placeholders">'
            "<caption>What each placeholder prints. Give a date a format: "
            "<code>{}</code> prints a date such as 2 March 2026. An end date is known only "
            "once the key date that starts its clock is recorded; until then the composer "
            "flags it.</caption>"
            '<thead><tr><th scope="col">Placeholder</th><th scope="col">What it holds</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            '{{ today|date:"j F Y" }}',
            rows,
        )

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        current = letter_template_current(obj)
        title, body = form.cleaned_data["title"], form.cleaned_data["body"]
        if current is None or (current.title, current.body) != (title, body):
            letter_template_publish(template=obj, title=title, body=body, actor=request.user)


# ServiceLevelTarget's admin is in casework/admin.py: it saves through the desk's service.
