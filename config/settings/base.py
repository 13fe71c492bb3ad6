"""Settings shared by every environment. Everything that differs between machines comes from the
environment, so the same code runs embedded (SQLite + filesystem broker) and in production
(PostgreSQL + Redis/RabbitMQ)."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_float, env_int, env_list, env_str
from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Runtime state of the embedded set-up (SQLite file, filesystem broker). Git-ignored.
RUN_DIR = Path(env_str("TOLKDESK_RUN_DIR", str(BASE_DIR / ".run")))


SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("TOLKDESK_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "config.admin.NationalAdminConfig",  # django.contrib.admin, for national admins only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Form widgets render through TEMPLATES (FORM_RENDERER below), so templates/admin/widgets/ can
    # label the admin's split date/time inputs; this app supplies Django's own widget templates.
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "visits",
    "interpreters",
    "visits.reports",
    "config.idempotency",
    "config.outbox",
]

MIDDLEWARE = [
    # First: no header with a control character (NUL breaks PostgreSQL text) reaches any code below.
    "config.middleware.HeaderControlCharacterMiddleware",
    # Every log line of the request, and every task it enqueues, carries its id.
    "config.requestid.RequestIdMiddleware",
    # Request latency by route name for /metrics.
    "config.metrics.MetricsMiddleware",
    "config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Everything past WhiteNoise is ours and may carry personal data: Cache-Control: no-store.
    "config.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Shared desks: idle sessions end; the pages' polling is not activity (issue 14, item 5).
    "config.middleware.IdleSessionMiddleware",
    # Two-step sign-in (visits/mfa): request.user.is_verified(), then a session that still owes a
    # second factor reaches only the verification or enrolment page (issue 14, item 4).
    "django_otp.middleware.OTPMiddleware",
    "visits.mfa.middleware.MfaMiddleware",
    "config.middleware.AuditlogMiddleware",
    # Idempotency-Key on API POSTs (config.idempotency): after the user is known.
    "config.idempotency.middleware.IdempotencyKeyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "visits.context_processors.navigation",
                "config.idempotency.forms.form_token",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{RUN_DIR / 'tolkdesk.sqlite3'}"),
        conn_max_age=env_int("TOLKDESK_DATABASE_CONN_MAX_AGE", 0),
        # A persistent connection is checked before each request reuses it: after a database
        # restart the first request reconnects instead of failing on a dead socket.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    # The web server and the Celery worker write to the same file: wait for the lock instead of
    # failing with "database is locked", and use WAL so readers never block the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_from_url(url: str) -> dict:
    """CACHES["default"] from a URL: locmem:// (one process; the default), redis://host:port/db or
    rediss://… (shared by every web and worker process: what production uses, so the API throttles
    count across processes). Short socket timeouts: a Redis outage must fail fast (the throttles
    then let requests through, visits.throttling), not hang the request."""
    scheme = url.split("://", 1)[0].lower()
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": url.split("://", 1)[1]}
    if scheme in ("redis", "rediss"):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    raise ValueError(f"TOLKDESK_CACHE_URL: unsupported scheme {scheme!r} (use locmem:// or redis://)")


CACHES = {"default": cache_from_url(env_str("TOLKDESK_CACHE_URL", "locmem://"))}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "visits:check-in"
LOGOUT_REDIRECT_URL = "login"

# Swedish first: the receptionists' working language. English for everyone else.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# Big holidays (storhelg) for the price lists' big-holiday surcharge, as data: holiday names as the
# `holidays` package spells them in Swedish (visits/workdays.py). Override with a comma-separated list.
TOLKDESK_BIG_HOLIDAYS = env_list(
    "TOLKDESK_BIG_HOLIDAYS",
    "Trettondedag jul,Påskafton,Långfredagen,Påskdagen,Annandag påsk,Pingstafton,Pingstdagen,"
    "Midsommarafton,Midsommardagen,Julafton,Juldagen,Annandag jul,Nyårsafton,Nyårsdagen",
)

STATIC_URL = "static/"
# Development and tests serve static files straight from static/ and the apps; production
# collects them into STATIC_ROOT (see production.py).
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "static"]

PHONENUMBER_DEFAULT_REGION = "SE"
PHONENUMBER_DB_FORMAT = "E164"

# Caps the body of any request: an oversize body is refused before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("TOLKDESK_MAX_BODY_BYTES", 256 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Kiosks: "Authorization: Token <key>", one office each (visits.authentication).
        "visits.authentication.KioskTokenAuthentication",
    ],
    # Per-client request budgets: anonymous by address, users by id, kiosks by token.
    "DEFAULT_THROTTLE_CLASSES": [
        "visits.throttling.AnonymousRateThrottle",
        "visits.throttling.StaffRateThrottle",
        "visits.throttling.KioskRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("TOLKDESK_THROTTLE_ANON", "60/min"),
        "user": env_str("TOLKDESK_THROTTLE_USER", "1200/min"),
        "kiosk": env_str("TOLKDESK_THROTTLE_KIOSK", "120/min"),
        # Per agency, counted after the signature check (interpreters/throttling.py).
        "agency_callback": env_str("TOLKDESK_THROTTLE_AGENCY_CALLBACK", "1200/min"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's stock parsers ignore DATA_UPLOAD_MAX_MEMORY_SIZE; these refuse an oversize body with 413.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "config.parsers.BoundedFormParser",
        "config.parsers.BoundedMultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.CappedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
}

# The OpenAPI schema and docs page without signing in (config/api_docs.py): yes here, no in production.
TOLKDESK_API_DOCS_PUBLIC = env_bool("TOLKDESK_API_DOCS_PUBLIC", True)

SPECTACULAR_SETTINGS = {
    "TITLE": "tolkdesk API",
    "DESCRIPTION": "Check-in, language needs and interpreter bookings at the state service offices.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from the drf-spectacular-sidecar package: the docs page works without any CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl null: Swagger UI would otherwise send the schema to validator.swagger.io.
    # deepLinking off: Swagger UI would put each operation's link inside its expand button, and a link
    # inside a button is unreachable for keyboards and screen readers (axe "nested-interactive").
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # The Idempotency-Key header on every API POST (config/idempotency) is documented by a hook.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.idempotency_key_header",
    ],
    # One schema name per choice set, whichever serializer field uses it.
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "interpreters.models.BookingStatus",
        "CompetenceLevelEnum": "interpreters.models.CompetenceLevel",
        "GenderEnum": "interpreters.models.Gender",
        "RequisitionStatusEnum": "interpreters.models.RequisitionStatus",
        "VisitStatusEnum": "visits.models.VisitStatus",
        "AppointmentStatusEnum": "visits.models.AppointmentStatus",
        "ReminderChannelEnum": "visits.models.ReminderChannel",
        "ComplaintTypeEnum": "interpreters.models.ComplaintType",
        "ComplaintStatusEnum": "interpreters.models.ComplaintStatus",
        "RequirementKindEnum": "interpreters.models.RequirementKind",
        "AgencyCallbackTypeEnum": "interpreters.events.CALLBACK_EVENT_TYPES",
    },
}

# Celery. The default broker is kombu's filesystem transport: a real broker and a real worker
# process with no server to install. CELERY_BROKER_URL switches to redis:// or amqp://.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
# Redis. Bound every broker operation: a refused or frozen broker costs a request at most a few
# seconds, never a hang that holds its database connection (the outbox relay also gives up at once).
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 3,
    "socket_keepalive": True,
    "health_check_interval": 25,
    # A message a killed worker had taken is delivered again after this many seconds (kombu's
    # default is an hour). It must exceed the longest task run plus the longest countdown/eta
    # (README, "Production"): dispatch runs are bounded by the agency timeouts (well under a
    # minute); the longest eta is the simulated agency's end-of-call callback (minutes).
    "visibility_timeout": env_int("TOLKDESK_BROKER_VISIBILITY_TIMEOUT", 900),
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = RUN_DIR / "broker" / "queue"
    _processed_dir = RUN_DIR / "broker" / "processed"
    _control_dir = RUN_DIR / "broker" / "control"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        # Without this kombu writes its exchange tables to ./control in the current directory.
        "control_folder": str(_control_dir),
        # kombu sleeps this long after each poll that finds no message (default 1 s): a booking
        # waited ~1 s for the worker and a burst ran at ~2 bookings/s (bench/booking.py). A
        # folder listing every 0.1 s costs next to nothing.
        "polling_interval": 0.1,
    }
    # kombu's transport, but a message file only appears once it is fully written.
    CELERY_BROKER_TRANSPORT = "config.kombu_filesystem:Transport"
    # kombu's filesystem transport expects its folders to exist.
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith(("amqp", "pyamqp")):
    # RabbitMQ: publisher confirms (a publish returns once the broker has the message, so the outbox
    # deletes only acknowledged rows) and bounded socket reads and writes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True, "read_timeout": 5, "write_timeout": 5}
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing never retries inside a request: the outbox relay tries once and leaves the row.
CELERY_TASK_PUBLISH_RETRY = False
# Workers keep reconnecting to a broker that went away (and on start-up).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE: dict = {
    # Usage rollups (visits.reports): every minute the office-days that writes marked dirty (each once;
    # expires so a slow worker never gets a backlog of identical runs), today and yesterday every 10
    # minutes as a safety net, the last 35 days nightly.
    "usage-rollups-dirty": {
        "task": "reports.usage_dirty_days_refresh",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "usage-rollups-recent": {"task": "reports.usage_rollups_refresh_recent", "schedule": 600.0, "args": (2,)},
    "usage-rollups-nightly": {
        "task": "reports.usage_rollups_refresh_recent",
        "schedule": crontab(hour=2, minute=30),
        "args": (35,),
    },
}
# Transactional outbox (config/outbox): tasks are rows written in the business transaction.
OUTBOX_PUBLISH_TIMEOUT_SECONDS = env_float("TOLKDESK_OUTBOX_PUBLISH_TIMEOUT_SECONDS", 1)
OUTBOX_RELAY_TIMEOUT_SECONDS = env_float("TOLKDESK_OUTBOX_RELAY_TIMEOUT_SECONDS", 5)
OUTBOX_LEASE_SECONDS = 30
OUTBOX_RETRY_MAX_SECONDS = 30
OUTBOX_RELAY_INTERVAL_SECONDS = env_float("TOLKDESK_OUTBOX_RELAY_INTERVAL_SECONDS", 5)
CELERY_BEAT_SCHEDULE["outbox-relay"] = {"task": "outbox.relay", "schedule": OUTBOX_RELAY_INTERVAL_SECONDS}
# /metrics: with a token, only "Authorization: Bearer <token>"; without one, only from this machine.
TOLKDESK_METRICS_TOKEN = env_str("TOLKDESK_METRICS_TOKEN", "")
TOLKDESK_METRICS_COLLECTORS = ["config.metrics.OpsCollector", "interpreters.metrics.BookingCollector"]
# /readyz: a worker or beat whose heartbeat is older than this is reported "stale".
READYZ_HEARTBEAT_MAX_AGE_SECONDS = env_int("TOLKDESK_READYZ_HEARTBEAT_MAX_AGE_SECONDS", 60)
# Single-instance lock and heartbeat (config/outbox/beat.py).
CELERY_BEAT_SCHEDULER = "config.outbox.beat:Scheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(RUN_DIR / "celerybeat-schedule")

# Write-once requests (config.idempotency): forget answers older than 24 h, hourly.
CELERY_BEAT_SCHEDULE["idempotency-records-purge"] = {"task": "idempotency.records_purge", "schedule": 60 * 60}

# Interpreter bookings (interpreters app). Seconds unless named otherwise.
BOOKING_AGENCY_MAX_ATTEMPTS = env_int("TOLKDESK_BOOKING_AGENCY_MAX_ATTEMPTS", 3)
BOOKING_RETRY_BASE_SECONDS = env_float("TOLKDESK_BOOKING_RETRY_BASE_SECONDS", 2)
BOOKING_RETRY_MAX_SECONDS = env_float("TOLKDESK_BOOKING_RETRY_MAX_SECONDS", 60)
BOOKING_STUCK_AFTER_SECONDS = env_int("TOLKDESK_BOOKING_STUCK_AFTER_SECONDS", 120)
BOOKING_SWEEP_INTERVAL_SECONDS = env_float("TOLKDESK_BOOKING_SWEEP_INTERVAL_SECONDS", 60)
BOOKING_ESCALATE_BEFORE_MINUTES = env_int("TOLKDESK_BOOKING_ESCALATE_BEFORE_MINUTES", 30)
BOOKING_URGENT_LEAD_MINUTES = env_int("TOLKDESK_BOOKING_URGENT_LEAD_MINUTES", 120)
# Hosts an agency's base_url may reach over plain http (issue 14): none in production; the test and
# demo settings allow their own machine for the fake and simulated agencies. Everything else is https.
TOLKDESK_AGENCY_HTTP_HOSTS: list[str] = []
AGENCY_WEBHOOK_TOLERANCE_SECONDS = env_int("TOLKDESK_WEBHOOK_TOLERANCE_SECONDS", 300)
CELERY_BEAT_SCHEDULE["interpreters-sweep-stuck-bookings"] = {
    "task": "interpreters.bookings_sweep_stuck",
    "schedule": BOOKING_SWEEP_INTERVAL_SECONDS,
}
# Pre-bookings whose agency let its answer deadline pass (issue 11) move to the next agency.
CELERY_BEAT_SCHEDULE["interpreters-answer-deadlines"] = {
    "task": "interpreters.booking_answer_deadlines",
    "schedule": 60.0,
}
# Appointments nobody checked in for, their end (and a grace) past: recorded as no-shows.
CELERY_BEAT_SCHEDULE["visits-appointments-no-show"] = {"task": "visits.appointments_no_show", "schedule": 5 * 60.0}
CELERY_BEAT_SCHEDULE["interpreters-escalate-unconfirmed-bookings"] = {
    "task": "interpreters.bookings_escalate_unconfirmed",
    "schedule": 60.0,
}
# Notifications (issue 11): e-mail through Django's backends. The demo prints to the console;
# production sends through SMTP (production.py) with the TOLKDESK_EMAIL_* variables.
EMAIL_BACKEND = env_str("TOLKDESK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("TOLKDESK_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("TOLKDESK_EMAIL_PORT", 25)
EMAIL_USE_TLS = env_bool("TOLKDESK_EMAIL_USE_TLS")  # STARTTLS (port 587)
EMAIL_USE_SSL = env_bool("TOLKDESK_EMAIL_USE_SSL")  # TLS from the first byte (port 465)
EMAIL_HOST_USER = env_str("TOLKDESK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("TOLKDESK_EMAIL_PASSWORD", "")
# Bounds each SMTP socket operation; a notification's send lease is longer, so a slow server never
# lets a second sender send the same row.
EMAIL_TIMEOUT = env_int("TOLKDESK_EMAIL_TIMEOUT_SECONDS", 20)
DEFAULT_FROM_EMAIL = env_str("TOLKDESK_EMAIL_FROM", "tolkdesk <tolkdesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
TOLKDESK_EMAIL_MESSAGE_ID_DOMAIN = env_str("TOLKDESK_EMAIL_MESSAGE_ID_DOMAIN", "tolkdesk.localhost")
NOTIFICATION_SEND_LEASE_SECONDS = max(120, 3 * EMAIL_TIMEOUT)
NOTIFICATION_RETRY_BASE_SECONDS = 30
NOTIFICATION_RETRY_MAX_SECONDS = 30 * 60
NOTIFICATION_MAX_CRASH_RESENDS = 1
NOTIFICATION_UNCONFIRMED_BEFORE_MINUTES = 30
CELERY_BEAT_SCHEDULE["interpreters-notifications-deliver-due"] = {
    "task": "interpreters.notifications_deliver_due",
    "schedule": 30.0,
    "options": {"expires": 25},
}
CELERY_BEAT_SCHEDULE["interpreters-prebookings-unconfirmed-notify"] = {
    "task": "interpreters.prebookings_unconfirmed_notify",
    "schedule": 60.0,
    "options": {"expires": 55},
}

# Reminders to visitors (issue 11, visits/reminders.py): only with consent, by SMS or e-mail, through
# the backend named here (visits/reminder_backends.py). The console (stdout, never the logs) unless
# set; production.py defaults to DeliveryBackend (e-mail by the EMAIL_* settings above, SMS by the
# gateway below).
TOLKDESK_VISITOR_REMINDER_BACKEND = env_str(
    "TOLKDESK_VISITOR_REMINDER_BACKEND", "visits.reminder_backends.ConsoleBackend"
)
# Sent once the appointment starts within this many hours (and is still ahead).
TOLKDESK_VISITOR_REMINDER_HOURS_BEFORE = env_float("TOLKDESK_VISITOR_REMINDER_HOURS_BEFORE", 24)
# A generic HTTP SMS gateway (JSON POST with a bearer token): https, or http to this machine only.
TOLKDESK_SMS_GATEWAY_URL = env_str("TOLKDESK_SMS_GATEWAY_URL", "")
TOLKDESK_SMS_GATEWAY_TOKEN = env_str("TOLKDESK_SMS_GATEWAY_TOKEN", "")
TOLKDESK_SMS_GATEWAY_SENDER = env_str("TOLKDESK_SMS_GATEWAY_SENDER", "Servicekontor")
TOLKDESK_SMS_GATEWAY_CONNECT_TIMEOUT_SECONDS = env_float("TOLKDESK_SMS_GATEWAY_CONNECT_TIMEOUT_SECONDS", 3)
TOLKDESK_SMS_GATEWAY_READ_TIMEOUT_SECONDS = env_float("TOLKDESK_SMS_GATEWAY_READ_TIMEOUT_SECONDS", 10)
# A sender's claim outlasts its slowest send (SMTP or gateway timeouts), so no second sender starts.
VISITOR_REMINDER_SEND_LEASE_SECONDS = max(
    120.0,
    3.0 * EMAIL_TIMEOUT,
    3.0 * (TOLKDESK_SMS_GATEWAY_CONNECT_TIMEOUT_SECONDS + TOLKDESK_SMS_GATEWAY_READ_TIMEOUT_SECONDS),
)
VISITOR_REMINDER_RETRY_BASE_SECONDS = 60
VISITOR_REMINDER_RETRY_MAX_SECONDS = 30 * 60
VISITOR_REMINDER_MAX_ATTEMPTS = 8
# A reminder queued this long past its due time without a sender (its task lost) is queued again.
VISITOR_REMINDER_REQUEUE_AFTER_SECONDS = 10 * 60
CELERY_BEAT_SCHEDULE["visits-appointment-reminders-due"] = {
    "task": "visits.appointment_reminders_due",
    "schedule": 5 * 60.0,
    "options": {"expires": 4 * 60},
}

# Complaints (issue 10): accepted automatically when the agency has not answered in this many months.
COMPLAINT_AUTO_ACCEPT_MONTHS = 3
CELERY_BEAT_SCHEDULE["interpreters-complaint-auto-accept"] = {
    "task": "interpreters.complaints_auto_accept",
    "schedule": crontab(hour=3, minute=10),
}

# Plain text by default (the demo console), JSON lines in production (production.py); every line
# carries the request or task id (config/logs.py). The per-request line is quiet unless asked for.
# An ordinary 403/404 is one line, not a traceback (config.log_filters.ClientErrorsWithoutTraceback).
TOLKDESK_LOG_FORMAT = env_str("TOLKDESK_LOG_FORMAT", "plain")
if TOLKDESK_LOG_FORMAT not in ("plain", "json"):
    raise ValueError(f"TOLKDESK_LOG_FORMAT must be plain or json, not {TOLKDESK_LOG_FORMAT!r}")
LOGGING = logging_config(
    fmt=TOLKDESK_LOG_FORMAT,
    level=env_str("TOLKDESK_LOG_LEVEL", "INFO"),
    request_level=env_str("TOLKDESK_REQUEST_LOG_LEVEL", "WARNING"),
)

# --- Security, audit and retention (issue 5) -------------------------------------------------
# Login rate limiting (config/login_lockout.py): a username is locked after AXES_FAILURE_LIMIT failed
# logins from any address, a client address after TOLKDESK_LOGIN_ADDRESS_FAILURE_LIMIT failures for any
# usernames; either lock lasts AXES_COOLOFF_TIME hours (answered 429).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("TOLKDESK_LOGIN_FAILURE_LIMIT", 5)
TOLKDESK_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("TOLKDESK_LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = env_float("TOLKDESK_LOGIN_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # separately; order used by config.login_lockout
AXES_HANDLER = "config.login_lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
# The styled 429 page that says when to try again (config.views.login_locked_out).
AXES_LOCKOUT_CALLABLE = "config.views.login_locked_out"
# The client's address (lockout, anonymous throttle, audit log): config/client_ip.py. The number of
# reverse proxies in front of the app; X-Forwarded-For is only read when it is above 0.
TOLKDESK_TRUSTED_PROXY_COUNT = env_int("TOLKDESK_TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip_address"

# Two-step sign-in (visits/mfa, issue 14 item 4): when on, national admins, Django admin users and office
# managers must use an authenticator app (TOTP) after the password; anyone may enrol from their
# account page. On in production (production.py), off here, in the demo and in the tests.
TOLKDESK_MFA_REQUIRED = env_bool("TOLKDESK_MFA_REQUIRED", False)
# Wrong codes in a row (over all of a user's devices) before code entry is locked for
# AXES_COOLOFF_TIME hours, like passwords; django-otp's own back-off (1, 2, 4 … s) applies before.
TOLKDESK_MFA_FAILURE_LIMIT = env_int("TOLKDESK_MFA_FAILURE_LIMIT", AXES_FAILURE_LIMIT)
OTP_TOTP_ISSUER = env_str("TOLKDESK_MFA_ISSUER", "tolkdesk")
# The admin lists devices (a national admin deletes a lost phone's) without showing their secrets.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Content Security Policy: no inline scripts or styles anywhere; every asset is served by us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Reception desks are shared: a session ends when the browser closes, and after this many minutes
# without use (config.middleware.IdleSessionMiddleware; background polling is not use).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Minutes, fractions allowed (the browser test uses a few seconds).
TOLKDESK_SESSION_IDLE_MINUTES = env_float("TOLKDESK_SESSION_IDLE_MINUTES", 30.0)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# Audit trail (django-auditlog): personal values never enter the log, only the fact of a change.
AUDITLOG_MASK_CALLABLE = "visits.audit.redact"
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Kiosk API tokens expire this many days after creation (issue 14, item 14).
TOLKDESK_KIOSK_TOKEN_DAYS = env_int("TOLKDESK_KIOSK_TOKEN_DAYS", 365)

# GDPR retention: visitors' personal fields are erased this many days after check-in.
TOLKDESK_RETENTION_DAYS = env_int("TOLKDESK_RETENTION_DAYS", 90)
CELERY_BEAT_SCHEDULE["visits.purge_personal_data"] = {
    "task": "visits.visit_purge_personal_data",
    "schedule": 60 * 60,  # hourly: each run erases what has passed the period since the last one
}
