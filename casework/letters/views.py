"""Guidance letters in HTML: choose a template, see it filled in, edit, preview the PDF, issue;
a letter's page and download; bulk issue and its progress (managers). No JavaScript needed.

Each view parses, calls one service or selector, and responds; someone else's enquiry or
case is a 404 (the selectors), a wrong role a 403.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.cases import selectors as cases
from casework.clocks import selectors as clocks_selectors
from casework.desk import selectors as desk_selectors
from casework.desk.views import enquiry_page, form_errors_from, manager_required, staff_required
from casework.enquiry.selectors import enquiry_eligibility_warnings
from casework.letters import batches, compose, services
from casework.letters import selectors as letters
from casework.letters.compose import wants_large_print
from casework.letters.forms import BulkIssueForm, BulkSelectForm, LetterForm
from casework.models import Case, Letter
from config.http import AuthenticatedHttpRequest, no_store
from enquiries.conversation.services import DOWNLOAD_CSP
from enquiries.models import Enquiry
from enquiries.services import personal_data_access_record
from knowledgebase.models import LetterTemplateVersion
from knowledgebase.snippets import selectors as snippet_selectors

PROGRESS_REFRESH_SECONDS = 5


def _case_for(request: HttpRequest, enquiry: Enquiry, case_id: int | None) -> Case | None:
    """The case the letter is written from: one the user can see that holds the enquiry."""
    if not case_id:
        return None
    case = cases.case_get_for_user(user=request.user, case_id=case_id)
    if not case.case_enquiries.filter(enquiry=enquiry).exists():
        raise Http404("No such case for this enquiry")
    return case


def _page(
    request,
    enquiry,
    *,
    form=None,
    version=None,
    case=None,
    missing=(),
    instructions=(),
    status=200,
):
    choices = letters.letter_template_choices(topic=enquiry.topic)
    return no_store(
        render(
            request,
            "casework/letters/compose.html",
            {
                "enquiry": enquiry,
                "case": case,
                "choices": choices,
                "form": form,
                "version": version,
                "missing": [compose.describe_placeholder(name) for name in missing],
                "instructions": instructions,
                "letters": letters.letter_list_for_enquiry(enquiry=enquiry),
                "snippets": snippet_selectors.snippets_for(topic=enquiry.topic) if form else [],
                "large_print_suggested": wants_large_print(enquiry.contact.accessibility_needs),
                "eligibility_warnings": enquiry_eligibility_warnings(
                    enquiry, template=version.template.slug if version else None
                ),
            },
            status=status,
        )
    )


@enquiry_page.reads
def _letters_reads(request: HttpRequest, enquiry: Enquiry) -> dict:
    return {"letters": letters.letter_list_for_enquiry(enquiry=enquiry)}


@enquiry_page.panel()
def _letters_panel(request: HttpRequest, enquiry: Enquiry, context: dict, bound: dict) -> dict:
    """The enquiry's letters, newest first, read once for their count and their table."""
    return {"enquiry_letters": context["rows"]["letters"]}


@require_safe
@staff_required
def letter_compose(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Pick a template (the enquiry's topic first); with ``?template=`` see it filled in."""
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    # The composer shows the contact's name, address and access needs.
    personal_data_access_record(enquiry=enquiry, viewer=request.user, channel="page")
    case = _case_for(request, enquiry, _int(request.GET.get("case")))
    slug = request.GET.get("template", "")
    if not slug:
        return _page(request, enquiry, case=case)
    version = letters.letter_template_version_get(slug=slug[:80])
    filled = services.letter_compose(
        enquiry=enquiry, template_version=version, actor=request.user, case=case
    )
    body, missing = filled.body, filled.missing
    snippet_id = _int(request.GET.get("snippet"))
    if snippet_id is not None:
        # A canned reply added to the end of the text, filled from the same values.
        snippet = snippet_selectors.snippet_get(pk=snippet_id)
        added = snippet_selectors.snippet_fill(
            body=snippet.current_body,  # type: ignore[attr-defined]
            values=compose.letter_context(enquiry=enquiry, actor=request.user, case=case),
        )
        body, missing = f"{body}\n\n{added.text}", sorted({*missing, *added.unfilled})
    form = LetterForm(
        initial={
            "template": version.template.slug,
            "version": version.number,
            "case": case.pk if case else None,
            "title": filled.title,
            "body": body,
            "large_print": wants_large_print(enquiry.contact.accessibility_needs),
        }
    )
    return _page(
        request,
        enquiry,
        form=form,
        version=version,
        case=case,
        missing=missing,
        instructions=compose.instructions_left(title=filled.title, body=body),
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _bound(request: HttpRequest, enquiry: Enquiry):
    """The posted letter form, its template version (None if the form is not valid) and the
    case it is written from."""
    form = LetterForm(request.POST)
    version = None
    if form.is_valid():
        version = (
            LetterTemplateVersion.objects.select_related("template")
            .filter(
                template__slug=form.cleaned_data["template"],
                number=form.cleaned_data["version"],
                template__is_active=True,
            )
            .first()
        )
        if version is None:
            raise Http404("No such letter template")
    case = _case_for(request, enquiry, form.cleaned_data.get("case")) if version else None
    return form, version, case


@require_POST
@staff_required
def letter_preview(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The PDF as it would be issued, shown inline (opened in a new tab by the form)."""
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    form, version, case = _bound(request, enquiry)
    if version is not None:
        try:
            pdf = services.letter_preview(
                enquiry=enquiry,
                template_version=version,
                title_override=form.cleaned_data["title"],
                body_override=form.cleaned_data["body"],
                large_print=form.cleaned_data["large_print"],
                actor=request.user,
                case=case,
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            return _pdf_response(pdf, f"preview-{enquiry.reference}.pdf", inline=True)
    return _page(request, enquiry, form=form, version=version, case=case, status=400)


@require_POST
@staff_required
def letter_issue(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    form, version, case = _bound(request, enquiry)
    if version is not None:
        data = form.cleaned_data
        try:
            letter = services.letter_issue(
                enquiry=enquiry,
                template_version=version,
                title=data["title"],
                body=data["body"],
                large_print=data["large_print"],
                publish=data["publish"],
                email=data["email"],
                actor=request.user,
                case=case,
            )
        except ValidationError as error:
            form_errors_from(form, error)
        except PermissionDenied as error:  # sending it to the group is the holder's call
            form.add_error("publish", str(error))
        else:
            done = ["Letter issued."]
            if letter.published_at:
                done.append("It is on the group's enquiry and they are being emailed.")
            if letter.emailed_at:
                done.append("It is being emailed to the contact.")
            messages.success(request, " ".join(done))
            return redirect("casework:letter", reference, letter.pk)
    return _page(request, enquiry, form=form, version=version, case=case, status=400)


@require_safe
@staff_required
def letter_detail(request: HttpRequest, reference: str, letter_id: int) -> HttpResponse:
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    letter = letters.letter_get(enquiry=enquiry, letter_id=letter_id)
    return no_store(
        render(request, "casework/letters/letter.html", {"enquiry": enquiry, "letter": letter})
    )


@require_safe
@staff_required
def letter_download(
    request: AuthenticatedHttpRequest, reference: str, letter_id: int
) -> HttpResponse:
    """The issued PDF as a download, to print and post; recorded on the timeline."""
    enquiry = desk_selectors.enquiry_get_for_user(user=request.user, reference=reference)
    letter = letters.letter_get(enquiry=enquiry, letter_id=letter_id)
    content = letters.letter_pdf_content(letter=letter)
    services.letter_download_record(letter=letter, actor=request.user)
    return _pdf_response(content, f"{enquiry.reference}-letter-{letter.pk}.pdf", inline=False)


def _pdf_response(content: bytes, filename: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@manager_required
def letter_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose a template and a clock; tick the enquiries; issue. Workers make the letters."""
    # Not offered: templates that need the adviser's own words in each letter.
    choices = letters.letter_template_choices_for_bulk()
    templates = [c.template for c in choices]
    rules = clocks_selectors.deadline_rules_active()
    source = request.POST if request.method == "POST" else request.GET
    select_form = BulkSelectForm(
        source if "template" in source else None, templates=templates, rules=rules
    )
    issue_form = None
    candidates = []
    if select_form.is_bound and select_form.is_valid():
        data = select_form.cleaned_data
        rule = next(r for r in rules if r.slug == data["rule"])
        candidates = list(
            letters.bulk_candidates(user=request.user, rule=rule, within_days=data["within_days"])
        )
        initial = {**data, "enquiries": [e.reference for e in candidates], "publish": True}
        issue_form = BulkIssueForm(
            request.POST if request.method == "POST" else None,
            initial=initial,
            templates=templates,
            rules=rules,
            candidates=candidates,
        )
        if request.method == "POST" and issue_form.is_valid():
            chosen = set(issue_form.cleaned_data["enquiries"])
            version = next(c.version for c in choices if c.template.slug == data["template"])
            try:
                batch = batches.letter_batch_create(
                    template_version=version,
                    enquiries=[e for e in candidates if e.reference in chosen],
                    publish=issue_form.cleaned_data["publish"],
                    actor=request.user,
                )
            except ValidationError as error:
                _add_bulk_errors(select_form, issue_form, error)
            else:
                messages.success(request, f"{batch.total} letters are being made.")
                return redirect("casework:letter_batch", batch.pk)
    status = 400 if (issue_form is not None and issue_form.errors) or select_form.errors else 200
    return no_store(
        render(
            request,
            "casework/letters/bulk.html",
            {"select_form": select_form, "issue_form": issue_form, "candidates": candidates},
            status=status,
        )
    )


def _add_bulk_errors(select_form, issue_form, error: ValidationError) -> None:
    """The issue form carries the template and clock as hidden fields: an error about one of
    them goes on the visible choice above, where it can be seen and changed."""
    for field, errors in error.message_dict.items():
        if field in select_form.fields and issue_form.fields[field].widget.is_hidden:
            select_form.add_error(field, errors)
        else:
            issue_form.add_error(field if field in issue_form.fields else None, errors)


@require_safe
@staff_required
def letter_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Progress of a batch; refreshes itself (a Refresh header) until every letter is done."""
    batch = letters.letter_batch_get(user=request.user, batch_id=batch_id)
    progress = letters.letter_batch_progress(batch=batch)
    refresh = not progress.done and request.GET.get("refresh") != "off"
    response = render(
        request,
        "casework/letters/batch.html",
        {
            "batch": batch,
            "progress": progress,
            "refresh": refresh,
            "refresh_seconds": PROGRESS_REFRESH_SECONDS,
            "failed": letters.letter_batch_letters(batch=batch, state=Letter.State.FAILED)[:200],
            "issued": letters.letter_batch_letters(batch=batch, state=Letter.State.ISSUED)[:200],
        },
    )
    if refresh:
        response["Refresh"] = str(PROGRESS_REFRESH_SECONDS)
    return no_store(response)
