"""The routing rules as pure functions: no database (docs/routing.md)."""

from datetime import UTC, datetime
from itertools import permutations

from casework.queue.routing import AREA, ID, LOAD, RECENCY, Candidate, choose_adviser

TOPIC = "Right to Bid"
AREA_NAME = "West Lindsey"


def candidate(adviser_id: int, name: str | None = None, **overrides) -> Candidate:
    values = {
        "adviser_id": adviser_id,
        "name": name or f"Adviser {adviser_id}",
        "has_expertise": True,
        "covers_area": False,
        "open_count": 0,
        "capacity": 10,
        "is_away": False,
        "last_assigned_at": None,
    }
    return Candidate(**(values | overrides))


def route(*candidates: Candidate, area: str | None = AREA_NAME, topic: str | None = TOPIC):
    return choose_adviser(list(candidates), topic_label=topic, area_label=area)


def verdict_for(decision, adviser_id: int):
    return next(v for v in decision.verdicts if v.candidate.adviser_id == adviser_id)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


# --- who is eligible -------------------------------------------------------------------------


def test_adviser_without_expertise_is_never_chosen():
    decision = route(candidate(1, has_expertise=False, covers_area=True), candidate(2))
    assert decision.chosen.adviser_id == 2
    refused = verdict_for(decision, 1)
    assert not refused.eligible and refused.rank is None
    assert refused.reason == f"no expertise in {TOPIC}"


def test_away_adviser_is_passed_by_even_with_the_lightest_load():
    decision = route(candidate(1, is_away=True), candidate(2, open_count=5))
    assert decision.chosen.adviser_id == 2
    assert verdict_for(decision, 1).reason == "away today"


def test_adviser_at_capacity_is_ineligible():
    decision = route(candidate(1, open_count=10, capacity=10, covers_area=True), candidate(2))
    assert decision.chosen.adviser_id == 2
    assert verdict_for(decision, 1).reason == "at capacity: 10 of 10 open (100%)"


def test_adviser_over_capacity_is_ineligible():
    decision = route(candidate(1, open_count=12, capacity=10))
    assert decision.chosen is None
    assert "at capacity: 12 of 10 open" in verdict_for(decision, 1).reason


def test_one_below_capacity_is_still_eligible():
    decision = route(candidate(1, open_count=9, capacity=10))
    assert decision.chosen.adviser_id == 1


def test_capacity_zero_takes_no_enquiries_and_says_so():
    decision = route(candidate(1, capacity=0, covers_area=True), candidate(2, open_count=3))
    assert decision.chosen.adviser_id == 2
    assert verdict_for(decision, 1).reason == "takes no new enquiries (capacity 0)"


def test_every_reason_against_an_adviser_is_listed():
    decision = route(candidate(1, is_away=True, has_expertise=False, open_count=10, capacity=10))
    assert verdict_for(decision, 1).reason == (
        f"away today; no expertise in {TOPIC}; at capacity: 10 of 10 open (100%)"
    )


# --- how the eligible are ranked -------------------------------------------------------------


def test_covering_the_area_beats_a_lighter_load():
    decision = route(candidate(1, open_count=0), candidate(2, open_count=8, covers_area=True))
    assert decision.chosen.adviser_id == 2
    assert decision.deciding_rule == AREA
    assert "Decided by area: Adviser 2 covers West Lindsey; Adviser 1 does not." in (
        decision.explanation
    )


def test_among_area_covers_the_lowest_load_relative_to_capacity_wins():
    # 3 of 10 (30%) is lighter than 2 of 5 (40%), though it is more enquiries.
    decision = route(
        candidate(1, open_count=2, capacity=5, covers_area=True),
        candidate(2, open_count=3, capacity=10, covers_area=True),
        candidate(3, open_count=0),
    )
    assert decision.chosen.adviser_id == 2
    assert decision.deciding_rule == LOAD
    assert [v.candidate.adviser_id for v in decision.verdicts] == [2, 1, 3]
    assert "lightest load among those covering West Lindsey: 3 of 10 open (30%)" in (
        decision.explanation
    )
    assert (
        "Decided by load: Adviser 2 has 3 of 10 open (30%), Adviser 1 has 2 of 5 open (40%)."
        in decision.explanation
    )


def test_equal_loads_are_compared_exactly_and_the_tie_goes_to_who_was_assigned_least_recently():
    # 1 of 3 and 2 of 6 are the same load; the one assigned longer ago wins.
    decision = route(
        candidate(1, "Ada", open_count=1, capacity=3, last_assigned_at=at(5)),
        candidate(2, "Bea", open_count=2, capacity=6, last_assigned_at=at(2)),
    )
    assert decision.chosen.name == "Bea"
    assert decision.deciding_rule == RECENCY
    assert "assigned least recently" in decision.explanation
    assert "Bea was last assigned 02 Mar 2026 09:00, Ada was last assigned 05 Mar 2026 09:00" in (
        decision.explanation
    )


def test_an_adviser_never_assigned_before_wins_a_tie_on_load():
    decision = route(
        candidate(1, "Ada", last_assigned_at=at(1)), candidate(2, "Bea", last_assigned_at=None)
    )
    assert decision.chosen.name == "Bea"
    assert decision.deciding_rule == RECENCY
    assert "Bea was never assigned an enquiry before" in decision.explanation


def test_a_complete_tie_goes_to_the_adviser_registered_first_whatever_the_input_order():
    twins = [candidate(7, "Gus"), candidate(3, "Cal"), candidate(5, "Eve")]
    for order in permutations(twins):
        decision = route(*order)
        assert decision.chosen.adviser_id == 3
        assert decision.deciding_rule == ID
        assert [v.rank for v in decision.verdicts] == [1, 2, 3]
    assert "registered first" in decision.explanation


def test_the_ranking_does_not_depend_on_the_order_candidates_arrive_in():
    pool = [
        candidate(1, open_count=5, covers_area=True),
        candidate(2, open_count=1),
        candidate(3, open_count=1, covers_area=True, last_assigned_at=at(3)),
        candidate(4, open_count=1, covers_area=True, last_assigned_at=at(1)),
        candidate(5, is_away=True, covers_area=True),
    ]
    rankings = {
        tuple(v.candidate.adviser_id for v in route(*order).verdicts)
        for order in permutations(pool)
    }
    assert rankings == {(4, 3, 1, 2, 5)}


def test_without_an_area_only_load_and_recency_count():
    decision = route(
        candidate(1, open_count=4, covers_area=True), candidate(2, open_count=1), area=None
    )
    assert decision.chosen.adviser_id == 2
    assert "covers" not in decision.explanation
    assert "no area given" in verdict_for(decision, 2).reason


def test_nobody_covering_the_area_is_said_plainly():
    decision = route(candidate(1, open_count=2), candidate(2, open_count=1))
    assert decision.chosen.adviser_id == 2
    assert "nobody available covers West Lindsey" in decision.explanation


# --- explanations and verdicts ---------------------------------------------------------------


def test_explanation_names_the_topic_the_counts_and_the_only_adviser_available():
    decision = route(candidate(1, "Ada", covers_area=True, open_count=3, capacity=25))
    assert decision.chosen.name == "Ada"
    assert decision.deciding_rule is None
    assert decision.explanation == (
        "Routed to Ada: has expertise in Right to Bid, covers West Lindsey, the only adviser "
        "available (3 of 25 open (12%)). 1 adviser considered, 1 eligible."
    )


def test_every_candidate_gets_a_verdict_saying_why_they_were_or_were_not_chosen():
    decision = route(
        candidate(1, "Ada", covers_area=True),
        candidate(2, "Bea"),
        candidate(3, "Cal", has_expertise=False),
    )
    ada, bea, cal = (verdict_for(decision, i) for i in (1, 2, 3))
    assert ada.rank == 1 and ada.reason.startswith("chosen: covers West Lindsey")
    assert bea.rank == 2 and "not chosen, decided by area: Ada covers West Lindsey" in bea.reason
    assert cal.rank is None and cal.reason == "no expertise in Right to Bid"
    assert "3 advisers considered, 2 eligible" in decision.explanation


def test_losing_verdicts_name_the_rule_that_beat_them():
    decision = route(
        candidate(1, "Ada", last_assigned_at=at(1)),
        candidate(2, "Bea", last_assigned_at=at(2)),
        candidate(3, "Cal", open_count=4),
    )
    assert "decided by who was assigned least recently" in verdict_for(decision, 2).reason
    assert "decided by load" in verdict_for(decision, 3).reason


def test_no_topic_means_nobody_is_chosen_and_it_waits_for_triage():
    decision = choose_adviser(
        [candidate(1, covers_area=True)],
        topic_label=None,
        area_label=AREA_NAME,
        queue_label="the Triage queue",
    )
    assert decision.chosen is None
    assert "No topic was given" in decision.explanation
    assert "the Triage queue" in decision.explanation
    assert verdict_for(decision, 1).reason == "the group was not sure of the topic"


def test_nobody_eligible_waits_in_the_named_team_queue():
    decision = choose_adviser(
        [candidate(1, is_away=True), candidate(2, has_expertise=False)],
        topic_label=TOPIC,
        area_label=None,
        queue_label="the Assets queue",
    )
    assert decision.chosen is None
    assert decision.explanation == (
        "No adviser with expertise in Right to Bid is available with room in their caseload "
        "(2 considered), so the enquiry waits in the Assets queue."
    )
    assert all(not v.eligible for v in decision.verdicts)


def test_no_advisers_at_all_waits_in_the_queue():
    decision = route()
    assert decision.chosen is None
    assert decision.verdicts == ()
    assert "waits in the team queue" in decision.explanation
