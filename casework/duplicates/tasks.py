"""Looking for likely duplicates in a worker (``manage.py run_worker``)."""

from casework.duplicates import services
from config.tasks import task


@task()
def find_duplicates(days: int | None = None) -> dict[str, int]:
    return services.duplicates_find(since=services.since_days(days) if days else None)
