"""Public guidance pages: the topic index, one article, and search. Nothing personal is
shown, so they are cacheable (``config.http.public_cacheable``)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from config.http import public_cacheable
from knowledgebase.guidance import selectors, services
from knowledgebase.guidance.forms import GuidanceSearchForm
from knowledgebase.models import SearchScope
from knowledgebase.search.services import search_term_record


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    context = {"topics": selectors.topic_index(request.user), "form": GuidanceSearchForm()}
    return public_cacheable(request, render(request, "knowledgebase/guidance/index.html", context))


@require_safe
def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.article_get_readable(user=request.user, slug=slug)
    if request.method == "GET":
        services.article_read_record(article=found)
    context = {"article": found, "topics": list(found.topics.all())}
    return public_cacheable(
        request, render(request, "knowledgebase/guidance/article.html", context)
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = GuidanceSearchForm(request.GET if "q" in request.GET else None)
    results = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            query = form.cleaned_data["q"]
            results = selectors.article_search(user=request.user, query=query)
            search_term_record(scope=SearchScope.GUIDANCE, query=query, found=len(results))
        else:
            status = 400
    context = {"form": form, "results": results}
    response = render(request, "knowledgebase/guidance/search.html", context, status=status)
    return public_cacheable(request, response, max_age=60)
