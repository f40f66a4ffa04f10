"""The desk's search page. The query is POSTed, never put in the address: it is often a
name, an email address or a postcode, and addresses end up in logs and histories."""

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from casework.desk.views import page, staff_required
from casework.search import selectors
from casework.search.forms import DeskSearchForm
from config.http import AuthenticatedHttpRequest
from knowledgebase.models import SearchScope
from knowledgebase.search.services import search_term_record


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def desk_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DeskSearchForm(request.POST if request.method == "POST" else None)
    results = None
    if form.is_bound and form.is_valid():
        results = selectors.desk_search(user=request.user, query=form.cleaned_data["q"])
        search_term_record(scope=SearchScope.DESK, query=results.query, found=results.total)
    status = 400 if form.errors else 200
    return page(request, "casework/search.html", {"form": form, "results": results}, status)
