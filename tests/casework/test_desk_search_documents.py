"""Desk search through one search document per enquiry (issue 15): every way of matching
(the enquiry's words, its people, its group, its updates, its internal notes) answered
by one query, kept up to date with the changes that move it, scoped exactly as the
desk's selectors scope enquiries. Runs on SQLite (an FTS5 row per enquiry) and PostgreSQL
(a search document per enquiry); a few tests at the end are one database's alone."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q

from casework import policies
from casework.duplicates.services import organisations_merge
from casework.models import EnquirySearchDocument
from casework.queue.services import enquiry_assign
from casework.search import fts5
from casework.search.selectors import desk_search
from casework.workspace.services import note_add
from enquiries.conversation.services import message_publish
from enquiries.models import Enquiry, Organisation

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="search documents are stored (and kept by triggers) on PostgreSQL only",
)

# A word for each way an enquiry can match, used nowhere else.
WAYS = {
    "subject": "Saving the Ottercombe Granary",
    "message": "The landowner plans to demolish the thatched barn.",
    "asset_name": "Pellingham Mill",
    "contact_name": "Tamsin Vardy-Okonkwo",
    "organisation_name": "Friends of Brackenthwaite Green",
}
WORDS = {
    "subject": "Ottercombe",
    "message": "thatched",
    "asset_name": "Pellingham",
    "contact_name": "Vardy",
    "organisation_name": "Brackenthwaite",
    "update": "dovecote",
    "note": "quitclaim",
}


@pytest.fixture
def adas(submit, adviser, manager):
    """An enquiry Ada holds, with an update and an internal note."""
    enquiry = submit(email="tamsin@example.org", **WAYS)
    if enquiry.assigned_to_id != adviser.user.pk:
        enquiry_assign(enquiry=enquiry, adviser=adviser, actor=manager.user)
    message_publish(enquiry=enquiry, body="Is there a dovecote on the site?", actor=adviser.user)
    note_add(enquiry=enquiry, body="Owner mentioned a quitclaim deed.", actor=adviser.user)
    return enquiry


def _found(user, query):
    return [enquiry.reference for enquiry in desk_search(user=user, query=query).enquiries.items]


def test_a_notes_word_finds_the_enquiry_for_staff_who_may_see_it(
    adas, adviser, manager, other_adviser
):
    note_add(enquiry=adas, body="Spoke to the parish clerk about wayleaves.", actor=manager.user)
    assert _found(adviser.user, "wayleaves") == [adas.reference]
    assert _found(manager.user, "wayleaves") == [adas.reference]
    assert desk_search(user=other_adviser.user, query="wayleaves").total == 0


@pytest.mark.parametrize("way", sorted(WORDS))
def test_an_adviser_never_finds_an_enquiry_outside_their_scope_by_any_way(
    adas, adviser, other_adviser, way
):
    word = WORDS[way]
    assert _found(adviser.user, word) == [adas.reference]
    outside = desk_search(user=other_adviser.user, query=word)
    assert outside.enquiries.items == []
    assert outside.enquiries.count == 0


def test_search_finds_exactly_what_the_desk_selectors_let_each_user_see(
    submit, adviser, other_adviser, manager
):
    """Held by Ada, in her team's queue, held by Omar, in Omar's team's queue: each user
    finds, by a word they share, exactly the enquiries the queue would show them."""
    made = [submit(subject=f"Kittiwake harbour question {n}") for n in range(4)]
    enquiry_assign(enquiry=made[0], adviser=adviser, actor=manager.user)
    enquiry_assign(enquiry=made[1], adviser=None, actor=manager.user)
    enquiry_assign(enquiry=made[2], adviser=other_adviser, actor=manager.user)
    made[3].topic = other_adviser.topics.first()
    made[3].save(update_fields=["topic"])
    enquiry_assign(enquiry=made[3], adviser=None, actor=manager.user)
    for user in (adviser.user, other_adviser.user, manager.user):
        visible = Enquiry.objects.filter(policies.visible_enquiries_q(user))
        expected = set(
            visible.filter(pk__in=[e.pk for e in made]).values_list("reference", flat=True)
        )
        results = desk_search(user=user, query="kittiwake")
        assert set(_found(user, "kittiwake")) == expected, user
        assert results.enquiries.count == len(expected), user
    assert set(_found(manager.user, "kittiwake")) == {e.reference for e in made}


def test_a_reassigned_enquiry_leaves_the_old_advisers_results(
    adas, adviser, other_adviser, manager
):
    enquiry_assign(enquiry=adas, adviser=other_adviser, actor=manager.user)
    # Omar now holds it (his own, whatever the team), Ada's team still queues it.
    assert _found(other_adviser.user, "quitclaim") == [adas.reference]
    visible_to_ada = Enquiry.objects.filter(policies.visible_enquiries_q(adviser.user))
    expected = [adas.reference] if visible_to_ada.filter(pk=adas.pk).exists() else []
    assert _found(adviser.user, "quitclaim") == expected


def test_an_organisation_renamed_is_found_by_its_new_name_and_not_its_old(submit, adviser, manager):
    first = submit(organisation_name="Friends of the Old Bakery", subject="Our building")
    second = submit(organisation_name="Marrowbone Heritage Trust", subject="A question")
    survivor, merged = first.organisation, second.organisation
    organisations_merge(
        survivor=survivor, merged=merged, chosen={"name": "merged"}, actor=manager.user
    )
    assert Organisation.objects.get(pk=survivor.pk).name == "Marrowbone Heritage Trust"
    assert set(_found(manager.user, "marrowbone")) == {first.reference, second.reference}
    assert _found(manager.user, "bakery") == []


def test_a_contact_renamed_is_found_by_the_new_name(adas, manager):
    contact = adas.contact
    contact.name = "Tamsin Featherstonehaugh"
    contact.save(update_fields=["name"])
    assert _found(manager.user, "Featherstonehaugh") == [adas.reference]
    assert _found(manager.user, "Okonkwo") == []


def test_an_edited_subject_is_found_by_its_new_words(adas, manager):
    Enquiry.objects.filter(pk=adas.pk).update(subject="Saving the Wrenfield Granary")
    assert _found(manager.user, "wrenfield") == [adas.reference]
    assert _found(manager.user, "ottercombe") == []


def test_an_edited_update_or_note_is_found_by_its_new_words(adas, submit, manager):
    from casework.models import Note
    from enquiries.models import Message

    Message.objects.filter(enquiry=adas, body__contains="dovecote").update(
        body="Is there a lychgate on the site?"
    )
    assert _found(manager.user, "lychgate") == [adas.reference]
    assert _found(manager.user, "dovecote") == []
    other = submit(subject="Another question")
    Note.objects.filter(enquiry=adas).update(enquiry=other)  # a note moved elsewhere
    assert _found(manager.user, "quitclaim") == [other.reference]


def test_an_anonymised_enquiry_is_no_longer_found_by_its_personal_data(adas, manager):
    from django.utils import timezone

    from enquiries.retention.services import enquiries_anonymise, people_erase

    assert _found(manager.user, "Vardy") == [adas.reference]
    now = timezone.now()
    people_erase(enquiry_ids=enquiries_anonymise(enquiry_ids=[adas.pk], now=now), now=now)
    for word in ["Vardy", "Brackenthwaite", "Ottercombe", "thatched", "Pellingham", "dovecote"]:
        assert _found(manager.user, word) == [], word


@pytest.mark.parametrize("who", ["adviser", "manager"])
def test_the_query_count_is_the_same_for_one_match_and_many(
    request,
    submit,
    adviser,
    manager,
    who,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    user = request.getfixturevalue(who).user
    # Every kind of record found from the first (a list with none runs no prefetch).
    one = submit(
        subject="Heronsgate orchard",
        contact_name="Heronsgate Person",
        organisation_name="Heronsgate Society",
    )
    enquiry_assign(enquiry=one, adviser=adviser, actor=manager.user)
    desk_search(user=user, query="heronsgate")  # warm the permission caches
    with django_assert_max_num_queries(50) as counted:
        assert desk_search(user=user, query="heronsgate").enquiries.count == 1
    for n in range(30):
        more = submit(
            subject=f"Heronsgate orchard {n}",
            contact_name=f"Heronsgate Person {n}",
            organisation_name=f"Heronsgate Society {n}",
        )
        enquiry_assign(enquiry=more, adviser=adviser, actor=manager.user)
        note_add(enquiry=more, body="Heronsgate survey booked.", actor=adviser.user)
    with django_assert_num_queries(len(counted.captured_queries)):
        results = desk_search(user=user, query="heronsgate")
    assert results.enquiries.count == 31
    assert len(results.enquiries.items) == 20


# PostgreSQL: the stored documents themselves -------------------------------------------


@postgres_only
@pytest.mark.postgres
def test_a_document_is_written_in_the_transaction_that_moves_it(adas, adviser):
    document = EnquirySearchDocument.objects.get(enquiry=adas)
    assert document.assigned_to_id == adviser.user.pk
    assert document.received_at == adas.received_at
    note_add(enquiry=adas, body="Asked about the lychgate.", actor=adviser.user)
    assert EnquirySearchDocument.objects.filter(enquiry=adas, document="lychgate").exists()


@postgres_only
@pytest.mark.postgres
def test_deleting_an_enquiry_with_updates_and_notes_leaves_no_document(adas):
    Enquiry.objects.filter(pk=adas.pk).delete()
    connection.check_constraints()  # the deferred foreign keys, as at commit
    assert not EnquirySearchDocument.objects.exists()


def _written() -> set[int]:
    """The enquiries that have their words stored, on either database."""
    if connection.vendor == "postgresql":
        return set(EnquirySearchDocument.objects.values_list("enquiry_id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {fts5.TABLE}")  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def _forget_all_words() -> None:
    if connection.vendor == "postgresql":
        EnquirySearchDocument.objects.all().delete()
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {fts5.TABLE}")  # noqa: S608


def test_the_rebuild_command_writes_missing_words_and_resumes(adas, submit, manager):
    others = [submit(subject=f"Rebuild check {n}") for n in range(3)]
    _forget_all_words()
    assert _found(manager.user, "quitclaim") == []
    call_command("rebuild_search_documents", "--batch-size=1", f"--after-id={adas.pk}")
    assert _written() == {e.pk for e in others}
    call_command("rebuild_search_documents", "--missing")
    assert _found(manager.user, "quitclaim") == [adas.reference]
    assert _written() == {adas.pk, *(e.pk for e in others)}
    if connection.vendor == "postgresql":  # and the planner told how many there are now
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = 'casework_enquirysearchdocument'"
            )
            assert cursor.fetchone()[0] == 4


# Words as PostgreSQL's websearch_to_tsquery reads them, on both databases ---------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("thatch", True),  # stemmed: "thatched"
        ("demolishing", True),  # stemmed: "demolish"
        ("Brackenth", False),  # part of a word is not a word
        ("the thatched barn", True),  # common words dropped
        ('"thatched barn"', True),  # a phrase, in order
        ('"barn thatched"', False),
        ("thatched barn", True),
        ("thatched zebra", False),  # every word must be there
        ("zebra or thatched", True),
        ("zebra or giraffe", False),
        ("thatched -zebra", True),
        ("thatched -dovecote", False),  # the update's word excludes it
        ('thatched -"thatched barn"', False),
        ("thatch*", True),  # FTS5's syntax is not read: a word
        ("^thatched", True),
        ("subject:thatched", False),  # "subject" is not in the words
        ("NEAR(thatched barn)", False),  # "near" is not in the words
        ('"thatched', True),  # an unclosed quote
        ("( ) * : ^ -", False),  # nothing to look for
        ("the of and", False),
    ],
)
def test_the_words_are_read_as_websearch_reads_them_on_either_database(adas, manager, query, found):
    assert _found(manager.user, query) == ([adas.reference] if found else [])


# SQLite: its FTS5 rows and their triggers ---------------------------------------------

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the FTS5 rows and their triggers exist on SQLite only; PostgreSQL's documents "
    "and their triggers have their own tests above",
)


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall() if row[0].startswith(fts5.TRIGGER_PREFIX)}


@sqlite_only
def test_a_migrate_runs_without_the_triggers_and_puts_them_back_with_the_words(adas, manager):
    every = {fts5.TRIGGER_PREFIX + name for name in fts5.TRIGGERS}
    assert _triggers() == every
    fts5.before_migrate(plan=[], using="default")  # nothing to apply: left as they are
    assert _triggers() == every
    fts5.before_migrate(plan=[("a migration", False)], using="default")
    assert _triggers() == set()
    # As a data migration would, with the triggers away: the words fall behind.
    Enquiry.objects.filter(pk=adas.pk).update(subject="Saving the Wrenfield Granary")
    assert _found(manager.user, "wrenfield") == []
    fts5.after_migrate(using="default")
    assert _triggers() == every
    assert _found(manager.user, "wrenfield") == [adas.reference]
    assert _found(manager.user, "ottercombe") == []
    assert not fts5.triggers_ensure()  # all there: nothing rewritten


@sqlite_only
def test_a_deleted_enquiry_leaves_no_row(adas):
    Enquiry.objects.filter(pk=adas.pk).delete()
    assert _written() == set()


@postgres_only
@pytest.mark.postgres
@pytest.mark.parametrize("recent_matches", [4, 1])
def test_the_newest_window_gives_the_newest_matches_of_all(
    submit, manager, monkeypatch, django_assert_num_queries, recent_matches
):
    """Searched first among the newest documents: if they hold enough matches those are
    the newest of all; if not, every document is searched. Either way the same answer as
    searching every document."""
    from datetime import timedelta

    from django.utils import timezone

    from casework.search import selectors

    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 3)
    monkeypatch.setattr(selectors, "RECENT_WINDOW", 6)
    monkeypatch.setattr(selectors, "_recent", None)
    start = timezone.now() - timedelta(days=100)
    made = []
    for day in range(12):  # the newest 6 are the window; the word in the newest few
        word = "gannet" if day < 6 or day >= 12 - recent_matches else "puffin"
        enquiry = submit(subject=f"About the {word} colony {day}")
        Enquiry.objects.filter(pk=enquiry.pk).update(received_at=start + timedelta(days=day))
        made.append(enquiry)
    newest_first = [e.pk for e in reversed(made) if "gannet" in e.subject]
    found = selectors._enquiry_candidates("gannet", Q(), Q())
    assert found == newest_first[:3]
    # One query when the window holds enough, two when every document is searched too.
    with django_assert_num_queries(1 if recent_matches >= 3 else 2):
        selectors._enquiry_candidates("gannet", Q(), Q())


@postgres_only
@pytest.mark.postgres
def test_only_the_documents_index_is_kept_for_words():
    """The per-column full-text indexes desk search no longer reads are gone (each cost
    every new enquiry, update and note a GIN write); the documents' index is there."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        indexes = {row[0] for row in cursor.fetchall()}
    gone = {
        "enquiry_subject_fts",
        "enquiry_message_fts",
        "enquiry_asset_trgm",
        "message_body_fts",
        "note_body_fts",
    }
    assert not indexes & gone
    assert {"enquiry_search_document_gin", "contact_name_trgm", "organisation_name_trgm"} <= indexes
