"""Error pages: the API answers in JSON even for a URL that matches no route (e.g. /api/v1/visits/abc/,
where the route wants an integer), as its schema documents; pages get the styled templates
(templates/403.html, 404.html, 429.html, 500.html), in the user's language, with a way back."""

import math
import sys
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django import db
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults


def login_locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): the styled 429 page saying when to try
    again, with Retry-After."""
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    seconds = int(cool_off.total_seconds())
    response = render(request, "429.html", {"retry_minutes": max(1, math.ceil(seconds / 60))}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


# Errors that mean "the database is not there right now" (stopped, restarting, refusing
# connections), as opposed to a bug: answered 503 with Retry-After instead of Django's 500.
DATABASE_UNAVAILABLE = (db.OperationalError, db.InterfaceError)
RETRY_AFTER_SECONDS = 10


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_UNAVAILABLE)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 + Retry-After: JSON {"detail": ...} under /api/, the styled page elsewhere. Touches
    nothing that needs the database (no user, no session, no context processors)."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": _("The service is temporarily unavailable. Try again shortly.")}, status=503
        )
    else:
        html = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. Django calls it inside its `except` block, wherever the error arose (a view, the
    session or auth middleware): a database outage becomes a 503, anything else stays a 500."""
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return defaults.server_error(request)
