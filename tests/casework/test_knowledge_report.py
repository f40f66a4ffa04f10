"""The knowledge report's figures are exact, and hold nothing personal."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.reports.params import ReportParams
from casework.reports.registry import build_report
from knowledgebase.guidance.services import article_read_record, deflection_record
from knowledgebase.models import Article, ArticleReadDay, SearchTermDay
from knowledgebase.search.services import search_term_record

pytestmark = pytest.mark.django_db


def figures(table):
    return {row[0].text(): [cell.value for cell in row[1:]] for row in table.rows}


def test_the_knowledge_report_counts_reads_gaps_deflections_and_reviews(
    manager, topics, time_machine
):
    time_machine.move_to("2026-11-10 12:00:00+00:00")
    moratoriums = Article.objects.get(slug="interim-and-full-moratoriums")
    for _ in range(3):
        article_read_record(article=moratoriums)
    ArticleReadDay.objects.create(article=moratoriums, day=date(2026, 9, 1), reads=50)  # before
    search_term_record(scope="guidance", query="wombat licence", found=0)
    search_term_record(scope="guidance", query="wombat licence", found=0)
    search_term_record(scope="guidance", query="moratorium", found=4)
    search_term_record(scope="desk", query="jo@example.org", found=0)  # nothing kept
    for _ in range(3):
        deflection_record(topic=topics["acv-notice-of-sale"], outcome="answered")
    deflection_record(topic=topics["acv-notice-of-sale"], outcome="asked")
    deflection_record(topic=None, outcome="asked")
    Article.objects.filter(pk=moratoriums.pk).update(review_due=date(2026, 11, 1))

    params = ReportParams(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
    report = build_report("knowledge", params, user=manager.user)

    assert figures(report.table("most_read")) == {moratoriums.title: [3]}
    assert figures(report.table("search_gaps")) == {"wombat licence": ["Public guidance", 2, 2]}
    assert figures(report.table("deflections")) == {
        topics["acv-notice-of-sale"].name: [3, 1, 75.0],
        "Not sure": [0, 1, 0.0],
    }
    overdue = figures(report.table("review_due"))
    assert overdue[moratoriums.title][2] == "2026-11-01"
    assert report.table("review_due").rows[0][0].href == reverse(
        "casework:guidance_edit", args=[moratoriums.pk]
    )
    assert not SearchTermDay.objects.filter(term__contains="@").exists()


def test_advisers_cannot_see_the_knowledge_report(client, adviser):
    client.force_login(adviser.user)
    assert client.get(reverse("reports:report", args=["knowledge"])).status_code == 403


def test_the_page_shows_it(client, manager):
    client.force_login(manager.user)
    today = timezone.localdate()
    response = client.get(
        reverse("reports:report", args=["knowledge"]),
        {"date_from": (today - timedelta(days=30)).isoformat(), "date_to": today.isoformat()},
    )
    assert response.status_code == 200
    assert "Searches that found nothing" in response.content.decode()
