"""Tracking tokens never reach the logs."""

import logging

import pytest

from enquiries.log_filters import RedactTrackingTokens, redact

pytestmark = pytest.mark.django_db


def test_redact_removes_the_token_from_request_lines():
    line = '"GET /track/AbC_123-xyz/ HTTP/1.1" 200 512'
    assert redact(line) == '"GET /track/[redacted]/ HTTP/1.1" 200 512'


def _redacting_filters() -> list[logging.Filter]:
    return [
        f
        for h in logging.getLogger().handlers
        for f in h.filters
        if isinstance(f, RedactTrackingTokens)
    ]


def test_the_configured_log_handler_redacts_tokens():
    filters = _redacting_filters()
    assert filters, "the root log handler has no token-redacting filter"
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/track/secret-token-value/",),
        None,
    )
    assert filters[0].filter(record)
    assert "secret-token-value" not in record.getMessage()
    assert "/track/[redacted]/" in record.getMessage()


@pytest.mark.parametrize("name", ["django", "django.request", "django.server"])
def test_djangos_own_loggers_write_only_through_the_redacting_handler(name):
    """Django's defaults (a console handler in DEBUG, mail_admins) would bypass the filter."""
    logger = logging.getLogger(name)
    while not logger.handlers and logger.propagate and logger.parent:
        logger = logger.parent
    ours = [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
    assert ours
    for handler in ours:
        assert any(isinstance(f, RedactTrackingTokens) for f in handler.filters), handler
