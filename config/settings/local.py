"""Developer and demo settings: the embedded default."""

from config.env import env_bool

from .base import *  # noqa: F403

# Off unless asked for (TOLKDESK_DEBUG=1): the demo shows the styled error pages, not Django's debug
# pages. Static files are served by WhiteNoise either way.
DEBUG = env_bool("TOLKDESK_DEBUG", False)
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-do-not-use-in-production"  # noqa: F405  # nosec B105

# Agencies on this machine (tests' fake agency, the demo) may be reached over plain http.
TOLKDESK_AGENCY_HTTP_HOSTS = ["127.0.0.1", "localhost"]

# The demo's console backends (visitor reminders, staff e-mail) print to the worker's own stdout,
# which rundemo copies to its console. Celery would otherwise pass that output through its logger, as
# WARNING lines with the visitor's phone or e-mail in them, while reminders are never to be logged.
CELERY_WORKER_REDIRECT_STDOUTS = False
