"""Settings of the app nodes that tests/deploy starts: the suite's own (tests/settings.py,
which reads the environment like production), with static files served from the apps as
the suite serves them, without a collectstatic step. Everything else comes from the
environment the test gives each node."""

from tests.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
