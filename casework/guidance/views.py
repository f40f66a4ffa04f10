"""The desk's guidance pages: every article with its state and review date, writing and
editing (advisers draft, managers publish), each article's published versions; and the
enquiry page's suggested articles."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.desk.forms import parse_version
from casework.desk.views import apply, enquiry_page, page, staff_required
from casework.guidance.forms import ArticleForm
from config.http import AuthenticatedHttpRequest, no_store
from enquiries.models import Enquiry
from knowledgebase import policies
from knowledgebase.guidance import selectors, services
from knowledgebase.models import Article

SUGGESTED_ON_ENQUIRY = 5
STALE = (
    "Someone else saved this article while you were editing it, so your changes were not "
    "saved. Your text is below: copy what you need, reload the article and make your "
    "changes again."
)


@require_safe
@staff_required
def article_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    articles = selectors.desk_article_list(user=request.user)
    context = {
        "articles": articles,
        "can_publish": policies.can_publish_articles(request.user),
        "today": timezone.localdate(),
    }
    return no_store(page(request, "casework/guidance/list.html", context))


def _apply_form(form: ArticleForm, article: Article) -> None:
    data = form.cleaned_data
    for field in ["title", "slug", "summary", "audience", "body", "legal_sources"]:
        setattr(article, field, data[field])


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def article_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None)
    if request.method == "POST":
        article = Article(status=Article.Status.DRAFT)

        def save(data: dict) -> None:
            _apply_form(form, article)
            services.article_save(article=article, topics=data["topics"], actor=request.user)

        if apply(form, save):
            messages.success(request, f"Draft “{article.title}” saved.")
            return redirect("casework:guidance_edit", article.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "article": None, "editable": True}
    return no_store(page(request, "casework/guidance/edit.html", context, status))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def article_edit(request: AuthenticatedHttpRequest, article_id: int) -> HttpResponse:
    article = selectors.article_get_editable(user=request.user, pk=article_id)
    editable = article.status == Article.Status.DRAFT or policies.can_publish_articles(request.user)
    stale = False
    if request.method != "POST":
        form = ArticleForm(initial=ArticleForm.initial_from(article))
    else:
        if not editable:
            raise PermissionDenied
        form = ArticleForm(request.POST)
        revision = parse_version(request.POST.get("revision"))

        def save(data: dict) -> None:
            _apply_form(form, article)
            services.article_save(
                article=article,
                topics=data["topics"],
                actor=request.user,
                expected_revision=revision,
                change_note=data["change_note"],
            )

        try:
            if revision is not None and apply(form, save):
                messages.success(request, f"“{article.title}” saved.")
                return redirect("casework:guidance_edit", article.pk)
        except services.StaleEdit:
            stale = True
        if revision is None:
            form.add_error(None, "This form is out of date or incomplete: nothing was saved.")
    status = 409 if stale else 400 if form.errors else 200
    context = {
        "form": form,
        "article": article,
        "editable": editable,
        "stale": STALE if stale else "",
        "revision": article.revision if request.method != "POST" else request.POST.get("revision"),
        "can_publish": policies.can_publish_articles(request.user),
        "versions": article.versions.select_related("published_by")[:20],
    }
    return no_store(page(request, "casework/guidance/edit.html", context, status))


def _state_change(request: AuthenticatedHttpRequest, article_id: int, change, done: str):
    article = selectors.article_get_editable(user=request.user, pk=article_id)
    if not policies.can_publish_articles(request.user):
        raise PermissionDenied
    change(article=article, actor=request.user)
    messages.success(request, done.format(title=article.title))
    return redirect(reverse("casework:guidance_edit", args=[article.pk]))


@require_POST
@staff_required
def article_publish(request: AuthenticatedHttpRequest, article_id: int) -> HttpResponse:
    return _state_change(request, article_id, services.article_publish, "“{title}” is published.")


@require_POST
@staff_required
def article_withdraw(request: AuthenticatedHttpRequest, article_id: int) -> HttpResponse:
    return _state_change(request, article_id, services.article_withdraw, "“{title}” is withdrawn.")


@require_POST
@staff_required
def article_reviewed(request: AuthenticatedHttpRequest, article_id: int) -> HttpResponse:
    return _state_change(
        request,
        article_id,
        services.article_mark_reviewed,
        "“{title}” is marked reviewed today; the next review is due in a year.",
    )


@enquiry_page.panel(order=15)
def _guidance_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """Up to five articles that may answer the enquiry. ``?insert=<slug>`` (``&as=excerpt``)
    puts a public article's link, or its summary and link, in the update form below: the
    publishing panel (a later one) starts its form from ``update_insert``."""
    found = selectors.article_suggestions(
        user=request.user,
        topic=enquiry.topic,
        text=f"{enquiry.subject} {enquiry.message}",
        limit=SUGGESTED_ON_ENQUIRY,
    )
    insert = ""
    wanted = request.GET.get("insert", "")
    chosen = next(
        (item.article for item in found if item.article.slug == wanted and item.article.is_public),
        None,
    )
    if chosen is not None:
        url = settings.SITE_URL + reverse("guidance:article", args=[chosen.slug])
        if request.GET.get("as") == "excerpt":
            insert = f"{chosen.title}\n{chosen.summary}\nRead more: {url}"
        else:
            insert = f"{chosen.title}: {url}"
    return {"suggested_guidance": found, **({"update_insert": insert} if insert else {})}
