"""The only tags and filters a letter template may use (see ``letter_engine``).

Copied by reference from Django's built-ins: conditionals and text formatting.
Nothing that loads, includes, extends, reverses URLs, debugs, or marks text safe.
"""

from django import template
from django.template import defaultfilters, defaulttags

register = template.Library()

register.tag("if", defaulttags.do_if)

for _name in (
    "capfirst",
    "date",
    "default",
    "default_if_none",
    "linebreaksbr",
    "lower",
    "pluralize",
    "title",
    "upper",
    "yesno",
):
    register.filter(_name, getattr(defaultfilters, _name))
