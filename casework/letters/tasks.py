"""Background jobs of the letters feature. Each loads by id and is safe to run twice.

Run them with ``manage.py run_worker``: the desk's worker also reaps tasks left running by
a dead worker (``config.tasks``), which is why every task here must tolerate
running again after it got half-way.
"""

import logging

from django.tasks import task

from casework.letters import batches
from config.tasks import enqueue_on_commit, is_transient, retry_later

logger = logging.getLogger(__name__)


@task()
def make_letter(letter_id: int, attempt: int = 1) -> str:
    """Make one letter of a bulk batch (``batches.letter_make``).

    A fault that may pass is retried with back-off up to ``TASK_MAX_ATTEMPTS``; then, or for
    any other fault, the letter is marked failed with the fault's name (the batch carries on:
    each letter is its own task) and the error re-raised so the task result shows it.
    """
    try:
        return batches.letter_make(letter_id=letter_id)
    except Exception as error:
        if is_transient(error):
            try:
                retry_later(
                    make_letter, attempt=attempt, kwargs={"letter_id": letter_id}, error=error
                )
            except Exception:
                batches.letter_mark_failed(
                    letter_id=letter_id, reason=f"Gave up after {attempt} attempts"
                )
                raise
            raise
        logger.error("letter %s not made: %s", letter_id, type(error).__name__)
        batches.letter_mark_failed(
            letter_id=letter_id, reason=f"Unexpected fault ({type(error).__name__})"
        )
        raise


def queue_letter(letter_id: int) -> None:
    """Queue a letter saved in the current transaction (``enqueue_on_commit``: the task row
    commits with the letter on the database backend, after it otherwise)."""
    enqueue_on_commit(make_letter, letter_id=letter_id)
