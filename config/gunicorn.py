"""gunicorn settings for the desk: ``gunicorn -c config/gunicorn.py config.wsgi``.

Threaded workers, so that a slow request (a manager's 12-month report, a board PDF) holds
one thread, not a whole process: the advisers' queue and enquiry pages keep being
served beside it. Reports also take turns in the database (``REPORT_CONCURRENCY``,
casework/reports/session.py), so they cannot take every core either. Measured in
docs/performance.md ("Reports").

Environment: ``GUNICORN_BIND`` (default 127.0.0.1:8000), ``WEB_CONCURRENCY`` processes
(default 2; about one per core), ``GUNICORN_THREADS`` per process (default 4),
``GUNICORN_CONTROL_SOCKET`` (default none, below). Each
thread keeps its own database connection: allow processes x threads connections (plus
the task workers') in PostgreSQL's ``max_connections``.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# With threaded workers this is how long a worker process may go silent (hung), not a
# limit on one request: reports limit themselves (REPORT_TIMEOUT_SECONDS per statement,
# REPORT_QUEUE_SECONDS for a turn). Give the proxy a read timeout of a few minutes for
# the board PDF (four reports and a render).
timeout = 60
graceful_timeout = 30
# No access log: tracking links carry a secret token in the path (README, "Going live").
accesslog = None
# gunicorn's control socket (for ``gunicornc``) is off unless GUNICORN_CONTROL_SOCKET names
# one. Its default path is one per user (~/.gunicorn/gunicorn.ctl), so several app nodes
# on one machine (deploy/systemd/desk-gunicorn@.service) would take it from one another,
# and a command meant for one node would reach another.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
