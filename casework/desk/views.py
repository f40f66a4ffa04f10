"""The staff desk's frame, shared by every feature: who may use a desk page, the two pages
that several features fill in (an enquiry, a case), and the small steps every form view
repeats. It imports no feature; features register their part of a page here.

Status codes: a page that is not the user's is 404 (the selector decides); a signed-in
user without a desk role, or an action their role does not allow, is 403; input that
cannot be used is 400 with the form and its errors; an action that lost a race (someone
claimed first, the status moved on) is 409 with a message saying what happened. Success
redirects (post/redirect/get).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from casework import policies
from casework.desk.forms import DetailsEditForm, parse_version
from config.http import AuthenticatedHttpRequest, no_store
from config.rows import read_together
from enquiries.services import StaleEdit

View = Callable[..., HttpResponseBase]
# (request, the record, the context so far, the bound forms being shown again) -> context
Panel = Callable[[HttpRequest, Any, dict, dict], dict]
# (request, the record) -> the rows a panel shows, by name, as querysets not yet read
Reads = Callable[[HttpRequest, Any], dict[str, QuerySet[Any]]]


def role_required(has_role: Callable[[Any], bool]) -> Callable[[View], View]:
    """A view for signed-in users ``has_role`` accepts; anyone else signed in gets 403,
    anonymous users sign in."""

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not has_role(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Desk staff (advisers and managers); desk managers only.
staff_required = role_required(policies.is_staff_member)
manager_required = role_required(
    lambda user: policies.is_staff_member(user) and policies.is_manager(user)
)


@dataclass
class SharedPage:
    """A page that several features fill in. The feature that owns the record registers the
    loader (record and base context from the URL's key); each feature registers a panel
    that adds its part. A view that refused a form shows the page again through
    ``render`` with its bound form, so no feature imports another's views.

    A feature may also register what its panel reads (``reads``: named querysets of the
    record's rows). Every feature's are read together, in one statement
    (``config.rows.read_together``), before the panels run, which find them in
    ``context["rows"]`` by name: a page of twenty panels costs one query for their rows,
    not one or more each (issue 12)."""

    template: str
    # The part of the template (a partialdef) an htmx request gets back in place of the page.
    partial: str | None = None
    loader: Callable[[AuthenticatedHttpRequest, Any], tuple[Any, dict]] | None = None
    panels: list[tuple[int, Panel]] = field(default_factory=list)
    readers: list[Reads] = field(default_factory=list)

    def load(self, loader: Callable[[AuthenticatedHttpRequest, Any], tuple[Any, dict]]) -> Callable:
        self.loader = loader
        return loader

    def panel(self, *, order: int = 50) -> Callable[[Panel], Panel]:
        """Register a panel; a lower ``order`` runs first (later panels read its context)."""

        def register(panel: Panel) -> Panel:
            self.panels.append((order, panel))
            self.panels.sort(key=lambda item: item[0])
            return panel

        return register

    def reads(self, reader: Reads) -> Reads:
        """Register what a feature's panel reads (the names must be unique on the page)."""
        self.readers.append(reader)
        return reader

    def read_rows(self, request: HttpRequest, record: Any) -> dict[str, list[Any]]:
        parts: dict[str, QuerySet[Any]] = {}
        for reader in self.readers:
            wanted = reader(request, record)
            if clash := parts.keys() & wanted.keys():
                raise RuntimeError(f"Two panels read rows named {sorted(clash)}")
            parts.update(wanted)
        return read_together(parts)

    def render(
        self, request: AuthenticatedHttpRequest, key: Any, *, status: int = 200, **bound: Any
    ) -> HttpResponse:
        if self.loader is None:
            raise RuntimeError(f"No feature loads {self.template}.")
        record, context = self.loader(request, key)
        context["rows"] = self.read_rows(request, record)
        for _, panel in self.panels:
            context.update(panel(request, record, context, bound))
        template = self.template
        if self.partial and getattr(request, "htmx", False):
            template = f"{template}#{self.partial}"
        return no_store(render(request, template, context, status=status))


enquiry_page = SharedPage("casework/enquiry_detail.html", partial="workspace")
case_page = SharedPage("casework/case_detail.html")


def page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return no_store(render(request, template, context, status=status))


def chosen(request: HttpRequest, name: str, choices: list[tuple[str, str]], default: str) -> str:
    """The ``?name=`` one of ``choices`` (value, label) the page offers, else ``default``."""
    value = request.GET.get(name, default)
    return value if value in dict(choices) else default


def chosen_and_kept(
    request: HttpRequest, name: str, choices: list[tuple[str, str]], default: str
) -> str:
    """As ``chosen``, but the reader's last choice (kept in their session under ``name``)
    is the default until they choose again."""
    key = f"chosen:{name}"
    kept = request.session.get(key, default)
    value = chosen(request, name, choices, kept)
    if value != kept:
        request.session[key] = value
    return value


def enquiry_url(reference: str, anchor: str = "") -> str:
    return reverse("casework:enquiry", args=[reference]) + (f"#{anchor}" if anchor else "")


def case_url(case_id: int, anchor: str = "") -> str:
    return reverse("casework:case", args=[case_id]) + (f"#{anchor}" if anchor else "")


def back_to_enquiry(reference: str, anchor: str = "") -> HttpResponse:
    return redirect(enquiry_url(reference, anchor))


def form_errors_from(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal shown on the form: each field's messages on that field, the rest
    at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def apply(
    form: forms.Form,
    action: Callable[[dict], object],
    *,
    refusals: dict[type[Exception], str] | None = None,
) -> bool:
    """Run ``action`` with the cleaned data if the form is valid; the service's reasons for
    refusing (a ``ValidationError``, or one of ``refusals``: exception -> the field its
    message goes on) become the form's errors. True when it was done."""
    if not form.is_valid():
        return False
    refusals = refusals or {}
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        form_errors_from(form, error)
        return False
    except tuple(refusals) as refused:
        field = next(name for kind, name in refusals.items() if isinstance(refused, kind))
        form.add_error(field, str(refused))
        return False
    return True


def form_post(
    request: AuthenticatedHttpRequest,
    on: SharedPage,
    key: Any,
    form: forms.Form,
    action: Callable[[dict], Any],
    *,
    allowed: bool,
    bound: str,
    done: str | Callable[[Any], str],
    then: str | Callable[[Any], str],
    conflicts: tuple[type[Exception], ...] = (),
    refusals: dict[type[Exception], str] | None = None,
    shown: dict | None = None,
) -> HttpResponse:
    """What every form posted from a shared page does. Refused (403) unless ``allowed``;
    then ``action`` runs with the cleaned data. A form or a service that refuses shows the
    page ``on`` (key ``key``) again with the bound form as ``bound`` (and ``shown``) and a
    400; one of ``conflicts`` (the record moved on since the page was read) shows it with
    its message and a 409. Done: the message ``done`` and a redirect to ``then`` (either
    may be made from what ``action`` returned)."""
    if not allowed:
        raise PermissionDenied
    results = []
    try:
        ok = apply(form, lambda data: results.append(action(data)), refusals=refusals)
    except conflicts as error:
        messages.error(request, str(error))
        return on.render(request, key, status=409)
    if not ok:
        return on.render(request, key, status=400, **{bound: form}, **(shown or {}))
    [result] = results
    messages.success(request, done(result) if callable(done) else done)
    return redirect(then(result) if callable(then) else then)


MISSING_VERSION = (
    "This form is out of date or incomplete, so nothing was saved. Reload the latest version "
    "and make your changes again."
)


def versioned_edit(
    request: HttpRequest,
    record: Any,
    form_class: type[DetailsEditForm],
    save: Callable[[int, dict], object],
    *,
    template: str,
    context: dict,
    done: str,
    then: str,
) -> HttpResponse:
    """The edit page of a record's details, with optimistic concurrency. GET: the form,
    filled from the record, with the version it was read at. POST: ``save(version, data)``;
    a form without a usable version, or with values that cannot be used, is shown again
    (400); if the record moved on since it was read, nothing is saved and the page says so
    (409, ``StaleEdit``); saved: the message ``done`` and a redirect to ``then``."""
    if request.method == "GET":
        form = form_class(initial=form_class.initial_from(record))
        return page(request, template, {**context, "form": form, "version": record.version})
    form = form_class(request.POST)
    version = parse_version(request.POST.get("version"))
    if version is None:
        form.is_valid()
        form.add_error(None, MISSING_VERSION)
        status, stale = 400, None
    else:
        status, stale = save_versioned(form, lambda data: save(version, data))
    if status == 0:
        messages.success(request, done)
        return redirect(then)
    shown = {"form": form, "version": version or record.version, "stale": stale}
    return page(request, template, {**context, **shown, "reload_url": request.path}, status)


def save_versioned(
    form: forms.Form, action: Callable[[dict], object]
) -> tuple[int, StaleEdit | None]:
    """Run an edit with the cleaned data. The status to answer with (0: saved) and the
    refusal, if the record had moved on since the form was read."""
    if not form.is_valid():
        return 400, None
    try:
        action(form.cleaned_data)
    except StaleEdit as stale:
        return 409, stale
    except ValidationError as error:
        form_errors_from(form, error)
        return 400, None
    return 0, None
