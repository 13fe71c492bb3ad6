"""Production settings: PostgreSQL and Redis/RabbitMQ from the environment, secrets never in code."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, SECRET_KEY, env_bool, logging_config

if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", str(BASE_DIR / ".run" / "staticfiles"))
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# JSON lines, one per request too (config/logs.py); Celery logs through the same configuration.
TOLKDESK_LOG_FORMAT = os.environ.get("TOLKDESK_LOG_FORMAT", "json")
LOGGING = logging_config(
    fmt=TOLKDESK_LOG_FORMAT,
    level=os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    request_level=os.environ.get("TOLKDESK_REQUEST_LOG_LEVEL", "INFO"),
)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
