"""Test settings. The database and broker come from the environment like everywhere else, so the
same suite runs on SQLite + filesystem broker and on PostgreSQL + Redis."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-insecure-key"  # nosec B105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests run tasks in-process; tests marked `worker` start a real worker on a real broker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# SQLite test DB in a file, not in memory: concurrency tests and the real worker process must see
# the same database as the test (pytest-django suffixes it per xdist worker).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(RUN_DIR / "test_tolkdesk.sqlite3")}  # noqa: F405
# Login lockout needs the request in authenticate(); the suite's client.login() passes none. The
# lockout itself is tested with AXES_ENABLED switched on (tests/test_hardening.py).
AXES_ENABLED = False

# Agencies on this machine (tests' fake agency, the demo) may be reached over plain http.
TOLKDESK_AGENCY_HTTP_HOSTS = ["127.0.0.1", "localhost"]

# Two-step sign-in is off here whatever the environment says; tests that prove it is enforced turn it on.
TOLKDESK_MFA_REQUIRED = False
