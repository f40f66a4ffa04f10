"""Two simultaneous saves of the same version, on PostgreSQL: the row lock makes the second
wait, then find the version moved on and refuse. Exactly one edit lands."""

import pytest
from django.db import connection

from casework.cases import services as services_cases
from casework.enquiry import services as services_edit
from casework.models import Case
from enquiries.models import Enquiry
from enquiries.services import StaleEdit
from tests.casework.test_concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock races need PostgreSQL: set DATABASE_URL=postgres://... to run them",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_simultaneous_enquiry_edits_of_one_version_exactly_one_lands(mine, adviser, manager):
    version = Enquiry.objects.get(pk=mine.pk).version

    def edit(person, subject):
        return lambda: services_edit.enquiry_edit(
            enquiry=Enquiry.objects.get(pk=mine.pk),
            expected_version=version,
            changes={"subject": subject},
            actor=person.user,
        )

    results = run_together(edit(adviser, "Ada's"), edit(manager, "Mina's"))

    saved = [r for r in results if isinstance(r, Enquiry)]
    refused = [r for r in results if isinstance(r, StaleEdit)]
    assert len(saved) == 1 and len(refused) == 1, results
    mine.refresh_from_db()
    assert mine.subject == saved[0].subject and mine.version == version + 1
    assert refused[0].current_version == version + 1


def test_two_simultaneous_case_edits_of_one_version_exactly_one_lands(mine, adviser, manager):
    case = services_cases.case_open_from_enquiry(enquiry=mine, actor=adviser.user, title="Bid")

    def edit(person, title):
        return lambda: services_cases.case_edit(
            case=Case.objects.get(pk=case.pk),
            expected_version=1,
            changes={"title": title},
            actor=person.user,
        )

    results = run_together(edit(adviser, "Ada's"), edit(manager, "Mina's"))

    saved = [r for r in results if isinstance(r, Case)]
    assert len(saved) == 1 and sum(isinstance(r, StaleEdit) for r in results) == 1
    case.refresh_from_db()
    assert case.title == saved[0].title and case.version == 2
