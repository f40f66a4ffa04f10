"""A search term as the knowledge-gap report keeps it: with nothing personal in it.

A term is lower-cased and stripped of anything that looks like an email address,
a phone number, a postcode, a reference or any other run of digits before it is
counted; what remains is counted per day and scope, never per person.
"""

import re

from knowledgebase.models import SearchTermDay

_EMAIL = re.compile(r"\S+@\S+")
_POSTCODE = re.compile(r"\b[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b", re.IGNORECASE)
_DIGITS = re.compile(r"[\d+()\-]*\d[\d\s+()\-]*")
_SPACES = re.compile(r"\s+")
MAX_TERM = SearchTermDay._meta.get_field("term").max_length or 100


def loggable_term(query: str) -> str:
    text = _EMAIL.sub(" ", query)
    text = _POSTCODE.sub(" ", text)
    text = _DIGITS.sub(" ", text)
    return _SPACES.sub(" ", text).strip().lower()[:MAX_TERM].strip()
