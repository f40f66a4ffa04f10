from django import forms

from knowledgebase.models import Article, Topic
from knowledgebase.selectors import topic_choices


class ArticleForm(forms.Form):
    """An article's text as its editor writes it (rules of content are the service's)."""

    title = forms.CharField(max_length=Article._meta.get_field("title").max_length)
    slug = forms.SlugField(
        max_length=Article._meta.get_field("slug").max_length,
        help_text="The article's address: lower-case words joined by hyphens.",
    )
    summary = forms.CharField(
        max_length=Article._meta.get_field("summary").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One or two sentences, shown in lists and search results.",
    )
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    audience = forms.ChoiceField(choices=Article.Audience.choices)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text="Markdown: ## for headings, - for lists, [text](https://…) for links. "
        "{{period:rule-slug}} inserts a statutory period, {{example:rule-slug}} a worked "
        "example, both from the deadline rules the clocks use.",
    )
    legal_sources = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='One per line, e.g. "Localism Act 2011, s.95".',
    )
    change_note = forms.CharField(
        required=False,
        max_length=300,
        help_text="What changed, for the article's history (published articles only).",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = topic_choices()  # type: ignore[attr-defined]

    def clean_legal_sources(self) -> list[str]:
        lines = self.cleaned_data["legal_sources"].splitlines()
        return [line.strip() for line in lines if line.strip()]

    @staticmethod
    def initial_from(article: Article) -> dict:
        return {
            "title": article.title,
            "slug": article.slug,
            "summary": article.summary,
            "topics": list(article.topics.all()),
            "audience": article.audience,
            "body": article.body,
            "legal_sources": "\n".join(article.legal_sources),
        }
