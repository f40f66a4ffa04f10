"""Shape rules shared by the public form, the intake API and the desk's log form."""

import re

from django.core.exceptions import ValidationError

# UK postcode, spaces optional (e.g. "SW1A 1AA", "m1 1ae").
_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()-]{7,20}$")


def normalise_postcode(value: str) -> str:
    """Return the postcode in its standard form, or raise ValidationError."""
    value = (value or "").strip().upper()
    if not value:
        return ""
    match = _POSTCODE_RE.match(value)
    if not match:
        raise ValidationError("Enter a UK postcode, like SW1A 1AA.", code="invalid_postcode")
    return f"{match.group(1)} {match.group(2)}"


def validate_phone(value: str) -> None:
    if value and not _PHONE_RE.match(value):
        raise ValidationError(
            "Enter a phone number using digits, spaces and an optional leading +.",
            code="invalid_phone",
        )
