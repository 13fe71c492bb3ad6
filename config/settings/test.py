"""Test settings. The database and broker come from the environment like everywhere else, so the
same suite runs on SQLite + filesystem broker and on PostgreSQL + Redis."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-insecure-key"  # nosec B105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests run tasks in-process; tests marked `worker` start a real worker on a real broker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Login lockout needs the request in authenticate(); the suite's client.login() passes none. The
# lockout itself is tested with AXES_ENABLED switched on (tests/test_hardening.py).
AXES_ENABLED = False
