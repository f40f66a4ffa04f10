"""Tables the demo desk is drawn from: staff, teams, weights, names and wording."""

import random
from bisect import bisect
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate

from enquiries.models import (
    Channel,
    EnquirerType,
    Priority,
    Status,
)

DEMO_PASSWORD = "community-rights-demo"  # noqa: S105 - printed by demo_logins, demo data only
DEMO_ADVISER = "tom.hughes"
DEMO_MANAGER = "hannah.okafor"
DEFAULT_ENQUIRIES = 16_500
YEARS = 3
QUEUE_WINDOW = timedelta(days=5)  # only this recent an enquiry may still wait in a queue
TRIAGE = "triage"


# --- the desk ----------------------------------------------------------------------------------

# (slug, name, is_triage, top-level topic slugs)
TEAMS = [
    (
        "assets-right-to-bid",
        "Assets and Right to Bid",
        False,
        ("right-to-bid", "asset-transfer", "community-led-housing"),
    ),
    ("neighbourhood-planning", "Neighbourhood planning", False, ("neighbourhood-planning",)),
    (
        "community-business-governance",
        "Community business and governance",
        False,
        ("governance", "funding", "social-value", "right-to-challenge", "other-powers"),
    ),
    (TRIAGE, "Triage", True, ("out-of-scope",)),
]


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    teams: tuple[str, ...]
    topics: tuple[str, ...]
    regions: tuple[str, ...] = ()
    local_authorities: tuple[str, ...] = ()
    capacity: int = 30
    manager: bool = False


ASSETS, PLANNING, GOVERNANCE = (t[0] for t in TEAMS[:3])
STAFF = [
    StaffSpec(
        DEMO_MANAGER, "Hannah", "Okafor", (ASSETS, TRIAGE),
        ("right-to-bid", "asset-transfer", "out-of-scope"), capacity=15, manager=True,
    ),
    StaffSpec(
        DEMO_ADVISER, "Tom", "Hughes", (ASSETS,), ("right-to-bid", "asset-transfer"),
        ("north-west", "yorkshire-and-the-humber"), capacity=35,
    ),
    StaffSpec(
        "aisha.begum", "Aisha", "Begum", (ASSETS,), ("right-to-bid", "community-led-housing"),
        ("london", "south-east"), capacity=30,
    ),
    StaffSpec(
        "gareth.price", "Gareth", "Price", (ASSETS,), ("right-to-bid", "asset-transfer"),
        ("south-west", "west-midlands"), ("cornwall",), capacity=30,
    ),
    StaffSpec(
        "eleanor.wright", "Eleanor", "Wright", (ASSETS,),
        ("community-led-housing", "asset-transfer", "right-to-bid"),
        ("east-of-england", "east-midlands", "north-east"), capacity=25,
    ),
    StaffSpec(
        "david.mensah", "David", "Mensah", (PLANNING,), ("neighbourhood-planning",),
        ("north-east", "north-west", "yorkshire-and-the-humber"), capacity=40,
    ),
    StaffSpec(
        "sophie.turner", "Sophie", "Turner", (PLANNING,),
        ("neighbourhood-planning", "other-powers"), ("south-east", "south-west"), capacity=35,
    ),
    StaffSpec(
        "rajesh.patel", "Rajesh", "Patel", (PLANNING,), ("neighbourhood-planning",),
        ("east-midlands", "west-midlands", "east-of-england"), capacity=35,
    ),
    StaffSpec(
        "lucy.brennan", "Lucy", "Brennan", (PLANNING,), ("neighbourhood-planning", "funding"),
        ("london",), capacity=20,
    ),
    StaffSpec(
        "marcus.reid", "Marcus", "Reid", (GOVERNANCE,), ("governance", "funding", "social-value"),
        local_authorities=("leeds", "bradford", "sheffield", "birmingham", "bristol"),
        capacity=30,
    ),
    StaffSpec(
        "fatima.ali", "Fatima", "Ali", (GOVERNANCE,),
        ("right-to-challenge", "social-value", "governance"), ("london",), capacity=25,
    ),
    StaffSpec(
        "james.whitfield", "James", "Whitfield", (GOVERNANCE, TRIAGE),
        ("governance", "funding", "other-powers", "right-to-challenge"), capacity=20, manager=True,
    ),
    StaffSpec(
        "nina.kowalski", "Nina", "Kowalski", (TRIAGE,), ("out-of-scope", "other-powers", "funding"),
        capacity=40,
    ),
]  # fmt: skip

# (username, first day, last day relative to today, note)
ABSENCES = [
    ("aisha.begum", -2, 5, "Annual leave"),
    ("david.mensah", -120, -118, "Training: neighbourhood planning examinations"),
    ("sophie.turner", 14, 18, "Annual leave"),
]


# --- what the enquiries look like ---------------------------------------------------------------

# Top-level topic weights; None is "Not sure". Right to Bid and planning dominate.
TOPIC_WEIGHTS: dict[str | None, float] = {
    "right-to-bid": 28,
    "neighbourhood-planning": 24,
    "asset-transfer": 10,
    "governance": 8,
    "funding": 8,
    "community-led-housing": 6,
    "other-powers": 5,
    "right-to-challenge": 3,
    "social-value": 2,
    "out-of-scope": 3,
    None: 3,
}
# Who asks shapes what they ask about: multipliers on TOPIC_WEIGHTS per enquirer type.
TOPIC_BIAS: dict[str, dict[str | None, float]] = {
    EnquirerType.NEIGHBOURHOOD_FORUM: {"neighbourhood-planning": 6},
    EnquirerType.PARISH_COUNCIL: {"neighbourhood-planning": 1.5, "other-powers": 2},
    EnquirerType.HOUSING_GROUP: {"community-led-housing": 10},
    EnquirerType.COMMUNITY_BUSINESS: {"governance": 2, "funding": 2},
    EnquirerType.CHARITY: {"governance": 2, "social-value": 2},
    EnquirerType.ASSET_OWNER: {"right-to-bid": 4},
    EnquirerType.LOCAL_AUTHORITY: {"asset-transfer": 3, "right-to-challenge": 3, "social-value": 3},
}
# Sub-topics asked about more often than the rest of their family.
SUBTOPIC_WEIGHTS = {
    "acv-nomination": 3,
    "acv-notice-of-sale": 2,
    "acv-full-moratorium": 1.5,
    "np-getting-started": 3,
    "np-regulation-14": 2,
    "np-area-designation": 1.5,
    "cat-policy": 2,
    "gov-structure": 2,
    "funding-capital": 2,
}
GENERAL_SHARE = 0.2  # share of a family's enquiries filed under the top-level topic itself

CHANNEL_WEIGHTS = {
    Channel.WEB: 52,
    Channel.EMAIL: 24,
    Channel.PHONE: 11,
    Channel.API: 5,
    Channel.REFERRAL: 2.5,
    Channel.WEBCHAT: 2,
    Channel.EVENT: 1.5,
    Channel.LETTER: 1,
    Channel.WALK_IN: 1,
}
STAFF_LOGGED = {c.value for c in Channel.staff_logged()}
PRIORITY_WEIGHTS = {Priority.LOW: 10, Priority.NORMAL: 68, Priority.HIGH: 17, Priority.URGENT: 5}
# A moratorium clock is running: these are rarely anything but high or urgent.
PRIORITY_WEIGHTS_CLOCK = {Priority.NORMAL: 30, Priority.HIGH: 45, Priority.URGENT: 25}
CLOCK_TOPICS = {"acv-notice-of-sale", "acv-full-moratorium", "acv-owner", "np-regulation-14"}
OPEN_STATUS_WEIGHTS = {Status.IN_PROGRESS: 40, Status.AWAITING_GROUP: 35, Status.ANSWERED: 25}

ORG_TYPE_WEIGHTS = {
    EnquirerType.PARISH_COUNCIL: 22,
    EnquirerType.COMMUNITY_GROUP: 20,
    EnquirerType.NEIGHBOURHOOD_FORUM: 12,
    EnquirerType.CHARITY: 10,
    EnquirerType.COMMUNITY_BUSINESS: 10,
    EnquirerType.INDIVIDUAL: 10,
    EnquirerType.HOUSING_GROUP: 5,
    EnquirerType.LOCAL_AUTHORITY: 4,
    EnquirerType.PROFESSIONAL: 4,
    EnquirerType.ASSET_OWNER: 3,
}
ORG_NAMES = {
    EnquirerType.PARISH_COUNCIL: ["{place} Parish Council", "{place} Town Council"],
    EnquirerType.NEIGHBOURHOOD_FORUM: [
        "{place} Neighbourhood Forum",
        "{place} Neighbourhood Plan Steering Group",
    ],
    EnquirerType.COMMUNITY_GROUP: [
        "Friends of {place} Park",
        "{place} Residents' Association",
        "{place} Community Association",
        "Save {place} Library",
    ],
    EnquirerType.CHARITY: [
        "{place} Village Hall Trust",
        "{place} Heritage Trust",
        "{place} Community Trust",
    ],
    EnquirerType.COMMUNITY_BUSINESS: [
        "{place} Community Pub Ltd",
        "{place} Community Shop CIC",
        "{place} Community Energy",
    ],
    EnquirerType.HOUSING_GROUP: ["{place} Community Land Trust", "{place} Housing Co-operative"],
    EnquirerType.LOCAL_AUTHORITY: ["{area} Council"],
    EnquirerType.ASSET_OWNER: ["{surname} Estates Ltd", "{surname} and Co Property Agents"],
    EnquirerType.PROFESSIONAL: [
        "{surname} Planning Consultancy",
        "{surname} Solicitors LLP",
        "{area} Council for Voluntary Service",
    ],
}
# fmt: off
PLACE_STARTS = [
    "Ash", "Bar", "Brad", "Brook", "Burn", "Castle", "Chal", "Church", "Cold", "Crow", "Elm",
    "Fair", "Fern", "Hather", "Hay", "Holm", "Kings", "Lang", "Lea", "Mar", "Mill", "Nether",
    "Oak", "Pen", "Red", "Rush", "Salt", "Sand", "Shep", "Stan", "Stoke", "Thorn", "Wal", "Wen",
    "Whit", "Wood",
]
PLACE_ENDS = [
    "bury", "by", "cote", "combe", "den", "field", "ford", "ham", "hurst", "ley", "marsh",
    "stead", "thorpe", "ton", "well", "wick",
]
PLACE_PREFIXES = ["", "", "", "", "Great ", "Little ", "Upper ", "Long "]
FIRST_NAMES = [
    "Alice", "Amir", "Ann", "Ben", "Bethan", "Chloe", "Colin", "Deborah", "Ewan", "Faye",
    "Graham", "Grace", "Harriet", "Ian", "Imran", "Jack", "Jane", "Joan", "Kamala", "Karen",
    "Liam", "Linda", "Mark", "Mary", "Mohammed", "Neil", "Olivia", "Owen", "Patricia", "Paul",
    "Rachel", "Richard", "Ruth", "Sam", "Sarah", "Simon", "Siobhan", "Stephen", "Susan",
    "Tariq", "Tom", "Vera", "Wendy", "Yusuf", "Zoe",
]
SURNAMES = [
    "Adams", "Ahmed", "Baker", "Barnes", "Bell", "Brown", "Campbell", "Carter", "Clarke",
    "Cooper", "Davies", "Edwards", "Evans", "Fletcher", "Foster", "Green", "Hall", "Harris",
    "Hill", "Holmes", "Hussain", "Jackson", "James", "Jones", "Kaur", "Khan", "King", "Lewis",
    "Marshall", "Martin", "Mitchell", "Moore", "Morgan", "Murphy", "Nowak", "Owen", "Parker",
    "Patel", "Phillips", "Price", "Roberts", "Robinson", "Scott", "Shaw", "Singh", "Smith",
    "Taylor", "Thomas", "Thompson", "Walker", "Ward", "White", "Wilson", "Wood",
]
ASSETS_NAMED = [
    "The Red Lion", "The Crown", "The Royal Oak", "The Plough", "The White Hart", "The Bell",
    "{place} Village Shop", "{place} Library", "St Mary's Church Hall", "The Old School",
    "{place} Community Centre", "{place} Recreation Ground", "{place} Post Office",
    "{place} Allotments", "The Old Fire Station", "{place} Swimming Pool",
]
STREETS = [
    "High Street", "Church Lane", "Main Road", "Station Road", "Mill Lane", "The Green",
    "Chapel Street", "Market Place",
]
ACCESS_NEEDS = [
    "Large print, please.", "Prefers a phone call to email.",
    "Needs a BSL interpreter for meetings.", "Please use plain English.",
]
# fmt: on
# Subject templates by topic slug (a sub-topic falls back to its family).
SUBJECTS = {
    "right-to-bid": ["Right to Bid question about {asset}", "Protecting {asset}"],
    "acv-eligibility": ["Can our group nominate {asset}?", "Are we eligible to nominate?"],
    "acv-nomination": ["Help with our nomination of {asset}", "Nominating {asset} as an ACV"],
    "acv-decision": ["Council refused to list {asset}", "Still waiting for a listing decision"],
    "acv-owner": ["Owner asking for a review of the listing of {asset}"],
    "acv-notice-of-sale": ["{asset} is up for sale: what now?", "Notice of sale for {asset}"],
    "acv-full-moratorium": ["Raising the money to bid for {asset}", "Valuation of {asset}"],
    "acv-expiry": ["Listing of {asset} runs out soon"],
    "acv-planning": ["Planning application affecting {asset}"],
    "right-to-challenge": ["Expression of interest to run a council service"],
    "neighbourhood-planning": ["Our neighbourhood plan for {place}", "Neighbourhood plan question"],
    "np-getting-started": ["Starting a neighbourhood plan in {place}"],
    "np-area-designation": ["Designating the {place} neighbourhood area"],
    "np-regulation-14": ["Running our Regulation 14 consultation"],
    "np-examination": ["Examiner's report on the {place} plan"],
    "np-referendum": ["Referendum on the {place} neighbourhood plan"],
    "asset-transfer": ["Transfer of {asset} from the council", "Lease terms for {asset}"],
    "community-led-housing": ["Setting up a community land trust in {place}"],
    "funding": ["Funding to buy {asset}", "Grants for our group", "Community share offer"],
    "governance": ["Which legal structure should we choose?", "Updating our constitution"],
    "social-value": ["Social value in a council contract"],
    "other-powers": ["Local Green Space designation in {place}", "Forming a new parish council"],
    "out-of-scope": ["Neighbour dispute", "Question about a planning objection"],
    None: ["General enquiry", "Not sure where to start", "Help needed in {place}"],
}
ASKS = {
    "right-to-bid": "the building matters to the village and we want to protect it",
    "right-to-challenge": "we would like to run a service the council provides",
    "neighbourhood-planning": "we want the community to shape how the area develops",
    "asset-transfer": "the council has said it may transfer the building to a community group",
    "community-led-housing": "local people cannot afford to stay and we want to build homes",
    "funding": "we need to raise money and do not know where to start",
    "governance": "our group has grown and needs the right structure",
    "social-value": "a local contract is being re-let and we want social value considered",
    "other-powers": "we want to protect a green space used by the whole community",
    "out-of-scope": "we were told you might be able to help",
    None: "we are not sure which right applies to our situation",
}


class Picker:
    """Weighted choice by bisection over cumulative weights (fast for a million draws)."""

    def __init__(self, weights: dict) -> None:
        self.items = list(weights)
        self.cumulative = list(accumulate(weights.values()))

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


CHANNEL_PICKER = Picker(CHANNEL_WEIGHTS)
PRIORITY_PICKER = Picker(PRIORITY_WEIGHTS)
PRIORITY_CLOCK_PICKER = Picker(PRIORITY_WEIGHTS_CLOCK)
OPEN_STATUS_PICKER = Picker(OPEN_STATUS_WEIGHTS)
