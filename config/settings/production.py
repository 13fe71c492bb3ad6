"""Production settings: PostgreSQL and Redis/RabbitMQ from the environment, secrets never in code."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_str

from .base import *  # noqa: F403
from .base import BASE_DIR, REST_FRAMEWORK, SECRET_KEY, logging_config

if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")

DEBUG = False

# Persistent database connections for web and worker processes (a new PostgreSQL connection per
# request cost x1.5-1.9 on check-in, issue 16), checked before reuse so a restarted database or a
# dropped connection gives a fresh one instead of an error. TOLKDESK_DATABASE_CONN_MAX_AGE overrides it.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("TOLKDESK_DATABASE_CONN_MAX_AGE", 60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Production runs behind one TLS proxy: the client's address is the one it appends to X-Forwarded-For.
TOLKDESK_TRUSTED_PROXY_COUNT = env_int("TOLKDESK_TRUSTED_PROXY_COUNT", 1)
SECURE_SSL_REDIRECT = env_bool("TOLKDESK_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STATIC_ROOT = env_str("TOLKDESK_STATIC_ROOT", str(BASE_DIR / ".run" / "staticfiles"))
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Issue 14, item 13: the API's schema and docs only for signed-in users (unless set otherwise), and no
# browsable API: JSON only.
TOLKDESK_API_DOCS_PUBLIC = env_bool("TOLKDESK_API_DOCS_PUBLIC", False)
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}

# Issue 14, item 4: a second factor for national admins, the Django admin and office managers.
TOLKDESK_MFA_REQUIRED = env_bool("TOLKDESK_MFA_REQUIRED", True)
# Notifications by SMTP (TOLKDESK_EMAIL_HOST, _PORT, _USE_TLS/_USE_SSL, _USER, _PASSWORD, _FROM).
EMAIL_BACKEND = env_str("TOLKDESK_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Visitor reminders: e-mail by SMTP as above, SMS by the gateway (TOLKDESK_SMS_GATEWAY_*). Never the
# console here: it would print visitors' phone numbers into the container's output.
TOLKDESK_VISITOR_REMINDER_BACKEND = env_str(
    "TOLKDESK_VISITOR_REMINDER_BACKEND", "visits.reminder_backends.DeliveryBackend"
)

# JSON lines, one per request too (config/logs.py); Celery logs through the same configuration.
TOLKDESK_LOG_FORMAT = env_str("TOLKDESK_LOG_FORMAT", "json")
LOGGING = logging_config(
    fmt=TOLKDESK_LOG_FORMAT,
    level=env_str("TOLKDESK_LOG_LEVEL", "INFO"),
    request_level=env_str("TOLKDESK_REQUEST_LOG_LEVEL", "INFO"),
)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
