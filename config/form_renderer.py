"""Django's form templates, the few every field uses drawn in Python (``FORM_RENDERER``).

A staff enquiry page shows about 30 form fields (notes, tasks, time, key dates, outcomes,
replies...). Each went through five or six small templates: the field group, its label
with its attributes, its error list, its input with its attributes. That was half the
page's template time, 29 ms of 56 in-process (issue 12). ``QuickFormRenderer`` draws
those templates in Python, markup for markup (``tests/test_form_renderer.py`` compares
every kind of field, the staff enquiry page and the public form with Django's own
templates); any other template (a plain select, a checkbox list, a clearable file input)
still goes through Django's.

A project template overriding one of the templates drawn here would not be seen: none
does, and a new override must be drawn here too or taken out of ``DRAWN``.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates

from config.widgets import attrs_html, text_html


def _field(context: Mapping[str, Any]) -> str:
    """``django/forms/field.html``: label (or legend), help text, errors, the widget."""
    field = context["field"]
    if field.use_fieldset:
        described = field.aria_describedby
        described = f' aria-describedby="{text_html(described)}"' if described else ""
        head = f"\n  <fieldset{described}>\n  {field.legend_tag() if field.label else ''}\n"
    else:
        head = f"\n  {field.label_tag() if field.label else ''}\n"
    help_text = ""
    if field.help_text:
        where = f' id="{text_html(field.auto_id)}_helptext"' if field.auto_id else ""
        help_text = f'<div class="helptext"{where}>{field.help_text}</div>'
    end = "</fieldset>" if field.use_fieldset else ""
    return f"{head}\n{help_text}\n{text_html(field.errors)}\n{text_html(field)}{end}\n".strip()


def _label(context: Mapping[str, Any]) -> str:
    """``django/forms/label.html``."""
    label = text_html(context["label"])
    if not context["use_tag"]:
        return label.strip()
    tag = text_html(context["tag"])
    return f"<{tag}{attrs_html(context['attrs'])}>{label}</{tag}>"


def _errors(context: Mapping[str, Any]) -> str:
    """``django/forms/errors/list/default.html`` (which is ``ul.html``)."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    where = f' id="{text_html(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{text_html(error)}</li>" for error in errors)
    return f'<ul class="{text_html(context["error_class"])}"{where}>{items}</ul>'


def _input(context: Mapping[str, Any]) -> str:
    """``django/forms/widgets/input.html`` and the templates that only include it."""
    widget = context["widget"]
    value = widget["value"]
    value = f' value="{text_html(value)}"' if value is not None else ""
    return (
        f'<input type="{text_html(widget["type"])}" name="{text_html(widget["name"])}"'
        f"{value}{attrs_html(widget['attrs'])}>"
    )


_INPUTS = "checkbox color date datetime email file hidden number password search tel text time url"
DRAWN: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "django/forms/field.html": _field,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
    **{f"django/forms/widgets/{name}.html": _input for name in _INPUTS.split()},
}


class QuickFormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        draw = DRAWN.get(template_name)
        if draw is None:
            return super().render(template_name, context, request)
        return draw(context)
