"""Production settings, plus the bare baseline view's URL and the statement-counting middleware.
Both apply to the check-in and the bare view alike, so the ratio compares the views only."""

from config.settings.production import *  # noqa: F403
from config.settings.production import MIDDLEWARE

ROOT_URLCONF = "bench.server.urls"
# First, so it counts every statement of the request, the middleware's own (session, user) included.
MIDDLEWARE = ["bench.server.views.StatementCountMiddleware", *MIDDLEWARE]
