"""Test defaults for the environment, then the one real settings module.

Not a second configuration: it only fills in environment variables that a
developer's shell would otherwise have to export (a throwaway SECRET_KEY,
plain HTTP, tasks run in-process). DATABASE_URL is left alone, so the same
suite runs on SQLite and on PostgreSQL.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("TASK_BACKEND", "immediate")
os.environ.setdefault("TASK_RETRY_DELAY_SECONDS", "0")
os.environ.setdefault("ENQUIRY_FORM_SUGGESTIONS", "0")  # on in tests/enquiries/test_suggestions.py
# Signing in with a second factor has its own tests (tests/casework/test_second_factor.py);
# elsewhere force_login stands for a completed sign-in.
os.environ.setdefault("MFA_REQUIRED_FOR", "none")
os.environ["DEBUG"] = "0"

from config.settings import *  # noqa: E402, F403

# Serve static files from the apps in tests, without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Factories hash a password per user; the fast hasher keeps the suite quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
