"""Django's database sessions, less one query for every new session (issue 12).

Django looks a new random key up before inserting it (``SELECT 1 ... WHERE session_key``),
then inserts it with ``must_create``, which refuses a key already taken all the same (the
primary key), and ``create`` then tries another. The look-up only spares that retry for a
clash of 32 random characters, which never happens in practice; every first form POST and
every sign-in paid for it. Everything else is the database backend's.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    def _get_new_session_key(self) -> str:
        # ``create`` saves it with ``must_create``: a clash raises CreateError and it
        # draws another.
        return get_random_string(32, VALID_KEY_CHARS)
