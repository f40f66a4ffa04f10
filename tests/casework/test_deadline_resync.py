"""Editing a deadline rule (in the admin) brings its stored deadlines along: a new length
recomputes every end date (and the copy the group sees), a rule switched off loses its
rows (and the copy is withdrawn), a new trigger moves the rows to the key dates recorded
with that trigger."""

from datetime import date
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db.migrations import Migration
from django.db.migrations.executor import MigrationExecutor
from django.db.models.signals import post_migrate
from django.urls import reverse

from casework.clocks import services as clocks_services
from casework.models import Deadline
from casework.publishing import services as services_publish
from enquiries.models import PublicDate
from knowledgebase.models import DeadlineRule
from knowledgebase.services import deadline_rule_save

pytestmark = pytest.mark.django_db

NOTICE = "disposal-notice-received"


@pytest.fixture
def interim():
    return DeadlineRule.objects.get(slug="acv-interim-moratorium")


@pytest.fixture
def key_date(mine, adviser):
    """DOMAIN.md's worked example: the council received the owner's notice on 2 March 2026."""
    return clocks_services.key_date_record(
        enquiry=mine, trigger=NOTICE, date=date(2026, 3, 2), actor=adviser.user
    )


def stored(rule, key_date) -> Deadline | None:
    return Deadline.objects.filter(rule=rule, key_date=key_date).first()


def test_a_new_length_recomputes_the_rows_and_the_published_date(mine, adviser, interim, key_date):
    assert stored(interim, key_date).ends_on == date(2026, 4, 12)
    services_publish.deadline_publish(
        enquiry=mine,
        key_date_id=key_date.pk,
        rule_id=interim.pk,
        is_group_deadline=True,
        actor=adviser.user,
    )

    interim.length = 8
    interim.save()

    assert stored(interim, key_date).ends_on == date(2026, 4, 26)
    shown = PublicDate.objects.get(enquiry=mine)
    assert shown.date == date(2026, 4, 26) and shown.is_group_deadline
    assert shown.source == f"deadline:{key_date.pk}:{interim.pk}"
    # The other clocks started by the same notice are untouched.
    full = DeadlineRule.objects.get(slug="acv-full-moratorium")
    assert stored(full, key_date).ends_on == date(2026, 9, 1)


def test_a_rule_switched_off_loses_its_rows_and_the_group_copy(mine, adviser, interim, key_date):
    services_publish.deadline_publish(
        enquiry=mine,
        key_date_id=key_date.pk,
        rule_id=interim.pk,
        is_group_deadline=False,
        actor=adviser.user,
    )
    interim.is_active = False
    interim.save()

    assert stored(interim, key_date) is None
    assert not PublicDate.objects.filter(enquiry=mine).exists()
    assert Deadline.objects.filter(key_date=key_date).count() == 2  # full, protected

    interim.is_active = True
    interim.save()  # switched back on: the rows come back
    assert stored(interim, key_date).ends_on == date(2026, 4, 12)


def test_a_new_trigger_moves_the_rows_to_that_trigger_s_key_dates(mine, adviser, key_date):
    rule = DeadlineRule.objects.get(slug="np-forum-expiry")
    designated = clocks_services.key_date_record(
        enquiry=mine, trigger="forum-designated", date=date(2026, 1, 10), actor=adviser.user
    )
    assert stored(rule, designated) is not None

    rule.trigger = NOTICE
    rule.save()

    assert stored(rule, designated) is None
    moved = stored(rule, key_date)
    assert moved is not None and moved.ends_on == date(2031, 3, 1)  # 5 years beginning with


def test_a_rule_saved_unchanged_changes_nothing(interim, key_date):
    before = list(Deadline.objects.values_list("pk", "ends_on").order_by("pk"))
    result = clocks_services.deadlines_resync(rule=interim)
    assert (result.updated, result.created, result.removed) == (0, 0, 0)
    assert list(Deadline.objects.values_list("pk", "ends_on").order_by("pk")) == before


def test_an_admin_edit_resyncs_and_names_the_manager(client, mine, adviser, interim, key_date):
    from tests.factories import UserFactory

    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    services_publish.deadline_publish(
        enquiry=mine,
        key_date_id=key_date.pk,
        rule_id=interim.pk,
        is_group_deadline=False,
        actor=adviser.user,
    )
    client.force_login(admin)
    url = reverse("admin:knowledgebase_deadlinerule_change", args=[interim.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update({"length": 7, "topic": interim.topic_id or ""})
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    assert stored(interim, key_date).ends_on == date(2026, 4, 19)
    event = mine.events.filter(kind="date_published").order_by("-id").first()
    assert event.data["updated"] is True and event.actor == admin


def _date_events(enquiry):
    return enquiry.events.filter(kind="date_published", data__updated=True)


@pytest.fixture
def published(mine, adviser, interim, key_date):
    return services_publish.deadline_publish(
        enquiry=mine,
        key_date_id=key_date.pk,
        rule_id=interim.pk,
        is_group_deadline=False,
        actor=adviser.user,
    )


def test_the_service_resyncs_once_naming_who_saved_the_rule(mine, interim, key_date, published):
    from tests.factories import UserFactory

    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    interim.length = 7

    deadline_rule_save(rule=interim, actor=admin)

    assert stored(interim, key_date).ends_on == date(2026, 4, 19)
    assert [e.actor for e in _date_events(mine)] == [admin]


def test_a_rule_saved_outside_the_service_still_resyncs_naming_no_one(
    mine, adviser, interim, key_date, published
):
    """A shell or a script: no one to name, so the date keeps who published it."""
    interim.length = 7
    interim.save()

    assert stored(interim, key_date).ends_on == date(2026, 4, 19)
    assert [e.actor for e in _date_events(mine)] == [adviser.user]


def test_a_rule_added_through_the_service_starts_on_the_key_dates_recorded(key_date, manager):
    manager.user.user_permissions.add(Permission.objects.get(codename="add_deadlinerule"))
    rule = DeadlineRule(
        slug="desk-check",
        name="Check the notice",
        trigger=NOTICE,
        trigger_event="Notice received",
        length=10,
        unit="days",
        counting="not_less_than",
        end_meaning="Check it by then.",
        legal_source="Desk practice",
        verification="U",
    )

    deadline_rule_save(rule=rule, actor=manager.user)

    assert stored(rule, key_date) is not None


def test_someone_without_the_admin_s_permission_cannot_save_a_rule(adviser, interim, key_date):
    interim.length = 7
    with pytest.raises(PermissionDenied):
        deadline_rule_save(rule=interim, actor=adviser.user)
    interim.refresh_from_db()
    assert interim.length != 7 and stored(interim, key_date).ends_on == date(2026, 4, 12)


def _rule_changed_unannounced(rule, **values) -> None:
    """As a data migration or a fixture would: no save that anyone hears."""
    DeadlineRule.objects.filter(pk=rule.pk).update(**values)


def _migrated(*apps_and_directions) -> None:
    post_migrate.send(
        sender=django_apps.get_app_config("casework"),
        app_config=django_apps.get_app_config("casework"),
        verbosity=0,
        interactive=False,
        using="default",
        apps=django_apps,
        plan=[(Migration("0099_x", app), backwards) for app, backwards in apps_and_directions],
    )


def test_a_migrate_that_ran_a_knowledgebase_migration_resyncs_every_rule(interim, key_date):
    _rule_changed_unannounced(interim, length=7)

    _migrated(("casework", False))  # no rule could have changed
    assert stored(interim, key_date).ends_on == date(2026, 4, 12)
    _migrated(("knowledgebase", True))  # backwards: left alone
    assert stored(interim, key_date).ends_on == date(2026, 4, 12)

    _migrated(("casework", False), ("knowledgebase", False))
    assert stored(interim, key_date).ends_on == date(2026, 4, 19)


def test_the_resync_command_brings_every_rule_s_deadlines_in_line(interim, key_date):
    _rule_changed_unannounced(interim, length=7)
    out = StringIO()

    call_command("resync_deadlines", stdout=out)

    assert stored(interim, key_date).ends_on == date(2026, 4, 19)
    assert out.getvalue().strip() == "1 deadline(s) recomputed, 0 written, 0 removed."


def test_a_partial_migrate_leaves_deadlines_alone_and_says_to_resync(
    interim, key_date, monkeypatch, caplog
):
    """Migrations still to run: the tables may be behind the models, so no resync yet."""
    _rule_changed_unannounced(interim, length=7)
    monkeypatch.setattr(
        MigrationExecutor, "migration_plan", lambda self, targets: [("pending", False)]
    )

    _migrated(("knowledgebase", False))

    assert stored(interim, key_date).ends_on == date(2026, 4, 12)
    assert "run manage.py resync_deadlines" in caplog.text
