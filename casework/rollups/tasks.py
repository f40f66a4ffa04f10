"""Background job of the rollups: refresh the dirty days (safe to run twice, or at the same
time as another refresh: each day is refreshed under its own lock)."""

from casework.rollups import services
from config.tasks import task


@task()
def refresh_rollups(limit: int | None = None) -> dict[str, int]:
    """``services.dirty_refresh``; e.g. queued after a large import."""
    refreshed, left = services.dirty_refresh(limit=limit)
    return {"refreshed": refreshed, "left": left}
