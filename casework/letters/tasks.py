"""Background jobs of the letters feature. Each loads by id and is safe to run twice.

Run them with ``manage.py run_worker``: the desk's worker also reaps tasks left running by
a dead worker (``config.tasks``), which is why every task here must tolerate
running again after it got half-way.
"""

import logging
from collections import Counter

from casework.letters import batches
from config.tasks import enqueue_on_commit, is_transient, retry_later, task

logger = logging.getLogger(__name__)


@task()
def make_letters(letter_ids: list[int], attempt: int = 1) -> dict[str, int]:
    """Make a chunk of a bulk batch's letters (``batches.letters_make``); returns how many
    came out each way (issued, failed, already issued...).

    A fault that may pass is retried with back-off up to ``TASK_MAX_ATTEMPTS``; then, or for
    any other fault, the chunk's letters still pending are marked failed with the fault's
    name (the batch's other chunks carry on) and the error re-raised so the task result
    shows it.
    """
    try:
        outcomes = batches.letters_make(letter_ids=letter_ids)
    except Exception as error:
        if is_transient(error):
            try:
                retry_later(
                    make_letters, attempt=attempt, kwargs={"letter_ids": letter_ids}, error=error
                )
            except Exception:
                batches.letters_mark_failed(
                    letter_ids=letter_ids, reason=f"Gave up after {attempt} attempts"
                )
                raise
            raise
        logger.error("letters %s not made: %s", letter_ids, type(error).__name__)
        batches.letters_mark_failed(
            letter_ids=letter_ids, reason=f"Unexpected fault ({type(error).__name__})"
        )
        raise
    finally:
        batches.batches_finished_notice(letter_ids=letter_ids)
    return dict(Counter(outcomes.values()))


@task()
def make_letter(letter_id: int, attempt: int = 1) -> str:
    """One letter: what batches queued before they were made in chunks. Runs the chunk task's
    work for a chunk of one, so a task queued by an older release still makes its letter."""
    return next(iter(make_letters.call(letter_ids=[letter_id], attempt=attempt)))


def queue_letters(letter_ids: list[int]) -> None:
    """Queue a chunk of letters saved in the current transaction (``enqueue_on_commit``: the
    task row commits with the letters on the database backend, after them otherwise)."""
    enqueue_on_commit(make_letters, letter_ids=letter_ids)
