"""Keeps a signed-in session that still owes a second factor away from everything else."""

import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from config.middleware import POLLING_VIEWS
from config.middleware_base import Middleware, is_background_request, route_name
from visits.mfa.selectors import MfaNeed, mfa_need

# Reachable while a second factor is still owed, whatever the need: signing out, the language switch,
# the probes. The verification and enrolment pages are each reachable only for their own need (a
# session that owes a code must not be able to enrol a new app: that would bypass the old one).
ALWAYS_OPEN = frozenset({"login", "logout", "set_language", "healthz", "readyz", "metrics"})
OPEN_FOR_NEED = {
    MfaNeed.VERIFY: frozenset({"visits:mfa-verify"}),
    MfaNeed.ENROL: frozenset({"visits:mfa-setup"}),
}
PAGE_FOR_NEED = {MfaNeed.VERIFY: "visits:mfa-verify", MfaNeed.ENROL: "visits:mfa-setup"}
# What the session remembers: the need, for which user, under which setting, since when. Recomputed
# after NEED_TTL_SECONDS so a role change or a new enrolment elsewhere takes effect within a minute,
# without the two or three queries on every request of the check-in desk.
NEED_SESSION_KEY = "tolkdesk_mfa_need"
NEED_TTL_SECONDS = 60


def session_mfa_need(request: HttpRequest, user: Any = None) -> MfaNeed:
    user = user if user is not None else request.user
    cached = request.session.get(NEED_SESSION_KEY)
    now = int(time.time())
    if (
        isinstance(cached, dict)
        and cached.get("user") == user.pk
        and cached.get("required") == settings.TOLKDESK_MFA_REQUIRED
        and isinstance(cached.get("at"), int)
        and now - cached["at"] < NEED_TTL_SECONDS
        and cached.get("need") in MfaNeed.__members__.values()
    ):
        return MfaNeed(cached["need"])
    need = mfa_need(user)
    request.session[NEED_SESSION_KEY] = {
        "user": user.pk,
        "required": settings.TOLKDESK_MFA_REQUIRED,
        "at": now,
        "need": need.value,
    }
    return need


@receiver(user_logged_in)
def _need_at_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Saved with the session the sign-in writes anyway: a session's first page pays no query for it.
    if request is not None and hasattr(request, "session"):
        request.session.pop(NEED_SESSION_KEY, None)
        session_mfa_need(request, user)


def forget_mfa_need(request: HttpRequest) -> None:
    """After enrolling or switching off: the next request works the need out again."""
    request.session.pop(NEED_SESSION_KEY, None)


class MfaMiddleware(Middleware):
    """After django_otp's OTPMiddleware (which sets request.user.is_verified()) and the idle-session
    middleware. Kiosks authenticate per request with a token (DRF, later): their request.user is
    anonymous here, so they pass untouched."""

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        view_name = route_name(request)
        if view_name in ALWAYS_OPEN:
            return None
        need = session_mfa_need(request)
        if need is MfaNeed.NONE or view_name in OPEN_FOR_NEED[need]:
            return None
        target = reverse(PAGE_FOR_NEED[need])
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": _("Sign-in is not finished: a second factor is needed."),
                    "code": "mfa_required",
                    "mfa_url": target,
                },
                status=403,
            )
        if view_name in POLLING_VIEWS and is_background_request(request):  # the page's script goes to login_url
            return JsonResponse({"detail": _("Sign-in is not finished."), "login_url": target}, status=401)
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
