"""Where the letter task lived before the feature folders: a task queued then is stored
under this path (``casework.tasks.make_letter``) and is found here until it has run. New
tasks are queued from ``casework.letters.tasks``."""

from casework.letters.tasks import make_letter

__all__ = ["make_letter"]
