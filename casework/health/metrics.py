"""The figures ``/metrics`` reads from the database when it is scraped, not counted per
request: the task table and the owed emails are shared by every node and worker, so one
scrape of any node tells the whole installation's state (docs/operations.md)."""

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from casework.health.selectors import email_counts, task_queue_stats
from config.replica import replica_status

logger = logging.getLogger(__name__)


class DatabaseCollector(Collector):
    """Task queue depth by state, the oldest ready task's age, task failures, emails sent
    and failing. ``desk_metrics_database_up`` is 0 when the database could not be read
    (the other figures are then left out, not reported as zeros). With a read replica:
    whether it answered, and its lag (``config.replica``; left out when unknown)."""

    def collect(self) -> Iterator[Metric]:
        yield from _replica_metrics()
        try:
            tasks = task_queue_stats()
            emails = email_counts()
        except Exception:
            logger.warning("metrics: the database could not be read", exc_info=True)
            yield GaugeMetricFamily(
                "desk_metrics_database_up", "Whether the last scrape could read the database.", 0
            )
            return
        yield GaugeMetricFamily(
            "desk_metrics_database_up", "Whether the last scrape could read the database.", 1
        )
        depth = GaugeMetricFamily(
            "desk_tasks", "Rows in the task table, by state.", labels=["state"]
        )
        for state, count in tasks["by_state"].items():
            depth.add_metric([state.lower()], count)
        yield depth
        yield GaugeMetricFamily(
            "desk_task_oldest_ready_age_seconds",
            "How long the oldest task ready to run has waited (0: none is waiting).",
            tasks["oldest_ready_age"],
        )
        yield CounterMetricFamily(
            "desk_tasks_failed",
            "Tasks that failed for good (rows in the task table; pruning resets it).",
            tasks["by_state"]["FAILED"],
        )
        yield CounterMetricFamily(
            "desk_emails_sent", "Emails the desk owed and sent.", emails["sent"]
        )
        yield GaugeMetricFamily(
            "desk_emails_failed",
            "Emails owed and not sent, whose last attempt failed (retrying or given up).",
            emails["failed"],
        )


def _replica_metrics() -> Iterator[Metric]:
    status = replica_status()
    if status is None:
        return
    yield GaugeMetricFamily(
        "desk_replica_up", "Whether the read replica answered its last check.", status.reachable
    )
    if status.lag_seconds is not None:
        yield GaugeMetricFamily(
            "desk_replica_lag_seconds",
            "How far the read replica's data is behind (0: it has replayed all it is owed).",
            status.lag_seconds,
        )
