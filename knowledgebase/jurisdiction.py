"""Where the desk's rights apply: England (``../shared/DOMAIN.md``: "the desk serves England
first and keeps rules per jurisdiction"). An enquiry from an area in Wales, Scotland or
Northern Ireland is flagged at triage with why, and waits for a referral rather than being
routed to an adviser by topic (``casework.queue.services.enquiry_route``)."""

from dataclasses import dataclass

ENGLAND = "england"

SOURCE = (
    "Localism Act 2011 Part 5 (Community Right to Challenge, Assets of Community Value) "
    "and the neighbourhood planning provisions apply in England; DOMAIN.md"
)

NOTES = {
    "wales": (
        "The community rights this desk advises on apply in England. Wales never commenced "
        "the Right to Bid, and neighbourhood planning and the Right to Challenge do not "
        "apply there: refer the group to advice in Wales."
    ),
    "scotland": (
        "The community rights this desk advises on apply in England. Scotland has its own "
        "(community asset transfer requests and community rights to buy under Scottish "
        "legislation): refer the group to advice in Scotland."
    ),
    "northern_ireland": (
        "The community rights this desk advises on apply in England; they do not extend to "
        "Northern Ireland: refer the group to advice in Northern Ireland."
    ),
}


@dataclass(frozen=True)
class OutsideEngland:
    nation: str
    nation_name: str
    area: str
    note: str
    source: str = SOURCE

    @property
    def summary(self) -> str:
        return f"Outside England: {self.area} is in {self.nation_name}."


def outside_england(*, nation: str | None, nation_name: str, area: str) -> OutsideEngland | None:
    """The flag for an area in ``nation`` (a ``Nation`` value), or None in England or when
    the area is not known."""
    if not nation or nation == ENGLAND:
        return None
    note = NOTES.get(nation, "The community rights this desk advises on apply in England.")
    return OutsideEngland(nation=nation, nation_name=nation_name, area=area, note=note)
