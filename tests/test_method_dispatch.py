"""/api/v1/enquiries/ serves two views (config.api.MethodDispatch): each method's answer
names every method the URL takes, whichever view gave it."""

import pytest
from django.utils.module_loading import import_string

pytestmark = pytest.mark.django_db

URL = "/api/v1/enquiries/"


def allowed(response) -> set[str]:
    return {m.strip() for m in response["Allow"].split(",")}


def test_options_names_the_intake_as_well_as_the_queue(client):
    response = client.options(URL)
    assert response.status_code in (401, 403)  # the staff view's rules for OPTIONS
    assert {"GET", "POST"} <= allowed(response)


def test_a_method_neither_view_takes_is_a_405_naming_both(api_client, adviser):
    api_client.force_authenticate(adviser.user)
    response = api_client.put(URL, {}, format="json")
    assert response.status_code == 405
    assert {"GET", "POST"} <= allowed(response)
    assert "PUT" not in allowed(response)


def test_a_letter_task_queued_under_its_old_path_still_runs():
    """Tasks waiting in the queue name their function by the path they had when queued."""
    from casework.letters.tasks import make_letter

    assert import_string("casework.tasks.make_letter") is make_letter
