"""The desk fields an import reads, each from one column of the file (docs/import.md), and
how a file's headings are matched to them. Pure: no database."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field("source_key", "Old reference", True, ("reference", "ref", "id", "case id", "old ref")),
    Field("received", "Date received", True, ("received", "date", "date opened", "opened")),
    Field("organisation", "Organisation", aliases=("group", "organisation name", "org")),
    Field("organisation_type", "Organisation type", aliases=("type", "group type", "org type")),
    Field("postcode", "Postcode", aliases=("post code",)),
    Field("contact_name", "Contact name", True, ("contact", "name", "enquirer")),
    Field("contact_email", "Contact email", aliases=("email", "e-mail", "email address")),
    Field("contact_phone", "Contact phone", aliases=("phone", "telephone", "tel")),
    Field("channel", "Channel", aliases=("how received", "source channel", "method")),
    Field("topic", "Topic", aliases=("subject area", "category")),
    Field("area", "Area", aliases=("local authority", "council", "district")),
    Field("subject", "Subject", aliases=("title", "summary")),
    Field("message", "Enquiry", aliases=("message", "description", "details", "enquiry text")),
    Field("asset_name", "Asset", aliases=("asset name", "building", "property")),
    Field("status", "Status", aliases=("state",)),
    Field("closed", "Date closed", aliases=("closed", "closed date", "date resolved")),
    Field("adviser", "Adviser", aliases=("advisor", "assigned to", "owner", "handled by")),
    Field("outcome", "Outcome", aliases=("result", "outcome code")),
    Field("outcome_detail", "Outcome detail", aliases=("outcome notes", "result detail")),
    Field("notes", "Notes", aliases=("internal notes", "adviser notes", "case notes")),
)
FIELD_NAMES = frozenset(f.name for f in FIELDS)
REQUIRED = tuple(f for f in FIELDS if f.required)


def normalise(text: str) -> str:
    """For matching words typed by people: case, spacing, hyphens and underscores ignored."""
    return " ".join(re.sub(r"[-_]+", " ", text).split()).casefold()


def mapping_for(headings: list[str], saved: dict[str, str]) -> dict[str, str]:
    """Field -> heading: the source's saved choice where the file has that column, else a
    heading that names the field (its name, label or a usual alias)."""
    present = {normalise(h): h for h in headings if h}
    mapping: dict[str, str] = {}
    for field in FIELDS:
        chosen = saved.get(field.name)
        if chosen and normalise(chosen) in present:
            mapping[field.name] = present[normalise(chosen)]
            continue
        for name in (field.name, field.label, *field.aliases):
            if normalise(name) in present:
                mapping[field.name] = present[normalise(name)]
                break
    used: dict[str, str] = {}
    for name, heading in list(mapping.items()):  # one column feeds one field
        if heading in used:
            del mapping[name]
        used[heading] = name
    return mapping


def mapping_errors(mapping: dict[str, str], headings: list[str]) -> dict[str, str]:
    """What is wrong with a chosen mapping, by field; empty when it can be used."""
    errors = {}
    for field in REQUIRED:
        if not mapping.get(field.name):
            errors[field.name] = f"Choose the column that holds “{field.label}”: it is needed."
    seen: dict[str, str] = {}
    for name, heading in mapping.items():
        if name not in FIELD_NAMES:
            errors[name] = "Not a field the desk imports."
        elif heading and heading not in headings:
            errors[name] = f"The file has no column headed “{heading}”."
        elif heading and heading in seen:
            label = next(f.label for f in FIELDS if f.name == seen[heading])
            errors[name] = f"“{heading}” already feeds “{label}”: one column, one field."
        if heading:
            seen.setdefault(heading, name)
    return errors
