"""Form widgets that render long choice lists in Python rather than one template per option.

Django's ``Select`` renders every ``<option>`` through an included template: for the
public form's 317 council areas and grouped topics that was most of the page's time.
``QuickSelect`` builds the same markup directly (the attributes, groups, selected and
disabled options, escaping and all), so a form renders in a few milliseconds.
"""

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [
            format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    option["value"],
                    _attrs(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every piece went through format_html


class QuickSelectMultiple(QuickSelect, forms.SelectMultiple):
    """``SelectMultiple``'s markup (its ``multiple`` attribute, several selected), built
    as ``QuickSelect`` builds it: for pickers over the 317 council areas on staff pages."""


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """As Django's ``attrs.html``, in the same order: True is a bare attribute, False is
    left out."""
    return mark_safe(  # noqa: S308 - each attribute went through format_html
        "".join(
            format_html(" {}", key) if value is True else format_html(' {}="{}"', key, value)
            for key, value in attrs.items()
            if value is not False
        )
    )


# A date field as the browser's own date picker, its value in ISO form.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
