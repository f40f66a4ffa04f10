"""Enquiry references: ``CR-<year>-<six-digit sequence>``, sequential within a year."""

import re

PREFIX = "CR"
REFERENCE_RE = re.compile(r"CR-(?P<year>\d{4})-(?P<number>\d{6,})")


def format_reference(year: int, number: int) -> str:
    return f"{PREFIX}-{year:04d}-{number:06d}"


def is_reference(value: str) -> bool:
    return bool(REFERENCE_RE.fullmatch(value))
