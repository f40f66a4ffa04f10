"""Keep tracking tokens out of logs: a token in a log is a key to someone's enquiry."""

import logging
import re

_TRACK_PATH = re.compile(r"/track/[^/\s\"?]+")


def redact(text: str) -> str:
    return _TRACK_PATH.sub("/track/[redacted]", text)


class RedactTrackingTokens(logging.Filter):
    """Rewrites any /track/<token> path in a log record (request lines, errors)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/track/" in message:
            record.msg, record.args = redact(message), None
        return True
