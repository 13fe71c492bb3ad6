"""Request plumbing that every app shares."""

import re
import time
from typing import Any

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from config.client_ip import client_ip_address
from config.middleware_base import Middleware, is_background_request, route_name

# C0 controls except tab (legal in a header value), and DEL. PostgreSQL refuses NUL in text, so a
# NUL in, say, the User-Agent of a failed login made the attempt's INSERT fail: a 500 and no lockout
# count (issue 14, item 9). The others have no business in a header we store or log either.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def strip_control_characters(value: str) -> str:
    return _CONTROL.sub("", value)


class HeaderControlCharacterMiddleware(Middleware):
    """Strips control characters from every request header before any code (django-axes, auditlog,
    the audit trail) can write one to the database. First in MIDDLEWARE."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        for key, value in list(meta.items()):
            if (key.startswith("HTTP_") or key in ("REMOTE_ADDR", "REMOTE_HOST")) and isinstance(value, str):
                if _CONTROL.search(value):
                    meta[key] = strip_control_characters(value)
        return self.get_response(request)


class NoStoreMiddleware(Middleware):
    """``Cache-Control: no-store`` on every response our views make (issue 14, item 10): the pages, the
    API and the exports carry visitors' personal data, and reception desks are shared. A view that
    sets its own Cache-Control keeps it. Placed after WhiteNoise, so static files keep theirs."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response


class AuditlogMiddleware(_AuditlogMiddleware):
    """django-auditlog's, but the address comes from config.client_ip: auditlog's own takes the first
    X-Forwarded-For entry, which any client can write."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip_address(request) or None


# The pages' background polls (the receptionist's queue, the officer's booking status): they are
# not activity, and when the session is gone they answer 401 so the page goes to the login page.
POLLING_VIEWS = frozenset({"visits:queue", "interpreters:visit-booking-status"})
LAST_ACTIVITY_KEY = "tolkdesk_last_activity"
ACTIVITY_GRANULARITY_SECONDS = 60


@receiver(user_logged_in)
def _start_activity_clock(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = int(time.time())


class IdleSessionMiddleware(Middleware):
    """Reception desks are shared (issue 14, item 5): a session unused for TOLKDESK_SESSION_IDLE_MINUTES
    ends. Polling does not count as use. After AuthenticationMiddleware."""

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        # Opened directly (not in the background), a polled URL keeps the usual redirect to the login page.
        polling = route_name(request) in POLLING_VIEWS and is_background_request(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return _signed_out(request) if polling else None
        now = int(time.time())
        last = request.session.get(LAST_ACTIVITY_KEY)
        idle_seconds = settings.TOLKDESK_SESSION_IDLE_MINUTES * 60
        if isinstance(last, int) and now - last > idle_seconds:
            logout(request)
            if polling or request.path.startswith("/api/"):
                return _signed_out(request)
            return redirect_to_login(request.get_full_path())
        # Written at most once a minute (a session save on every request would cost a query each), or
        # more often when the idle period itself is short.
        granularity = min(ACTIVITY_GRANULARITY_SECONDS, idle_seconds / 4)
        if not isinstance(last, int) or (not polling and now - last >= granularity):
            request.session[LAST_ACTIVITY_KEY] = now
        return None


def _signed_out(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": _("Signed out."), "login_url": resolve_url(settings.LOGIN_URL)}, status=401)
