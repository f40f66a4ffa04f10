"""``config.api.exception_handler``, the API's one error path: each error it maps, with its
status, body and headers, and that an error it does not know is not swallowed (a 500)."""

import json
from datetime import UTC, datetime

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from casework.queue.selectors import FilterError
from casework.queue.services import AlreadyAssigned
from casework.reports.session import ReportUnavailable
from config.api import exception_handler
from config.errors import DomainError
from enquiries.services import StaleEdit, TransitionError
from enquiries.uploads import UploadRefused


class Raises(APIView):
    """Raises what it is given, as a service called by a view would."""

    authentication_classes = []
    permission_classes = [AllowAny]
    error: Exception = RuntimeError("no error given")

    def get(self, request):
        raise self.error


def answer(error: Exception):
    response = Raises.as_view(error=error)(APIRequestFactory().get("/"))
    response.render()
    return response, json.loads(response.content)


# --- domain errors ----------------------------------------------------------------------------


class Gone(DomainError):
    status_code = 410

    def api_body(self):
        return {"thing": [str(self)], "count": 2}

    def api_headers(self):
        return {"X-Why": "gone"}


def test_a_domain_error_is_a_400_with_its_message_as_detail_by_default():
    response, body = answer(DomainError("Not like that."))
    assert (response.status_code, body) == (400, {"detail": "Not like that."})


def test_a_domain_error_chooses_its_status_body_and_headers():
    response, body = answer(Gone("It went."))
    assert (response.status_code, body) == (410, {"thing": ["It went."], "count": 2})
    assert response["X-Why"] == "gone"


def test_a_stale_edit_is_a_409_with_the_version_to_reload_and_its_etag():
    changed_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    stale = StaleEdit(current_version=4, changed_by="Bea", changed_at=changed_at, noun="case")

    response, body = answer(stale)

    assert response.status_code == 409
    assert response["ETag"] == '"v4"'
    assert body == {
        "detail": stale.message,
        "current_version": 4,
        "changed_by": "Bea",
        "changed_at": "2026-03-02T09:30:00Z",
    }
    assert "changed this case" in body["detail"]


def test_a_stale_edit_nobody_is_named_for_keeps_its_nulls():
    response, body = answer(StaleEdit(current_version=2, changed_by=None, changed_at=None))
    assert response.status_code == 409
    assert (body["changed_by"], body["changed_at"]) == (None, None)


def test_already_assigned_is_a_409_with_detail():
    response, body = answer(AlreadyAssigned("Bea took it first."))
    assert (response.status_code, body) == (409, {"detail": "Bea took it first."})


def test_an_illegal_transition_is_a_400_on_status():
    response, body = answer(TransitionError("A closed enquiry cannot become answered."))
    assert response.status_code == 400
    assert body == {"status": ["A closed enquiry cannot become answered."]}


def test_a_refused_upload_is_a_400_on_file():
    response, body = answer(UploadRefused("“x.pdf” is empty."))
    assert (response.status_code, body) == (400, {"file": ["“x.pdf” is empty."]})


def test_filters_the_queue_cannot_apply_are_a_400_by_filter():
    class Filters(forms.Form):
        age = forms.ChoiceField(choices=[("0-7", "a week")])
        q = forms.CharField(max_length=3)

    form = Filters({"age": "100+", "q": "long"})
    assert not form.is_valid()

    response, body = answer(FilterError(form.errors))

    assert response.status_code == 400
    assert body == {
        "age": ["Select a valid choice. 100+ is not one of the available choices."],
        "q": ["Ensure this value has at most 3 characters (it has 4)."],
    }


@pytest.mark.parametrize(("retry_after", "header"), [(30, "30"), (None, None)])
def test_a_report_that_cannot_be_made_now_is_a_503(retry_after, header):
    response, body = answer(ReportUnavailable("Busy: try again.", retry_after=retry_after))
    assert (response.status_code, body) == (503, {"detail": "Busy: try again."})
    assert response.get("Retry-After") == header


# --- Django's ValidationError -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (DjangoValidationError({"title": "Give it a title."}), {"title": ["Give it a title."]}),
        (
            DjangoValidationError({"a": ["One.", "Two."], "b": "Three."}),
            {"a": ["One.", "Two."], "b": ["Three."]},
        ),
        (  # nested: a field's messages given as ValidationErrors, with params
            DjangoValidationError(
                {
                    "days": [
                        DjangoValidationError("At least %(n)s.", params={"n": 1}),
                        DjangoValidationError(["Whole days.", "Working days."]),
                    ]
                }
            ),
            {"days": ["At least 1.", "Whole days.", "Working days."]},
        ),
        (
            DjangoValidationError({NON_FIELD_ERRORS: "Not both."}),
            {NON_FIELD_ERRORS: ["Not both."]},
        ),
    ],
    ids=["one-field", "fields-and-lists", "nested-with-params", "non-field-key"],
)
def test_a_validation_error_with_fields_is_a_400_by_field(error, expected):
    response, body = answer(error)
    assert (response.status_code, body) == (400, expected)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (DjangoValidationError("Cannot be removed."), ["Cannot be removed."]),
        (DjangoValidationError(["One.", "Two."]), ["One.", "Two."]),
        (
            DjangoValidationError(
                [DjangoValidationError("%(what)s is gone.", params={"what": "It"}), "Also."]
            ),
            ["It is gone.", "Also."],
        ),
    ],
    ids=["message", "list", "nested-with-params"],
)
def test_a_validation_error_without_fields_is_a_400_listing_its_messages(error, expected):
    response, body = answer(error)
    assert (response.status_code, body) == (400, expected)


# --- what DRF already maps, and the request's own errors --------------------------------------


def test_permission_denied_is_a_403_with_its_message_as_detail():
    response, body = answer(PermissionDenied("Only a manager can reassign enquiries."))
    assert (response.status_code, body) == (
        403,
        {"detail": "Only a manager can reassign enquiries."},
    )


def test_permission_denied_without_a_message_says_so_in_drfs_words():
    response, body = answer(PermissionDenied())
    assert response.status_code == 403
    assert body == {"detail": str(exceptions.PermissionDenied.default_detail)}


def test_not_found_is_a_404():
    response, body = answer(Http404("No enquiry has this reference."))
    assert (response.status_code, body) == (404, {"detail": "No enquiry has this reference."})


def test_drfs_own_errors_are_answered_as_drf_does():
    response, body = answer(exceptions.Throttled(wait=7))
    assert response.status_code == 429 and response["Retry-After"] == "7"
    response, body = answer(exceptions.ValidationError({"key": ["Too long."]}))
    assert (response.status_code, body) == (400, {"key": ["Too long."]})


def test_a_request_too_large_to_read_is_a_413():
    response, body = answer(RequestDataTooBig("big"))
    assert (response.status_code, body) == (413, {"detail": "The request body is too large."})


# --- everything else --------------------------------------------------------------------------


@pytest.mark.parametrize("error", [RuntimeError("bug"), KeyError("x"), ValueError("y")])
def test_an_unknown_error_is_not_answered_but_raised(error):
    assert exception_handler(error, {}) is None
    with pytest.raises(type(error)):
        Raises.as_view(error=error)(APIRequestFactory().get("/"))


def test_an_unknown_error_reaches_the_client_as_a_500(client, urls_raising, caplog):
    client.raise_request_exception = False

    response = client.get("/raises/")

    assert response.status_code == 500
    [logged] = [r for r in caplog.records if r.name == "django.request"]
    assert str(logged.exc_info[1]) == "the bug"


@pytest.fixture
def urls_raising(settings):
    """A URLconf with one API view that fails with an error nobody maps."""
    import sys
    import types

    from django.urls import clear_url_caches, path

    module = types.ModuleType("tests_api_errors_urls")
    module.urlpatterns = [path("raises/", Raises.as_view(error=RuntimeError("the bug")))]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()
    yield
    del sys.modules[module.__name__]
    clear_url_caches()


def test_a_number_too_large_for_the_database_is_a_400():
    response, body = answer(OverflowError("Python int too large to convert to SQLite INTEGER"))
    assert response.status_code == 400
    assert body == {"detail": "A number in the request is too large."}


@pytest.mark.django_db
def test_a_huge_id_in_a_request_is_a_400_on_either_database(client, adviser, submit):
    """Real requests with a 30-digit id: a 400 on either database, never an overflow."""
    enquiry = submit()
    enquiry.assigned_to = adviser.user
    enquiry.save()
    client.force_login(adviser.user)

    filtered = client.get("/api/v1/tasks/", {"assignee": "9" * 30})
    assert filtered.status_code == 400 and "assignee" in filtered.json()

    published = client.post(
        f"/api/v1/enquiries/{enquiry.reference}/public-dates/",
        {"key_date": int("9" * 30), "rule": 1},
        content_type="application/json",
    )
    assert published.status_code == 400, published.content

    unmatched = client.get("/api/v1/service-levels/not-a-number/")
    assert unmatched.status_code == 404
    assert unmatched.json() == {"detail": "Not found."}
