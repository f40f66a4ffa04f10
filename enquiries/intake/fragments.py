"""The blank public form's fields, built once per reference version and language in each
server process instead of on every request.

Most of the form page's time went on its fields (317 council areas, the grouped topics,
each field through its template) although a blank form is the same for every visitor:
what differs per request (the CSRF token) is outside the fields. The markup is kept per
process, keyed on the version of the reference lists the form was built from
(``knowledgebase.reference_data``, new whenever those lists change) and the language. A
new deploy starts new processes, so template changes never meet old markup. A bound
form (errors, values typed) is always rendered afresh.
"""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

FIELDS_TEMPLATE = "includes/form_fields.html"
_KEEP = 8  # versions kept per process: one is in use; the rest are a few old ones

_blank_fields: dict[tuple[str, str, str], SafeString] = {}


def blank_form_fields(form, request: HttpRequest) -> SafeString:
    if form.is_bound or form.initial:
        raise ValueError("Only a blank form's fields are the same for every visitor.")
    key = (type(form).__qualname__, form.reference.version, get_language() or "")
    html = _blank_fields.get(key)
    if html is None:
        html = mark_safe(render_to_string(FIELDS_TEMPLATE, {"form": form}, request=request))  # noqa: S308 - rendered by the template engine, escaped there
        while len(_blank_fields) >= _KEEP:
            _blank_fields.pop(next(iter(_blank_fields)))
        _blank_fields[key] = html
    return html
