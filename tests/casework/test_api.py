"""The staff REST API: queue, one enquiry, claim/assign/status, organisations, contacts, advisers.

Personas (tests/conftest.py): Ada (``adviser``, assets team), Omar (``other_adviser``,
planning team), Mina (``manager``), ``outsider`` (signed in, no desk role); Bea
(``colleague``, here) works in Ada's team.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from casework.cases.services import outcome_record
from casework.models import Adviser, Assignment
from casework.tokens.services import api_token_create
from enquiries.models import Channel, Enquiry, EnquiryEvent, PersonalDataAccess, Priority, Status
from tests.factories import AdviserFactory, ContactFactory, EnquiryFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/enquiries/"


def detail(enquiry: Enquiry, action: str = "") -> str:
    return f"/api/v1/enquiries/{enquiry.reference}/" + (f"{action}/" if action else "")


def place(
    *,
    team=None,
    holder: Adviser | None = None,
    status: str | None = None,
    **fields,
) -> Enquiry:
    """An enquiry in ``team``'s queue, held by ``holder`` if given (as routing leaves it)."""
    status = status or (Status.IN_PROGRESS if holder else Status.RECEIVED)
    if status == Status.CLOSED:
        fields.setdefault("closed_at", timezone.now())
    enquiry = EnquiryFactory(assigned_to=holder.user if holder else None, status=status, **fields)
    if team is not None or holder is not None:
        Assignment.objects.create(
            enquiry=enquiry,
            team=team,
            adviser=holder,
            method=Assignment.Method.ROUTED if holder else Assignment.Method.QUEUED,
            reason="Placed by the test.",
        )
    return enquiry


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


@pytest.fixture
def colleague(teams):
    """Bea: a second adviser in Ada's (assets) team."""
    return AdviserFactory(first_name="Bea", teams=[teams["assets"]])


@pytest.fixture
def desk(teams, adviser, other_adviser, colleague):
    """Five open enquiries; Ada may see the first three."""
    return {
        "ada_holds": place(team=teams["assets"], holder=adviser, subject="Red Lion pub"),
        "assets_queue": place(team=teams["assets"], subject="Village shop"),
        "bea_holds": place(team=teams["assets"], holder=colleague),
        "omar_holds": place(team=teams["planning"], holder=other_adviser),
        "planning_queue": place(team=teams["planning"]),
    }


def as_user(client: APIClient, user) -> APIClient:
    client.force_login(user)
    return client


# --- who may call the API --------------------------------------------------------------------


def test_anonymous_cannot_list_enquiries(api_client, desk):
    response = api_client.get(LIST)

    assert response.status_code == 401
    assert "results" not in response.json()


def test_anonymous_cannot_read_an_enquiry(api_client, desk):
    assert api_client.get(detail(desk["ada_holds"])).status_code == 401


def test_signed_in_user_without_desk_role_is_refused(api_client, outsider, desk):
    as_user(api_client, outsider)

    for url in [LIST, detail(desk["ada_holds"]), "/api/v1/organisations/", "/api/v1/contacts/"]:
        response = api_client.get(url)
        assert response.status_code == 403, url
        assert "desk staff" in response.json()["detail"]
    assert api_client.post(detail(desk["assets_queue"], "claim")).status_code == 403


def test_token_authentication_works(api_client, adviser, desk):
    token = api_token_create(user=adviser.user, name="test", days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert len(references(api_client.get(LIST))) == 3
    claim = api_client.post(detail(desk["assets_queue"], "claim"))  # no CSRF token needed
    assert claim.status_code == 200


def test_unknown_token_is_refused(api_client, desk):
    api_client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")

    assert api_client.get(LIST).status_code == 401


def test_outsider_token_is_refused(api_client, outsider, adviser, desk):
    """A token whose user has lost their desk role (made while they had it)."""
    from casework.models import ApiToken

    token = api_token_create(user=adviser.user, name="test", days=1)
    ApiToken.objects.filter(pk=token.token.pk).update(user=outsider)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert api_client.get(LIST).status_code == 403


def test_session_authentication_works(api_client, adviser, desk):
    as_user(api_client, adviser.user)

    assert len(references(api_client.get(LIST))) == 3


def test_session_command_needs_a_csrf_token(adviser, desk):
    client = as_user(APIClient(enforce_csrf_checks=True), adviser.user)

    response = client.post(detail(desk["assets_queue"], "claim"))

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Enquiry.objects.get(pk=desk["assets_queue"].pk).assigned_to is None


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_no_generic_writes_on_enquiries(api_client, manager, desk, method):
    as_user(api_client, manager.user)

    # PATCH is the versioned edit of six details (test_concurrency_edits.py): without the
    # version it was based on it is refused, never a generic update.
    expected = 428 if method == "patch" else 405
    assert getattr(api_client, method)(detail(desk["ada_holds"]), {}).status_code == expected
    assert getattr(api_client, method)(LIST, {}).status_code == 405


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_only_post_on_the_collection_is_public(api_client, method):
    assert getattr(api_client, method)(LIST, {}).status_code == 401


def test_browsable_api_renders_for_staff(api_client, adviser, desk):
    as_user(api_client, adviser.user)

    response = api_client.get(LIST, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert desk["ada_holds"].reference in response.content.decode()


# --- the queue -------------------------------------------------------------------------------


def test_adviser_lists_own_and_team_enquiries_only(api_client, adviser, desk):
    as_user(api_client, adviser.user)

    listed = set(references(api_client.get(LIST)))

    assert listed == {desk[k].reference for k in ("ada_holds", "assets_queue", "bea_holds")}


def test_manager_lists_every_enquiry(api_client, manager, desk):
    as_user(api_client, manager.user)

    assert set(references(api_client.get(LIST))) == {e.reference for e in desk.values()}


@pytest.mark.parametrize(
    ("queue", "expected"),
    [
        ("mine", {"ada_holds"}),
        ("team", {"assets_queue"}),
        ("all", {"ada_holds", "assets_queue", "bea_holds"}),
    ],
)
def test_queue_parameter(api_client, adviser, desk, queue, expected):
    as_user(api_client, adviser.user)

    listed = references(api_client.get(LIST, {"queue": queue}))

    assert set(listed) == {desk[k].reference for k in expected}


def test_unknown_queue_is_a_400(api_client, adviser, desk):
    as_user(api_client, adviser.user)

    response = api_client.get(LIST, {"queue": "everyone"})

    assert response.status_code == 400
    assert "mine" in response.json()["queue"][0]


def test_list_row_shape(api_client, adviser, desk):
    as_user(api_client, adviser.user)

    row = next(
        r
        for r in api_client.get(LIST).json()["results"]
        if r["reference"] == desk["ada_holds"].reference
    )

    assert row["subject"] == "Red Lion pub"
    assert row["status"] == Status.IN_PROGRESS
    assert row["assigned_to"] == adviser.name
    assert row["organisation"] == desk["ada_holds"].organisation.name
    assert "message" not in row


@pytest.fixture
def varied(teams, topics, areas, adviser, other_adviser, manager):
    """Four enquiries that differ in every filtered field (all visible to the manager)."""
    now = timezone.now()
    other_area = next(a for a in areas.values() if a.region_id != areas["west-lindsey"].region_id)
    return {
        "pub": place(
            team=teams["assets"],
            holder=adviser,
            subject="Red Lion pub",
            topic=topics["acv-notice-of-sale"],
            local_authority=areas["west-lindsey"],
            channel=Channel.WEB,
            priority=Priority.HIGH,
            received_at=now - timedelta(days=2),
        ),
        "shop": place(
            team=teams["assets"],
            subject="Village shop",
            topic=topics["right-to-bid"],
            local_authority=other_area,
            channel=Channel.PHONE,
            priority=Priority.NORMAL,
            received_at=now - timedelta(days=20),
        ),
        "vote": place(
            team=teams["planning"],
            holder=other_adviser,
            status=Status.AWAITING_GROUP,
            subject="Referendum date",
            topic=topics["np-referendum"],
            channel=Channel.API,
            priority=Priority.LOW,
            received_at=now - timedelta(days=90),
        ),
        "lease": place(
            team=teams["assets"],
            status=Status.CLOSED,
            subject="Lease signed",
            topic=topics["cat-lease"],
            received_at=now - timedelta(days=40),
        ),
    }


def filter_params(name: str, varied, areas, adviser) -> dict:
    month_ago = timezone.localdate() - timedelta(days=30)
    return {
        "status": {"status": "awaiting_group"},
        "two statuses": {"status": ["awaiting_group", "closed"]},
        "parent topic": {"topic": "right-to-bid"},
        "child topic": {"topic": "acv-notice-of-sale"},
        "area": {"area": "west-lindsey"},
        "region": {"region": areas["west-lindsey"].region.slug},
        "channel": {"channel": "phone"},
        "priority": {"priority": Priority.HIGH},
        "age 0-7": {"age": "0-7"},
        "age 15-30": {"age": "15-30"},
        "age 61+": {"age": "61+"},
        "adviser": {"adviser": adviser.pk},
        "unassigned": {"unassigned": "true"},
        "received after": {"received_after": month_ago.isoformat()},
        "received before": {"received_before": month_ago.isoformat()},
        "q words": {"q": "red lion"},
        "q reference": {"q": varied["vote"].reference},
        "closed on request": {"status": "closed", "topic": "asset-transfer"},
    }[name]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("status", {"vote"}),
        ("two statuses", {"vote", "lease"}),
        ("parent topic", {"pub", "shop"}),
        ("child topic", {"pub"}),
        ("area", {"pub"}),
        ("region", {"pub"}),
        ("channel", {"shop"}),
        ("priority", {"pub"}),
        ("age 0-7", {"pub"}),
        ("age 15-30", {"shop"}),
        ("age 61+", {"vote"}),
        ("adviser", {"pub"}),
        ("unassigned", {"shop"}),
        ("received after", {"pub", "shop"}),
        ("received before", {"vote"}),
        ("q words", {"pub"}),
        ("q reference", {"vote"}),
        ("closed on request", {"lease"}),
    ],
)
def test_filters(api_client, manager, varied, areas, adviser, name, expected):
    as_user(api_client, manager.user)

    listed = references(api_client.get(LIST, filter_params(name, varied, areas, adviser)))

    assert sorted(listed) == sorted(varied[k].reference for k in expected)


def test_closed_enquiries_are_left_out_unless_asked_for(api_client, manager, varied):
    as_user(api_client, manager.user)

    assert varied["lease"].reference not in references(api_client.get(LIST))


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["pub", "shop", "vote"]),  # most urgent first, then oldest
        ("received", ["vote", "shop", "pub"]),
        ("-received", ["pub", "shop", "vote"]),
        ("priority", ["vote", "shop", "pub"]),
        ("-reference", ["vote", "shop", "pub"]),
    ],
)
def test_ordering(api_client, manager, varied, ordering, expected):
    as_user(api_client, manager.user)
    params = {"ordering": ordering} if ordering else {}

    assert references(api_client.get(LIST, params)) == [varied[k].reference for k in expected]


@pytest.mark.parametrize(
    "params",
    [
        {"received_after": "yesterday"},
        {"received_before": "2026-13-45"},
        {"priority": "9"},
        {"status": "lost"},
        {"topic": "no-such-topic"},
        {"area": "atlantis"},
        {"region": "\x00"},
        {"adviser": "abc"},
        {"adviser": "99999999999999999999999"},
        {"age": "100+"},
        {"channel": "pigeon"},
        {"q": "nul \x00 byte"},
        {"q": "sam@example.org"},  # an address in a URL may be logged: Search posts it
        {"ordering": "subject"},
    ],
)
def test_invalid_filter_value_is_a_400_with_field_detail(api_client, manager, varied, params):
    as_user(api_client, manager.user)

    response = api_client.get(LIST, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize(
    "params",
    [
        {"assigned_to__password": "x"},
        {"assigned_to__password__startswith": "pbkdf2"},
        {"contact__email": "contact0@example.org"},
        {"contact__email__icontains": "example"},
        {"reference": "CR-2000-000001"},
        {"subject__icontains": "red"},
        {"assigned_to__username": "ada"},
        {"status__in": "closed"},
        {"ordering": "assigned_to__password"},
        {"ordering": "-assigned_to__password"},
        {"ordering": "contact__email"},
        {"ordering": "received,assigned_to__password"},
        {"o": "assigned_to__password"},
        {"order_by": "contact__email"},
        {"search": "red"},
    ],
)
def test_parameters_outside_the_allow_list_never_reach_the_orm(api_client, manager, varied, params):
    as_user(api_client, manager.user)
    unfiltered = references(api_client.get(LIST))

    response = api_client.get(LIST, params)

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert references(response) == unfiltered
    else:
        assert set(response.json()) <= {"ordering"}


def test_pagination(api_client, manager, teams):
    for _ in range(5):
        place(team=teams["assets"])
    as_user(api_client, manager.user)

    first = api_client.get(LIST, {"page_size": 2}).json()
    last = api_client.get(LIST, {"page_size": 2, "page": 3}).json()

    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert "page=2" in first["next"]
    assert first["previous"] is None
    assert len(last["results"]) == 1
    assert last["next"] is None
    pages = [
        r["reference"]
        for page in (1, 2, 3)
        for r in api_client.get(LIST, {"page_size": 2, "page": page}).json()["results"]
    ]
    assert len(set(pages)) == 5


def test_page_out_of_range_is_a_404(api_client, manager, desk):
    as_user(api_client, manager.user)

    response = api_client.get(LIST, {"page": 99})

    assert response.status_code == 404
    assert "detail" in response.json()


# --- one enquiry -----------------------------------------------------------------------------


def test_adviser_reads_own_enquiry_with_contact_and_history(
    api_client, adviser, manager, teams, areas
):
    organisation = OrganisationFactory(local_authority=areas["west-lindsey"], postcode="LN1 1AA")
    enquiry = place(
        team=teams["triage"],
        contact=ContactFactory(organisation=organisation, email="sam@example.org"),
        local_authority=areas["west-lindsey"],
        message="The owner has given notice.",
        logged_by=manager.user,
    )
    Assignment.objects.filter(enquiry=enquiry).update(is_current=False)
    Assignment.objects.create(
        enquiry=enquiry,
        adviser=adviser,
        team=teams["assets"],
        method=Assignment.Method.REASSIGNED,
        assigned_by=manager.user,
        reason="Ada knows the area.",
    )
    Enquiry.objects.filter(pk=enquiry.pk).update(assigned_to=adviser.user)
    as_user(api_client, adviser.user)

    response = api_client.get(detail(enquiry))

    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == enquiry.reference
    assert body["message"] == "The owner has given notice."
    assert body["assigned_to"] == adviser.name
    assert body["logged_by"] == manager.name
    assert body["local_authority"] == "west-lindsey"
    assert body["organisation"]["name"] == organisation.name
    assert body["organisation"]["local_authority"] == "west-lindsey"
    assert body["contact"]["email"] == "sam@example.org"
    assert body["contact"]["organisation"] == organisation.pk
    assert [a["method"] for a in body["assignments"]] == ["reassigned", "queued"]
    assert body["assignments"][0]["adviser"] == adviser.name
    assert body["assignments"][0]["assigned_by"] == manager.name
    assert body["assignments"][0]["is_current"] is True
    assert body["assignments"][1]["team"] == teams["triage"].name
    assert body["assignments"][1]["adviser"] is None
    assert body["assignments"][1]["assigned_by"] is None


def test_enquiry_without_organisation_or_topic_reads_as_nulls(api_client, manager):
    enquiry = EnquiryFactory(organisation=None)
    as_user(api_client, manager.user)

    body = api_client.get(detail(enquiry)).json()

    assert body["organisation"] is None
    assert body["topic"] is None
    assert body["assigned_to"] is None
    assert body["assignments"] == []


def test_someone_elses_enquiry_is_a_404_not_a_403(api_client, adviser, desk):
    as_user(api_client, adviser.user)

    for key in ("omar_holds", "planning_queue"):
        enquiry = desk[key]
        assert api_client.get(detail(enquiry)).status_code == 404
        assert api_client.post(detail(enquiry, "claim")).status_code == 404
        assert api_client.post(detail(enquiry, "status"), {"status": "closed"}).status_code == 404
    assert Enquiry.objects.get(pk=desk["planning_queue"].pk).assigned_to is None


@pytest.mark.parametrize(
    "reference", ["CR-2026-999999", "nonsense", "CR-2026-%00", "%00", "CR-2026-000001%0A"]
)
def test_unknown_or_malformed_reference_is_a_404(api_client, manager, desk, reference):
    as_user(api_client, manager.user)

    response = api_client.get(f"/api/v1/enquiries/{reference}/")

    assert response.status_code == 404
    assert response.json()["detail"]


def test_manager_reads_any_enquiry(api_client, manager, desk):
    as_user(api_client, manager.user)

    assert api_client.get(detail(desk["omar_holds"])).status_code == 200


# --- claim -----------------------------------------------------------------------------------


def test_adviser_claims_from_team_queue(api_client, adviser, desk):
    enquiry = desk["assets_queue"]
    as_user(api_client, adviser.user)

    response = api_client.post(detail(enquiry, "claim"))

    assert response.status_code == 200
    assert response.json()["assigned_to"] == adviser.name
    assert response.json()["status"] == Status.IN_PROGRESS
    enquiry.refresh_from_db()
    assert enquiry.assigned_to == adviser.user
    current = Assignment.objects.get(enquiry=enquiry, is_current=True)
    assert (current.adviser, current.method) == (adviser, Assignment.Method.CLAIMED)
    assert EnquiryEvent.objects.filter(
        enquiry=enquiry, kind=EnquiryEvent.Kind.ASSIGNED, actor=adviser.user
    ).exists()


def test_second_claim_is_refused(api_client, adviser, colleague, desk):
    enquiry = desk["assets_queue"]
    as_user(api_client, adviser.user).post(detail(enquiry, "claim"))
    bea = as_user(APIClient(), colleague.user)

    response = bea.post(detail(enquiry, "claim"))

    assert response.status_code == 409
    assert "already taken" in response.json()["detail"]
    enquiry.refresh_from_db()
    assert enquiry.assigned_to == adviser.user


def test_claiming_an_enquiry_someone_holds_is_a_409(api_client, adviser, desk):
    as_user(api_client, adviser.user)

    assert api_client.post(detail(desk["bea_holds"], "claim")).status_code == 409


def test_anonymous_cannot_claim(api_client, desk):
    assert api_client.post(detail(desk["assets_queue"], "claim")).status_code == 401


# --- assign (managers) -----------------------------------------------------------------------


def test_adviser_cannot_assign(api_client, adviser, other_adviser, desk):
    as_user(api_client, adviser.user)

    response = api_client.post(
        detail(desk["ada_holds"], "assign"), {"adviser": other_adviser.pk}, format="json"
    )

    assert response.status_code == 403
    assert "managers" in response.json()["detail"]
    assert Enquiry.objects.get(pk=desk["ada_holds"].pk).assigned_to == adviser.user


def test_manager_assigns_to_adviser_and_back_to_team_queue(
    api_client, manager, adviser, other_adviser, desk
):
    enquiry = desk["ada_holds"]
    as_user(api_client, manager.user)

    to_omar = api_client.post(
        detail(enquiry, "assign"),
        {"adviser": other_adviser.pk, "reason": "Planning question"},
        format="json",
    )

    assert to_omar.status_code == 200
    assert to_omar.json()["assigned_to"] == other_adviser.name
    current = Assignment.objects.get(enquiry=enquiry, is_current=True)
    assert current.adviser == other_adviser
    assert current.assigned_by == manager.user
    assert "Planning question" in current.reason

    to_queue = api_client.post(detail(enquiry, "assign"), {"adviser": None}, format="json")

    assert to_queue.status_code == 200
    assert to_queue.json()["assigned_to"] is None
    enquiry.refresh_from_db()
    assert enquiry.assigned_to is None
    current = Assignment.objects.get(enquiry=enquiry, is_current=True)
    assert current.adviser is None
    assert current.method == Assignment.Method.REASSIGNED
    assert "queue" in current.reason


@pytest.mark.parametrize(
    "body", [{}, {"adviser": 999999}, {"adviser": "Omar"}, {"adviser": [1]}, {"reason": "x"}]
)
def test_assign_with_bad_adviser_is_a_400(api_client, manager, desk, body):
    as_user(api_client, manager.user)

    response = api_client.post(detail(desk["ada_holds"], "assign"), body, format="json")

    assert response.status_code == 400
    assert "adviser" in response.json()


def test_assign_to_inactive_adviser_is_a_400(api_client, manager, other_adviser, desk):
    Adviser.objects.filter(pk=other_adviser.pk).update(is_active=False)
    as_user(api_client, manager.user)

    response = api_client.post(
        detail(desk["ada_holds"], "assign"), {"adviser": other_adviser.pk}, format="json"
    )

    assert response.status_code == 400


def test_assign_unknown_enquiry_is_a_404(api_client, manager, adviser):
    as_user(api_client, manager.user)

    response = api_client.post(
        "/api/v1/enquiries/CR-2026-999999/assign/", {"adviser": adviser.pk}, format="json"
    )

    assert response.status_code == 404


# --- status ----------------------------------------------------------------------------------


def test_holder_moves_enquiry_along(api_client, adviser, desk):
    enquiry = desk["ada_holds"]
    as_user(api_client, adviser.user)

    response = api_client.post(detail(enquiry, "status"), {"status": "awaiting_group"})

    assert response.status_code == 200
    assert response.json()["status"] == Status.AWAITING_GROUP
    enquiry.refresh_from_db()
    assert enquiry.status == Status.AWAITING_GROUP
    assert EnquiryEvent.objects.filter(
        enquiry=enquiry, kind=EnquiryEvent.Kind.STATUS_CHANGED, actor=adviser.user
    ).exists()


def test_closing_stamps_the_time(api_client, adviser, desk):
    as_user(api_client, adviser.user)
    outcome_record(
        enquiry=desk["ada_holds"], code="guidance_sent", is_closing=True, actor=adviser.user
    )

    body = api_client.post(detail(desk["ada_holds"], "status"), {"status": "closed"}).json()

    assert body["status"] == Status.CLOSED
    assert body["closed_at"] is not None


def test_invalid_transition_is_a_400_with_a_message(api_client, adviser, desk):
    as_user(api_client, adviser.user)

    response = api_client.post(detail(desk["ada_holds"], "status"), {"status": "received"})

    assert response.status_code == 400
    assert "cannot become received" in response.json()["status"][0]
    assert Enquiry.objects.get(pk=desk["ada_holds"].pk).status == Status.IN_PROGRESS


@pytest.mark.parametrize("body", [{}, {"status": "lost"}, {"status": ["closed"]}])
def test_unknown_status_is_a_400(api_client, adviser, desk, body):
    as_user(api_client, adviser.user)

    response = api_client.post(detail(desk["ada_holds"], "status"), body, format="json")

    assert response.status_code == 400
    assert "status" in response.json()


def test_oversize_body_on_a_staff_command_is_a_json_413(api_client, adviser, desk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    as_user(api_client, adviser.user)

    response = api_client.post(
        detail(desk["ada_holds"], "status"),
        '{"status": "closed", "pad": "' + "x" * 2000 + '"}',
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}
    assert Enquiry.objects.get(pk=desk["ada_holds"].pk).status == Status.IN_PROGRESS


@pytest.mark.parametrize("key", ["bea_holds", "assets_queue"])
def test_adviser_who_does_not_hold_the_enquiry_cannot_change_its_status(
    api_client, adviser, desk, key
):
    as_user(api_client, adviser.user)

    response = api_client.post(detail(desk[key], "status"), {"status": "closed"})

    assert response.status_code == 403
    assert "holding" in response.json()["detail"]
    assert Enquiry.objects.get(pk=desk[key].pk).status != Status.CLOSED


def test_manager_changes_any_status(api_client, manager, desk):
    as_user(api_client, manager.user)

    response = api_client.post(detail(desk["omar_holds"], "status"), {"status": "answered"})

    assert response.status_code == 200


# --- organisations, contacts, advisers ------------------------------------------------------


def test_adviser_lists_organisations_of_visible_enquiries_only(api_client, adviser, desk):
    shared = desk["ada_holds"].organisation
    place(team=desk["ada_holds"].assignments.get().team, organisation=shared)
    OrganisationFactory(name="Never enquired")
    as_user(api_client, adviser.user)

    response = api_client.get("/api/v1/organisations/")

    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert sorted(names) == sorted(
        desk[k].organisation.name for k in ("ada_holds", "assets_queue", "bea_holds")
    )


def test_organisation_detail_follows_enquiry_visibility(api_client, adviser, manager, desk):
    theirs = desk["omar_holds"].organisation
    mine = desk["ada_holds"].organisation
    as_user(api_client, adviser.user)

    assert api_client.get(f"/api/v1/organisations/{mine.pk}/").json()["name"] == mine.name
    assert api_client.get(f"/api/v1/organisations/{theirs.pk}/").status_code == 404
    as_user(api_client, manager.user)
    assert api_client.get(f"/api/v1/organisations/{theirs.pk}/").status_code == 200


def test_organisation_without_enquiries_is_a_404_even_for_a_manager(api_client, manager):
    lonely = OrganisationFactory()
    as_user(api_client, manager.user)

    assert api_client.get(f"/api/v1/organisations/{lonely.pk}/").status_code == 404


def test_adviser_lists_contacts_of_visible_enquiries_only(api_client, adviser, desk):
    as_user(api_client, adviser.user)

    response = api_client.get("/api/v1/contacts/")

    assert response.status_code == 200
    emails = {row["email"] for row in response.json()["results"]}
    assert emails == {desk[k].contact.email for k in ("ada_holds", "assets_queue", "bea_holds")}


def test_contact_detail_follows_enquiry_visibility(api_client, adviser, desk):
    as_user(api_client, adviser.user)

    mine = api_client.get(f"/api/v1/contacts/{desk['ada_holds'].contact.pk}/")
    theirs = api_client.get(f"/api/v1/contacts/{desk['omar_holds'].contact.pk}/")

    assert mine.status_code == 200
    assert mine.json()["email"] == desk["ada_holds"].contact.email
    assert theirs.status_code == 404


def test_contacts_shown_by_the_api_are_logged_as_opened_and_refusals_are_not(
    api_client, adviser, desk
):
    as_user(api_client, adviser.user)
    listed = api_client.get("/api/v1/contacts/").json()["results"]
    api_client.get(f"/api/v1/contacts/{desk['ada_holds'].contact.pk}/")
    assert api_client.get(f"/api/v1/contacts/{desk['omar_holds'].contact.pk}/").status_code == 404

    logged = PersonalDataAccess.objects.filter(contact__isnull=False)
    assert sorted(logged.values_list("contact", flat=True)) == sorted(
        [row["id"] for row in listed] + [desk["ada_holds"].contact.pk]
    )
    assert set(logged.values_list("viewer", "channel", "enquiry")) == {
        (adviser.user.pk, "api", None)
    }


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999"])
def test_unknown_contact_or_organisation_is_a_404(api_client, manager, desk, pk):
    as_user(api_client, manager.user)

    assert api_client.get(f"/api/v1/contacts/{pk}/").status_code == 404
    assert api_client.get(f"/api/v1/organisations/{pk}/").status_code == 404


def test_contacts_filters_are_not_accepted(api_client, manager, desk):
    as_user(api_client, manager.user)
    everyone = api_client.get("/api/v1/contacts/").json()["results"]

    filtered = api_client.get("/api/v1/contacts/", {"email": desk["ada_holds"].contact.email})

    assert filtered.json()["results"] == everyone


def test_advisers_list(api_client, adviser, other_adviser, manager, colleague):
    Adviser.objects.filter(pk=colleague.pk).update(is_active=False)
    as_user(api_client, adviser.user)

    response = api_client.get("/api/v1/advisers/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["name"] for row in rows] == [adviser.name, manager.name, other_adviser.name]
    assert rows[0] == {"id": adviser.pk, "name": adviser.name, "teams": ["assets-and-right-to-bid"]}


def test_outsider_cannot_list_advisers(api_client, outsider):
    as_user(api_client, outsider)

    assert api_client.get("/api/v1/advisers/").status_code == 403


# --- a constant number of queries whatever the number of rows ------------------------------


@pytest.fixture
def many(teams, topics, areas, adviser, manager):
    """``many(n)``: n enquiries visible to Ada, each with its own topic, area, organisation,
    contact and holder, so a missing join shows as one query per row."""
    holders = [adviser] + [
        AdviserFactory(first_name=f"Holder{i}", teams=[teams["assets"]]) for i in range(4)
    ]
    topic_list = [t for t in topics.values() if t.parent_id]
    area_list = list(areas.values())

    def make(n: int) -> list[Enquiry]:
        made = []
        for i in range(n):
            organisation = OrganisationFactory(local_authority=area_list[i % len(area_list)])
            made.append(
                place(
                    team=teams["assets"],
                    holder=holders[i % len(holders)] if i % 3 else None,
                    topic=topic_list[i % len(topic_list)],
                    local_authority=area_list[(i * 7) % len(area_list)],
                    contact=ContactFactory(organisation=organisation),
                    logged_by=manager.user if i % 2 else None,
                )
            )
        return made

    return make


# Session, user, permissions, team ids, count, page, the page's secondary topics
# (measured: 7 to 9).
MAX_LIST_QUERIES = 9


@pytest.mark.parametrize("rows", [3, 40])
def test_enquiry_list_query_count_is_constant(
    api_client, adviser, many, rows, django_assert_max_num_queries
):
    many(rows)
    as_user(api_client, adviser.user)

    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = api_client.get(LIST)

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 40])
def test_enquiry_list_query_count_is_constant_for_token_and_filters(
    api_client, manager, many, rows, django_assert_max_num_queries
):
    many(rows)
    token = api_token_create(user=manager.user, name="test", days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    params = {"queue": "team", "topic": "right-to-bid", "ordering": "-received", "page_size": 100}

    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = api_client.get(LIST, params)

    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 40])
@pytest.mark.parametrize("url", ["/api/v1/organisations/", "/api/v1/contacts/"])
def test_organisation_and_contact_lists_query_count_is_constant(
    api_client, adviser, many, rows, url, django_assert_max_num_queries
):
    many(rows)
    as_user(api_client, adviser.user)
    logged = 1 if "contacts" in url else 0  # one INSERT logs every contact shown

    with django_assert_max_num_queries(MAX_LIST_QUERIES + logged):
        response = api_client.get(url)

    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [1, 12])
def test_advisers_list_query_count_is_constant(
    api_client, manager, teams, rows, django_assert_max_num_queries
):
    for i in range(rows):
        AdviserFactory(first_name=f"Extra{i}", teams=[teams["assets"], teams["planning"]])
    as_user(api_client, manager.user)

    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = api_client.get("/api/v1/advisers/")

    assert response.json()["count"] == rows + 1


@pytest.mark.parametrize("history", [1, 8])
def test_enquiry_detail_query_count_is_constant(
    api_client,
    manager,
    teams,
    adviser,
    other_adviser,
    colleague,
    history,
    django_assert_max_num_queries,
):
    enquiry = place(team=teams["triage"], logged_by=adviser.user)
    people = [adviser, other_adviser, colleague]
    for i in range(history - 1):
        Assignment.objects.filter(enquiry=enquiry).update(is_current=False)
        Assignment.objects.create(
            enquiry=enquiry,
            adviser=people[i % 3],
            team=[teams["assets"], teams["planning"]][i % 2],
            method=Assignment.Method.REASSIGNED,
            assigned_by=[manager.user, colleague.user][i % 2],
            reason=f"Move {i}",
        )
    as_user(api_client, manager.user)

    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = api_client.get(detail(enquiry))

    assert len(response.json()["assignments"]) == history
