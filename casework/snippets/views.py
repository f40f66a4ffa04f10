"""Canned replies: managers write them (each change a new version); on an enquiry's page
an adviser inserts one into an update, its placeholders filled from the enquiry and any
that cannot be filled flagged, as the letter composer does."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_safe

from casework.desk.forms import parse_version
from casework.desk.views import apply, enquiry_page, manager_required, page
from casework.letters import selectors as letter_selectors
from casework.snippets.forms import SnippetForm
from config.http import AuthenticatedHttpRequest
from enquiries.models import Enquiry
from knowledgebase.letter_engine import PLACEHOLDERS
from knowledgebase.models import Snippet
from knowledgebase.snippets import selectors, services


@require_safe
@manager_required
def snippet_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    snippets = selectors.snippet_list(include_inactive=True)
    return page(request, "casework/snippets/list.html", {"snippets": snippets})


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def snippet_edit(request: AuthenticatedHttpRequest, snippet_id: int | None = None) -> HttpResponse:
    snippet = (
        selectors.snippet_get(pk=snippet_id, include_inactive=True)
        if snippet_id is not None
        else Snippet()
    )
    current = getattr(snippet, "current_number", None)
    if request.method != "POST":
        initial = {
            "title": snippet.title,
            "topic": snippet.topic_id,
            "body": getattr(snippet, "current_body", ""),
            "is_active": snippet.is_active,
        }
        form = SnippetForm(initial=initial)
    else:
        form = SnippetForm(request.POST)

        def save(data: dict) -> None:
            snippet.title, snippet.topic = data["title"], data["topic"]
            snippet.is_active = data["is_active"]
            services.snippet_save(
                snippet=snippet,
                body=data["body"],
                actor=request.user,
                expected_version=parse_version(request.POST.get("version")) if snippet_id else None,
            )

        if apply(form, save):
            messages.success(request, f"Snippet “{snippet.title}” saved.")
            return redirect("casework:snippets")
    context = {
        "form": form,
        "snippet": snippet if snippet_id else None,
        "version": current,
        "versions": selectors.snippet_versions(snippet=snippet)[:10] if snippet_id else [],
        "placeholders": PLACEHOLDERS,
    }
    status = 400 if form.errors else 200
    return page(request, "casework/snippets/edit.html", context, status)


@enquiry_page.panel(order=16)
def _snippet_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """The snippets on offer; ``?snippet=<id>`` fills one from the enquiry for the update
    form (the publishing panel starts its form from ``update_insert``)."""
    offered = selectors.snippets_for(topic=enquiry.topic)
    chosen = next(
        (snippet for snippet in offered if str(snippet.pk) == request.GET.get("snippet")), None
    )
    if chosen is None:
        return {"snippets": offered}
    values = letter_selectors.letter_values(enquiry=enquiry, actor=request.user)  # type: ignore[arg-type]
    filled = selectors.snippet_fill(body=chosen.current_body, values=values)  # type: ignore[attr-defined]
    return {
        "snippets": offered,
        "update_insert": filled.text,
        "snippet_chosen": chosen,
        "snippet_unfilled": [
            f"{{{{ {name} }}}} ({PLACEHOLDERS.get(name, 'a key date not recorded yet').lower()})"
            for name in filled.unfilled
        ],
    }
