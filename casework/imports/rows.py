"""One row of an import, cleaned: the messy forms real spreadsheets hold (dates as
31/01/2024, 2024-01-31 or an Excel serial number; names in any case and spacing) read
into desk values, and anything that cannot be read reported with its column and why,
never guessed. Pure: the desk's topics, areas and advisers come in as ``Lookups``."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from casework.imports.columns import normalise
from casework.outcomes import OutcomeCode, outcome_errors
from enquiries.models import Channel, Contact, EnquirerType, Enquiry, Status
from enquiries.validation import normalise_postcode, validate_phone

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's leap-year bug included)
# Serials from 1 January 1990 to 31 December 2099: any other number is not a date here.
SERIALS = range(32874, 73416)
# Numbers only, read without strptime (the bulk of a file's dates): day first, or ISO.
_TIME = r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
DAY_FIRST = re.compile(r"(?P<day>\d{1,2})([/.-])(?P<month>\d{1,2})\2(?P<year>\d{4}|\d{2})" + _TIME)
ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})" + _TIME)
# With the month in words.
DATE_FORMATS = ("%d %b %Y", "%d %B %Y")
TIME_FORMATS = ("", " %H:%M", " %H:%M:%S")
RECEIVED_AT = time(9, 0)  # a date with no time: the morning it came, the evening it closed
CLOSED_AT = time(17, 0)
# A spreadsheet formula saved as text (CSV keeps the formula, not its value).
FORMULA = re.compile(r"^=\s*(?:[A-Za-z][A-Za-z0-9_.]*\s*\(|\$?[A-Za-z]{1,3}\$?\d+)")

CHANNEL_WORDS = {
    "telephone": Channel.PHONE,
    "phone call": Channel.PHONE,
    "call": Channel.PHONE,
    "e mail": Channel.EMAIL,
    "online": Channel.WEB,
    "website": Channel.WEB,
    "web": Channel.WEB,
    "post": Channel.LETTER,
    "in person": Channel.WALK_IN,
    "walk in": Channel.WALK_IN,
    "face to face": Channel.WALK_IN,
    "chat": Channel.WEBCHAT,
    "live chat": Channel.WEBCHAT,
    "referral": Channel.REFERRAL,
}
STATUS_WORDS = {
    "open": Status.RECEIVED,
    "new": Status.RECEIVED,
    "in progress": Status.IN_PROGRESS,
    "ongoing": Status.IN_PROGRESS,
    "with adviser": Status.IN_PROGRESS,
    "waiting": Status.AWAITING_GROUP,
    "on hold": Status.AWAITING_GROUP,
    "awaiting group": Status.AWAITING_GROUP,
    "resolved": Status.CLOSED,
    "complete": Status.CLOSED,
    "completed": Status.CLOSED,
    "done": Status.CLOSED,
}
TYPE_WORDS = {
    "parish council": EnquirerType.PARISH_COUNCIL,
    "town council": EnquirerType.PARISH_COUNCIL,
    "neighbourhood forum": EnquirerType.NEIGHBOURHOOD_FORUM,
    "community group": EnquirerType.COMMUNITY_GROUP,
    "residents association": EnquirerType.COMMUNITY_GROUP,
    "charity": EnquirerType.CHARITY,
    "social enterprise": EnquirerType.COMMUNITY_BUSINESS,
    "community land trust": EnquirerType.HOUSING_GROUP,
    "individual": EnquirerType.INDIVIDUAL,
    "resident": EnquirerType.INDIVIDUAL,
    "council": EnquirerType.LOCAL_AUTHORITY,
    "local authority": EnquirerType.LOCAL_AUTHORITY,
}


class CellError(Exception):
    pass


@dataclass(frozen=True)
class Lookups:
    """Normalised words -> desk ids. A word that names two records maps to None."""

    topics: dict[str, int | None]
    areas: dict[str, int | None]
    advisers: dict[str, int | None]  # username, email or full name -> user id


def choices_by_words(
    choices: list[tuple[str, str]], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    words = {normalise(value): value for value, _ in choices}
    words.update({normalise(label): value for value, label in choices})
    words.update(extra or {})
    return words


CHANNELS = choices_by_words(Channel.choices, CHANNEL_WORDS)
STATUSES = choices_by_words(Status.choices, STATUS_WORDS)
TYPES = choices_by_words(EnquirerType.choices, TYPE_WORDS)
OUTCOMES = choices_by_words(
    [(c.value, c.label.removeprefix("Result: ")) for c in OutcomeCode],
    {normalise(c.label): c.value for c in OutcomeCode},
)


@dataclass
class Planned:
    """A row ready to write: the group, the person and the enquiry it describes."""

    row: int
    key: str
    organisation_key: str
    organisation: dict[str, Any]
    contact_key: str
    contact: dict[str, Any]
    enquiry: dict[str, Any]
    outcome: str = ""
    outcome_detail: str = ""
    note: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, reason)


def text(value: Any, *, max_length: int | None = None, what: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id typed in Excel comes back as 1234.0
    result = str(value).replace("\r\n", "\n").strip()
    if FORMULA.match(result):
        raise CellError(
            "This is a spreadsheet formula, not its value: save the sheet's values and upload that."
        )
    if max_length is not None and len(result) > max_length:
        raise CellError(f"Longer than the desk keeps for {what} ({max_length:,} characters).")
    return result


def when(value: Any, *, tz: tzinfo, default_time: time) -> datetime | None:
    """A date (and time, if given) in any of the forms spreadsheets hold; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, default_time)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _serial(float(value), default_time)
    else:
        raw = " ".join(str(value).split())
        if re.fullmatch(r"\d{5}(\.\d+)?", raw):
            moment = _serial(float(raw), default_time)
        elif match := DAY_FIRST.fullmatch(raw) or ISO.fullmatch(raw):
            moment = _numeric(match, default_time)
        for date_format in DATE_FORMATS:
            if moment:
                break
            for time_format in TIME_FORMATS:
                try:
                    moment = datetime.strptime(raw, date_format + time_format)  # noqa: DTZ007
                except ValueError:
                    continue
                if not time_format:
                    moment = datetime.combine(moment.date(), default_time)
                break
    if moment is None:
        raise CellError("Not a date the desk can read: write it as 31/01/2024 or 2024-01-31.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment


def _numeric(match: re.Match[str], default_time: time) -> datetime | None:
    year = int(match["year"])
    if len(match["year"]) == 2:
        year += 2000 if year < 69 else 1900  # as strptime's %y reads it
    try:
        day = date(year, int(match["month"]), int(match["day"]))
        if match["hour"] is None:
            return datetime.combine(day, default_time)
        at = time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
    except ValueError:
        return None
    return datetime.combine(day, at)


def _serial(number: float, default_time: time) -> datetime | None:
    if int(number) not in SERIALS:
        return None
    moment = datetime.combine(EXCEL_EPOCH, time()) + timedelta(days=number)
    return moment if number % 1 else datetime.combine(moment.date(), default_time)


def one_of(value: str, words: Mapping[str, Any], what: str) -> Any:
    found = words.get(normalise(value), ...)
    if found is ...:
        raise CellError(f"No {what} on the desk is called “{value[:80]}”.")
    if found is None:
        raise CellError(f"More than one {what} is called “{value[:80]}”: use its slug.")
    return found


class RowCleaner:
    """Reads rows with a mapping (field -> heading) against the desk's lookups."""

    def __init__(
        self,
        *,
        mapping: dict[str, str],
        lookups: Lookups,
        default_channel: str,
        tz: tzinfo,
        now: datetime,
    ) -> None:
        self.mapping = mapping
        self.lookups = lookups
        self.default_channel = default_channel
        self.tz = tz
        self.now = now

    def clean(self, number: int, cells: dict[str, Any]) -> Planned:
        problems: list[tuple[str, str]] = []

        def get(name: str, reader: Any = None, **kwargs: Any) -> Any:
            raw = cells.get(self.mapping.get(name, ""))
            try:
                return reader(raw, **kwargs) if reader else text(raw, **kwargs)
            except (CellError, ValidationError) as error:
                message = error.messages[0] if isinstance(error, ValidationError) else str(error)
                problems.append((name, message))
                return None

        key = get("source_key", max_length=60, what="an old reference")
        if key == "":
            problems.append(("source_key", "Empty: each row needs the old system's reference."))
        received = get("received", when, tz=self.tz, default_time=RECEIVED_AT)
        closed = get("closed", when, tz=self.tz, default_time=CLOSED_AT)
        if received is None and not any(p[0] == "received" for p in problems):
            problems.append(("received", "Empty: each row needs the date it was received."))
        for name, moment in (("received", received), ("closed", closed)):
            if moment and moment > self.now:
                problems.append((name, "In the future."))
        if received and closed and closed < received:
            problems.append(("closed", "Before the date it was received."))

        organisation_name = get("organisation", max_length=200, what="a name") or ""
        org_type = get("organisation_type") or ""
        kind = self._choice(org_type, TYPES, "organisation type", "organisation_type", problems)
        postcode = get("postcode", lambda v: normalise_postcode(text(v))) or ""
        area = self._choice(get("area") or "", self.lookups.areas, "area", "area", problems)
        contact_name = get("contact_name", max_length=200, what="a name") or ""
        if not contact_name and not any(p[0] == "contact_name" for p in problems):
            problems.append(("contact_name", "Empty: each row needs the person's name."))
        email = (get("contact_email", max_length=254, what="an email address") or "").lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(("contact_email", "Not an email address."))
        phone = get("contact_phone", max_length=40, what="a phone number") or ""
        if phone:
            try:
                validate_phone(phone)
            except ValidationError as error:
                problems.append(("contact_phone", error.messages[0]))
        channel = get("channel") or ""
        channel = (
            self._choice(channel, CHANNELS, "channel", "channel", problems)
            if channel
            else self.default_channel
        )
        topic = self._choice(get("topic") or "", self.lookups.topics, "topic", "topic", problems)
        adviser = self._choice(
            get("adviser") or "", self.lookups.advisers, "adviser", "adviser", problems
        )
        message = get("message", max_length=Enquiry.MESSAGE_MAX_LENGTH, what="an enquiry") or ""
        subject = get("subject", max_length=200, what="a subject") or ""
        asset_name = get("asset_name", max_length=200, what="an asset's name") or ""
        status = self._status(get("status") or "", closed, adviser, problems)
        outcome = get("outcome") or ""
        code = self._choice(outcome, OUTCOMES, "outcome", "outcome", problems) if outcome else ""
        detail = get("outcome_detail") or ""
        if code:
            for reason in outcome_errors(
                code=code, detail=detail, referred_to="", consent_to_refer=False, plan_stage=""
            ).values():
                problems.append(("outcome", f"{reason} (record this outcome on the desk.)"))
        note = get("notes", max_length=10_000, what="a note") or ""

        organisation_key = f"{normalise(organisation_name)}|{postcode}" if organisation_name else ""
        return Planned(
            row=number,
            key=key or "",
            organisation_key=organisation_key,
            organisation={
                "name": organisation_name,
                "org_type": kind or EnquirerType.COMMUNITY_GROUP,
                "postcode": postcode,
                "local_authority_id": area,
            },
            contact_key=(
                f"{email}|{normalise(contact_name)}"
                if email
                else f"{normalise(contact_name)}|{phone}|{organisation_key}"
            ),
            contact={
                "name": contact_name,
                "email": email,
                "phone": phone,
                "consent_basis": Contact.ConsentBasis.IMPORTED,
            },
            enquiry={
                "legacy_reference": key or "",
                "channel": channel,
                "topic_id": topic,
                "local_authority_id": area,
                "subject": subject or (message.splitlines()[0][:200] if message else key or ""),
                "message": message,
                "asset_name": asset_name,
                "status": status,
                "received_at": received,
                "closed_at": closed if status == Status.CLOSED else None,
                "resolved_at": closed,
                "assigned_to_id": adviser,
            },
            outcome=code or "",
            outcome_detail=detail,
            note=note,
            problems=problems,
        )

    @staticmethod
    def _choice[V](
        value: str, words: Mapping[str, V], what: str, name: str, problems: list
    ) -> V | None:
        """The desk value ``value`` names, or None (with the problem noted) if none."""
        if not value:
            return None
        try:
            return one_of(value, words, what)
        except CellError as error:
            problems.append((name, str(error)))
            return None

    def _status(
        self, value: str, closed: datetime | None, adviser: int | None, problems: list
    ) -> str:
        if value:
            status = self._choice(value, STATUSES, "status", "status", problems)
            if status == Status.CLOSED and closed is None:
                problems.append(("status", "Closed, but the row has no date closed."))
            if status and status != Status.CLOSED and closed is not None:
                problems.append(("closed", "A date closed, but the status is not closed."))
            return status or Status.RECEIVED
        if closed is not None:
            return Status.CLOSED
        return Status.IN_PROGRESS if adviser else Status.RECEIVED
