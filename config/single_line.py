"""Single-line text stays on one line, on every write path, in one place.

A subject, a name or an email address that carries a carriage return or a line feed can
split a log line, an email header or a CSV row. Every form, the API, the services, imports
and mail all end in a model save, so a ``pre_save`` receiver (connected by the
knowledgebase app, for every model) turns any line break in a ``CharField`` (not a
``TextField``, whose text may run over lines) into a single space. Bulk writes
(``bulk_create``, ``update``) send no signal: the demo seeder's are the only ones that take
text, and it writes its own.
"""

import re
from typing import Any

from django.db import models

# CR, LF, vertical tab, form feed, NEL and the Unicode line and paragraph separators.
LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")


def single_line(value: str) -> str:
    """``value`` with every run of line breaks replaced by one space."""
    return LINE_BREAKS.sub(" ", value)


def keep_single_line_fields(
    sender: type[models.Model], instance: models.Model, **kwargs: Any
) -> None:
    """``pre_save`` receiver: line breaks out of every ``CharField`` of ``instance``."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.CharField):
            value = getattr(instance, field.attname)
            if isinstance(value, str) and LINE_BREAKS.search(value):
                setattr(instance, field.attname, single_line(value))
