"""A restricted template language for guidance letters that staff write.

Django's template language is not safe against untrusted authors: a template
can reach any attribute of any object in its context. Letters therefore get:

* a context of plain, allow-listed values built for the letter (strings, dates,
  numbers in nested dicts), never model instances, querysets, the request,
  the user or settings;
* an engine with only ``if`` and a few text filters (``letter_tags``): no
  ``load``, ``include``, ``extends``, ``url``, ``debug``, ``safe`` and the like;
* a check at save time (``validate_letter_template``) that refuses any
  placeholder outside the published list, so an error is seen when the
  template is written, not when a letter is issued.
"""

import datetime
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, VariableNode
from django.template.defaulttags import IfNode, TemplateLiteral


class LetterEngine(Engine):
    default_builtins = ["knowledgebase.letter_tags"]


ENGINE = LetterEngine(debug=False, loaders=[], libraries={}, autoescape=True, string_if_invalid="")

# The placeholders every letter can use; deadline placeholders are added per rule.
PLACEHOLDERS: dict[str, str] = {
    "today": "Today's date",
    "group.name": "The group or organisation's name",
    "group.type": "The kind of group (e.g. Town or parish council)",
    "contact.name": "The contact's full name",
    "enquiry.reference": "The enquiry's reference, e.g. CR-2026-000123",
    "enquiry.subject": "The enquiry's subject",
    "enquiry.received_on": "The date the enquiry was received",
    "adviser.name": "The adviser's name",
    "asset.name": "The building or land's name",
    "asset.address": "The building or land's address",
    "service.name": "The advice service's name",
}


# A template's note to the adviser, in square brackets and starting with an instruction,
# e.g. "[Write your advice here ...]". The adviser replaces it in each letter: a letter
# still carrying one is flagged in the composer and refused at issue, and a template
# with one cannot be issued in bulk (there is no adviser to write it).
ADVISER_INSTRUCTION = re.compile(r"\[(?:Write|Add|Insert|Replace|Explain)\b[^\]]*\]")


def adviser_instructions(text: str) -> list[str]:
    """The template's notes to the adviser still in ``text``, in order."""
    return [match.group() for match in ADVISER_INSTRUCTION.finditer(text or "")]


def deadline_placeholder(rule_slug: str) -> str:
    """``acv-interim-moratorium`` -> ``deadlines.acv_interim_moratorium``."""
    return "deadlines." + rule_slug.replace("-", "_")


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: str


def published_placeholders(deadline_rules: Iterable[tuple[str, str]] = ()) -> list[Placeholder]:
    """Every placeholder a template may use: the fixed ones and one per deadline rule
    (``deadline_rules`` is (slug, name) pairs)."""
    fixed = [Placeholder(name, text) for name, text in PLACEHOLDERS.items()]
    deadlines = [
        Placeholder(deadline_placeholder(slug), f"End date: {name}")
        for slug, name in deadline_rules
    ]
    return fixed + deadlines


def _expressions(nodes: Iterable[Node]) -> Iterator[FilterExpression]:
    for node in nodes:
        if isinstance(node, VariableNode):
            yield node.filter_expression
        elif isinstance(node, IfNode):
            for condition, nodelist in node.conditions_nodelists:
                yield from _condition_expressions(condition)
                yield from _expressions(nodelist)


def _condition_expressions(condition: object) -> Iterator[FilterExpression]:
    if condition is None:
        return
    if isinstance(condition, TemplateLiteral):
        # The if tag's literal holds a FilterExpression; django-stubs gives it smartif's type.
        yield condition.value  # type: ignore[misc]
        return
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        yield from _condition_expressions(part)


def _names(expression: FilterExpression) -> Iterator[str]:
    variables = [expression.var] + [
        arg for _, args in expression.filters for lookup, arg in args if lookup
    ]
    for variable in variables:
        if getattr(variable, "lookups", None):
            yield variable.var


def compile_letter_template(source: str) -> Template:
    """Parse ``source`` with the restricted engine; syntax errors become ValidationError."""
    try:
        return ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        raise ValidationError(
            f"This template uses something letters cannot: {error}. Letters may use "
            "placeholders like {{ contact.name }}, {% if %} … {% endif %}, and the filters "
            "date, default, upper, lower, title, capfirst, linebreaksbr, pluralize and yesno.",
            code="letter_template_syntax",
        ) from None


def placeholders_used(source: str) -> set[str]:
    return {
        name
        for expression in _expressions(compile_letter_template(source).nodelist)
        for name in _names(expression)
    }


def validate_letter_template(source: str, allowed: Iterable[str]) -> None:
    """Refuse a template that uses a placeholder outside ``allowed`` (or bad syntax)."""
    unknown = sorted(placeholders_used(source) - set(allowed))
    if unknown:
        listed = ", ".join("{{ " + name + " }}" for name in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise ValidationError(
            f"Unknown placeholder{plural}: {listed}. Use only the placeholders in the "
            "published list.",
            code="letter_template_placeholder",
        )


def _lookup(context: Mapping[str, Any], name: str) -> Any:
    value = context
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def missing_placeholders(source: str, context: Mapping[str, Any]) -> list[str]:
    """Placeholders the template uses that have no value for this letter (to flag before
    issuing, rather than print blanks)."""
    return sorted(
        name for name in placeholders_used(source) if _lookup(context, name) in (None, "")
    )


def _reached(nodes: Iterable[Node], context: Context) -> Iterator[FilterExpression]:
    """The output expressions a render would reach: ``if`` branches decided as rendering
    would decide them."""
    for node in nodes:
        if isinstance(node, VariableNode):
            yield node.filter_expression
        elif isinstance(node, IfNode):
            for condition, nodelist in node.conditions_nodelists:
                try:
                    # smartif evaluates against a Context; django-stubs says dict.
                    taken = condition is None or condition.eval(context)  # type: ignore[arg-type]
                except Exception:  # as the if tag does: an error is false
                    taken = False
                if taken:
                    yield from _reached(nodelist, context)
                    break


def unfilled_placeholders(source: str, context: Mapping[str, Any]) -> list[str]:
    """Placeholders that would print as blanks in this letter.

    Unlike ``missing_placeholders``, a placeholder only tested by ``{% if %}`` (with
    wording for either case) or given a ``default`` is not counted: only what a render
    would actually leave empty.
    """
    _check_plain(context)
    template_context = Context(dict(context), autoescape=True)
    template = compile_letter_template(source)
    unfilled: set[str] = set()
    with template_context.bind_template(template):
        for expression in _reached(template.nodelist, template_context):
            if expression.resolve(template_context) in (None, ""):
                unfilled.update(_names(expression))
    return sorted(unfilled)


def render_letter_template(source: str, context: Mapping[str, Any]) -> str:
    """Render with plain values only: anything else in the context is refused."""
    _check_plain(context)
    return compile_letter_template(source).render(Context(dict(context), autoescape=True))


_PLAIN = (str, int, float, bool, type(None), datetime.date)


def _check_plain(value: object, path: str = "context") -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path} keys must be strings")
            _check_plain(item, f"{path}.{key}")
    elif not isinstance(value, _PLAIN):
        raise TypeError(f"{path} is a {type(value).__name__}; letters take plain values only")
