"""Error pages: the API answers in JSON even for a URL that matches no route (e.g. /api/v1/visits/abc/,
where the route wants an integer), as its schema documents; pages get the styled templates
(templates/403.html, 404.html, 429.html, 500.html), in the user's language, with a way back."""

import math
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
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
