"""Issue 13: Schemathesis over the whole OpenAPI schema, as an adviser and as a manager,
against the app in-process on the suite's database: no request the schema allows (or
nearly allows) makes a server error, and every answer the schema describes matches it.

Kept short for CI (``FUZZ_EXAMPLES`` examples per operation and persona, default 8);
``FUZZ_EXAMPLES=200 pytest tests/test_api_fuzz.py`` searches harder."""

import os

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from casework.models import ApiToken, token_hash
from tests.openapi import openapi_schema

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


schema = schemathesis.openapi.from_dict(openapi_schema())
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def in_process(settings):
    """Schemathesis calls the WSGI app directly: allow its host, and keep the test's
    database connection open across requests, as Django's own test client does."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def keys(submit, adviser, manager):
    """An enquiry of the adviser's, so that some generated references land; a token each."""
    submit(subject="The Red Lion")
    made = {}
    for persona, user in [("adviser", adviser.user), ("manager", manager.user)]:
        key = f"crd_fuzz_{persona}_0123456789abcdef0123456789abcdef"
        ApiToken.objects.create(
            user=user,
            name="fuzz",
            key_hash=token_hash(key),
            prefix=key[:10],
            expires_at="2100-01-01T00:00:00Z",
        )
        made[persona] = key
    return made


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
    database=None,
)
def test_no_server_error_and_every_answer_matches_the_schema(case, keys):
    for persona in ("adviser", "manager"):
        case.call_and_validate(headers={"Authorization": f"Token {keys[persona]}"}, checks=CHECKS)
