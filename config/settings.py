"""Settings for the Community Rights Desk.

One file; every difference between machines comes from environment variables
(see README, "Configuration"). Defaults give a safe, zero-set-up desk on SQLite.
"""

import ipaddress
import os
import re
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DESK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SERVICE_NAME = env_str("SERVICE_NAME", "Community Rights Desk")
# The staff page of an enquiry (by URL name, taking its reference): the desk link in the
# emails the enquiries app sends advisers. That app sits below the desk and never names
# it; the project, which mounts both, tells it here.
DESK_ENQUIRY_URL_NAME = "casework:enquiry"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.postgres",
    "knowledgebase",
    "enquiries",
    "casework",
]

MIDDLEWARE = [
    "config.logs.RequestId",  # first: every log line of the request carries its id
    "config.metrics.RequestMetrics",  # times the whole request, by view name
    "django.middleware.security.SecurityMiddleware",
    "config.http.ApiResponsesNotStored",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.http.HtmxLeavesThePage",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.http.StaffSessionTimeouts",
    "casework.factors.middleware.SecondFactorRequired",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a lockout into the lockout page
]

# Staff sign-in (the desk's and the admin's): after LOGIN_FAILURE_LIMIT wrong passwords in
# a row for one username, that username is locked for LOGIN_LOCKOUT_MINUTES, whoever
# tries, counted in the database so every server process agrees (django-axes). The page
# says the same whether or not the account exists, and nothing personal is logged.
# The desk's backend is Django's ModelBackend reading a signed-in user with their role in
# one query (casework/sessions/backends.py); ModelBackend stays for sessions begun with it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "casework.sessions.backends.DeskBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "enquiries.ratelimit.client_address"  # honours NUM_PROXIES
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # no record of every sign-in's address and browser
AXES_VERBOSE = False  # no usernames or addresses in the logs
# axes.W006 asks for the address as a lockout parameter too. Not here: advisers often share
# one office address, and a few mistyped passwords from colleagues would lock them all out.
# Locking per username cannot be dodged by changing browser or cookies, which is W006's worry
# (silenced below, with the other checks).

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "config.context_processors.service",
            ],
        },
    },
]

# Django's form templates, the ones every field uses drawn in Python (issue 12).
FORM_RENDERER = "config.form_renderer.QuickFormRenderer"

# Database: SQLite file by default; PostgreSQL (or another) through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work during a write; IMMEDIATE takes the write lock at
    # the start of a transaction so two writers queue instead of deadlocking.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# A PostgreSQL streaming standby of DATABASE_URL for reports (config/replica.py,
# docs/reports.md "The read replica"): reports read from it while it is less than
# REPLICA_MAX_LAG_SECONDS behind, and from the primary (saying so) otherwise. Nothing else
# reads from it and nothing is ever written to it. Unset: no second alias, no router.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 60, minimum=1)
# How long one process trusts its last look at the replica's lag (0: look every time).
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 5, minimum=0)
if _replica_url := env_str("DATABASE_REPLICA_URL"):
    _replica = dj_database_url.parse(
        _replica_url,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    if {_replica["ENGINE"], DATABASES["default"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must name a PostgreSQL standby of a PostgreSQL DATABASE_URL"
        )
    # A replica that is down costs a report (and /readyz) this long before the fallback.
    _replica["OPTIONS"] = {**_replica.get("OPTIONS", {}), "connect_timeout": 2}
    # In tests the replica alias is not created: it reads the primary's test database by
    # name (on the replica's host and port, where a real standby has it too).
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        # Shared by every server process (unlike a per-process memory cache), so
        # rate limits hold across gunicorn workers. `make install` creates it.
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "desk_cache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Managers land on their home screen; advisers go on to the queue (casework.home).
LOGIN_REDIRECT_URL = "casework:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded documents and issued letters live here. Never served as static media: only
# through views that check who is asking (enquiries.conversation.services.attachment_response).
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 10, minimum=1) * 1024 * 1024

# The group's private tracking link: valid this many days after its last use.
TRACKING_LINK_DAYS = env_int("TRACKING_LINK_DAYS", 90, minimum=1)
# A group is asked whether the desk helped this many days after its enquiry closes
# (docs/feedback.md); 0 asks at the next run of ``send_feedback_requests``.
FEEDBACK_DELAY_DAYS = env_int("FEEDBACK_DELAY_DAYS", 7, minimum=0)
# How often an open desk page asks for the count of unread in-app notices (0: only when a
# page loads).
NOTICES_POLL_SECONDS = env_int("NOTICES_POLL_SECONDS", 30, minimum=0)
# How often an open enquiry page says it is still open and asks who else has it open;
# under the minute after which a viewer not heard from is gone.
PRESENCE_BEAT_SECONDS = env_int("PRESENCE_BEAT_SECONDS", 30, minimum=1, maximum=50)
# The scheduler (``manage.py run_scheduler``, docs/scheduler.md): a daily job whose time
# passed more than this many hours ago while no scheduler ran is skipped until its next
# time, rather than run late.
SCHEDULER_GRACE_HOURS = env_int("SCHEDULER_GRACE_HOURS", 12, minimum=1, maximum=23)

# Service levels: an enquiry is "at risk" this many working days before it would breach.
SLA_AT_RISK_WORKING_DAYS = env_int("SLA_AT_RISK_WORKING_DAYS", 1, minimum=0)

# PDFs (letters, the board report) are rendered by warm renderer processes, a pool of at
# most PDF_RENDER_POOL_SIZE per web process or worker (casework/desk/renderers.py). Each
# may use PDF_RENDER_MEMORY_LIMIT_MB of address space, and is replaced after
# PDF_RENDER_RECYCLE_AFTER documents or once its resident memory passes
# PDF_RENDER_RECYCLE_RSS_MB.
PDF_RENDER_POOL_SIZE = env_int("PDF_RENDER_POOL_SIZE", min(4, os.cpu_count() or 1), minimum=1)
PDF_RENDER_RECYCLE_AFTER = env_int("PDF_RENDER_RECYCLE_AFTER", 500, minimum=1)
PDF_RENDER_RECYCLE_RSS_MB = env_int("PDF_RENDER_RECYCLE_RSS_MB", 400, minimum=50)
PDF_RENDER_MEMORY_LIMIT_MB = env_int("PDF_RENDER_MEMORY_LIMIT_MB", 2048, minimum=0)
# A bulk batch is made in tasks of this many letters, each rendered in parallel by the
# worker's pool and recorded in one transaction (casework/letters/batches.py).
LETTER_BATCH_CHUNK = env_int("LETTER_BATCH_CHUNK", 20, minimum=1)

# Retention (docs/data-protection.md): personal data is anonymised this many years after
# an enquiry or case closed, unless a manager changed it on the data-protection page or a
# legal hold applies. The job works in batches of RETENTION_BATCH enquiries.
RETENTION_YEARS = env_int("RETENTION_YEARS", 6, minimum=1)
RETENTION_BATCH = env_int("RETENTION_BATCH", 500, minimum=1)
# A subject access request keeps the person's address (to find their records) until this
# many days after its release; the retention job then removes it.
SUBJECT_ACCESS_KEEP_DAYS = env_int("SUBJECT_ACCESS_KEEP_DAYS", 90, minimum=1)

# Webhooks (docs/webhooks.md): only public addresses unless this allows a receiver on a
# private or loopback network; how long a receiver has to answer.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)

# A group's tracking link is exchanged for a cookie at the first page (the token leaves the
# address bar); the cookie lasts this long after the last portal page.
PORTAL_COOKIE_MINUTES = env_int("PORTAL_COOKIE_MINUTES", 60, minimum=1)

# Email: the console by default; any SMTP server when EMAIL_HOST is set.
_email_host = env_str("EMAIL_HOST")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 25, minimum=1),
                "username": env_str("EMAIL_HOST_USER") or None,
                "password": env_str("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "use_ssl": env_bool("EMAIL_USE_SSL", False),
                "timeout": env_int("EMAIL_TIMEOUT", 20, minimum=1),
            },
        }
        if _email_host
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Community Rights Desk <desk@localhost>")

# Mail in (docs/email.md). Replies come back to MAIL_REPLY_ADDRESS with a signed tag
# (desk+CR-2026-000123.<signature>@...); it defaults to DEFAULT_FROM_EMAIL's address.
MAIL_REPLY_ADDRESS = env_str("MAIL_REPLY_ADDRESS", parseaddr(DEFAULT_FROM_EMAIL)[1])
MAIL_MAX_BYTES = env_int("MAIL_MAX_MB", 25, minimum=1) * 1024 * 1024
MAIL_LOOP_LIMIT_PER_HOUR = env_int("MAIL_LOOP_LIMIT_PER_HOUR", 20, minimum=1)
MAIL_DATE_MAX_AGE_DAYS = env_int("MAIL_DATE_MAX_AGE_DAYS", 7, minimum=1)
MAIL_POLL_SECONDS = env_int("MAIL_POLL_SECONDS", 60, minimum=0)


def _imap_mailbox(name: str, prefix: str) -> dict[str, object]:
    """One mailbox from MAIL_IMAP_<NAME>_* (or MAIL_IMAP_* for the first, unnamed one)."""
    security = env_str(f"{prefix}SECURITY", "ssl").lower()
    if security not in ("ssl", "starttls", "none"):
        raise ImproperlyConfigured(f"{prefix}SECURITY must be ssl, starttls or none")
    host = env_str(f"{prefix}HOST")
    if not host:
        raise ImproperlyConfigured(f"{prefix}HOST is needed for the mailbox {name!r}")
    return {
        "name": name,
        "host": host,
        "port": env_int(f"{prefix}PORT", 993 if security == "ssl" else 143, minimum=1),
        "security": security,
        "user": env_str(f"{prefix}USER"),
        "password": env_str(f"{prefix}PASSWORD"),
        "folder": env_str(f"{prefix}FOLDER", "INBOX"),
        "done_folder": env_str(f"{prefix}DONE_FOLDER", "Processed"),
        "timeout": env_int(f"{prefix}TIMEOUT", 30, minimum=1),
    }


# No mailbox configured: nothing polls. MAIL_IMAP_HOST configures one ("desk");
# MAIL_IMAP_MAILBOXES=desk,planning adds MAIL_IMAP_PLANNING_HOST, ..._USER, and so on.
MAIL_IMAP_MAILBOXES = [
    _imap_mailbox(name, "MAIL_IMAP_" if i == 0 else f"MAIL_IMAP_{name.upper()}_")
    for i, name in enumerate(
        n.strip()
        for n in env_str("MAIL_IMAP_MAILBOXES", "desk" if env_str("MAIL_IMAP_HOST") else "").split(
            ","
        )
        if n.strip()
    )
]

# Background work: Django's tasks framework (config/tasks.py, docs/operations.md "Workers").
# "database" (the default) needs a worker (`make worker`); "redis" keeps the queue in Redis
# (TASK_REDIS_URL, else REDIS_URL) and needs its worker (`make worker` too); "immediate"
# runs each task in the web request.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_redis.RedisTaskBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
TASK_BACKEND = env_str("TASK_BACKEND", "database")
if TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASK_BACKEND must be one of {sorted(_TASK_BACKENDS)}")
# How often a task that failed for a passing reason (SMTP down) is tried in all,
# and the first wait before trying again (doubling each time).
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 5, minimum=1)
TASK_RETRY_DELAY_SECONDS = env_int("TASK_RETRY_DELAY_SECONDS", 60, minimum=0)
# A task "running" for longer than this is taken to belong to a dead worker.
TASK_STALE_AFTER_SECONDS = env_int("TASK_STALE_AFTER_SECONDS", 900, minimum=60)
TASKS: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": _TASK_BACKENDS[TASK_BACKEND], "QUEUES": ["default"]}
}
if TASK_BACKEND == "redis":
    _task_redis_url = env_str("TASK_REDIS_URL") or env_str("REDIS_URL")
    if not _task_redis_url:
        raise ImproperlyConfigured("TASK_BACKEND=redis needs TASK_REDIS_URL (or REDIS_URL)")
    TASKS["default"]["OPTIONS"] = {
        "REDIS_URL": _task_redis_url,
        # Several installations (or test runs) can share one Redis under their own prefix.
        "REDIS_KEY_PREFIX": env_str("TASK_REDIS_KEY_PREFIX", "desk-tasks"),
        # The workers' own sweep for tasks of a dead worker follows the desk's reaper
        # (config.tasks.reap_stale_tasks): the same staleness, the same number of starts.
        "REDIS_CLAIM_TIMEOUT": TASK_STALE_AFTER_SECONDS,
        "REDIS_MAX_DELIVERIES": TASK_MAX_ATTEMPTS,
        "REDIS_SOCKET_CONNECT_TIMEOUT": 5,
        # Finished tasks are kept this long (django-tasks-db's are pruned after 30 days).
        "REDIS_RESULT_TTL": 30 * 24 * 3600,
    }
    # Its worker command (run_redis_tasks) and its admin pages.
    INSTALLED_APPS.append("django_tasks_redis")

# Manager reports on PostgreSQL (casework/reports/session.py, docs/performance.md): the
# memory each report's sorts may use, how long one may run, how many compute at once
# (0: no limit) and how long one waits for its turn before "busy, try again".
REPORT_WORK_MEM = env_str("REPORT_WORK_MEM", "64MB").replace(" ", "")
if not re.fullmatch(r"[1-9][0-9]*(kB|MB|GB)", REPORT_WORK_MEM):
    raise ImproperlyConfigured(f"REPORT_WORK_MEM must look like 64MB; got {REPORT_WORK_MEM!r}")
REPORT_TIMEOUT_SECONDS = env_int("REPORT_TIMEOUT_SECONDS", 30, minimum=1)
REPORT_CONCURRENCY = env_int("REPORT_CONCURRENCY", 1, minimum=0)
REPORT_QUEUE_SECONDS = env_int("REPORT_QUEUE_SECONDS", 20, minimum=1)
if REPORT_QUEUE_SECONDS >= REPORT_TIMEOUT_SECONDS:
    # The wait for a turn is one statement: past the timeout it would read as "too slow".
    raise ImproperlyConfigured("REPORT_QUEUE_SECONDS must be less than REPORT_TIMEOUT_SECONDS")

# Health and metrics (docs/operations.md). /readyz answers 503 when the oldest task ready
# to run has waited longer than READY_MAX_TASK_AGE_SECONDS, or an IMAP mailbox was last
# read longer than READY_MAX_MAIL_POLL_AGE_SECONDS ago; each client may ask READYZ_RATE.
READY_MAX_TASK_AGE_SECONDS = env_int("READY_MAX_TASK_AGE_SECONDS", 600, minimum=1)
READY_MAX_MAIL_POLL_AGE_SECONDS = env_int("READY_MAX_MAIL_POLL_AGE_SECONDS", 900, minimum=1)
READYZ_RATE = env_str("READYZ_RATE", "120/minute")
# /metrics answers these addresses (or networks), or a request with
# "Authorization: Bearer <METRICS_TOKEN>"; anyone else gets a 404.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_network!r} is no address") from None
METRICS_TOKEN = env_str("METRICS_TOKEN")
# The proxy's probes come over plain HTTP to the node: never redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.tokens.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.DeskPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "enquiry_intake": env_str("THROTTLE_ENQUIRY_INTAKE", "30/hour"),
    },
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "NUM_PROXIES": env_int("NUM_PROXIES", 0, minimum=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Community Rights Desk API",
    "DESCRIPTION": (
        "Intake of community rights enquiries from other sites (anonymous POST), "
        "and the staff desk: queue, claim and assign, organisations and contacts."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for a choice set that several fields share (org_type, organisation_type).
    "ENUM_NAME_OVERRIDES": {
        "EnquirerTypeEnum": "enquiries.models.EnquirerType",
        "CaseStatusEnum": "casework.models.CaseStatus",
        "EnquiryStatusEnum": "enquiries.models.Status",
        "OutcomeCodeEnum": "casework.outcomes.OutcomeCode",
        "EnquiryChannelEnum": "enquiries.models.Channel",
        "MessageChannelEnum": "enquiries.models.Message.Channel",
    },
    # /api/v1/enquiries/ serves two audiences through config.api.MethodDispatch.
    "PREPROCESSING_HOOKS": ["config.api.split_dispatched_endpoints"],
}

# Public intake form: submissions per client address per hour.
ENQUIRY_FORM_RATE = env_str("ENQUIRY_FORM_RATE", "20/hour")
# Before the form is sent, offer up to three guidance articles that may answer it.
ENQUIRY_FORM_SUGGESTIONS = env_bool("ENQUIRY_FORM_SUGGESTIONS", True)
# ... and per email address given, from any client.
ENQUIRY_FORM_ADDRESS_RATE = env_str("ENQUIRY_FORM_ADDRESS_RATE", "10/hour")
# Group portal: "send me a new link" and replies, per client address and per email address.
PORTAL_NEW_LINK_CLIENT_RATE = env_str("PORTAL_NEW_LINK_CLIENT_RATE", "10/hour")
PORTAL_NEW_LINK_ADDRESS_RATE = env_str("PORTAL_NEW_LINK_ADDRESS_RATE", "3/hour")
PORTAL_REPLY_CLIENT_RATE = env_str("PORTAL_REPLY_CLIENT_RATE", "30/hour")
PORTAL_REPLY_ADDRESS_RATE = env_str("PORTAL_REPLY_ADDRESS_RATE", "20/hour")

# Security headers. Production runs behind HTTPS; see README "Going live".
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Database sessions without Django's look-up of a new key before inserting it
# (config/sessions.py: one query fewer per new session).
SESSION_ENGINE = "config.sessions"
SESSION_COOKIE_HTTPONLY = True
# A signed-in session ends after this long without a request, and this long after sign-in
# whatever happens (config.http.StaffSessionTimeouts); the cookie lasts no longer.
# A second factor at sign-in (docs/data-protection.md): an authenticator app (TOTP) with
# recovery codes (django-otp). Required of "managers" (managers and anyone with admin
# access; the default), of all desk "staff", or of "none" (a development machine only).
# Anyone who has set one up is asked for it whatever this says.
MFA_REQUIRED_FOR = env_str("MFA_REQUIRED_FOR", "managers")
if MFA_REQUIRED_FOR not in ("managers", "staff", "none"):
    raise ImproperlyConfigured("MFA_REQUIRED_FOR must be managers, staff or none.")
OTP_TOTP_ISSUER = SERVICE_NAME

SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Joining the browsers' HSTS preload list binds every subdomain of the site's
# domain: a decision for the site owner (README), not a default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SILENCED_SYSTEM_CHECKS.append("axes.W006")  # see AXES_LOCKOUT_PARAMETERS
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The reports' covering index (enquiry_report_received_idx) is a PostgreSQL
    # optimisation: SQLite makes it a plain index on received_at, which is what it needs.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},  # LOG_FORMAT=json: one object a line
    },
    "filters": {
        "redact_tokens": {"()": "enquiries.log_filters.RedactTrackingTokens"},
        "request_id": {"()": "config.logs.RequestIdFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_tokens", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Django's own loggers ("Bad Request: /track/<token>/...", errors) and runserver's
        # request log go through the same redacting handler, never Django's defaults.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
