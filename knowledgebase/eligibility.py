"""Who may act under the Right to Bid, checked against who is asking.

Two acts have a statutory list of who may do them (``../shared/DOMAIN.md``, "Community
Right to Bid"):

* **nominating** land or a building as an asset of community value: a parish council, or a
  voluntary or community body with a local connection (a neighbourhood forum, an
  unincorporated group of at least 21 members registered to vote locally, a charity, a
  non-profit company limited by guarantee, a co-operative or community benefit society, a
  community interest company); and
* **triggering the full moratorium** (asking in writing, within the interim moratorium, to
  be treated as a potential bidder): only a *community interest group* (a parish council,
  charity, community interest company, or non-profit company limited by guarantee or
  community benefit society, with a local connection).

The desk knows only the enquirer's type, which is coarser than these lists, so each
verdict is *eligible*, *check* (it depends on facts the type does not tell: members on
the electoral register, a non-profit clause, designation) or *not eligible*, with a plain
warning for the last two and the source. The warnings inform the adviser; nothing is
ever blocked on them.

Enquirer types are ``enquiries.models.EnquirerType`` values, named here as strings
(knowledgebase sits below enquiries); a test holds the two in step.
"""

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    CHECK = "check"
    NOT_ELIGIBLE = "not eligible"


@dataclass(frozen=True)
class Act:
    slug: str
    name: str
    who_may: str
    source: str


NOMINATE = Act(
    slug="acv-nominate",
    name="nominate an asset of community value",
    who_may=(
        "a parish council, or a voluntary or community body with a local connection: a "
        "neighbourhood forum, an unincorporated group of at least 21 members registered to "
        "vote in the council's area or a neighbouring one, a charity, a non-profit company "
        "limited by guarantee, a co-operative or community benefit society, or a community "
        "interest company"
    ),
    source=(
        "Localism Act 2011 s.89(2); Assets of Community Value (England) Regulations 2012 "
        "(SI 2012/2421) regs 4 and 5"
    ),
)

FULL_MORATORIUM = Act(
    slug="acv-full-moratorium",
    name="trigger the full moratorium (ask to be treated as a potential bidder)",
    who_may=(
        "a community interest group with a local connection: a parish council, a charity, a "
        "community interest company, or a non-profit company limited by guarantee or "
        "community benefit society"
    ),
    source=(
        "Localism Act 2011 s.95; Assets of Community Value (England) Regulations 2012 "
        "(SI 2012/2421) reg 12"
    ),
)

ACTS = (NOMINATE, FULL_MORATORIUM)

_LOCAL = "It must also have a local connection to the asset's area."

# (verdict, what to check or why not), per act and enquirer type.
RULES: dict[str, dict[str, tuple[Verdict, str]]] = {
    NOMINATE.slug: {
        "parish_council": (Verdict.ELIGIBLE, "A parish council may nominate land in its area."),
        "neighbourhood_forum": (
            Verdict.CHECK,
            "A designated neighbourhood forum may nominate; a steering group that is not yet "
            "designated cannot, unless it qualifies another way (for example as a group of "
            "at least 21 members registered to vote locally).",
        ),
        "community_group": (
            Verdict.CHECK,
            "An unincorporated group may nominate only if at least 21 of its members are "
            "registered to vote in the council's area or a neighbouring one, and it does "
            "not distribute any surplus to its members. " + _LOCAL,
        ),
        "charity": (Verdict.CHECK, "A charity may nominate. " + _LOCAL),
        "community_business": (
            Verdict.CHECK,
            "A community interest company may nominate; a company limited by guarantee or a "
            "co-operative or community benefit society only if it does not distribute any "
            "surplus to its members. " + _LOCAL,
        ),
        "housing_group": (
            Verdict.CHECK,
            "A community land trust or housing group may nominate if it is a charity, a "
            "community interest company, or a non-profit company limited by guarantee or "
            "community benefit society, or an unincorporated group of at least 21 members "
            "registered to vote locally. " + _LOCAL,
        ),
        "individual": (
            Verdict.NOT_ELIGIBLE,
            "An individual cannot nominate. They could ask their parish council, or a local "
            "group that qualifies, to nominate, or form one (at least 21 members registered "
            "to vote locally).",
        ),
        "local_authority": (
            Verdict.NOT_ELIGIBLE,
            "The council decides nominations; it does not make them. A nomination has to come "
            "from a parish council or a local voluntary or community body.",
        ),
        "asset_owner": (
            Verdict.NOT_ELIGIBLE,
            "An owner cannot nominate; an owner may ask the council to review a listing.",
        ),
        "professional": (
            Verdict.CHECK,
            "An intermediary acts for someone else: check that their client is a body that "
            "may nominate.",
        ),
    },
    FULL_MORATORIUM.slug: {
        "parish_council": (
            Verdict.ELIGIBLE,
            "A parish council is a community interest group.",
        ),
        "neighbourhood_forum": (
            Verdict.NOT_ELIGIBLE,
            "A neighbourhood forum is not, as such, a community interest group: the request "
            "should come from the parish council or from a charity, community interest "
            "company or non-profit company or society with a local connection.",
        ),
        "community_group": (
            Verdict.NOT_ELIGIBLE,
            "An unincorporated group is not a community interest group, although it may "
            "have nominated the asset. The request to be treated as a bidder should come "
            "from a parish council, a charity, or a community interest company or non-profit "
            "company or society with a local connection (the group may need to incorporate, "
            "in time: the interim moratorium is only six weeks).",
        ),
        "charity": (Verdict.CHECK, "A charity is a community interest group. " + _LOCAL),
        "community_business": (
            Verdict.CHECK,
            "A community interest company is a community interest group; a company limited "
            "by guarantee or community benefit society only if it does not distribute any "
            "surplus to its members. " + _LOCAL,
        ),
        "housing_group": (
            Verdict.CHECK,
            "A community land trust or housing group qualifies only if it is a charity, a "
            "community interest company, or a non-profit company limited by guarantee or "
            "community benefit society. " + _LOCAL,
        ),
        "individual": (
            Verdict.NOT_ELIGIBLE,
            "An individual cannot trigger the full moratorium: a community interest group "
            "has to ask, in writing, before the interim moratorium ends.",
        ),
        "local_authority": (
            Verdict.NOT_ELIGIBLE,
            "The council receives the request; it cannot make one. A parish council can.",
        ),
        "asset_owner": (
            Verdict.NOT_ELIGIBLE,
            "The owner cannot trigger the moratorium on their own sale.",
        ),
        "professional": (
            Verdict.CHECK,
            "An intermediary acts for someone else: check that their client is a community "
            "interest group with a local connection.",
        ),
    },
}

# The topics (DOMAIN.md's taxonomy) and letter templates that are about each act.
TOPIC_ACTS: dict[str, tuple[Act, ...]] = {
    "acv-eligibility": (NOMINATE,),
    "acv-nomination": (NOMINATE,),
    "acv-expiry": (NOMINATE,),  # re-nomination
    "acv-notice-of-sale": (FULL_MORATORIUM,),
    "acv-full-moratorium": (FULL_MORATORIUM,),
}
TEMPLATE_ACTS: dict[str, tuple[Act, ...]] = {
    "acv-how-to-nominate": (NOMINATE,),
    "acv-interim-moratorium": (FULL_MORATORIUM,),
}

UNKNOWN_TYPE = (
    "The enquiry does not say what kind of body is asking, so the desk cannot check. "
    "Ask them before they act."
)


@dataclass(frozen=True)
class EligibilityWarning:
    act: Act
    verdict: Verdict
    message: str

    @property
    def heading(self) -> str:
        if self.verdict is Verdict.NOT_ELIGIBLE:
            return f"They may not be able to {self.act.name}"
        return f"Check that they may {self.act.name}"


def eligibility_warnings(
    *, enquirer_type: str | None, topic: str | None = None, template: str | None = None
) -> list[EligibilityWarning]:
    """The warnings for an enquirer of ``enquirer_type`` (an ``EnquirerType`` value, or
    None when unknown) about the acts its ``topic`` (a topic slug) or a letter ``template``
    (a template slug) concern; none for an act they may do without conditions."""
    acts = TOPIC_ACTS.get(topic or "", ()) + TEMPLATE_ACTS.get(template or "", ())
    warnings = []
    for act in dict.fromkeys(acts):
        if not enquirer_type:
            warnings.append(EligibilityWarning(act, Verdict.CHECK, UNKNOWN_TYPE))
            continue
        verdict, message = RULES[act.slug].get(
            enquirer_type, (Verdict.CHECK, "An enquirer of this kind: check who may act.")
        )
        if verdict is not Verdict.ELIGIBLE:
            warnings.append(EligibilityWarning(act, verdict, message))
    return warnings
